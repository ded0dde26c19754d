import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { Readable } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import type { AccessKeys } from '../../ports/secret-store.js';
import type { ObjectHead, ObjectStore, ObjectSummary, UploadedPart, WriteOptions } from '../../ports/object-store.js';
import { toActionableError } from './s3-errors.js';
import { S3HttpClient, S3HttpError, xmlTag } from './s3-http.js';
import { headFromHeaders, parseListPage, writeHeaders, type ListPage } from './s3-wire.js';

export interface S3BucketConfig {
  bucket: string;
  region: string;
  /** Undefined: AWS's own endpoint for the region. */
  endpoint?: string;
  /** Undefined: the default AWS credential chain (instance role, env). */
  credentials?: AccessKeys;
  requesterPays?: boolean;
  /** Sockets kept open to the endpoint; the engine's concurrency is bounded below this. */
  maxSockets?: number;
}

interface Sdk {
  client: S3Client;
  commands: typeof import('@aws-sdk/client-s3');
}

/** One bucket on an S3-compatible endpoint: the per-object requests over the lean SigV4 path, the rest over SDK v3 (loaded when first needed). */
export class S3ObjectStore implements ObjectStore {
  readonly bucket: string;
  readonly endpointIdentity: string;
  private sdkLoaded?: Promise<Sdk>;
  private readonly payer: { RequestPayer?: 'requester' };
  private readonly endpointLabel: string;
  private readonly payerHeader: Record<string, string>;
  /** GET, HEAD, PUT, UploadPart and listing: the per-object requests, without the SDK's per-request cost. */
  private readonly http: S3HttpClient;

  constructor(private readonly config: S3BucketConfig) {
    this.bucket = config.bucket;
    this.endpointLabel = config.endpoint ?? `s3.${config.region}.amazonaws.com`;
    this.endpointIdentity = `${this.endpointLabel}|${config.credentials?.accessKeyId ?? 'default-chain'}`;
    this.payer = config.requesterPays ? { RequestPayer: 'requester' } : {};
    this.payerHeader = config.requesterPays ? { 'x-amz-request-payer': 'requester' } : {};
    const keys = config.credentials;
    this.http = new S3HttpClient({
      bucket: config.bucket, region: config.region, endpoint: config.endpoint, forcePathStyle: this.forcePathStyle(),
      maxSockets: this.maxSockets(),
      // Static keys sign directly; the default chain (instance role, env) comes from the SDK's provider, memoised and refreshed.
      credentials: keys ? async () => keys : async () => (await this.sdk()).client.config.credentials(),
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
   * The SDK, for the rarer calls (multipart complete/abort, tagging, delete) and the default
   * credential chain. Loaded on first use: evaluating it costs ~0.2 CPU-s at start-up, which a run of small
   * objects with static keys never needs.
   */
  private sdk(): Promise<Sdk> {
    this.sdkLoaded ??= (async () => {
      const [commands, { NodeHttpHandler }] = await Promise.all([import('@aws-sdk/client-s3'), import('@smithy/node-http-handler')]);
      const maxSockets = this.maxSockets();
      const client = new commands.S3Client({
        region: this.config.region,
        endpoint: this.config.endpoint,
        forcePathStyle: this.forcePathStyle(),
        credentials: this.config.credentials,
        // The engine verifies content itself; SDK trailing checksums break streamed bodies on many servers.
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
        maxAttempts: 4,
        requestHandler: new NodeHttpHandler({
          httpAgent: new HttpAgent({ keepAlive: true, maxSockets }),
          httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets }),
          connectionTimeout: 10_000,
          requestTimeout: 300_000,
        }),
      });
      return { client, commands };
    })();
    return this.sdkLoaded;
  }

  private async call<T>(where: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw toActionableError(err, where, this.bucket, this.endpointLabel);
    }
  }

  async checkAccess(): Promise<void> {
    const res = await this.call('bucket', () => this.http.send({ method: 'HEAD', headers: this.payerHeader }));
    res.body.resume();
  }

  async *list(prefix: string, startAfter?: string): AsyncIterable<ObjectSummary> {
    const fetchPage = (token?: string): Promise<ListPage> => this.call('list bucket', async () => {
      const query: Record<string, string> = { 'list-type': '2', 'encoding-type': 'url' };
      if (prefix) query.prefix = prefix;
      if (token) query['continuation-token'] = token;
      else if (startAfter) query['start-after'] = startAfter;
      return parseListPage((await this.http.sendForText({ method: 'GET', query, headers: this.payerHeader })).text);
    });
    let pending: Promise<ListPage> | undefined = fetchPage();
    while (pending) {
      const page: ListPage = await pending;
      // Ask for the next page while the caller works through this one.
      pending = page.nextToken ? fetchPage(page.nextToken) : undefined;
      pending?.catch(() => {}); // surfaced when awaited; avoids an unhandled rejection if the caller stops early
      yield* page.objects;
    }
  }

  async head(key: string): Promise<ObjectHead | undefined> {
    try {
      const res = await this.http.send({ method: 'HEAD', key, headers: this.payerHeader });
      res.body.resume();
      return headFromHeaders(key, res.headers);
    } catch (err) {
      if ((err as S3HttpError).$metadata?.httpStatusCode === 404) return undefined;
      throw toActionableError(err, 'head object', this.bucket, this.endpointLabel);
    }
  }

