import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import {
  CorruptedInTransitError,
  isRetryableError,
  ObjectChangedDuringCopyError,
  UploadGoneError,
  VerificationError,
} from '../core/errors.js';
import { withRetry } from '../core/retry.js';
import type { ObjectHead, ObjectStore, UploadedPart, WriteOptions, WriteResult } from '../ports/object-store.js';
import type { StatusStore } from '../ports/status-store.js';
import { contentMd5, etagConfirmsMd5, isKmsEncryption, normalizeEtag } from './etags.js';
import { md5FromEtag, multipartEtag, readFully } from './hashing-stream.js';
import { MAX_OBJECT_SIZE, type S3TaskParams } from './params.js';
import { choosePartSize, fitsCut, planParts, type PartRange } from './part-plan.js';
import { copyRoute } from './copy-route.js';
import { checkSourceParts, sourceParts } from './source-parts.js';
import { destinationKey } from './transfer-job.js';
import { md5Base64, sendHashed, streamThrough, type SendContext } from './send-body.js';

export interface CopyContext extends SendContext {
  dest: ObjectStore;
  params: S3TaskParams;
  status: StatusStore;
  signal?: AbortSignal;
}

export interface CopyResult {
  method: 'put' | 'multipart' | 'server-side';
  bytes: number;
  /** What was verified, e.g. "md5:…" (single part) or "md5-parts:…-N" (multipart). */
  checksum: string;
  /** Source ETag of the version copied. */
  sourceEtag?: string;
  /** The destination's ETag as the write answered (recorded, so a later pass can tell the copy was changed since). */
  destEtag?: string;
  /** Parts uploaded by this attempt (resumed parts are not counted). */
  partsUploaded: number;
  /** Verified by ETags alone (single request each way); otherwise HEADs of both sides confirm the result. */
  proven?: boolean;
}

/**
 * Objects up to this size are read into memory and hashed before the PUT, so damaged bytes are never written.
 * Larger ones stream through: buffering and hashing 1 MiB objects cost more CPU than the copy itself (profiled),
 * and their destination ETag proves them after the PUT.
 */
export const BUFFER_LIMIT = 128 * 1024;

export async function writeOptionsFor(ctx: CopyContext, head: ObjectHead): Promise<WriteOptions> {
  const { params } = ctx;
  const base: WriteOptions = {
    contentType: head.contentType,
    storageClass: params.destStorageClass,
    acl: params.destAcl,
    sse: params.sse?.type,
    kmsKeyId: params.sse?.type === 'aws:kms' ? params.sse.kmsKeyId : undefined,
  };
  if (!params.includeMetadata) return base;
  // S3 sends x-amz-tagging-count only when the object has tags: no header, no tagging request.
  const tags = head.tagCount ? await ctx.source.getTags(head.key) : {};
  return {
    ...base,
    contentEncoding: head.contentEncoding,
    contentLanguage: head.contentLanguage,
    contentDisposition: head.contentDisposition,
    cacheControl: head.cacheControl,
    expires: head.expires,
    metadata: head.metadata,
    tags: Object.keys(tags).length ? tags : undefined,
  };
}

/**
 * A destination ETag is comparable to an MD5 only without SSE-KMS (KMS ETags are not content hashes): asked for by
 * the task (destPutObjectSSEType=AWS_KMS), or applied by the bucket's default encryption, which the answer says.
 */
function destEtagIsMd5(ctx: CopyContext, written?: WriteResult): boolean {
  return ctx.params.sse?.type !== 'aws:kms' && !isKmsEncryption(written?.serverSideEncryption);
}

async function copySmall(
  ctx: CopyContext,
  head: ObjectHead,
  destKey: string,
  options: WriteOptions,
  source: Readable,
): Promise<CopyResult> {
  const body = await readFully(source, head.size);
  const md5 = createHash('md5').update(body).digest('hex');
  const srcMd5 = contentMd5(head);
  if (etagConfirmsMd5(head, md5) === false) throw new ObjectChangedDuringCopyError(head.key);
  const put = await ctx.dest.put(destKey, body, head.size, options, md5Base64(md5));
  return checkedPut(ctx, head, destKey, put, { sentMd5: md5, srcMd5, sentUnhashed: false });
}

