import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand, CompleteMultipartUploadCommand, CopyObjectCommand, CreateMultipartUploadCommand,
  DeleteObjectCommand, GetObjectCommand, GetObjectTaggingCommand, HeadBucketCommand, HeadObjectCommand,
  ListObjectsV2Command, type ListObjectsV2CommandOutput, PutObjectCommand, S3Client, UploadPartCommand, type ObjectCannedACL, type StorageClass,
} from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { AccessKeys } from '../../ports/secret-store.js';
import type { ObjectHead, ObjectStore, ObjectSummary, UploadedPart, WriteOptions } from '../../ports/object-store.js';
import { toActionableError } from './s3-errors.js';

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

function tagsToQuery(tags: Record<string, string> | undefined): string | undefined {
  if (!tags || Object.keys(tags).length === 0) return undefined;
  return new URLSearchParams(tags).toString();
}

function writeParams(o: WriteOptions) {
  return {
    ContentType: o.contentType,
    ContentEncoding: o.contentEncoding,
    ContentLanguage: o.contentLanguage,
    ContentDisposition: o.contentDisposition,
    CacheControl: o.cacheControl,
    Expires: o.expires,
    Metadata: o.metadata,
    StorageClass: o.storageClass as StorageClass | undefined,
    ACL: o.acl as ObjectCannedACL | undefined,
    ServerSideEncryption: o.sse,
    SSEKMSKeyId: o.kmsKeyId,
    Tagging: tagsToQuery(o.tags),
  };
}

/** One bucket on an S3-compatible endpoint, over SDK v3 with keep-alive and checksums only when required. */
export class S3ObjectStore implements ObjectStore {
  readonly bucket: string;
  readonly endpointIdentity: string;
  private readonly client: S3Client;
  private readonly payer: { RequestPayer?: 'requester' };
  private readonly endpointLabel: string;

