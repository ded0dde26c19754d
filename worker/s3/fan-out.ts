import {
  CorruptedInTransitError,
  isRetryableError,
  ObjectChangedDuringCopyError,
  UnverifiedCopyError,
  UploadGoneError,
  VerificationError,
} from '../core/errors.js';
import type { JobQueue } from '../ports/job-queue.js';
import type { ObjectHead } from '../ports/object-store.js';
import type { PartTally, RecordedPart } from '../ports/status-store.js';
import type { CopyContext, CopyResult } from './copy-context.js';
import { confirmCopy, writeOptionsFor } from './copy-object.js';
import { recordedPartsAreMd5s, someRecordedPartKms } from './copy-context.js';
import {
  abortOrphanUploads,
  checkAgainstSourceParts,
  checkBeforeCompleting,
  completeParts,
  completionIsParts,
  uploadOnePart,
  verifyCompletion,
} from './multipart-copy.js';
import { sourceNow } from './source-changed.js';
import { copyableHead } from './source-readable.js';
import { copyRoute } from './copy-route.js';
import { LOG_EVENTS, logContractEvent } from '../core/events.js';
import { forgetUploadOrWarn } from './forget-upload.js';
import { normalizeEtag } from './etags.js';
import { choosePartSize, fitsCut, planParts } from './part-plan.js';
import { sourceParts } from './source-parts.js';
import { checkDotSegmentKey } from './dot-segment-keys.js';
import { destinationKey, type PartJob, type TransferJob } from './transfer-job.js';

/**
 * Giant objects across the fleet (the original's split of objects ≥ giantFileThreshold): the object's job opens one
 * multipart upload and queues one job per part; any worker of any process takes them; the job whose part completes
 * the upload's tally (StatusStore.recordPart) claims the completion (claimCompletion, keyed by its queue message, so
 * its redelivery after a crash claims it again) and completes, verifies and records the object.
 *
 * - Duplicate delivery: a split job records its upload only if the record has none (updateIf), the loser aborts its
 *   own; a part already recorded is not uploaded again, and counts once; one claimant completes.
 * - Worker death: an unfinished part's message comes back; a split job killed before queuing every part comes back
 *   and queues the parts not recorded; a completer's message comes back to the same claimant.
 * - Source changed or gone mid-way, upload gone, or a completed copy that fails its checks: the upload is abandoned
 *   and the object queued again with a new one (or SKIPPED), at most maxAttempts times, then FAILED.
 */
export interface FanOutContext extends CopyContext {
  queue: JobQueue<TransferJob>;
  /** When this process last wrote a giant object's progress (bytesDone) to its record: at most once a second. */
  progressWrittenAt: Map<string, number>;
}

const PROGRESS_EVERY_MS = 1000;

/**
 * Whether an object of `size` is copied part by part by the fleet. Not when one server-side CopyObject (same
 * endpoint, up to 5 GiB) copies it without reading a byte here.
 */
export function fansOut(ctx: CopyContext, size: number): boolean {
  if (size < ctx.params.giantFileThreshold) return false;
  return copyRoute({ size }, ctx.params, ctx.source.endpointIdentity === ctx.dest.endpointIdentity) !== 'server-side';
}

/** How a job ended for its giant object. */
export type GiantOutcome =
  /** This job completed the object: copied, verified, recorded DONE. */
  | { kind: 'copied'; result: CopyResult }
  /** This job ended the object FAILED (recorded), with this error. */
  | { kind: 'failed'; error: string; code?: string }
  /** Nothing to report: the part is in, another job completes the object, or it was queued again. */
  | { kind: 'pending' };

export type SplitOutcome =
  | GiantOutcome
  /** The parts not yet recorded were queued as jobs. */
  | { kind: 'queued'; uploadId: string; parts: number; queued: number }
  /** The object is no longer giant (it changed since it was listed): copy it whole. */
  | { kind: 'whole' };

