/**
 * The S3 requests of the copy hot path (GET, HEAD, PUT, UploadPart, ListObjectsV2, and HeadBucket, multipart start,
 * CopyObject) over node:http with a hand-rolled SigV4 signature. Profiling showed SDK v3 spending ~1 CPU-ms per
 * request in middleware, endpoint rules and XML parsing — more than the copy itself for small objects; this path
 * costs a fraction. Rarer calls (multipart complete/abort, tagging, delete) stay on the SDK.
 */
import { createHash } from 'node:crypto';
import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Readable } from 'node:stream';
import { withRetry } from '../../core/retry.js';
import { isRetryable } from './s3-errors.js';
import { canonicalQuery, EMPTY_SHA256, encodeKeyPath, SigV4Signer, UNSIGNED_PAYLOAD, type SigningCredentials } from './sigv4.js';

export interface S3HttpConfig {
  bucket: string;
  region: string;
  /** Undefined: AWS's own regional endpoint (China regions under amazonaws.com.cn). */
  endpoint?: string;
  forcePathStyle: boolean;
  /** Called per request; the SDK's providers memoise and refresh (instance roles). */
  credentials: () => Promise<SigningCredentials>;
  maxSockets: number;
  /** Attempts for requests whose body can be sent again (none, or a Buffer). */
  maxAttempts?: number;
  connectTimeoutMs?: number;
  /** Socket inactivity limit while a request or its response is under way. */
  idleTimeoutMs?: number;
}

export interface S3HttpRequest {
  method: 'GET' | 'HEAD' | 'PUT' | 'POST' | 'DELETE';
  /** Object key; undefined addresses the bucket itself. */
  key?: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: Buffer | Readable;
  contentLength?: number;
}

export interface S3HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: IncomingMessage;
}

/** An S3 error answer, shaped like the SDK's (name = S3 error code, $metadata.httpStatusCode) for the shared error mapping. */
export class S3HttpError extends Error {
  readonly $metadata: { httpStatusCode: number };

  constructor(status: number, code: string, message: string) {
    super(message || code);
    this.name = code;
    this.$metadata = { httpStatusCode: status };
  }
}

const STATUS_CODES: Record<number, string> = { 301: 'PermanentRedirect', 304: 'NotModified', 400: 'BadRequest', 403: 'Forbidden', 404: 'NotFound', 412: 'PreconditionFailed', 503: 'SlowDown' };

const XML_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

export function decodeXmlText(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(/&(#x[0-9a-fA-F]+|#\d+|amp|lt|gt|quot|apos);/g, (_, e: string) =>
    e[0] === '#' ? String.fromCodePoint(e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10)) : XML_ENTITIES[e]);
}

/** Text of the first <tag>…</tag> in `xml` (S3 answers are flat enough for this). */
export function xmlTag(xml: string, tag: string): string | undefined {
  const open = xml.indexOf(`<${tag}>`);
  if (open < 0) return undefined;
  const start = open + tag.length + 2;
  const end = xml.indexOf(`</${tag}>`, start);
  return end < 0 ? undefined : decodeXmlText(xml.slice(start, end));
}

function isDnsCompatibleBucket(bucket: string): boolean {
  return /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/.test(bucket);
}

