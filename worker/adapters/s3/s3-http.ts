/**
 * Every S3 request of the engine (GET, HEAD, PUT, UploadPart, ListObjectsV2, multipart start/complete/abort, CopyObject,
 * tagging, delete) over node:http with a hand-rolled SigV4 signature. Profiling showed SDK v3 spending ~1 CPU-ms per
 * request in middleware, endpoint rules and XML parsing — more than the copy itself for small objects; this path
 * costs a fraction, and one strict reading of every answer (s3-wire.ts) covers them all. The SDK is left only for
 * the default credential chain.
 */
import { createHash } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import type { Readable } from 'node:stream';
import { withRetryAdvice } from '../../core/errors.js';
import { retryAfterMs, untilAborted, withRetry } from '../../core/retry.js';
import { Http1Client } from './http1-client.js';
import { type HttpProxy, proxyFor } from '../../core/http-proxy-env.js';
import { adviseRetry, isCredentialRejection, markRetryableAfterRenewal } from './s3-errors.js';
import {
  describeForeignBody,
  implausibleXmlType,
  MalformedS3Answer,
  parseErrorDocument,
  S3HttpError,
} from './s3-wire.js';
import {
  canonicalQuery,
  EMPTY_SHA256,
  encodeKeyPath,
  SigV4Signer,
  UNSIGNED_PAYLOAD,
  type SigningCredentials,
} from './sigv4.js';

export interface S3HttpConfig {
  bucket: string;
  region: string;
  /** Undefined: AWS's own regional endpoint (China regions under amazonaws.com.cn). */
  endpoint?: string;
  forcePathStyle: boolean;
  /** Called per request; the SDK's providers memoise and refresh (instance roles). */
  credentials: () => Promise<SigningCredentials>;
  /** Anonymous requests: nothing is signed (public and open-data buckets; `credentials` is never called). */
  unsigned?: boolean;
  /**
   * The store rejected the credentials a request was signed with (403, or an expired/invalid key): re-read them;
   * true when others are now current. The request is then sent once more, or, if its body cannot be replayed,
   * its failure is marked retryable so the engine tries the object again.
   */
  renewCredentials?: (rejected: SigningCredentials) => Promise<boolean>;
  maxSockets: number;
  /** Attempts for requests whose body can be sent again (none, or a Buffer). */
  maxAttempts?: number;
  connectTimeoutMs?: number;
  /** Socket inactivity limit while a request or its response is under way. */
  idleTimeoutMs?: number;
  /**
   * Ends every request without a signal of its own, body included, when it aborts: a task's stop cuts the copies
   * under way instead of waiting for a store that holds them (up to the idle timeout, then the retries).
   */
  stopSignal?: AbortSignal;
}

export interface S3HttpRequest {
  method: 'GET' | 'HEAD' | 'PUT' | 'POST' | 'DELETE';
  /** Object key; undefined addresses the bucket itself. */
  key?: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: Buffer | Readable;
  contentLength?: number;
  /** Stops the request and its retries (a user's stop): the call rejects with the signal's reason at once. */
  signal?: AbortSignal;
  /**
   * The first request to a store (its access check), whose answer is small and quick from any S3: a store silent for
   * FIRST_CONTACT_IDLE_MS is given up after FIRST_CONTACT_ATTEMPTS, not the idle limit of a long copy times the
   * attempts of one (an endpoint that accepts connections and never answers held a run silent for ~20 minutes).
   */
  firstContact?: boolean;
}

export const FIRST_CONTACT_IDLE_MS = 20_000;
const FIRST_CONTACT_ATTEMPTS = 2;

export interface S3HttpResponse {
  status: number;
  /** Lower-case names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  body: Readable;
}

export { S3HttpError } from './s3-wire.js';

const STATUS_CODES: Record<number, string> = {
  301: 'PermanentRedirect',
  304: 'NotModified',
  400: 'BadRequest',
  403: 'Forbidden',
  404: 'NotFound',
  412: 'PreconditionFailed',
  502: 'BadGateway',
  503: 'SlowDown',
  504: 'GatewayTimeout',
};

/** Limit of an XML answer: a 1,000-key page of 1,024-byte keys, URL-encoded, stays well below it. */
const XML_ANSWER_LIMIT = 16 << 20;

function isDnsCompatibleBucket(bucket: string): boolean {
  return /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/.test(bucket);
}

/** Reads a whole answer; more than `limit` bytes is an error, never a silently shortened text. */
async function readText(res: S3HttpResponse, limit: number): Promise<string> {
  const body = res.body;
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of body) {
    n += (c as Buffer).length;
    if (n > limit) {
      body.destroy();
      throw new MalformedS3Answer(`answer larger than ${limit} bytes`);
    }
    chunks.push(c as Buffer);
  }
  const declared = res.headers['content-length'];
  if (declared !== undefined && Number(declared) !== n)
    throw new MalformedS3Answer(`answer of ${n} bytes where Content-Length says ${declared}`);
  return Buffer.concat(chunks, n).toString('utf8');
}