/**
 * A giant object's own job delivered again after its copy was recorded DONE (queues deliver at least once; a split
 * job whose delete failed comes back): the version recorded is the one queued and its copy is still what the
 * destination holds, so nothing is copied again. Before, the whole object was copied a second time. A pass that
 * queues it on purpose (the destination lost or changed it) finds the destination differ, and copies.
 */
export async function giantCopyInPlace(ctx: CopyContext, job: TransferJob): Promise<boolean> {
  const record = await ctx.status.get(job.key);
  if (record?.status !== 'DONE' || !record.destEtag || !job.etag) return false;
  if (normalizeEtag(record.etag) !== normalizeEtag(job.etag) || record.size !== job.size) return false;
  const held = await ctx.dest.head(destinationKey(ctx.params.destPrefix, job.key));
  return held?.size === record.size && normalizeEtag(held.etag) === normalizeEtag(record.destEtag);
}

/** The job of a giant object: opens (or resumes) its upload and queues a job for each part not yet recorded. */
export async function splitGiantObject(ctx: FanOutContext, job: TransferJob, claimant: string): Promise<SplitOutcome> {
  const { params, status } = ctx;
  const head = copyableHead(job.key, await ctx.source.head(job.key));
  if (!fansOut(ctx, head.size)) return { kind: 'whole' };
  const destKey = destinationKey(params.destPrefix, job.key);
  await checkDotSegmentKey(ctx.dest, params.destPrefix, destKey);
  const parts =
    (await sourceParts(ctx.source, head)) ?? planParts(head.size, choosePartSize(head.size, params.chunkSize));
  const uploadId = await openUpload(ctx, head, destKey, parts[0].size);
  const recordedParts = await status.listParts(job.key, uploadId);
  // An upload recorded under another cut with the same first part (the chunk size's, the source's) is not resumed:
  // completing it would complete that cut.
  if (!fitsCut(recordedParts, parts)) {
    const otherCut = new UploadGoneError(`destination object "${destKey}"`, 'its recorded parts were cut otherwise');
    return startAgain(ctx, { ...job, size: head.size, etag: head.etag }, uploadId, otherCut);
  }
  const recorded = new Set(recordedParts.map((p) => p.partNumber));
  const todo = parts.filter((p) => !recorded.has(p.partNumber));
  if (todo.length === 0)
    return completeGiant(
      ctx,
      { ...job, size: head.size, etag: head.etag },
      { uploadId, partCount: parts.length },
      claimant,
    );
  await ctx.queue.sendBatch(
    todo.map((p) => ({
      key: job.key,
      size: head.size,
      etag: head.etag,
      action: 'copy' as const,
      restarts: job.restarts,
      fromEvent: job.fromEvent,
      part: { uploadId, partNumber: p.partNumber, partCount: parts.length, start: p.start, end: p.end },
    })),
  );
  ctx.logger.info('worker.split', {
    key: job.key,
    bytes: head.size,
    parts: parts.length,
    queued: todo.length,
    partSize: parts[0].size,
  });
  return { kind: 'queued', uploadId, parts: parts.length, queued: todo.length };
}

/**
 * The upload of this version and part size if the record has one (a split job delivered again), else a new one,
 * recorded only if no other split job recorded one meanwhile: of two concurrent split jobs exactly one upload stays.
 */
