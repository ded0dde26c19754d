import { Readable } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import { retryAdviceOf, type TransferSide, UploadGoneError } from '../../core/errors.js';
import { withRetry } from '../../core/retry.js';
import { compareKeys } from '../../core/key-order.js';
import type { AccessKeys } from '../../ports/secret-store.js';
import type {
  LevelEntry,
  ObjectHead,
  ObjectStore,
  ObjectSummary,
  StoredPart,
  UploadedPart,
  WriteOptions,
  WriteResult,
} from '../../ports/object-store.js';
import { annotateBodyErrors, toActionableError, type S3ErrorContext } from './s3-errors.js';
import type { RotatingAccessKeys } from './rotating-keys.js';
import { awsS3Endpoint, S3HttpClient, type S3HttpResponse } from './s3-http.js';
import {
  completeMultipartBody,
  encryptionOfWrite,
  etagOfWrite,
  headFromHeaders,
  MalformedS3Answer,
  parseCompleteMultipart,
  parseCopyObject,
  parseInitiateMultipart,
  parseListUploads,
  parseListPage,
  parseS3Document,
  parseTagging,
  type S3HttpError,
  storedPartFromHeaders,
  writeHeaders,
  type ListPage,
} from './s3-wire.js';

export interface S3BucketConfig {
  bucket: string;
  region: string;
  /** Undefined: AWS's own endpoint for the region. */
  endpoint?: string;
  /** Undefined (and no rotatingCredentials, not anonymous): the default AWS credential chain (instance role, env). */
  credentials?: AccessKeys;
  /** Keys from a secret, re-read periodically and when the store rejects them (instead of `credentials`). */
  rotatingCredentials?: RotatingAccessKeys;
  /** Unsigned requests: a side not in this account and without credentials (public and open-data buckets). */
  anonymous?: boolean;
  requesterPays?: boolean;
  /**
   * Reads ask for the bytes as stored (`Accept-Encoding: gzip`). GCS serves an object stored with Content-Encoding gzip
   * decompressed, without a Content-Length and ignoring ranges, to a client that does not say it accepts gzip
   * ("decompressive transcoding"): its size, MD5 and ranges are the stored bytes'. Only for such a store: a proxy
   * before another store could compress on the fly what it stores plain.
   */
  readsStoredEncoding?: boolean;
  /** Sockets kept open to the endpoint; the engine's concurrency is bounded below this. */
  maxSockets?: number;
  /** Which end of the transfer this bucket is, named in every error. */
  side?: TransferSide;
  /** The secret the credentials came from, named when they are rejected. */
  credentialsName?: string;
  /** A secret the task names for this side but leaves unused (xInCurrentAccount=true), named when no keys are found. */
  ignoredCredentialsName?: string;
  /** Attempts per request the S3 client makes before the failure reaches the engine (default 4). */
  maxAttempts?: number;
  /** Ends every request under way (reads' bodies included) when it aborts: a task's stop. */
  stopSignal?: AbortSignal;
}

/**
 * A listing page that moves on: a store that ignores continuation-token (or a proxy that drops it) answers the first
 * page again and again with a token, and the listing would never end, queueing the same keys without bound. The page
 * must start after the previous page's last key and must not hand back the token it was asked with.
 */
function pageAfter(page: ListPage, token: string | undefined, after: string | undefined): ListPage {
  if (token !== undefined && page.nextToken === token)
    throw new MalformedS3Answer('the listing answered the same continuation token again (it does not move on)');
  const first = page.objects[0]?.key;
  if (after !== undefined && first !== undefined && compareKeys(first, after) <= 0)
    throw new MalformedS3Answer(
      `the listing went back: a page after key ${JSON.stringify(after.slice(0, 80))} starts at ${JSON.stringify(first.slice(0, 80))} (does the store ignore continuation-token or start-after?)`,
    );
  return page;
}

/**
 * A read of the whole object is answered 200. A 206 (a cache or proxy in front of the store answering part of it)
 * carries the part's length and the object's ETag: taken as the object, its bytes were sent on, and where the ETag is
 * no MD5 only the confirming HEAD caught it, misread as a source that changed during the copy.
 */