/** The text of an error answer, cut at `limit` (it is read only for its code and message). */
async function readErrorText(body: Readable, limit = 64 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of body) {
    n += (c as Buffer).length;
    if (n <= limit) chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Where a bucket's requests go: the socket's address, the Host header and the path its keys follow. */
export interface BucketAddress {
  socket: { secure: boolean; host: string; port: number; proxy?: HttpProxy };
  hostHeader: string;
  bucketPath: string;
}

/** Amazon S3's regional endpoint: under amazonaws.com.cn in the China regions. */
export function awsS3Endpoint(region: string): string {
  return `https://s3.${region}.amazonaws.com${region.startsWith('cn-') ? '.cn' : ''}`;
}

export function bucketAddress(
  config: Pick<S3HttpConfig, 'bucket' | 'region' | 'endpoint' | 'forcePathStyle'>,
): BucketAddress {
  const url = new URL(config.endpoint ?? awsS3Endpoint(config.region));
  const secure = url.protocol === 'https:';
  // Buckets with dots break TLS names when virtual-hosted; such buckets go path-style.
  const pathStyle = config.forcePathStyle || !isDnsCompatibleBucket(config.bucket);
  // URL keeps an IPv6 host in brackets: the socket wants the bare address, the Host header the bracketed one (and the
  // port only when it is not the scheme's default, which URL drops).
  const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const basePath = url.pathname.replace(/\/+$/, '');
  const host = pathStyle ? hostname : `${config.bucket}.${hostname}`;
  const port = url.port ? Number(url.port) : secure ? 443 : 80;
  const hostHeader = pathStyle ? url.host : `${config.bucket}.${url.host}`;
  // NO_PROXY is matched against the authority the requests go to (the bucket's own name when virtual-hosted).
  const proxy = proxyFor(new URL(`${url.protocol}//${hostHeader}`));
  return {
    socket: { secure, host, port, ...(proxy ? { proxy } : {}) },
    hostHeader,
    bucketPath: pathStyle ? `${basePath}/${encodeKeyPath(config.bucket)}` : basePath,
  };
}

export class S3HttpClient {
  private readonly signer: SigV4Signer;
  private readonly http: Http1Client;
  /** The Host header and the path every request's key follows: the same for every request of this bucket. */
  private readonly hostHeader: string;
  private readonly bucketPath: string;
  /**
   * The store's clock minus this machine's, learnt from a RequestTimeTooSkewed answer: S3 refuses a signature dated
   * more than 15 minutes off its own time, and a VM or laptop clock drifts that far. Requests are then dated by the
   * store's clock, as the AWS SDKs do.
   */
  private clockOffsetMs = 0;

  constructor(private readonly config: S3HttpConfig) {
    // Each request in flight listens to the stop signal until it ends (here and on its connection): as many as the
    // requests under way, which Node would otherwise take for a listener leak past 10 and warn about.
    if (config.stopSignal) setMaxListeners(0, config.stopSignal);
    this.signer = new SigV4Signer(config.region);
    const address = bucketAddress(config);
    this.hostHeader = address.hostHeader;
    this.bucketPath = address.bucketPath;
    this.http = new Http1Client(address.socket, {
      maxSockets: config.maxSockets,
      connectTimeoutMs: config.connectTimeoutMs ?? 10_000,
      idleTimeoutMs: config.idleTimeoutMs ?? 300_000,
    });
  }

  /**
   * Sends a request; any status of 300 and above becomes an S3HttpError. `accept` checks a 2xx answer (and may read
   * it); what it throws is retried like a failed request. Replayable requests are retried.
   */
  async send<T = S3HttpResponse>(req: S3HttpRequest, accept?: (res: S3HttpResponse) => T | Promise<T>): Promise<T> {
    const signal = req.signal ?? this.config.stopSignal;
    if (!signal) return this.sendUnstoppable(req, accept);
    signal.throwIfAborted();
    return untilAborted(this.sendUnstoppable({ ...req, signal }, accept), signal);
  }

  private async sendUnstoppable<T>(req: S3HttpRequest, accept?: (res: S3HttpResponse) => T | Promise<T>): Promise<T> {
    const replayable = req.body === undefined || Buffer.isBuffer(req.body);
    const signedWith: { credentials?: SigningCredentials } = {};
    const attempt = () =>
      withRetry(
        async () => {
          const res = await this.sendOnce(req, signedWith);
          if (!accept) return res as T;
          try {
            return await accept(res);
          } catch (err) {
            res.body.destroy();
            throw err;
          }
        },
        {
          attempts: !replayable ? 1 : req.firstContact ? FIRST_CONTACT_ATTEMPTS : this.attempts(),
          isRetryable: adviseRetry,
          baseMs: 100,
          signal: req.signal,
        },
      );
    try {
      return await attempt();
    } catch (err) {
      const rejected = signedWith.credentials;
      if (!rejected || !this.config.renewCredentials || !isCredentialRejection(err)) throw err;
      if (!(await this.config.renewCredentials(rejected))) throw err;
      if (replayable) return attempt();
      throw markRetryableAfterRenewal(err);
    }
  }

  /**
   * Sends the request and reads its XML answer with `parse` (which checks it is the document expected). An answer
   * of an implausible type (HTML, JSON), shorter than its Content-Length, or not that document is retried.
   */
  async sendForXml<T>(req: S3HttpRequest, parse: (text: string, headers: Record<string, string>) => T): Promise<T> {
    return this.send(req, async (res) => {
      const type = res.headers['content-type'];
      if (implausibleXmlType(type)) throw new MalformedS3Answer(`content type ${type} where XML was expected`);
      return parse(await readText(res, XML_ANSWER_LIMIT), res.headers);
    });
  }

  private attempts(): number {
    return this.config.maxAttempts ?? 4;
  }

  private async sendOnce(
    req: S3HttpRequest,
    signedWith: { credentials?: SigningCredentials },
  ): Promise<S3HttpResponse> {
    const path = req.key === undefined ? `${this.bucketPath}/` : `${this.bucketPath}/${encodeKeyPath(req.key)}`;
    const headers: Record<string, string> = { host: this.hostHeader };
    for (const [name, value] of Object.entries(req.headers ?? {})) headers[name.toLowerCase()] = value;
    const length = Buffer.isBuffer(req.body) ? req.body.length : req.contentLength;
    if (length !== undefined && req.method !== 'GET' && req.method !== 'HEAD')
      headers['content-length'] = String(length);
    // S3 wants a length on every PUT and POST, a body-less one (CopyObject, CreateMultipartUpload) included.
    else if (req.method === 'PUT' || req.method === 'POST') headers['content-length'] = '0';
    // A body with Content-MD5 is checked by the store already; hashing it again with SHA-256 only costs CPU.
    const payloadHash =
      req.body === undefined
        ? EMPTY_SHA256
        : Buffer.isBuffer(req.body) && !headers['content-md5']
          ? createHash('sha256').update(req.body).digest('hex')
          : UNSIGNED_PAYLOAD;
    if (!this.config.unsigned) {
      const credentials = await this.config.credentials();
      signedWith.credentials = credentials;
      const now = new Date(Date.now() + this.clockOffsetMs);
      this.signer.sign({ method: req.method, path, query: req.query, headers, payloadHash }, credentials, now);
    }
    const query = canonicalQuery(req.query);
    return this.exchange(req, { path: query ? `${path}?${query}` : path, headers });
  }

  private async exchange(
    req: S3HttpRequest,
    wire: { path: string; headers: Record<string, string> },
  ): Promise<S3HttpResponse> {
    const res = await this.http.request({
      method: req.method,
      path: wire.path,
      headers: wire.headers,
      body: req.body,
      signal: req.signal,
      idleTimeoutMs: req.firstContact ? FIRST_CONTACT_IDLE_MS : undefined,
    });
    if (res.status < 300) return res;
    // An error answer: read for its code and message (a body still being sent was stopped by the client).
    const text = await readErrorText(res.body);
    const doc = parseErrorDocument(text);
    const code = doc.code ?? STATUS_CODES[res.status] ?? `HTTP${res.status}`;
    const foreign =
      doc.code === undefined && text.trim() !== '' ? describeForeignBody(res.headers['content-type'], text) : undefined;
    // A 404 with another service's page in place of S3's error document (a web server or gateway that lost its way)
    // says nothing about the bucket or the key: a broken answer, asked again like one, never "no such key".
    if (res.status === 404 && foreign)
      throw new MalformedS3Answer(`HTTP 404 with ${foreign}, not an S3 error document; check the endpoint`);
    const err = new S3HttpError(
      res.status,
      code,
      doc.message ?? `${req.method} answered HTTP ${res.status}${foreign ? ` with ${foreign}` : ''}`,
      retryAfterMs(res.headers['retry-after']),
    );
    err.bucketRegion = res.headers['x-amz-bucket-region'] ?? doc.region;
    err.endpointRegion = doc.endpointRegion;
    err.foreignBody = foreign !== undefined;
    if (code === 'RequestTimeTooSkewed') this.learnClock(err, res.headers.date, text);
    throw err;
  }

  /** Takes the store's time from its answer (Date, or the error's ServerTime); the request is then worth sending again. */
  private learnClock(err: S3HttpError, dateHeader: string | undefined, text: string): void {
    const serverTime = Date.parse(dateHeader ?? /<ServerTime>([^<]+)<\/ServerTime>/.exec(text)?.[1] ?? '');
    if (Number.isNaN(serverTime)) return;
    this.clockOffsetMs = serverTime - Date.now();
    err.clockSkewMs = this.clockOffsetMs;
    withRetryAdvice(err, { retryable: true });
  }
}