async function openUpload(ctx: FanOutContext, head: ObjectHead, destKey: string, partSize: number): Promise<string> {
  const { status } = ctx;
  const record = await status.get(head.key);
  const reusable = (r: typeof record): r is NonNullable<typeof record> & { uploadId: string } =>
    r?.uploadId !== undefined && r.partSize === partSize && r.etag === head.etag;
  if (reusable(record)) return record.uploadId;
  // A split job opening one at this very moment meets NoSuchUpload, and its object starts again.
  if (!record?.uploadId) await abortOrphanUploads(ctx, destKey, head.key);
  const created = await ctx.dest.createMultipart(destKey, await writeOptionsFor(ctx, head));
  const won = await status.updateIf(
    head.key,
    { uploadId: record?.uploadId },
    {
      uploadId: created,
      partSize,
      etag: head.etag,
      size: head.size,
      bytesDone: 0,
    },
  );
  if (!won) {
    // Never recorded, so nothing else knows of it: a refused abort is said, and this worker goes on with the winner's.
    await ctx.dest.abortMultipart(destKey, created).catch((error: unknown) =>
      logContractEvent(ctx.logger, LOG_EVENTS.uploadNotAborted, {
        key: head.key,
        destKey,
        uploadId: created,
        error,
        reason: 'another worker recorded its own upload first',
      }),
    );
    const now = await status.get(head.key);
    if (reusable(now)) return now.uploadId;
    throw new UploadGoneError(
      `destination object "${destKey}"`,
      'another worker replaced the upload while this one was opened',
    );
  }
  if (record?.uploadId)
    await forgetUploadOrWarn(ctx, destKey, head.key, record.uploadId, 'replaced by a new upload of the object');
  return created;
}

/**
 * A part job: uploads its range unless the part is recorded already, records it, and completes the object when its
 * part completes the tally (see GiantOutcome).
 */
export async function copyPart(
  ctx: FanOutContext,
  job: TransferJob & { part: PartJob },
  claimant: string,
): Promise<GiantOutcome> {
  const { status } = ctx;
  const { part } = job;
  const record = await status.get(job.key);
  if (record?.uploadId !== part.uploadId) {
    // Completed, abandoned or replaced meanwhile (a late duplicate, or a job of an abandoned upload).
    ctx.logger.debug('worker.part_stale', { key: job.key, part: part.partNumber });
    return { kind: 'pending' };
  }
  const destKey = destinationKey(ctx.params.destPrefix, job.key);
  let tally: PartTally;
  const earlier = await status.getPart(job.key, part.uploadId, part.partNumber);
  if (earlier) {
    // Uploaded before (a duplicate delivery, or a worker killed before it was tallied): tallied once either way.
    tally = await status.recordPart(job.key, part.uploadId, earlier);
  } else {
    const range = { partNumber: part.partNumber, start: part.start, end: part.end, size: part.end - part.start + 1 };
    let uploaded: RecordedPart;
    try {
      // Recorded with whether its answer showed SSE-KMS: the completer compares the parts before completing only
      // when every part's answer showed none.
      uploaded = await uploadOnePart(ctx, { key: job.key, etag: job.etag }, destKey, part.uploadId, range);
    } catch (err) {
      const restarted = await restartIfSourceChanged(ctx, job, err);
      if (restarted) return restarted;
      throw err;
    }
    tally = await status.recordPart(job.key, part.uploadId, uploaded);
    ctx.logger.info('worker.part_copied', {
      key: job.key,
      part: part.partNumber,
      bytes: range.size,
      partsDone: tally.partsDone,
      parts: part.partCount,
    });
  }
  await writeProgress(ctx, job.key, part.uploadId, tally, part.partCount);
  if (tally.partsDone < part.partCount) return { kind: 'pending' };
  return completeGiant(ctx, job, part, claimant);
}

async function writeProgress(
  ctx: FanOutContext,
  key: string,
  uploadId: string,
  tally: PartTally,
  partCount: number,
): Promise<void> {
  const now = Date.now();
  if (tally.partsDone < partCount && now - (ctx.progressWrittenAt.get(key) ?? 0) < PROGRESS_EVERY_MS) return;
  ctx.progressWrittenAt.set(key, now);
  await ctx.status.updateIf(key, { uploadId }, { bytesDone: tally.bytesDone });
}

/**
 * A part failed: if the source changed (another version) or is gone, or the upload is gone, the upload can never
 * complete. It is abandoned and the object queued again from its current version, or recorded SKIPPED. Returns the
 * outcome when that happened.
 */
