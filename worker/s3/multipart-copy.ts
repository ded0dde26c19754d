/**
 * A multipart copy of one object: its parts uploaded (resuming an upload of the same source version cut the same way),
 * completed, and the completion checked against the parts sent and, for a multipart source, against its ETag. The
 * fleet's part jobs (fan-out.ts) use the same part upload, completion and checks.
 */
import {
  CorruptedInTransitError,
  isRetryableError,
  SourceReadMismatchError,
  UploadGoneError,
  VerificationError,
} from '../core/errors.js';
import { withRetry } from '../core/retry.js';
import type { ObjectHead, UploadedPart, WriteOptions, WriteResult } from '../ports/object-store.js';
import type { RecordedPart } from '../ports/status-store.js';
import {
  type CopyContext,
  type CopyResult,
  destEtagIsMd5,
  partEtagsAreMd5s,
  recordedPartsAreMd5s,
} from './copy-context.js';
import { contentMd5, etagConfirmsMd5, normalizeEtag } from './etags.js';
import { md5FromEtag, multipartEtag, readFully } from './hashing-stream.js';
import { fitsCut, type PartRange } from './part-plan.js';
import { sendHashed } from './send-body.js';
import { checkSourceParts } from './source-parts.js';
import { LOG_EVENTS, logContractEvent } from '../core/events.js';
import { abortUnrecordedUploads, forgetUploadOrWarn } from './forget-upload.js';
import { OrderedMd5 } from './ordered-md5.js';
import { sourceMovedUnder } from './source-changed.js';

/**
 * Reads one range of the source (of the version `head` names) and uploads it as a part; its MD5 is checked against the
 * part's ETag. Returns the part, and whether its answer showed SSE-KMS (then no ETag of this upload is a content hash).
 * With `ordered`, the bytes of the attempt that succeeded go into the whole object's MD5.
 */