function wholeObjectAnswer(res: S3HttpResponse): void {
  if (res.status === 200) return;
  const range = res.headers['content-range'];
  throw new MalformedS3Answer(
    `read of the whole object answered ${res.status}${range ? ` with Content-Range ${JSON.stringify(range)}` : ''}`,
  );
}

/**
 * A listing of `prefix` holds only keys under it: a store that ignores `prefix` would hand over every key of the
 * bucket, and the task would copy what it was told to leave out.
 */
function pageUnder(page: ListPage, prefix: string): ListPage {
  if (!prefix) return page;
  const outside =
    page.objects.find((o) => !o.key.startsWith(prefix))?.key ?? page.folders.find((f) => !f.startsWith(prefix));
  if (outside !== undefined)
    throw new MalformedS3Answer(
      `a listing of prefix ${JSON.stringify(prefix.slice(0, 80))} answered the key ${JSON.stringify(outside.slice(0, 80))}, outside it (does the store ignore prefix?)`,
    );
  return page;
}

/** A level listing's page as one run in key order: its objects and folders are each sorted, and S3 interleaves them. */
function* mergeLevel(page: ListPage): Generator<LevelEntry> {
  const folders = page.folders.values();
  let folder = folders.next();
  for (const object of page.objects) {
    for (; !folder.done && compareKeys(folder.value, object.key) < 0; folder = folders.next())
      yield { folder: folder.value };
    yield { object };
  }
  for (; !folder.done; folder = folders.next()) yield { folder: folder.value };
}

/**
 * What a write carrying tags (x-amz-tagging) needs on AWS: s3:PutObjectTagging as well as s3:PutObject, and a refusal
 * of either is the same 403 on the write. Undefined for other writes (the operation's own permission).
 */
function taggedWritePermission(options: WriteOptions): string | undefined {
  return options.tags && Object.keys(options.tags).length > 0
    ? 's3:PutObject (and s3:PutObjectTagging: the copy carries tags)'
    : undefined;
}

/**
 * A listing page the store refused for being busy (503 SlowDown, 429) or could not answer for a while (a gateway's
 * 502/504) after the request's own retries is asked again, further apart: a pass over millions of keys is not thrown
 * away for a few seconds of throttling (the original's finder waited and listed again up to 5 times). Up to ~14 s.
 */
const BUSY_LISTING_ATTEMPTS = 4;
const BUSY_LISTING_BASE_MS = 2000;

/** What one listing asks for beyond its prefix. */
interface ListingOptions {
  startAfter?: string;
  delimiter?: string;
  signal?: AbortSignal;
}

function storeBusy(err: unknown): boolean {
  const advice = retryAdviceOf(err);
  return advice?.retryable === true && (advice.throttled === true || advice.unreachable === true);
}

/** One bucket on an S3-compatible endpoint, every request over the lean SigV4 path; SDK v3 only for the default credential chain. */
export class S3ObjectStore implements ObjectStore {
  readonly bucket: string;
  readonly endpointIdentity: string;
  readonly location: string;
  private sdkLoaded?: Promise<S3Client>;
  private readonly endpointLabel: string;
  private readonly payerHeader: Record<string, string>;
  /** An object read's headers: the payer's, and what readsStoredEncoding asks for. */
  private readonly readHeaders: Record<string, string>;
  private readonly http: S3HttpClient;