async function restartIfSourceChanged(
  ctx: FanOutContext,
  job: TransferJob & { part: PartJob },
  cause: unknown,
): Promise<GiantOutcome | undefined> {
  const now = await sourceNow(ctx.source, job);
  if (now.kind === 'unknown' || (now.kind === 'same' && !(cause instanceof UploadGoneError))) return undefined;
  if (now.kind === 'gone') {
    await abandonGiant(ctx, job.key, job.part.uploadId, {
      status: 'SKIPPED',
      error: 'source object no longer exists',
      finishedAt: new Date().toISOString(),
    });
    ctx.logger.warn('worker.source_not_copyable', { key: job.key, reason: 'no longer exists' });
    return { kind: 'pending' };
  }
  const current = now.kind === 'changed' ? now.head : job;
  return startAgain(ctx, { ...job, size: current.size, etag: current.etag }, job.part.uploadId, cause);
}

/**
 * Abandons the object's upload and queues the object again (a fresh upload), up to maxAttempts times; after that it
 * is FAILED with `cause`. Only the job that abandons the upload acts (updateIf); for the others nothing is left to do.
 */
async function startAgain(
  ctx: FanOutContext,
  job: TransferJob,
  uploadId: string | undefined,
  cause: unknown,
): Promise<GiantOutcome> {
  const error = cause instanceof Error ? cause.message : String(cause);
  const restarts = (job.restarts ?? 0) + 1;
  if (restarts >= ctx.params.maxAttempts) return failGiant(ctx, job.key, uploadId, cause);
  if (uploadId !== undefined && !(await abandonGiant(ctx, job.key, uploadId, { status: 'PENDING', error })))
    return { kind: 'pending' };
  if (uploadId === undefined) await ctx.status.update(job.key, { status: 'PENDING', error });
  const again: TransferJob = { key: job.key, size: job.size, etag: job.etag, action: 'copy', restarts };
  // An event's copy stays one: if the source is gone by then, the copy that may have landed goes too (job-worker).
  if (job.fromEvent) again.fromEvent = true;
  await ctx.queue.sendBatch([again]);
  ctx.logger.warn('worker.giant_restarted', { key: job.key, restarts, error });
  return { kind: 'pending' };
}

/** Records the object FAILED (abandoning its upload, if it still has this one) and says so. */
async function failGiant(
  ctx: FanOutContext,
  key: string,
  uploadId: string | undefined,
  cause: unknown,
): Promise<GiantOutcome> {
  const error = cause instanceof Error ? cause.message : String(cause);
  const failed = { status: 'FAILED' as const, error, finishedAt: new Date().toISOString() };
  if (uploadId !== undefined && !(await abandonGiant(ctx, key, uploadId, failed))) return { kind: 'pending' };
  if (uploadId === undefined) await ctx.status.update(key, failed);
  return { kind: 'failed', error, code: (cause as { code?: string })?.code };
}

/**
 * Ends an upload that can never complete (a part failed for good, the source changed): the record forgets it — only
 * if it still is this upload, so of several jobs that find it broken one acts — with `patch`, and the upload is
 * aborted. Jobs of its other parts then find it stale and end.
 */
export async function abandonGiant(
  ctx: CopyContext,
  key: string,
  uploadId: string,
  patch: Parameters<CopyContext['status']['update']>[1],
): Promise<boolean> {
  const forgotten = await ctx.status.updateIf(
    key,
    { uploadId },
    { ...patch, uploadId: undefined, partSize: undefined },
  );
  if (forgotten)
    await forgetUploadOrWarn(
      ctx,
      destinationKey(ctx.params.destPrefix, key),
      key,
      uploadId,
      'the object is copied again from its first part',
    );
  return forgotten;
}