  async open(key: string, ifMatch?: string): Promise<{ head: ObjectHead; body: Readable } | undefined> {
    try {
      const res = await this.http.send({ method: 'GET', key, headers: ifMatch ? { ...this.payerHeader, 'if-match': ifMatch } : this.payerHeader });
      return { head: headFromHeaders(key, res.headers), body: res.body };
    } catch (err) {
      const e = err as S3HttpError;
      if (e.$metadata?.httpStatusCode === 404 && e.name !== 'NoSuchBucket') return undefined;
      // An archived object that is not restored cannot be read: report it like a HEAD would.
      if (e.name === 'InvalidObjectState') {
        const head = await this.head(key);
        if (head) return { head, body: Readable.from([]) };
      }
      throw toActionableError(err, 'get object', this.bucket, this.endpointLabel);
    }
  }

  async get(key: string, range?: { start: number; end: number }, ifMatch?: string): Promise<Readable> {
    const headers: Record<string, string> = { ...this.payerHeader };
    if (range) headers.range = `bytes=${range.start}-${range.end}`;
    if (ifMatch) headers['if-match'] = ifMatch;
    const res = await this.call('get object', () => this.http.send({ method: 'GET', key, headers }));
    return res.body;
  }

  async getTags(key: string): Promise<Record<string, string>> {
    const sdk = await this.sdk();
    try {
      const out = await sdk.client.send(new sdk.commands.GetObjectTaggingCommand({ Bucket: this.bucket, Key: key, ...this.payer }));
      return Object.fromEntries((out.TagSet ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
    } catch (err) {
      // Stores without tagging (several S3-compatible ones) answer 501/405: treat as "no tags".
      const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if (status === 501 || status === 405 || status === 404) return {};
      throw toActionableError(err, 'get object tags', this.bucket, this.endpointLabel);
    }
  }

  async put(key: string, body: Readable | Buffer, size: number, options: WriteOptions, md5Base64?: string): Promise<{ etag?: string }> {
    const headers = writeHeaders(options);
    if (md5Base64) headers['content-md5'] = md5Base64;
    const res = await this.call('put object', () => this.http.send({ method: 'PUT', key, body, contentLength: size, headers }));
    res.body.resume();
    return { etag: res.headers.etag };
  }

  async createMultipart(key: string, options: WriteOptions): Promise<string> {
    const { text } = await this.call('create multipart upload', () =>
      this.http.sendForText({ method: 'POST', key, query: { uploads: '' }, headers: writeHeaders(options) }));
    const uploadId = xmlTag(text, 'UploadId');
    if (!uploadId) throw new Error(`create multipart upload for "${key}" returned no UploadId`);
    return uploadId;
  }

  async uploadPart(key: string, uploadId: string, partNumber: number, body: Readable | Buffer, size: number, md5Base64?: string): Promise<{ etag: string }> {
    const res = await this.call('upload part', () => this.http.send({
      method: 'PUT', key, body, contentLength: size, query: { partNumber: String(partNumber), uploadId },
      headers: md5Base64 ? { 'content-md5': md5Base64 } : undefined,
    }));
    res.body.resume();
    return { etag: res.headers.etag ?? '' };
  }

  async completeMultipart(key: string, uploadId: string, parts: UploadedPart[]): Promise<{ etag?: string }> {
    const sdk = await this.sdk();
    const out = await this.call('complete multipart upload', () =>
      sdk.client.send(new sdk.commands.CompleteMultipartUploadCommand({
        Bucket: this.bucket, Key: key, UploadId: uploadId,
        MultipartUpload: { Parts: [...parts].sort((a, b) => a.partNumber - b.partNumber).map((p) => ({ PartNumber: p.partNumber, ETag: p.etag })) },
      })));
    return { etag: out.ETag };
  }

  async abortMultipart(key: string, uploadId: string): Promise<void> {
    try {
      const sdk = await this.sdk();
      await sdk.client.send(new sdk.commands.AbortMultipartUploadCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId }));
    } catch {
      // Best effort: some stores (s3rver) lack Abort; a lifecycle rule cleans stale uploads on AWS.
    }
  }

  async copyFrom(source: { bucket: string; key: string }, key: string, options: WriteOptions, _size: number): Promise<{ etag?: string }> {
    const headers = {
      ...writeHeaders(options),
      'x-amz-copy-source': `${source.bucket}/${encodeURIComponent(source.key).replace(/%2F/g, '/')}`,
      'x-amz-metadata-directive': 'REPLACE',
      ...(options.tags ? { 'x-amz-tagging-directive': 'REPLACE' } : {}),
    };
    const { text } = await this.call('copy object', () => this.http.sendForText({ method: 'PUT', key, headers }));
    // CopyObject can fail after its 200 status line: the answer is then an <Error> document.
    if (text.includes('<Error>')) {
      throw toActionableError(new S3HttpError(500, xmlTag(text, 'Code') ?? 'InternalError', xmlTag(text, 'Message') ?? 'copy failed'),
        'copy object', this.bucket, this.endpointLabel);
    }
    return { etag: xmlTag(text, 'ETag') };
  }

  async delete(key: string): Promise<void> {
    const sdk = await this.sdk();
    await this.call('delete object', () => sdk.client.send(new sdk.commands.DeleteObjectCommand({ Bucket: this.bucket, Key: key })));
  }
}