  constructor(private readonly config: S3BucketConfig) {
    this.bucket = config.bucket;
    this.endpointLabel = config.endpoint ?? new URL(awsS3Endpoint(config.region)).host;
    const signer = config.anonymous
      ? 'anonymous'
      : config.rotatingCredentials
        ? `secret:${config.credentialsName ?? ''}`
        : (config.credentials?.accessKeyId ?? 'default-chain');
    this.endpointIdentity = `${this.endpointLabel}|${signer}`;
    this.location = `${this.endpointLabel.replace(/\/+$/, '')}/${config.bucket}`;
    this.payerHeader = config.requesterPays ? { 'x-amz-request-payer': 'requester' } : {};
    this.readHeaders = config.readsStoredEncoding
      ? { ...this.payerHeader, 'accept-encoding': 'gzip' }
      : this.payerHeader;
    const keys = config.credentials;
    const rotating = config.rotatingCredentials;
    this.http = new S3HttpClient({
      bucket: config.bucket,
      region: config.region,
      endpoint: config.endpoint,
      forcePathStyle: this.forcePathStyle(),
      maxSockets: this.maxSockets(),
      maxAttempts: config.maxAttempts,
      unsigned: config.anonymous,
      // Keys from a secret stay current (rotation); static keys sign directly; the default chain (instance role, env)
      // comes from the SDK's provider, memoised and refreshed.
      credentials: rotating
        ? () => rotating.current()
        : keys
          ? async () => keys
          : async () => (await this.sdk()).config.credentials(),
      renewCredentials: rotating ? (rejected) => rotating.renew(rejected) : undefined,
      stopSignal: config.stopSignal,
    });
  }

  private maxSockets(): number {
    return this.config.maxSockets ?? 128;
  }

  /** Custom endpoints (s3rver, MinIO, Kodo) rarely support virtual-hosted buckets; OSS/COS require them. */
  private forcePathStyle(): boolean {
    return this.config.endpoint !== undefined && !/aliyuncs\.com|myqcloud\.com/.test(this.config.endpoint);
  }

  /**
   * The SDK, only for the default credential chain (instance role, environment), memoised and refreshed by its
   * providers. Loaded on first use: evaluating it costs ~0.2 CPU-s at start-up, which a run with static keys never needs.
   */
  private sdk(): Promise<S3Client> {
    this.sdkLoaded ??= (async () => {
      const [{ S3Client }, { sdkProxySettings }] = await Promise.all([
        import('@aws-sdk/client-s3'),
        import('../aws/sdk-proxy.js'),
      ]);
      return new S3Client({
        ...sdkProxySettings(),
        region: this.config.region,
        endpoint: this.config.endpoint,
        forcePathStyle: this.forcePathStyle(),
      });
    })();
    return this.sdkLoaded;
  }

