import type { Readable } from 'node:stream';

/** One entry of a bucket listing, as ListObjectsV2 returns it (keys arrive in ascending UTF-8 byte order). */
export interface ObjectSummary {
  key: string;
  size: number;
  etag?: string;
  lastModified?: Date;
  storageClass?: string;
}

/** One entry of a listing of one level ("folder") of a bucket: an object directly under it, or a sub-folder. */
export type LevelEntry = { object: ObjectSummary; folder?: undefined } | { folder: string; object?: undefined };

/** The HTTP headers and metadata a copy must carry over. */
export interface ObjectAttributes {
  contentType?: string;
  contentEncoding?: string;
  contentLanguage?: string;
  contentDisposition?: string;
  cacheControl?: string;
  /**
   * The Expires header exactly as the store answered it. Not a date: S3 keeps whatever string it was given ("0", "-1",
   * "never" are common and mean "already expired" to caches), and a copy must serve the same way as its source.
   */
  expires?: string;
  metadata?: Record<string, string>;
}

export interface ObjectHead extends ObjectAttributes {
  key: string;
  size: number;
  etag?: string;
  lastModified?: Date;
  storageClass?: string;
  /** x-amz-archive-status: an S3 Intelligent-Tiering object in an archive tier (ARCHIVE_ACCESS, DEEP_ARCHIVE_ACCESS). */
  archiveStatus?: string;
  /** The store refused to read the object in its current state (a GET answered InvalidObjectState): why. */
  readRefused?: string;
  /** Raw x-amz-restore header: set while or after a Glacier object is restored. */
  restore?: string;
  /** Number of tags (x-amz-tagging-count), when the store says. */
  tagCount?: number;
  /** How the store encrypts the object (x-amz-server-side-encryption: AES256, aws:kms, aws:kms:dsse), when it says. */
  serverSideEncryption?: string;
}

/** What a write answered: the ETag, and the encryption the store applied (a bucket's default SSE-KMS shows here). */
export interface WriteResult {
  etag?: string;
  serverSideEncryption?: string;
}

/** Destination-side choices applied when writing an object. */
export interface WriteOptions extends ObjectAttributes {
  storageClass?: string;
  acl?: string;
  sse?: 'AES256' | 'aws:kms';
  kmsKeyId?: string;
  /**
   * The copy's tags. Undefined: none on a written object, the source's own on a server-side copy (copyFrom); `{}`:
   * none at all, also on a server-side copy (includeMetadata=false).
   */
  tags?: Record<string, string>;
}

/** One part of an object written by a multipart upload, as the store describes it (HEAD with partNumber). */
export interface StoredPart {
  size: number;
  /** How many parts the object was written in (x-amz-mp-parts-count). */
  partsCount: number;
  serverSideEncryption?: string;
}

export interface UploadedPart {
  partNumber: number;
  etag: string;
  size: number;
}

/** A task's two sides. The entry point opens them (adapters, credentials) and hands them to the engine. */
export interface BucketPair {
  source: ObjectStore;
  dest: ObjectStore;
  /** The bucket named by srcPrefixListBucket (holding the prefix list), opened with this account's role. */
  prefixListBucket?: ObjectStore;
}

/**
 * A bucket on some S3-compatible endpoint. Engines see only this; adapters hide the SDK.
 * Keys are bucket-relative; prefixes are applied by the engine.
 */
export interface ObjectStore {
  readonly bucket: string;
  /** Identity of endpoint + credentials; equal `endpointIdentity` on both sides allows server-side copy. */
  readonly endpointIdentity: string;
  /** Where the objects live, whoever signs: endpoint and bucket. Equal on both sides when a task copies within one bucket. */
  readonly location: string;
  /**
   * Streams every object under prefix in ascending key order, page by page (constant memory). `signal` (a stop) ends
   * the wait for a page at once, with its reason: a store that never answers does not hold a stop for its timeouts.
   */
  list(prefix: string, startAfter?: string, signal?: AbortSignal): AsyncIterable<ObjectSummary>;
  /**
   * One level under `prefix` (which is '' or ends with "/"), as a listing with delimiter "/" answers it: the objects
   * directly under it and its sub-folders (each `prefix` + name + "/"), together in ascending key order, page by page.
   */
  listLevel(prefix: string, signal?: AbortSignal): AsyncIterable<LevelEntry>;
  head(key: string): Promise<ObjectHead | undefined>;
  /**
   * Body stream of the whole object or of the inclusive byte range [start, end].
   * With `ifMatch`, stores that honour it fail the read if the object changed (HTTP 412).
   */
  get(key: string, range?: { start: number; end: number }, ifMatch?: string): Promise<Readable>;
  /** One GET that yields the object's headers and its body (undefined when the object does not exist). */
  open(key: string, ifMatch?: string): Promise<{ head: ObjectHead; body: Readable } | undefined>;
  /**
   * Part `partNumber` of a multipart object: its size and the object's part count. Undefined where the store does not
   * describe parts (s3rver, stores without partNumber reads) or has no such part. No If-Match: moto compares it with
   * the part's own ETag (412); the reads of the copy carry it, so a version changed since is caught there.
   */
  headPart(key: string, partNumber: number): Promise<StoredPart | undefined>;
  getTags(key: string): Promise<Record<string, string>>;
  /** `md5Base64`, when known, lets the store reject a body that does not match (Content-MD5). */
  put(
    key: string,
    body: Readable | Buffer,
    size: number,
    options: WriteOptions,
    md5Base64?: string,
  ): Promise<WriteResult>;
  createMultipart(key: string, options: WriteOptions): Promise<string>;
  uploadPart(
    key: string,
    uploadId: string,
    partNumber: number,
    body: Readable | Buffer,
    size: number,
    md5Base64?: string,
  ): Promise<WriteResult & { etag: string }>;
  completeMultipart(key: string, uploadId: string, parts: UploadedPart[]): Promise<WriteResult>;
  /**
   * Ends a multipart upload and drops its parts. Resolves once the upload is gone: aborted now, or no longer there
   * (NoSuchUpload: completed or aborted before). Rejects when the store refused the abort (403 without
   * s3:AbortMultipartUpload, 405 from a store that lacks it, as s3rver) or did not answer it: the upload is still open.
   */
  abortMultipart(key: string, uploadId: string): Promise<void>;
  /**
   * The multipart uploads open for exactly this key (ListMultipartUploads, first page), with when each began. Rejects
   * where the store does not list uploads (s3rver: 501) or the keys lack s3:ListBucketMultipartUploads.
   */
  listUploads(key: string): Promise<{ uploadId: string; initiated?: Date }[]>;
  /**
   * Server-side copy from another bucket on the same endpoint (CopyObject). `requesterPays`: the source bucket bills
   * the requester, so the copy says who pays, as every read of that bucket does. `etag`: the version to copy — a store
   * that honours the condition refuses (412) a source overwritten since, as S3 does, instead of copying other bytes.
   */
  copyFrom(
    source: { bucket: string; key: string; requesterPays?: boolean; etag?: string },
    key: string,
    options: WriteOptions,
    size: number,
  ): Promise<WriteResult>;
  delete(key: string): Promise<void>;
  /** Fails with a clear error when the bucket is missing, the endpoint unreachable or the credentials wrong. */
  checkAccess(signal?: AbortSignal): Promise<void>;
}