async function copyStreamed(
  ctx: CopyContext,
  head: ObjectHead,
  destKey: string,
  options: WriteOptions,
  source: Readable,
): Promise<CopyResult> {
  const srcMd5 = contentMd5(head);
  if (srcMd5 === undefined) {
    const sent = await sendHashed(
      ctx,
      head,
      undefined,
      head.size,
      (body, md5) => ctx.dest.put(destKey, body, head.size, options, md5),
      source,
    );
    // A source uploaded as one part of a multipart upload: its ETag still names the MD5 of the bytes.
    if (etagConfirmsMd5(head, sent.md5) === false)
      throw new CorruptedInTransitError(destKey, sent.md5, normalizeEtag(head.etag) ?? '');
    return checkedPut(ctx, head, destKey, sent.written, { sentMd5: sent.md5, srcMd5, sentUnhashed: false });
  }
  // With the source's MD5 known (its ETag), hashing every byte here proves nothing more: it goes out as
  // Content-MD5 and the destination's ETag must equal it. Only count bytes then (MD5 costs ~1.5 CPU-s per GiB).
  const { written: put } = await streamThrough(ctx, source, head.size, false, (body) =>
    ctx.dest.put(destKey, body, head.size, options, md5Base64(srcMd5)),
  );
  return checkedPut(ctx, head, destKey, put, { sentMd5: srcMd5, srcMd5, sentUnhashed: true });
}

/**
 * A single PUT's result, once the destination ETag (where it is an MD5) equals the MD5 of what was sent. `sentUnhashed`:
 * the source's MD5 went out as Content-MD5 without the bytes being hashed here (a streamed copy), so a differing ETag
 * means the bytes changed in transit — stores that ignore Content-MD5 (s3rver) keep what arrived.
 */
function checkedPut(
  ctx: CopyContext,
  head: ObjectHead,
  destKey: string,
  put: WriteResult,
  sent: { sentMd5: string; srcMd5: string | undefined; sentUnhashed: boolean },
): CopyResult {
  const { sentMd5, srcMd5 } = sent;
  const dstMd5 = md5FromEtag(put.etag);
  if (destEtagIsMd5(ctx, put) && dstMd5 && dstMd5 !== sentMd5) {
    if (sent.sentUnhashed && srcMd5) throw new CorruptedInTransitError(destKey, dstMd5, srcMd5);
    throw new VerificationError(
      destKey,
      `destination ETag ${dstMd5} does not match the MD5 of the bytes sent (${sentMd5})`,
    );
  }
  return {
    method: 'put',
    bytes: head.size,
    checksum: `md5:${sentMd5}`,
    sourceEtag: head.etag,
    destEtag: put.etag,
    partsUploaded: 0,
    proven: provenByEtags(ctx, put, srcMd5, dstMd5),
  };
}

/**
 * A multipart upload's ETags (its parts', its completion's) are MD5s of what was sent: no SSE-KMS asked for, none
 * shown by the completion's answer (a bucket default), none by a part's answer (`kmsParts`).
 */
function partEtagsAreMd5s(ctx: CopyContext, completed: WriteResult, kmsParts: boolean): boolean {
  return !kmsParts && destEtagIsMd5(ctx, completed);
}

/**
 * The source ETag (an MD5, from the same response as the bytes) and the destination ETag both equal the MD5
 * of the bytes that passed through: the copy is exact and of one version, so no further HEADs are needed.
 * (Callers have already thrown when either ETag differs from the computed MD5.)
 */
function provenByEtags(
  ctx: CopyContext,
  written: WriteResult,
  srcMd5: string | undefined,
  dstMd5: string | undefined,
): boolean {
  return destEtagIsMd5(ctx, written) && srcMd5 !== undefined && dstMd5 !== undefined;
}