  /** Runs one request; its failure becomes an error naming side, bucket, operation and key, with retry advice. */
  private async call<T>(
    operation: string,
    key: string | undefined,
    fn: () => Promise<T>,
    permission?: string,
  ): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw toActionableError(err, { ...this.errorContext(operation, key), permission });
    }
  }

  /** What an error of this request names: side, bucket, operation, key, endpoint and where the keys came from. */
  private errorContext(operation: string, key?: string): S3ErrorContext {
    return {
      side: this.config.side,
      bucket: this.bucket,
      operation,
      key,
      endpoint: this.endpointLabel,
      endpointSet: this.config.endpoint !== undefined,
      secretName: this.config.credentialsName,
      ignoredSecretName: this.config.ignoredCredentialsName,
      anonymous: this.config.anonymous,
      requesterPays: this.config.requesterPays,
    };
  }

  private mapError(err: unknown, operation: string, key?: string): unknown {
    return toActionableError(err, this.errorContext(operation, key));
  }

  /** A GET answer's body whose failures (reset or cut mid-download) name this request and carry retry advice. */
  private body(res: S3HttpResponse, operation: string, key: string): Readable {
    annotateBodyErrors(res.body, this.errorContext(operation, key));
    return res.body;
  }

  /**
   * A write's answer: its ETag, and no <Error> document in the body (some proxies and stores answer a failed write
   * with 200 and one). Other bodies, which S3 never sends here, are ignored.
   */
  private static async acceptWrite(res: S3HttpResponse): Promise<WriteResult & { etag: string }> {
    let text = '';
    for await (const c of res.body) if (text.length < 65_536) text += (c as Buffer).toString('utf8');
    if (text.includes('<Error>')) parseS3Document(text, 'WriteResult');
    return { etag: etagOfWrite(res.headers), serverSideEncryption: encryptionOfWrite(res.headers) };
  }

  /**
   * A one-key listing rather than HeadBucket: it needs the same permission (s3:ListBucket), and unlike a HEAD its
   * error answer has a body, so rejected keys and a missing permission are told apart; a wrong endpoint answering
   * HTML fails here, before anything is compared.
   */
  async checkAccess(signal?: AbortSignal): Promise<void> {
    const query = { 'list-type': '2', 'max-keys': '1', 'encoding-type': 'url' };
    await this.call('ListObjectsV2', undefined, () =>
      this.http.sendForXml({ method: 'GET', query, headers: this.payerHeader, signal, firstContact: true }, (text) =>
        parseListPage(text, this.bucket),
      ),
    );
  }

  async *list(prefix: string, startAfter?: string, signal?: AbortSignal): AsyncIterable<ObjectSummary> {
    for await (const page of this.pages(prefix, { startAfter, signal })) yield* page.objects;
  }

  async *listLevel(prefix: string, signal?: AbortSignal): AsyncIterable<LevelEntry> {
    for await (const page of this.pages(prefix, { delimiter: '/', signal })) {
      for (const f of page.folders) {
        // One level down: its first "/" after the prefix is its last character (pageUnder saw it is under the prefix).
        if (f.indexOf('/', prefix.length) !== f.length - 1)
          throw new MalformedS3Answer(
            `a listing with delimiter "/" of ${JSON.stringify(prefix)} answered the folder ${JSON.stringify(f.slice(0, 80))}, not one level below it`,
          );
      }
      yield* mergeLevel(page);
    }
  }

  /** ListObjectsV2 pages under `prefix`, each asked for while the caller works through the one before. */
  private async *pages(prefix: string, o: ListingOptions): AsyncIterable<ListPage> {
    /** `after`: the last key of the page before, which this page must go past. */
    const fetchPage = (token?: string, after?: string): Promise<ListPage> =>
      withRetry(() => this.fetchListPage(prefix, o, token, after), {
        attempts: BUSY_LISTING_ATTEMPTS,
        baseMs: BUSY_LISTING_BASE_MS,
        isRetryable: storeBusy,
        signal: o.signal,
      });
    // The first page must start after `startAfter` too: a store that ignores it lists from the start again.
    let pending: Promise<ListPage> | undefined = fetchPage(undefined, o.startAfter);
    let after: string | undefined = o.startAfter;
    while (pending) {
      const page: ListPage = await pending;
      after = page.objects.at(-1)?.key ?? after;
      pending = page.nextToken ? fetchPage(page.nextToken, after) : undefined;
      pending?.catch(() => {}); // surfaced when awaited; avoids an unhandled rejection if the caller stops early
      yield page;
    }
  }

  /** One ListObjectsV2 page; `after`: the last key of the page before, which this page must go past. */
  private fetchListPage(prefix: string, o: ListingOptions, token?: string, after?: string): Promise<ListPage> {
    return this.call('ListObjectsV2', undefined, async () => {
      const query: Record<string, string> = { 'list-type': '2', 'encoding-type': 'url' };
      if (prefix) query.prefix = prefix;
      if (o.delimiter) query.delimiter = o.delimiter;
      if (token) query['continuation-token'] = token;
      else if (o.startAfter) query['start-after'] = o.startAfter;
      return this.http.sendForXml({ method: 'GET', query, headers: this.payerHeader, signal: o.signal }, (text) =>
        pageUnder(pageAfter(parseListPage(text, this.bucket), token, after), prefix),
      );
    });
  }

  async head(key: string): Promise<ObjectHead | undefined> {
    try {
      return await this.http.send({ method: 'HEAD', key, headers: this.payerHeader }, (res) => {
        res.body.resume();
        return headFromHeaders(key, res.headers);
      });
    } catch (err) {
      if ((err as S3HttpError).$metadata?.httpStatusCode === 404 && (err as S3HttpError).name !== 'NoSuchBucket')
        return undefined;
      throw this.mapError(err, 'HeadObject', key);
    }
  }

  async open(key: string, ifMatch?: string): Promise<{ head: ObjectHead; body: Readable } | undefined> {
    try {
      return await this.http.send(
        { method: 'GET', key, headers: ifMatch ? { ...this.readHeaders, 'if-match': ifMatch } : this.readHeaders },
        (res) => {
          wholeObjectAnswer(res);
          return { head: headFromHeaders(key, res.headers), body: this.body(res, 'GetObject', key) };
        },
      );
    } catch (err) {
      const e = err as S3HttpError;
      // Gone: S3 answered "no such key" (a 404 with another service's page is a MalformedS3Answer, thrown on).
      if (e.$metadata?.httpStatusCode === 404 && e.name !== 'NoSuchBucket') return undefined;
      // An archived object that is not restored cannot be read: its HEAD, marked so that the engine never takes the
      // empty body for its content.
      if (e.name === 'InvalidObjectState') {
        const head = await this.head(key);
        if (head) return { head: { ...head, readRefused: e.message || e.name }, body: Readable.from([]) };
      }
      throw this.mapError(err, 'GetObject', key);
    }
  }

  async get(key: string, range?: { start: number; end: number }, ifMatch?: string): Promise<Readable> {
    const headers: Record<string, string> = { ...this.readHeaders };
    if (range) headers.range = `bytes=${range.start}-${range.end}`;
    if (ifMatch) headers['if-match'] = ifMatch;
    return this.call('GetObject', key, () =>
      this.http.send({ method: 'GET', key, headers }, (res) => {
        // A ranged read must answer that range: anything else (a whole object, another length, other bytes of the
        // same length) is not what was asked. The destination's multipart ETag proves only that the parts arrived as
        // sent, so a part read from the wrong offset would otherwise be copied and verified as it came.
        if (range) {
          const asked = `ranged read of bytes ${range.start}-${range.end}`;
          const length = Number(res.headers['content-length']);
          if (res.status !== 206 || length !== range.end - range.start + 1)
            throw new MalformedS3Answer(
              `${asked} answered ${res.status} with ${res.headers['content-length'] ?? 'no'} bytes`,
            );
          const answered = /^bytes (\d+)-(\d+)\//.exec(res.headers['content-range'] ?? '');
          if (!(answered && Number(answered[1]) === range.start && Number(answered[2]) === range.end))
            throw new MalformedS3Answer(
              `${asked} answered Content-Range ${JSON.stringify(res.headers['content-range'] ?? 'none')}`,
            );
        } else wholeObjectAnswer(res);
        return this.body(res, 'GetObject', key);
      }),
    );
  }

  async headPart(key: string, partNumber: number): Promise<StoredPart | undefined> {
    try {
      return await this.http.send(
        { method: 'HEAD', key, query: { partNumber: String(partNumber) }, headers: this.payerHeader },
        (res) => {
          res.body.resume();
          return storedPartFromHeaders(res.headers);
        },
      );
    } catch (err) {
      // 416: no such part; 400/405/501: a store that does not take partNumber on a HEAD. Nothing known either way.
      const status = (err as S3HttpError).$metadata?.httpStatusCode;
      if (status === 416 || status === 400 || status === 405 || status === 501) return undefined;
      throw this.mapError(err, 'HeadObject', key);
    }
  }

  async getTags(key: string): Promise<Record<string, string>> {
    try {
      return await this.http.sendForXml(
        { method: 'GET', key, query: { tagging: '' }, headers: this.payerHeader },
        parseTagging,
      );
    } catch (err) {
      // Stores without tagging (several S3-compatible ones) answer 501/405: treat as "no tags".
      const status = (err as S3HttpError).$metadata?.httpStatusCode;
      if (status === 501 || status === 405 || status === 404) return {};
      throw this.mapError(err, 'GetObjectTagging', key);
    }
  }

  async put(
    key: string,
    body: Readable | Buffer,
    size: number,
    options: WriteOptions,
    md5Base64?: string,
  ): Promise<WriteResult> {
    const headers = writeHeaders(options);
    if (md5Base64) headers['content-md5'] = md5Base64;
    return this.call(
      'PutObject',
      key,
      () => this.http.send({ method: 'PUT', key, body, contentLength: size, headers }, S3ObjectStore.acceptWrite),
      taggedWritePermission(options),
    );
  }

  async createMultipart(key: string, options: WriteOptions): Promise<string> {
    return this.call(
      'CreateMultipartUpload',
      key,
      () =>
        this.http.sendForXml(
          { method: 'POST', key, query: { uploads: '' }, headers: writeHeaders(options) },
          parseInitiateMultipart,
        ),
      taggedWritePermission(options),
    );
  }

  async uploadPart(
    key: string,
    uploadId: string,
    partNumber: number,
    body: Readable | Buffer,
    size: number,
    md5Base64?: string,
  ): Promise<WriteResult & { etag: string }> {
    return this.call('UploadPart', key, () =>
      this.http.send(
        {
          method: 'PUT',
          key,
          body,
          contentLength: size,
          query: { partNumber: String(partNumber), uploadId },
          headers: md5Base64 ? { 'content-md5': md5Base64 } : undefined,
        },
        S3ObjectStore.acceptWrite,
      ),
    );
  }

  async completeMultipart(key: string, uploadId: string, parts: UploadedPart[]): Promise<WriteResult> {
    const body = Buffer.from(completeMultipartBody(parts));
    return this.call('CompleteMultipartUpload', key, () =>
      this.http.sendForXml(
        {
          method: 'POST',
          key,
          query: { uploadId },
          body,
          headers: { 'content-type': 'application/xml' },
        },
        (text, headers) => ({ etag: parseCompleteMultipart(text), serverSideEncryption: encryptionOfWrite(headers) }),
      ),
    );
  }

  async abortMultipart(key: string, uploadId: string): Promise<void> {
    try {
      await this.call('AbortMultipartUpload', key, () =>
        this.http.send({ method: 'DELETE', key, query: { uploadId } }, (res) => res.body.resume()),
      );
    } catch (err) {
      // Already gone is what an abort wants; any other answer leaves the upload open, and the caller must know.
      if (err instanceof UploadGoneError) return;
      throw err;
    }
  }

  async listUploads(key: string): Promise<{ uploadId: string; initiated?: Date }[]> {
    const uploads = await this.call('ListMultipartUploads', key, () =>
      this.http.sendForXml({ method: 'GET', query: { uploads: '', prefix: key } }, parseListUploads),
    );
    // The prefix also matches longer keys: only this one's.
    return uploads.filter((u) => u.key === key).map(({ uploadId, initiated }) => ({ uploadId, initiated }));
  }

  async copyFrom(
    source: { bucket: string; key: string; requesterPays?: boolean; etag?: string },
    key: string,
    options: WriteOptions,
    _size: number,
  ): Promise<WriteResult> {
    const headers = {
      ...writeHeaders(options),
      // S3 refuses a copy out of a requester-pays bucket without it (403), like any other read of that bucket.
      ...(source.requesterPays ? { 'x-amz-request-payer': 'requester' } : {}),
      'x-amz-copy-source': `${source.bucket}/${encodeURIComponent(source.key).replace(/%2F/g, '/')}`,
      ...(source.etag ? { 'x-amz-copy-source-if-match': source.etag } : {}),
      'x-amz-metadata-directive': 'REPLACE',
      // Given tags (none included, `{}`) replace the source's; without them the copy keeps the source's own.
      ...(options.tags ? { 'x-amz-tagging-directive': 'REPLACE' } : {}),
    };
    // CopyObject can fail after its 200 status line: the answer is then an <Error> document (parseCopyObject throws it).
    return this.call('CopyObject', key, () =>
      this.http.sendForXml({ method: 'PUT', key, headers }, (text, answer) => ({
        etag: parseCopyObject(text),
        serverSideEncryption: encryptionOfWrite(answer),
      })),
    );
  }

  async delete(key: string): Promise<void> {
    await this.call('DeleteObject', key, () => this.http.send({ method: 'DELETE', key }, (res) => res.body.resume()));
  }
}