export async function uploadOnePart(
  ctx: CopyContext,
  head: Pick<ObjectHead, 'key' | 'etag'>,
  destKey: string,
  uploadId: string,
  part: PartRange,
  ordered?: OrderedMd5,
): Promise<UploadedPart & { kms: boolean }> {
  return withRetry(
    async () => {
      const chunks: Buffer[] = [];
      const { written, md5 } = await sendHashed(
        ctx,
        head,
        part,
        part.size,
        (body, md5) => ctx.dest.uploadPart(destKey, uploadId, part.partNumber, body, part.size, md5),
        undefined,
        // Copied: the HTTP client lends its read buffers and takes them back once a chunk is consumed.
        ordered && ((chunk) => chunks.push(Buffer.from(chunk))),
      );
      const dstMd5 = md5FromEtag(written.etag);
      if (destEtagIsMd5(ctx, written) && dstMd5 && dstMd5 !== md5) {
        throw new VerificationError(
          destKey,
          `part ${part.partNumber}: destination ETag ${dstMd5} differs from the MD5 sent (${md5})`,
        );
      }
      ordered?.partRead(part.partNumber, chunks);
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

/** A part uploaded by an earlier attempt, read again only for the whole object's MD5 (OrderedMd5). */
async function hashResumedPart(
  ctx: CopyContext,
  head: Pick<ObjectHead, 'key' | 'etag'>,
  part: PartRange,
  ordered: OrderedMd5,
): Promise<void> {
  const bytes = await withRetry(
    async () => readFully(await ctx.source.get(head.key, { start: part.start, end: part.end }, head.etag), part.size),
    { attempts: 3, signal: ctx.signal },
  );
  ordered.partRead(part.partNumber, [bytes]);
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
 * The bytes read, checked before the upload is completed, where they can be: a completion replaces the destination's
 * object, so damage found after it (as before) had already put bytes that are no version of the source in place of
 * a good copy. `readMd5`: a single-part source's bytes hashed in part order, against its ETag; else, for a multipart
 * source cut as it was, the MD5 of the parts' MD5s against its ETag (checkSourceParts). Throws the damage; returns
 * whether the parts were compared with the source's ETag (the completion's own check need not ask again). Shared with
 * the fleet's completion of giant objects (fan-out.ts), which has no `readMd5`.
 */
export async function checkBeforeCompleting(
  ctx: CopyContext,
  head: ObjectHead,
  destKey: string,
  parts: UploadedPart[],
  read: { readMd5?: string; partEtagsAreMd5s: boolean },
): Promise<boolean> {
  if (read.readMd5 !== undefined) {
    if (etagConfirmsMd5(head, read.readMd5) === false)
      throw new SourceReadMismatchError(head.key, read.readMd5, contentMd5(head) ?? '');
    return false;
  }
  if (!read.partEtagsAreMd5s) return false;
  await checkSourceParts(ctx.source, head, destKey, compositeOf(parts), parts);
  return true;
}

/** The MD5 of the parts' MD5s (an AWS multipart ETag without its "-N"), when every part's ETag is its MD5. */
function compositeOf(parts: readonly UploadedPart[]): string | undefined {
  const partMd5s = parts.map((p) => md5FromEtag(p.etag) ?? '');
  return partMd5s.every(Boolean) ? multipartEtag(partMd5s) : undefined;
}

/** The bytes the parts hold together. */
function partBytes(parts: readonly UploadedPart[]): number {
  return parts.reduce((n, p) => n + p.size, 0);
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
  const total = partBytes(parts);
  if (total !== head.size)
    throw new VerificationError(destKey, `parts hold ${total} bytes, the source has ${head.size}`);
  const composite = compositeOf(parts);
  const written = await ctx.dest.completeMultipart(destKey, uploadId, parts).catch(async (err: unknown) => {
    const earlier = await completedEarlier(ctx, head, destKey, composite);
    if (!earlier) throw err;
    // The object is in place: an upload that is gone (the completion was applied) resolves; a refused abort is said,
    // and does not fail a copy that landed.
    await ctx.dest.abortMultipart(destKey, uploadId).catch((error: unknown) =>
      logContractEvent(ctx.logger, LOG_EVENTS.uploadNotAborted, {
        key: head.key,
        destKey,
        uploadId,
        error,
        reason: 'the object is in place already',
      }),
    );
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

/**
 * Before a new upload of an object whose record names none: any upload the destination holds open for the key is an
 * orphan (a state lost, an attempt that died between creating and recording it), aborted first. Not asked again of
 * a destination that cannot list them.
 */
export async function abortOrphanUploads(ctx: CopyContext, destKey: string, key: string): Promise<void> {
  if (ctx.demands?.uploadsUnlisted) return;
  const looked = await abortUnrecordedUploads(
    ctx,
    destKey,
    key,
    'open at the destination and recorded by no copy of this task (a state lost, or an attempt that died before recording it)',
  );
  if (!looked && ctx.demands) ctx.demands.uploadsUnlisted = true;
}

/**
 * The completion's ETag is the MD5 of the parts' MD5s, each part's checked against its bytes when uploaded: the
 * destination holds exactly the parts sent, whose sizes add up to the object's (completeParts). Not under SSE-KMS.
 */
export function completionIsParts(ctx: CopyContext, completion: Completion, kmsParts = false): boolean {
  return (
    partEtagsAreMd5s(ctx, completion.written, kmsParts) &&
    completion.composite !== undefined &&
    normalizeEtag(completion.written.etag) === completion.composite
  );
}

export async function copyMultipart(
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
  // (a cut of the source's own part sizes and one of the chunk size may share the first). Any other upload will never
  // be completed: aborted (before, an upload cut another way — another chunkSize — stayed open for good).
  if (record?.uploadId) {
    const recorded =
      record.partSize === partSize && record.etag === head.etag
        ? await status.listParts(head.key, record.uploadId)
        : undefined;
    if (recorded && fitsCut(recorded, plan)) {
      uploadId = record.uploadId;
      done = recorded;
    } else {
      await forgetUploadOrWarn(ctx, destKey, head.key, record.uploadId, 'cut in other parts; uploaded afresh');
    }
  }
  if (!record?.uploadId) await abortOrphanUploads(ctx, destKey, head.key);
  if (uploadId === undefined) {
    uploadId = await ctx.dest.createMultipart(destKey, options);
    await status.update(head.key, { uploadId, partSize, etag: head.etag });
  }
  let todo: PartRange[] = [];
  let completion: Completion;
  let parts: RecordedPart[];
  let kmsParts = false;
  let sourcePartsChecked = false;
  // A single-part source's MD5 checks the ranged reads, hashed in part order, unless this destination's completions
  // answer the whole object's MD5 (which checks them); parts resumed from an earlier attempt are read for it alone.
  const sourceMd5 = contentMd5(head);
  const ordered =
    sourceMd5 !== undefined && !ctx.demands?.wholeMd5Completions ? new OrderedMd5(plan.length) : undefined;
  try {
    const finished = new Set(done.map((p) => p.partNumber));
    todo = plan.filter((p) => !finished.has(p.partNumber));
    let bytesDone = partBytes(done);
    await forEachLimited(
      ordered ? plan : todo,
      ctx.params.partConcurrency,
      async (part) => {
        try {
          await ordered?.room(part.partNumber, ctx.params.partConcurrency);
          // Only with `ordered` are the parts already uploaded in the list: read again for the hash alone.
          if (ordered && finished.has(part.partNumber)) {
            await hashResumedPart(ctx, head, part, ordered);
            return;
          }
          const uploaded = await uploadOnePart(ctx, head, destKey, uploadId, part, ordered);
          kmsParts ||= uploaded.kms;
          await status.addPart(head.key, uploadId, uploaded);
          bytesDone += part.size;
          await status.update(head.key, { bytesDone });
        } catch (err) {
          ordered?.abandon(); // parts waiting for their turn to be hashed go on, and end
          throw err;
        }
      },
      ctx.signal,
    );
    parts = await status.listParts(head.key, uploadId);
    if (partBytes(parts) !== head.size && (await status.get(head.key))?.uploadId !== uploadId) {
      // A second delivery of this job resumed the upload the first one recorded, and the first completed it and
      // cleared its parts: the upload is closed, not the copy wrong (before: VerificationError, dead-lettered).
      throw new UploadGoneError(`destination object "${destKey}"`, 'another copy of this object completed it');
    }
    sourcePartsChecked = await checkBeforeCompleting(ctx, head, destKey, parts, {
      readMd5: ordered?.digestHex(),
      // The parts' ETags are their MD5s unless SSE-KMS, which a part's answer shows: known when parts went up now (one
      // upload, one encryption), or from every part's record.
      partEtagsAreMd5s: (todo.length > 0 && !kmsParts) || recordedPartsAreMd5s(ctx, parts),
    });
    completion = await completeParts(ctx, head, destKey, uploadId, parts);
  } catch (err) {
    // The upload is gone (aborted, expired, or completed by a request whose answer was lost): resuming it can never
    // succeed, so its parts are forgotten and the next attempt starts a new one. The record forgets it too, unless
    // the record has moved on to another copy's upload, which is not this one's to forget.
    if (err instanceof UploadGoneError) {
      await status.clearParts(head.key, uploadId);
      if ((await status.get(head.key))?.uploadId === uploadId)
        await status.update(head.key, { uploadId: undefined, partSize: undefined });
      throw err;
    }
    // The source was deleted or overwritten under the copy (a ranged read answered 404, or 412 to its If-Match), or
    // the bytes read were damaged (checkBeforeCompleting): this upload must never be completed, so it is aborted now,
    // not left open until the next attempt or for good.
    const moved = await sourceMovedUnder(ctx, head, err);
    const dropped =
      moved ?? (err instanceof SourceReadMismatchError || err instanceof CorruptedInTransitError ? err : undefined);
    if (!dropped) throw err;
    await forgetUploadOrWarn(ctx, destKey, head.key, uploadId, dropped.message);
    await status.update(head.key, { uploadId: undefined, partSize: undefined });
    throw dropped;
  }
  // The upload is closed either way: a retry must start a new one, not resume this one.
  await status.clearParts(head.key, uploadId);
  await status.update(head.key, { uploadId: undefined, partSize: undefined });
  if (ctx.demands && sourceMd5 !== undefined && normalizeEtag(completion.written.etag) === sourceMd5)
    ctx.demands.wholeMd5Completions = true;
  const checksum = verifyCompletion(ctx, head, destKey, completion, kmsParts);
  // A multipart source's ETag against the parts, where checkBeforeCompleting did not compare them already.
  if (!sourcePartsChecked) await checkAgainstSourceParts(ctx, head, destKey, completion, parts, kmsParts);
  const destinationHoldsParts = completionIsParts(ctx, completion, kmsParts);
  return {
    method: 'multipart',
    bytes: head.size,
    checksum,
    sourceEtag: head.etag,
    destEtag: completion.written.etag,
    partsUploaded: todo.length,
    // Cut like its source: the source's ETag, the MD5 of the parts sent and the destination's ETag are one value, so
    // the bytes are the source version's (each part read with If-Match) and arrived whole; no HEADs needed.
    proven: destinationHoldsParts && normalizeEtag(head.etag) === completion.composite,
    // Cut otherwise (a single-part source in parts): the destination is still proven, the source's version needs a HEAD.
    destinationProven: destinationHoldsParts,
  };
}
