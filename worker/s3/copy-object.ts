/**
 * One object's copy, on the way copy-route.ts chooses: a server-side copy, a single PUT (small objects read whole and
 * hashed first, larger ones streamed) or a multipart copy (multipart-copy.ts); each verified end to end, and where
 * the ETags do not prove it, confirmed by HEADs of both sides.
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import {
  CorruptedInTransitError,
  isAccessDenied,
  ObjectChangedDuringCopyError,
  SourceReadMismatchError,
  UnverifiedCopyError,
  VerificationError,
} from '../core/errors.js';
import type { ObjectHead, WriteOptions, WriteResult } from '../ports/object-store.js';
import { type CopyContext, type CopyResult, destEtagIsMd5 } from './copy-context.js';
import { copyRoute } from './copy-route.js';
import { checkDotSegmentKey } from './dot-segment-keys.js';
import { contentMd5, etagConfirmsMd5, normalizeEtag } from './etags.js';
import { md5FromEtag, readFully } from './hashing-stream.js';
import { copyMultipart } from './multipart-copy.js';
import { choosePartSize, planParts, type PartRange } from './part-plan.js';
import { md5Base64, sendHashed, streamThrough } from './send-body.js';
import { sameVersion, sourceMovedUnder } from './source-changed.js';
import { sourceParts } from './source-parts.js';
import { TagsRefusedWarnings } from './tags-refused.js';
import { copyableHead, SourceNotCopyableError } from './source-readable.js';
import { destinationKey } from './transfer-job.js';

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
  // Without metadata no tags either, also where a server-side copy would keep the source's (S3's default directive).
  if (!params.includeMetadata) return { ...base, tags: {} };
  // S3 sends x-amz-tagging-count only when the object has tags: no header, no tagging request.
  const tags = head.tagCount ? await sourceTags(ctx, head.key) : {};
  // Unreadable: none at all, also on a server-side copy (whose default directive would need the same permission).
  if (tags === undefined) return { ...base, ...attributesOf(head), tags: {} };
  return { ...base, ...attributesOf(head), tags: Object.keys(tags).length ? tags : undefined };
}

function attributesOf(head: ObjectHead): WriteOptions {
  return {
    contentEncoding: head.contentEncoding,
    contentLanguage: head.contentLanguage,
    contentDisposition: head.contentDisposition,
    cacheControl: head.cacheControl,
    expires: head.expires,
    metadata: head.metadata,
  };
}

/**
 * The source object's tags; undefined when the source refuses to read them for lack of permission (s3:GetObjectTagging,
 * which the original's documented minimum source policy lacks: the original never copied tags). The object is then
 * copied without them, as the original would have, and the worker warns (tags-refused.ts). Any other failure (a server
 * error, an answer that is not S3's) fails the object as before: the tags may exist and be readable on a retry.
 */
async function sourceTags(ctx: CopyContext, key: string): Promise<Record<string, string> | undefined> {
  try {
    return await ctx.source.getTags(key);
  } catch (err) {
    if (!isAccessDenied(err)) throw err;
    if (ctx.tagsRefused) ctx.tagsRefused.note(key, err);
    else new TagsRefusedWarnings(ctx.logger).note(key, err);
    return undefined;
  }
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
  if (etagConfirmsMd5(head, md5) === false)
    throw new SourceReadMismatchError(head.key, md5, normalizeEtag(head.etag) ?? '');
  const put = await ctx.dest.put(destKey, body, head.size, options, md5Base64(md5));
  return checkedPut(ctx, head, destKey, put, { sentMd5: md5, srcMd5, withContentMd5: true });
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
      throw new SourceReadMismatchError(head.key, sent.md5, normalizeEtag(head.etag) ?? '');
    return checkedPut(ctx, head, destKey, sent.written, {
      sentMd5: sent.md5,
      srcMd5,
      withContentMd5: false,
    });
  }
  // With the source's MD5 known (its ETag), hashing every byte here proves nothing more: it goes out as
  // Content-MD5 and the destination's ETag must equal it. Only count bytes then (MD5 costs ~1.5 CPU-s per GiB).
  const { written: put } = await streamThrough(ctx, source, head.size, false, (body) =>
    ctx.dest.put(destKey, body, head.size, options, md5Base64(srcMd5)),
  );
  return checkedPut(ctx, head, destKey, put, { sentMd5: srcMd5, srcMd5, withContentMd5: true });
}