  constructor(config: S3BucketConfig, client?: S3Client) {
    this.bucket = config.bucket;
    this.endpointLabel = config.endpoint ?? `s3.${config.region}.amazonaws.com`;
    this.endpointIdentity = `${this.endpointLabel}|${config.credentials?.accessKeyId ?? 'default-chain'}`;
    this.payer = config.requesterPays ? { RequestPayer: 'requester' } : {};
    const maxSockets = config.maxSockets ?? 128;
    this.client = client ?? new S3Client({
      region: config.region,
      endpoint: config.endpoint,
      // Custom endpoints (s3rver, MinIO, Kodo) rarely support virtual-hosted buckets; OSS/COS require them.
      forcePathStyle: config.endpoint !== undefined && !/aliyuncs\.com|myqcloud\.com/.test(config.endpoint),
      credentials: config.credentials,
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
  }

  private async call<T>(where: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw toActionableError(err, where, this.bucket, this.endpointLabel);
    }
  }

  async checkAccess(): Promise<void> {
    await this.call(`bucket`, () => this.client.send(new HeadBucketCommand({ Bucket: this.bucket })));
  }

  async *list(prefix: string, startAfter?: string): AsyncIterable<ObjectSummary> {
    const fetchPage = (token?: string): Promise<ListObjectsV2CommandOutput> => this.call('list bucket', () =>
      this.client.send(new ListObjectsV2Command({
        Bucket: this.bucket, Prefix: prefix || undefined, ContinuationToken: token,
        StartAfter: token ? undefined : startAfter, ...this.payer,
      })));
    let pending: Promise<ListObjectsV2CommandOutput> | undefined = fetchPage();
    while (pending) {
      const page: ListObjectsV2CommandOutput = await pending;
      // Ask for the next page while the caller works through this one.
      const token: string | undefined = page.IsTruncated ? page.NextContinuationToken : undefined;
      pending = token ? fetchPage(token) : undefined;
      pending?.catch(() => {}); // surfaced when awaited; avoids an unhandled rejection if the caller stops early
      for (const o of page.Contents ?? []) {
        if (o.Key === undefined) continue;
        yield { key: o.Key, size: o.Size ?? 0, etag: o.ETag, lastModified: o.LastModified, storageClass: o.StorageClass };
      }
    }
  }

  async head(key: string): Promise<ObjectHead | undefined> {
    try {
      const h = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key, ...this.payer }));
      return {
        key, size: h.ContentLength ?? 0, etag: h.ETag, lastModified: h.LastModified, storageClass: h.StorageClass,
        restore: h.Restore, contentType: h.ContentType, contentEncoding: h.ContentEncoding,
        contentLanguage: h.ContentLanguage, contentDisposition: h.ContentDisposition, cacheControl: h.CacheControl,
        expires: h.Expires, metadata: h.Metadata, tagCount: h.TagCount,
      };
    } catch (err) {
      const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if (status === 404) return undefined;
      throw toActionableError(err, 'head object', this.bucket, this.endpointLabel);
    }
  }

  async open(key: string, ifMatch?: string): Promise<{ head: ObjectHead; body: Readable } | undefined> {
    try {
      const o = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key, IfMatch: ifMatch, ...this.payer }));
      return {
        body: o.Body as Readable,
        head: {
          key, size: o.ContentLength ?? 0, etag: o.ETag, lastModified: o.LastModified, storageClass: o.StorageClass,
          restore: o.Restore, contentType: o.ContentType, contentEncoding: o.ContentEncoding,
          contentLanguage: o.ContentLanguage, contentDisposition: o.ContentDisposition, cacheControl: o.CacheControl,
          expires: o.Expires, metadata: o.Metadata, tagCount: o.TagCount,
        },
      };
    } catch (err) {
      const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
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
    const out = await this.call('get object', () =>
      this.client.send(new GetObjectCommand({
        Bucket: this.bucket, Key: key, Range: range ? `bytes=${range.start}-${range.end}` : undefined, IfMatch: ifMatch, ...this.payer,
      })));
    return out.Body as Readable;
  }

  async getTags(key: string): Promise<Record<string, string>> {
    try {
      const out = await this.client.send(new GetObjectTaggingCommand({ Bucket: this.bucket, Key: key, ...this.payer }));
      return Object.fromEntries((out.TagSet ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
    } catch (err) {
      // Stores without tagging (several S3-compatible ones) answer 501/405: treat as "no tags".
      const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if (status === 501 || status === 405 || status === 404) return {};
      throw toActionableError(err, 'get object tags', this.bucket, this.endpointLabel);
    }
  }

  /**
   * The SDK pipes a stream body into the request without listening for the body's errors: a source that
   * breaks mid-copy would be an uncaught exception and a request waiting forever. Abort the request instead.
   */
  private async sendBody<T>(where: string, body: Readable | Buffer, send: (abortSignal?: AbortSignal) => Promise<T>): Promise<T> {
    if (Buffer.isBuffer(body)) return this.call(where, () => send());
    const abort = new AbortController();
    let bodyError: unknown;
    body.on('error', (err) => {
      bodyError ??= err;
      abort.abort(err);
    });
    try {
      return await this.call(where, () => send(abort.signal));
    } catch (err) {
      throw bodyError ?? err;
    }
  }

  async put(key: string, body: Readable | Buffer, size: number, options: WriteOptions, md5Base64?: string): Promise<{ etag?: string }> {
    const out = await this.sendBody('put object', body, (abortSignal) =>
      this.client.send(new PutObjectCommand({
        Bucket: this.bucket, Key: key, Body: body, ContentLength: size, ContentMD5: md5Base64, ...writeParams(options),
      }), { abortSignal }));
    return { etag: out.ETag };
  }

  async createMultipart(key: string, options: WriteOptions): Promise<string> {
    const out = await this.call('create multipart upload', () =>
      this.client.send(new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: key, ...writeParams(options) })));
    if (!out.UploadId) throw new Error(`create multipart upload for "${key}" returned no UploadId`);
    return out.UploadId;
  }

  async uploadPart(key: string, uploadId: string, partNumber: number, body: Readable | Buffer, size: number, md5Base64?: string): Promise<{ etag: string }> {
    const out = await this.sendBody('upload part', body, (abortSignal) =>
      this.client.send(new UploadPartCommand({
        Bucket: this.bucket, Key: key, UploadId: uploadId, PartNumber: partNumber, Body: body, ContentLength: size, ContentMD5: md5Base64,
      }), { abortSignal }));
    return { etag: out.ETag ?? '' };
  }

  async completeMultipart(key: string, uploadId: string, parts: UploadedPart[]): Promise<{ etag?: string }> {
    const out = await this.call('complete multipart upload', () =>
      this.client.send(new CompleteMultipartUploadCommand({
        Bucket: this.bucket, Key: key, UploadId: uploadId,
        MultipartUpload: { Parts: [...parts].sort((a, b) => a.partNumber - b.partNumber).map((p) => ({ PartNumber: p.partNumber, ETag: p.etag })) },
      })));
    return { etag: out.ETag };
  }

  async abortMultipart(key: string, uploadId: string): Promise<void> {
    try {
      await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId }));
    } catch {
      // Best effort: some stores (s3rver) lack Abort; a lifecycle rule cleans stale uploads on AWS.
    }
  }

  async copyFrom(source: { bucket: string; key: string }, key: string, options: WriteOptions, _size: number): Promise<{ etag?: string }> {
    const out = await this.call('copy object', () =>
      this.client.send(new CopyObjectCommand({
        Bucket: this.bucket, Key: key,
        CopySource: `${source.bucket}/${encodeURIComponent(source.key).replace(/%2F/g, '/')}`,
        MetadataDirective: 'REPLACE', TaggingDirective: options.tags ? 'REPLACE' : undefined, ...writeParams(options),
      })));
    return { etag: out.CopyObjectResult?.ETag };
  }

  async delete(key: string): Promise<void> {
    await this.call('delete object', () => this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key })));
  }
}