/**
 * Reads one range of the source (of the version `head` names) and uploads it as a part; its MD5 is checked against the
 * part's ETag. Returns the part, and whether its answer showed SSE-KMS (then no ETag of this upload is a content hash).
 */
export async function uploadOnePart(
  ctx: CopyContext,
  head: Pick<ObjectHead, 'key' | 'etag'>,
  destKey: string,
  uploadId: string,
  part: PartRange,
): Promise<UploadedPart & { kms: boolean }> {
  return withRetry(
    async () => {
      const { written, md5 } = await sendHashed(ctx, head, part, part.size, (body, md5) =>
        ctx.dest.uploadPart(destKey, uploadId, part.partNumber, body, part.size, md5),
      );
      const dstMd5 = md5FromEtag(written.etag);
      if (destEtagIsMd5(ctx, written) && dstMd5 && dstMd5 !== md5) {
        throw new VerificationError(
          destKey,
          `part ${part.partNumber}: destination ETag ${dstMd5} differs from the MD5 sent (${md5})`,
        );
      }
      return {
        partNumber: part.partNumber,
        etag: written.etag || `"${md5}"`,
        size: part.size,
        kms: !destEtagIsMd5(ctx, written),
      };
    },
    { attempts: 3, isRetryable: (e) => isRetryableError(e) || e instanceof VerificationError, signal: ctx.signal },
  );
}