async function readText(body: IncomingMessage, limit = 1 << 20): Promise<string> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of body) {
    n += (c as Buffer).length;
    if (n <= limit) chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export class S3HttpClient {
  private readonly signer: SigV4Signer;
  private readonly agent: HttpAgent | HttpsAgent;
  private readonly secure: boolean;
  private readonly hostname: string;
  private readonly port?: number;
  private readonly basePath: string;
  private readonly pathStyle: boolean;

  constructor(private readonly config: S3HttpConfig) {
    this.signer = new SigV4Signer(config.region);
    const url = new URL(config.endpoint ?? `https://s3.${config.region}.amazonaws.com${config.region.startsWith('cn-') ? '.cn' : ''}`);
    this.secure = url.protocol === 'https:';
    this.hostname = url.hostname;
    this.port = url.port ? Number(url.port) : undefined;
    this.basePath = url.pathname.replace(/\/+$/, '');
    // Buckets with dots break TLS names when virtual-hosted; such buckets go path-style.
    this.pathStyle = config.forcePathStyle || !isDnsCompatibleBucket(config.bucket);
    const agentOptions = { keepAlive: true, maxSockets: config.maxSockets };
    this.agent = this.secure ? new HttpsAgent(agentOptions) : new HttpAgent(agentOptions);
  }

  /** Sends a request; any status of 300 and above becomes an S3HttpError. Replayable requests are retried. */
  async send(req: S3HttpRequest): Promise<S3HttpResponse> {
    const replayable = req.body === undefined || Buffer.isBuffer(req.body);
    return withRetry(() => this.sendOnce(req), { attempts: replayable ? this.attempts() : 1, isRetryable, baseMs: 100 });
  }

  /** Sends the request and reads the whole answer as text (bucket listings, small XML answers). */
  async sendForText(req: S3HttpRequest): Promise<{ headers: IncomingHttpHeaders; text: string }> {
    return withRetry(async () => {
      const res = await this.sendOnce(req);
      return { headers: res.headers, text: await readText(res.body) };
    }, { attempts: this.attempts(), isRetryable, baseMs: 100 });
  }

  private attempts(): number {
    return this.config.maxAttempts ?? 4;
  }

  private async sendOnce(req: S3HttpRequest): Promise<S3HttpResponse> {
    const credentials = await this.config.credentials();
    const host = this.pathStyle ? this.hostname : `${this.config.bucket}.${this.hostname}`;
    const bucketPath = this.pathStyle ? `${this.basePath}/${encodeKeyPath(this.config.bucket)}` : this.basePath;
    const path = req.key === undefined ? `${bucketPath}/` : `${bucketPath}/${encodeKeyPath(req.key)}`;
    const headers: Record<string, string> = { host: this.port ? `${host}:${this.port}` : host };
    for (const [name, value] of Object.entries(req.headers ?? {})) headers[name.toLowerCase()] = value;
    const length = Buffer.isBuffer(req.body) ? req.body.length : req.contentLength;
    if (length !== undefined && req.method !== 'GET' && req.method !== 'HEAD') headers['content-length'] = String(length);
    // A body with Content-MD5 is checked by the store already; hashing it again with SHA-256 only costs CPU.
    const payloadHash = req.body === undefined ? EMPTY_SHA256
      : Buffer.isBuffer(req.body) && !headers['content-md5'] ? createHash('sha256').update(req.body).digest('hex') : UNSIGNED_PAYLOAD;
    this.signer.sign({ method: req.method, path, query: req.query, headers, payloadHash }, credentials);
    const query = canonicalQuery(req.query);
    return this.exchange(req, { host, path: query ? `${path}?${query}` : path, headers });
  }

  private exchange(req: S3HttpRequest, wire: { host: string; path: string; headers: Record<string, string> }): Promise<S3HttpResponse> {
    return new Promise<S3HttpResponse>((resolve, reject) => {
      const send = this.secure ? httpsRequest : httpRequest;
      const r = send({
        hostname: wire.host, port: this.port, method: req.method, path: wire.path, headers: wire.headers,
        agent: this.agent, servername: this.secure ? wire.host : undefined,
      });
      let settled = false;
      const fail = (err: unknown) => {
        if (settled) return;
        settled = true;
        reject(err);
      };
      r.on('socket', (socket) => {
        if (!socket.connecting) return;
        const timer = setTimeout(() => r.destroy(Object.assign(new Error(`connect timeout to ${this.hostname}`), { code: 'ETIMEDOUT' })),
          this.config.connectTimeoutMs ?? 10_000);
        socket.once('connect', () => clearTimeout(timer));
        socket.once('close', () => clearTimeout(timer));
      });
      r.setTimeout(this.config.idleTimeoutMs ?? 300_000, () => r.destroy(Object.assign(new Error('socket timeout: no data for too long'), { code: 'ETIMEDOUT' })));
      r.on('error', (err) => {
        fail(err);
        if (req.body && !Buffer.isBuffer(req.body)) req.body.destroy();
      });
      r.on('response', (res) => {
        const status = res.statusCode ?? 0;
        if (status < 300) {
          settled = true;
          resolve({ status, headers: res.headers, body: res });
          return;
        }
        readText(res, 64 * 1024).then((text) => {
          const code = xmlTag(text, 'Code') ?? STATUS_CODES[status] ?? `HTTP${status}`;
          fail(new S3HttpError(status, code, xmlTag(text, 'Message') ?? `${req.method} answered HTTP ${status}`));
        }, fail);
        // A failed streamed upload: stop reading the rest of the body.
        if (req.body && !Buffer.isBuffer(req.body)) {
          req.body.unpipe(r);
          req.body.destroy();
        }
      });
      if (req.body === undefined) r.end();
      else if (Buffer.isBuffer(req.body)) r.end(req.body);
      else {
        // The body's own failure (a broken source) aborts the request and is what the caller sees.
        req.body.once('error', (err) => {
          fail(err);
          r.destroy(err);
        });
        req.body.pipe(r);
      }
    });
  }
}