/**
 * A single PUT's result, once the destination ETag (where it is an MD5) equals the MD5 of what was sent.
 * `withContentMd5`: the write carried `sentMd5` as Content-MD5.
 */
function checkedPut(
  ctx: CopyContext,
  head: ObjectHead,
  destKey: string,
  put: WriteResult,
  sent: { sentMd5: string; srcMd5: string | undefined; withContentMd5: boolean },
): CopyResult {
  const { sentMd5, srcMd5 } = sent;
  const dstMd5 = md5FromEtag(put.etag);
  // The destination stored other bytes than were sent (a store that ignores Content-MD5 keeps what arrived): the
  // copy is retried like any damaged transfer — before, a buffered object failed at its first attempt.
  if (destEtagIsMd5(ctx, put) && dstMd5 && dstMd5 !== sentMd5)
    throw new CorruptedInTransitError(destKey, dstMd5, sentMd5);
  return {
    method: 'put',
    bytes: head.size,
    checksum: `md5:${sentMd5}`,
    sourceEtag: head.etag,
    destEtag: put.etag,
    partsUploaded: 0,
    proven:
      provenByEtags(ctx, put, srcMd5, dstMd5) ||
      provenByContentMd5(ctx, put, srcMd5, sent.withContentMd5 ? sentMd5 : undefined),
    // A source whose ETag is no MD5: the destination's ETag still proves it holds the bytes sent, hashed on the way.
    destinationProven: destEtagIsMd5(ctx, put) && dstMd5 !== undefined,
  };
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
 * Where the destination's ETag is no MD5 (SSE-KMS), a write the store accepted with the source's MD5 as Content-MD5
 * proves it as well: S3 takes the MD5 of what arrives and refuses a body that differs (400 BadDigest) before storing
 * it — the check the original relied on for every write. The source's MD5 comes from the same answer as the bytes, so
 * they are of one version too. Nothing is hashed for it: Content-MD5 is the MD5 the copy already sends. Without this,
 * every copy onto a KMS destination was confirmed by HEADs, and a destination policy without s3:GetObject (the
 * original's documented minimum) failed every one of them after writing it.
 */
function provenByContentMd5(
  ctx: CopyContext,
  written: WriteResult,
  srcMd5: string | undefined,
  contentMd5Sent: string | undefined,
): boolean {
  return !destEtagIsMd5(ctx, written) && srcMd5 !== undefined && contentMd5Sent === srcMd5;
}

async function copyServerSide(
  ctx: CopyContext,
  head: ObjectHead,
  destKey: string,
  options: WriteOptions,
): Promise<CopyResult | undefined> {
  try {
    const out = await ctx.dest.copyFrom(
      { bucket: ctx.source.bucket, key: head.key, requesterPays: ctx.params.isPayerRequest, etag: head.etag },
      destKey,
      options,
      head.size,
    );
    const srcMd5 = contentMd5(head);
    const dstMd5 = md5FromEtag(out.etag);
    if (srcMd5 && dstMd5 && srcMd5 !== dstMd5 && destEtagIsMd5(ctx, out)) {
      const mismatch = new VerificationError(
        destKey,
        `server-side copy ETag ${dstMd5} differs from the source ${srcMd5}`,
      );
      // A store that ignores the copy's If-Match copied a version written since the HEAD: its bytes under the HEAD's
      // metadata. Copied again from the current version, not FAILED (nor, on the next run, unchanged by ETag).
      throw (await sourceMovedUnder(ctx, head, mismatch)) ?? mismatch;
    }
    return {
      method: 'server-side',
      bytes: head.size,
      checksum: `md5:${srcMd5 ?? dstMd5 ?? 'unknown'}`,
      sourceEtag: head.etag,
      destEtag: out.etag,
      partsUploaded: 0,
      // The store copied bytes whose MD5 is the source version's: the copy's own ETag says so.
      proven: provenByEtags(ctx, out, srcMd5, dstMd5),
    };
  } catch (err) {
    const decided = [VerificationError, ObjectChangedDuringCopyError, SourceNotCopyableError];
    if (decided.some((kind) => err instanceof kind)) throw err;
    // The source refused as changed (412 to the copy's If-Match) or deleted: copied again from what it is now.
    const moved = await sourceMovedUnder(ctx, head, err);
    if (moved) throw moved;
    // Some stores lack CopyObject or mishandle some keys; streaming through this machine always works.
    ctx.logger.warn('copy.server_side_unavailable', { key: head.key, error: err });
    return undefined;
  }
}

/**
 * One PUT of the object: from `opened` (the GET that was its HEAD), else from a GET of the version `head` names — which
 * a source overwritten or deleted since the HEAD answers 412 or 404: said as the source's change, not a failed request.
 */
async function copyWhole(
  ctx: CopyContext,
  head: ObjectHead,
  destKey: string,
  options: WriteOptions,
  opened: Readable | undefined,
): Promise<CopyResult> {
  try {
    const body = opened ?? (await ctx.source.get(head.key, undefined, head.etag));
    return head.size <= Math.min(BUFFER_LIMIT, ctx.params.multipartThreshold)
      ? await copySmall(ctx, head, destKey, options, body)
      : await copyStreamed(ctx, head, destKey, options, body);
  } catch (err) {
    throw (opened ? undefined : await sourceMovedUnder(ctx, head, err)) ?? err;
  }
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
  try {
    await checkDotSegmentKey(ctx.dest, ctx.params.destPrefix, destKey);
  } catch (err) {
    release();
    throw err;
  }

  let result: CopyResult | undefined;
  if (copyRoute(head, ctx.params, sameEndpoint) === 'server-side')
    result = await copyServerSide(ctx, head, destKey, options);
  if (!result) {
    const whole = cutOfSource === undefined && head.size <= ctx.params.multipartThreshold;
    const body = opened && whole ? opened.body : undefined;
    if (!body) release();
    if (!whole)
      result = await copyMultipart(
        ctx,
        head,
        destKey,
        options,
        cutOfSource ?? planParts(head.size, choosePartSize(head.size, ctx.params.chunkSize)),
      );
    else result = await copyWhole(ctx, head, destKey, options, body);
  }
  // Tags come from a request of their own (GetObjectTagging), which no ETag ties to the version of the bytes: a source
  // overwritten in between left one version's bytes with the next one's tags, proven by ETags. The closing source HEAD
  // tells (one request more, for tagged objects only).
  const tagsReadApart = Object.keys(options.tags ?? {}).length > 0;
  if (result.proven && !tagsReadApart) return result;
  await confirmCopy(ctx, head, destKey, {
    destinationProven: result.proven || result.destinationProven,
    deletedIsSkipped: true,
  });
  return result;
}

/**
 * The source still is the version copied (ETag and size) and the destination holds as many bytes — unless the write's
 * answer already proved the destination (`destinationProven`), which then needs no HEAD. A destination that refuses the
 * HEAD for lack of permission fails the object with UnverifiedCopyError: written, but never reported as verified.
 */
export async function confirmCopy(
  ctx: CopyContext,
  head: Pick<ObjectHead, 'key' | 'etag' | 'size'>,
  destKey: string,
  options: {
    destinationProven?: boolean;
    /**
     * A source deleted during the copy ends the object SKIPPED, saying the copy written stays (as objects deleted at
     * the source do) — not "changed", whose retry then found it gone and said only "no longer exists".
     */
    deletedIsSkipped?: boolean;
  } = {},
): Promise<void> {
  const after = await ctx.source.head(head.key);
  if (!after && options.deletedIsSkipped)
    throw new SourceNotCopyableError(
      head.key,
      'was deleted at the source during the copy: the copy written stays at the destination, as objects deleted at the source do, not verified against a source that is gone',
      true,
    );
  if (!after || !sameVersion(after, head)) throw new ObjectChangedDuringCopyError(head.key);
  if (options.destinationProven) return;
  const written = await ctx.dest.head(destKey).catch((err: unknown) => {
    throw isAccessDenied(err) ? new UnverifiedCopyError(destKey, err) : err;
  });
  if (!written || written.size !== head.size) {
    throw new VerificationError(destKey, `destination has ${written?.size ?? 'no'} bytes, the source ${head.size}`);
  }
}