/**
 * Completes the upload once every part is recorded, if `claimant` holds the completion; checks the copy (the parts'
 * MD5s against the completion's ETag, the destination's size, the source unchanged) and records it DONE, forgetting
 * the upload in the same write — only if the record still points to this upload. A completer that dies in between is
 * delivered again and completes again: the completion already applied is recognised (completedEarlier). A copy that
 * fails the checks is started again with a new upload (or FAILED), never resumed: the completion closed its upload.
 *
 * A multipart source cut as the copy is, whose parts' answers all showed no SSE-KMS, is compared with the parts before
 * the completion (checkBeforeCompleting): damaged parts are aborted, never completed over the destination's object
 * (before, the completion replaced a good copy, then failed its check). Elsewhere (a part's answer showed KMS, or was
 * recorded before that was kept) the source's ETag is held against the parts after the completion, as before.
 */
async function completeGiant(
  ctx: FanOutContext,
  job: TransferJob,
  part: Pick<PartJob, 'uploadId' | 'partCount'>,
  claimant: string,
): Promise<GiantOutcome> {
  const { status } = ctx;
  if (!(await status.claimCompletion(job.key, part.uploadId, claimant))) return { kind: 'pending' };
  const parts = await status.listParts(job.key, part.uploadId);
  const destKey = destinationKey(ctx.params.destPrefix, job.key);
  if (parts.length !== part.partCount || parts.some((p, i) => p.partNumber !== i + 1)) {
    throw new VerificationError(
      destKey,
      `${parts.length} of ${part.partCount} parts are recorded for upload ${part.uploadId}`,
    );
  }
  const head = { key: job.key, size: job.size, etag: job.etag };
  const kmsParts = someRecordedPartKms(parts);
  let checksum: string;
  let destEtag: string | undefined;
  try {
    const sourcePartsChecked = await checkBeforeCompleting(ctx, head, destKey, parts, {
      partEtagsAreMd5s: recordedPartsAreMd5s(ctx, parts),
    });
    const completion = await completeParts(ctx, head, destKey, part.uploadId, parts);
    checksum = verifyCompletion(ctx, head, destKey, completion, kmsParts);
    // A multipart source's ETag against the parts, where checkBeforeCompleting did not compare them already.
    if (!sourcePartsChecked) await checkAgainstSourceParts(ctx, head, destKey, completion, parts, kmsParts);
    destEtag = completion.written.etag;
    await confirmCopy(ctx, head, destKey, { destinationProven: completionIsParts(ctx, completion, kmsParts) });
  } catch (err) {
    // Damaged before the completion (aborted here, never completed), completed but wrong (bytes changed on the way,
    // the source changed), or aborted/expired under us: a new upload.
    if (err instanceof UploadGoneError || (completedOrChecked(err) && isRetryableError(err)))
      return startAgain(ctx, job, part.uploadId, err);
    if (completedOrChecked(err)) return failGiant(ctx, job.key, part.uploadId, err);
    throw err;
  }
  const recorded = await status.updateIf(
    job.key,
    { uploadId: part.uploadId },
    {
      status: 'DONE',
      verified: true,
      checksum,
      destEtag,
      etag: job.etag,
      size: job.size,
      bytesDone: job.size,
      finishedAt: new Date().toISOString(),
      error: undefined,
      uploadId: undefined,
      partSize: undefined,
    },
  );
  await status.clearParts(job.key, part.uploadId);
  ctx.progressWrittenAt.delete(job.key);
  // Not recorded: a completer delivered again finished it first, and reported it.
  if (!recorded) return { kind: 'pending' };
  return {
    kind: 'copied',
    result: {
      method: 'multipart',
      bytes: job.size,
      checksum,
      sourceEtag: job.etag,
      destEtag,
      partsUploaded: parts.length,
    },
  };
}

/**
 * Errors of the checks before and after a completion (the copy is wrong), as opposed to a request that failed and may
 * be retried.
 */
function completedOrChecked(err: unknown): boolean {
  return (
    err instanceof VerificationError ||
    err instanceof CorruptedInTransitError ||
    err instanceof ObjectChangedDuringCopyError ||
    err instanceof UnverifiedCopyError
  );
}