/** Runs `worker` over `items` with at most `limit` in flight; the first failure stops new work and is rethrown. */
async function forEachLimited<T>(
  items: T[],
  limit: number,
  worker: (item: T) => Promise<void>,
  signal?: AbortSignal,
): Promise<void> {
  let next = 0;
  let failure: unknown;
  const lane = async () => {
    while (failure === undefined && next < items.length) {
      if (signal?.aborted) {
        failure ??= signal.reason ?? new Error('stopped');
        return;
      }
      const item = items[next++];
      try {
        await worker(item);
      } catch (err) {
        failure ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  if (failure !== undefined) throw failure;
}

/**
 * A completion whose answer was lost may have been applied: a retry then meets "no such upload" (AWS) or a 500
 * (s3rver). The destination holds our object when its size matches and its ETag is the MD5 of the parts we sent or
 * the source's own MD5 — either proves its bytes, so the copy goes on to verification instead of failing.
 */
async function completedEarlier(
  ctx: CopyContext,
  head: ObjectHead,
  destKey: string,
  composite: string | undefined,
): Promise<WriteResult | undefined> {
  const written = await ctx.dest.head(destKey).catch(() => undefined);
  const etag = written?.etag?.replace(/"/g, '');
  if (!written || written.size !== head.size || !etag || !destEtagIsMd5(ctx, written)) return undefined;
  return etag === composite || etag === contentMd5(head)
    ? { etag: written.etag, serverSideEncryption: written.serverSideEncryption }
    : undefined;
}

/** What a completion answered, and the MD5 of the part MD5s sent (when every part's is known). */
export interface Completion {
  written: WriteResult;
  composite?: string;
}

/**
 * Completes an upload from its recorded parts (which must hold the object's bytes). A completion applied by the
 * server but unanswered is recognised (completedEarlier). After this the upload is closed, whatever verifyCompletion
 * then says: a retry must start a new one.
 */
export async function completeParts(
  ctx: CopyContext,
  head: ObjectHead,
  destKey: string,
  uploadId: string,
  parts: UploadedPart[],
): Promise<Completion> {
  const total = parts.reduce((n, p) => n + p.size, 0);
  if (total !== head.size)
    throw new VerificationError(destKey, `parts hold ${total} bytes, the source has ${head.size}`);
  const partMd5s = parts.map((p) => md5FromEtag(p.etag) ?? '');
  const composite = partMd5s.every(Boolean) ? multipartEtag(partMd5s) : undefined;
  const written = await ctx.dest.completeMultipart(destKey, uploadId, parts).catch(async (err: unknown) => {
    const earlier = await completedEarlier(ctx, head, destKey, composite);
    if (!earlier) throw err;
    await ctx.dest.abortMultipart(destKey, uploadId); // best effort: nothing to abort if the completion was applied
    return earlier;
  });
  return { written, composite };
}

/**
 * The destination's ETag is the MD5 of the parts sent (or, where the store answers a whole-object MD5, the source's);
 * not checkable under SSE-KMS (`kmsParts`: a part's answer showed it). Returns the checksum to record.
 */
export function verifyCompletion(
  ctx: CopyContext,
  head: ObjectHead,
  destKey: string,
  completion: Completion,
  kmsParts = false,
): string {
  const { written, composite } = completion;
  const dstEtag = written.etag?.replace(/"/g, '');
  // AWS answers md5-of-part-md5s "-N": it proves the parts arrived as sent. Some stores (s3rver) answer the
  // whole-object MD5: compared with a single-part source's ETag, it also proves the ranged reads from the source.
  if (partEtagsAreMd5s(ctx, written, kmsParts) && dstEtag && composite) {
    const wholeMd5 = contentMd5(head);
    const ok =
      dstEtag === composite ||
      (wholeMd5 !== undefined && dstEtag === wholeMd5) ||
      head.etag?.replace(/"/g, '') === dstEtag;
    if (!ok && dstEtag.includes('-')) {
      throw new VerificationError(
        destKey,
        `destination multipart ETag ${dstEtag} differs from the parts sent (${composite})`,
      );
    }
    if (!ok && wholeMd5 !== undefined) throw new CorruptedInTransitError(destKey, dstEtag, wholeMd5);
  }
  return `md5-parts:${composite ?? 'unknown'}`;
}

/**
 * A multipart source's ETag against the MD5 of the parts sent (source-parts.ts) — where the parts' recorded ETags are
 * those MD5s, i.e. not under SSE-KMS (asked for, a bucket default the completion's answer shows, or `kmsParts`).
 */
export async function checkAgainstSourceParts(
  ctx: CopyContext,
  head: Pick<ObjectHead, 'key' | 'etag'>,
  destKey: string,
  completion: Completion,
  parts: UploadedPart[],
  kmsParts = false,
): Promise<void> {
  if (!partEtagsAreMd5s(ctx, completion.written, kmsParts)) return;
  await checkSourceParts(ctx.source, head, destKey, completion.composite, parts);
}

async function copyMultipart(
  ctx: CopyContext,
  head: ObjectHead,
  destKey: string,
  options: WriteOptions,
  plan: PartRange[],
): Promise<CopyResult> {
  const partSize = plan[0].size;
  const { status } = ctx;
  const record = await status.get(head.key);
  let uploadId: string | undefined;
  let done: UploadedPart[] = [];
  // Resume only an upload of the same source version cut the same way: the first part's size, then every recorded part
  // (a cut of the source's own part sizes and one of the chunk size may share the first).
  if (record?.uploadId && record.partSize === partSize && record.etag === head.etag) {
    const recorded = await status.listParts(head.key, record.uploadId);
    if (fitsCut(recorded, plan)) {
      uploadId = record.uploadId;
      done = recorded;
    } else {
      await ctx.dest.abortMultipart(destKey, record.uploadId).catch(() => {}); // best effort: it will not be completed
      await status.clearParts(head.key, record.uploadId);
    }
  }
  if (uploadId === undefined) {
    uploadId = await ctx.dest.createMultipart(destKey, options);
    await status.update(head.key, { uploadId, partSize, etag: head.etag });
  }
  let todo: PartRange[] = [];
  let completion: Completion;
  let parts: UploadedPart[];
  let kmsParts = false;
  try {
    const finished = new Set(done.map((p) => p.partNumber));
    todo = plan.filter((p) => !finished.has(p.partNumber));
    let bytesDone = done.reduce((n, p) => n + p.size, 0);
    await forEachLimited(
      todo,
      ctx.params.partConcurrency,
      async (part) => {
        const { kms, ...uploaded } = await uploadOnePart(ctx, head, destKey, uploadId, part);
        kmsParts ||= kms;
        await status.addPart(head.key, uploadId, uploaded);
        bytesDone += part.size;
        await status.update(head.key, { bytesDone });
      },
      ctx.signal,
    );
    parts = await status.listParts(head.key, uploadId);
    completion = await completeParts(ctx, head, destKey, uploadId, parts);
  } catch (err) {
    // The upload is gone (aborted, expired, or completed by a request whose answer was lost): resuming it can never
    // succeed, so the record forgets it and the next attempt starts a new one.
    if (err instanceof UploadGoneError) {
      await status.clearParts(head.key, uploadId);
      await status.update(head.key, { uploadId: undefined, partSize: undefined });
    }
    throw err;
  }
  // The upload is closed either way: a retry must start a new one, not resume this one.
  await status.clearParts(head.key, uploadId);
  await status.update(head.key, { uploadId: undefined, partSize: undefined });
  const checksum = verifyCompletion(ctx, head, destKey, completion, kmsParts);
  await checkAgainstSourceParts(ctx, head, destKey, completion, parts, kmsParts);
  return {
    method: 'multipart',
    bytes: head.size,
    checksum,
    sourceEtag: head.etag,
    destEtag: completion.written.etag,
    partsUploaded: todo.length,
    // Cut like its source: the source's ETag, the MD5 of the parts sent and the destination's ETag are one value, so
    // the bytes are the source version's (each part read with If-Match) and arrived whole; no HEADs needed.
    proven:
      partEtagsAreMd5s(ctx, completion.written, kmsParts) &&
      completion.composite !== undefined &&
      normalizeEtag(completion.written.etag) === completion.composite &&
      normalizeEtag(head.etag) === completion.composite,
  };
}

async function copyServerSide(
  ctx: CopyContext,
  head: ObjectHead,
  destKey: string,
  options: WriteOptions,
): Promise<CopyResult | undefined> {
  try {
    const out = await ctx.dest.copyFrom({ bucket: ctx.source.bucket, key: head.key }, destKey, options, head.size);
    const srcMd5 = contentMd5(head);
    const dstMd5 = md5FromEtag(out.etag);
    if (srcMd5 && dstMd5 && srcMd5 !== dstMd5 && destEtagIsMd5(ctx, out)) {
      throw new VerificationError(destKey, `server-side copy ETag ${dstMd5} differs from the source ${srcMd5}`);
    }
    return {
      method: 'server-side',
      bytes: head.size,
      checksum: `md5:${srcMd5 ?? dstMd5 ?? 'unknown'}`,
      sourceEtag: head.etag,
      destEtag: out.etag,
      partsUploaded: 0,
    };
  } catch (err) {
    if (err instanceof VerificationError) throw err;
    // Some stores lack CopyObject or mishandle some keys; streaming through this machine always works.
    ctx.logger.warn('copy.server_side_unavailable', { key: head.key, error: err });
    return undefined;
  }
}

/** The source cannot (or need not) be copied now: it was deleted, or it is archived and not restored. */
export class SourceNotCopyableError extends Error {
  constructor(
    readonly key: string,
    reason: string,
    /** The source no longer has the key (rather than holding it unreadable). */
    readonly gone = false,
  ) {
    super(`source object "${key}" ${reason}`);
  }
}

const ARCHIVED = new Set(['GLACIER', 'DEEP_ARCHIVE']);

/**
 * Archived objects (Glacier classes, or an archive tier of Intelligent-Tiering) are readable only while a restored
 * copy exists (x-amz-restore: ongoing-request="false"); an object whose read the store refused is not readable now.
 */
export function isReadable(head: ObjectHead): boolean {
  if (head.readRefused) return false;
  if (!head.archiveStatus && (!head.storageClass || !ARCHIVED.has(head.storageClass))) return true;
  return head.restore?.includes('ongoing-request="false"') ?? false;
}

/** Why an object cannot be read now: its class, its archive tier when Intelligent-Tiering says, the store's refusal. */
function notReadableReason(head: ObjectHead): string {
  const where = `${head.storageClass ?? 'an archive'}${head.archiveStatus ? ` (${head.archiveStatus})` : ''}`;
  return `is in ${where} and not restored${head.readRefused ? ` (the store refused to read it: ${head.readRefused})` : ''}`;
}

/** The source object's HEAD when it can be copied now (it exists, is readable, fits S3's limit); else why not. */
export function copyableHead(key: string, head: ObjectHead | undefined): ObjectHead {
  if (!head) throw new SourceNotCopyableError(key, 'no longer exists', true);
  if (!isReadable(head)) throw new SourceNotCopyableError(key, notReadableReason(head));
  if (head.size > MAX_OBJECT_SIZE)
    throw new VerificationError(key, `object is ${head.size} bytes, above the 5 TiB S3 limit`);
  return head;
}

/**
 * Copies one object (current version), choosing server-side copy, a single PUT or a multipart upload,
 * verifies the bytes end to end and checks that the source did not change meanwhile.
 */
export async function copyObject(
  ctx: CopyContext,
  key: string,
  hint: { size?: number; etag?: string } = {},
): Promise<CopyResult> {
  const sameEndpoint = ctx.source.endpointIdentity === ctx.dest.endpointIdentity;
  // A multipart source is copied in its own parts where its store describes them (source-parts.ts): asked after a HEAD.
  // Objects that will be copied in one request are opened with one GET: its headers replace a HEAD.
  const oneShot =
    hint.size !== undefined && copyRoute({ size: hint.size, etag: hint.etag }, ctx.params, sameEndpoint) === 'single';
  const opened = oneShot ? await ctx.source.open(key) : undefined;
  const release = () => opened?.body.destroy();
  let head: ObjectHead;
  let options: WriteOptions;
  let cutOfSource: PartRange[] | undefined;
  try {
    head = copyableHead(key, opened?.head ?? (oneShot ? undefined : await ctx.source.head(key)));
    options = await writeOptionsFor(ctx, head);
    cutOfSource =
      copyRoute(head, ctx.params, sameEndpoint) === 'source-parts' ? await sourceParts(ctx.source, head) : undefined;
  } catch (err) {
    release();
    throw err;
  }
  const destKey = destinationKey(ctx.params.destPrefix, key);

  let result: CopyResult | undefined;
  if (copyRoute(head, ctx.params, sameEndpoint) === 'server-side')
    result = await copyServerSide(ctx, head, destKey, options);
  if (!result) {
    const whole = cutOfSource === undefined && head.size <= ctx.params.multipartThreshold;
    const body = opened && whole ? opened.body : undefined;
    if (!body) release();
    const open = async () => body ?? (await ctx.source.get(key, undefined, head.etag));
    if (!whole)
      result = await copyMultipart(
        ctx,
        head,
        destKey,
        options,
        cutOfSource ?? planParts(head.size, choosePartSize(head.size, ctx.params.chunkSize)),
      );
    else if (head.size <= Math.min(BUFFER_LIMIT, ctx.params.multipartThreshold))
      result = await copySmall(ctx, head, destKey, options, await open());
    else result = await copyStreamed(ctx, head, destKey, options, await open());
  }
  if (result.proven) return result;
  await confirmCopy(ctx, head, destKey);
  return result;
}

/** The source still is the version copied (ETag and size) and the destination holds as many bytes. */
export async function confirmCopy(
  ctx: CopyContext,
  head: Pick<ObjectHead, 'key' | 'etag' | 'size'>,
  destKey: string,
): Promise<void> {
  const after = await ctx.source.head(head.key);
  if (!after || after.etag !== head.etag || after.size !== head.size) throw new ObjectChangedDuringCopyError(head.key);
  const written = await ctx.dest.head(destKey);
  if (!written || written.size !== head.size) {
    throw new VerificationError(destKey, `destination has ${written?.size ?? 'no'} bytes, the source ${head.size}`);
  }
}
