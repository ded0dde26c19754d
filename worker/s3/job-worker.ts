import type { BytesInFlight } from './bytes-in-flight.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { DthError, isRetryableError } from '../core/errors.js';
import { LOG_EVENTS, logContractEvent } from '../core/events.js';
import type { Logger } from '../core/log.js';
import { redeliveryDelayMs, retryDelayMs } from '../core/retry.js';
import type { JobQueue, ReceivedJob } from '../ports/job-queue.js';
import type { ObjectStore } from '../ports/object-store.js';
import type { StatusStore } from '../ports/status-store.js';
import type { CopyResult } from './copy-context.js';
import type { FinderNews } from './finder-news.js';
import { BUFFER_LIMIT, copyObject } from './copy-object.js';
import { SourceNotCopyableError } from './source-readable.js';
import { inSeveralParts } from './etags.js';
import {
  abandonGiant,
  copyPart,
  fansOut,
  giantCopyInPlace,
  splitGiantObject,
  type FanOutContext,
  type GiantOutcome,
} from './fan-out.js';
import type { S3TaskParams } from './params.js';
import { createKeyFilter, ownCopies } from './key-filter.js';
import {
  deleteCopyOfDeletedSource,
  deleteUnlessRecreated,
  settleEventCopy,
  type EventOutcomeContext,
} from './event-outcomes.js';
import { readQueueMessage, type EventScope, type QueueMessage } from './s3-event.js';
import { destinationKey, type PartJob, type TransferJob } from './transfer-job.js';
import { TagsRefusedWarnings } from './tags-refused.js';

export interface WorkerOptions {
  params: S3TaskParams;
  source: ObjectStore;
  dest: ObjectStore;
  queue: JobQueue<TransferJob | unknown>;
  status: StatusStore;
  logger: Logger;
  /** Abort = graceful stop: no new work; in-flight copies are cancelled and their messages released. */
  signal?: AbortSignal;
  /** One-shot mode: return once the queue has nothing visible or in flight. Long-running otherwise. */
  exitWhenDrained?: boolean;
  /** In one-shot mode, the finder running in this process: the worker does not exit while it may queue more work. */
  finder?: FinderNews;
  visibilityTimeoutSec?: number;
  onObjectDone?: (key: string, result: CopyResult) => void;
  /** Live progress: counts the bytes of uploads as they stream. */
  bytesInFlight?: BytesInFlight;
  /**
   * Other worker processes take jobs from this queue (the fleet: `dth worker`). Then a part of a giant object takes
   * `workerNumber / partConcurrency` slots, so this worker leaves the rest of a split object's parts to the others.
   * A one-process run (`dth s3 sync`, the local hub) has no one to leave them to: a part takes one slot.
   */
  sharesQueue?: boolean;
  /**
   * Counts of the whole pass, added to as each object is copied or fails (the report is this call's, returned at the
   * end): the hub charts what each period added from them, re-copies included.
   */
  tally?: WorkerReport;
}

export interface WorkerReport {
  copied: number;
  failed: number;
  bytes: number;
}

/**
 * Objects copied from one buffer (up to BUFFER_LIMIT, 128 KiB) take half a worker slot, so `workerNumber` of them
 * become twice as many in flight. Copying one is mostly waiting on two requests, not moving bytes: more at once hide
 * that wait for little memory. Measured (README, Benchmark): 20,000 x 10 KiB 18.6 -> 16.0 s at the same CPU with 64
 * in flight instead of 32; for 64 KiB-1 MiB objects 64 in flight were no faster and peaked 25 MB higher, so larger
 * objects keep one slot each.
 *
 * In a fleet (`sharesQueue`) a part of a giant object takes `workerNumber / partConcurrency` slots: a worker holds
 * `partConcurrency` parts at once, as for one object's multipart copy, and leaves the others of a split object on the
 * queue for the rest of the fleet. At one slot each, the first worker took up to 32 parts, a whole 256 MiB object, and
 * a second worker none. Alone, 4 parts at a time copied 2 x 1 GiB 8 % slower than 32 (README, Benchmark).
 */
function slotsTaken(message: QueueMessage, partWeight: number): number {
  if (message.kind !== 'jobs' || message.jobs.length === 0) return 1;
  if (message.jobs.some((job) => job.part)) return partWeight;
  return message.jobs.every((job) => job.size <= BUFFER_LIMIT) ? 0.5 : 1;
}

/** Parts are on their way to the queue, or at its head: a giant object was received (it is split), or a part was. */
function announcesParts(message: QueueMessage, splits: (size: number) => boolean): boolean {
  return message.kind === 'jobs' && message.jobs.some((job) => job.part || splits(job.size));
}

/** Consumes the queue with bounded concurrency until drained (one-shot) or stopped. */
export async function runWorker(options: WorkerOptions): Promise<WorkerReport> {
  const { params, queue, status, logger, signal } = options;
  const visibility = options.visibilityTimeoutSec ?? 120;
  const report: WorkerReport = { copied: 0, failed: 0, bytes: 0 };
  // This call's report, and the pass's tally when the caller keeps one: every count goes to both.
  const tallies = options.tally ? [report, options.tally] : [report];
  const countFailed = () => {
    for (const t of tallies) t.failed++;
  };
  const inFlight = new Set<Promise<void>>();
  const copyAbort = new AbortController();
  const onStop = () => copyAbort.abort(signal?.reason);
  signal?.addEventListener('abort', onStop, { once: true });
  const ctx: FanOutContext = {
    source: options.source,
    dest: options.dest,
    params,
    status,
    logger,
    signal: copyAbort.signal,
    bytesInFlight: options.bytesInFlight,
    demands: { contentMd5: false },
    tagsRefused: new TagsRefusedWarnings(logger),
    queue: queue as JobQueue<TransferJob>,
    progressWrittenAt: new Map(),
  };
  const keep = createKeyFilter(params.include, params.exclude);
  // Events carry no listing prefix: an own copy is the copy of a key under srcPrefix.
  const copyOf = ownCopies(params.destPrefix, keep, options.source, options.dest);
  const scope: EventScope = {
    srcBucket: params.srcBucket,
    srcPrefix: params.srcPrefix,
    keep,
    ownCopy: copyOf && ((key) => copyOf(key, params.srcPrefix)),
    propagateDeletes: params.srcEvent === 'CreateAndDelete',
  };

  const handle = async (msg: ReceivedJob<unknown>, message: QueueMessage) => {
    if (message.kind === 'testEvent') {
      // S3 sends it once when the notification is set up: proof of wiring, nothing to copy, not a failure.
      logger.info('worker.s3_test_event', { messageId: msg.id });
      // Not deleted (throttled, no permission): it comes back later; the worker goes on either way.
      await queue.delete(msg).catch((err) => logger.warn('worker.delete_failed', { messageId: msg.id, error: err }));
      return;
    }
    if (message.kind === 'invalid') {
      // No worker can act on it: straight to the dead-letter queue (and its alarm), never retried or dropped silently.
      logger.error('worker.invalid_message', { messageId: msg.id, reason: message.reason });
      await queue
        .deadLetter(msg, `invalid message: ${message.reason}`)
        .catch((err) => logger.error('worker.dead_letter_failed', { messageId: msg.id, error: err }));
      return;
    }
    for (const { key, reason } of message.ignored) logger.info('worker.event_ignored', { key, reason });
    // Keep the message hidden while the copy runs, however long it takes.
    const heartbeat = setInterval(
      () => {
        queue.extendVisibility(msg, visibility).catch((err) => logger.warn('worker.extend_failed', { error: err }));
      },
      (visibility * 1000) / 3,
    );
    let key = message.jobs[0]?.key ?? '';
    const part = message.jobs[0]?.part;
    try {
      for (const job of message.jobs) {
        key = job.key;
        await processJob(job, msg);
      }
    } catch (err) {
      if (copyAbort.signal.aborted) {
        await queue.release(msg).catch(() => {});
        return;
      }
      const retry = isRetryableError(err) && msg.receiveCount < params.maxAttempts;
      const error = `${part ? `part ${part.partNumber} of ${part.partCount}: ` : ''}${err instanceof Error ? err.message : String(err)}`;
      if (retry) {
        logger.warn('worker.retry', { key, part: part?.partNumber, attempt: msg.receiveCount, error });
        // A part's retry leaves the object as it is: its other parts are being copied.
        if (!part) await status.update(key, { status: 'PENDING', attempts: msg.receiveCount, error }).catch(() => {});
        await queue.extendVisibility(msg, Math.ceil(redeliveryDelayMs(err, msg.receiveCount) / 1000)).catch(() => {});
      } else {
        const failed = {
          status: 'FAILED' as const,
          attempts: msg.receiveCount,
          error,
          finishedAt: new Date().toISOString(),
        };
        // A part failed for good: the upload can never complete. Its object fails once, whichever part failed (the
        // others find the upload abandoned); the part's message is dead-lettered all the same.
        const counts = part ? await abandonGiant(ctx, key, part.uploadId, failed).catch(() => false) : true;
        if (counts) {
          countFailed();
          logContractEvent(logger, LOG_EVENTS.workerFailed, {
            key,
            attempts: msg.receiveCount,
            error,
            code: err instanceof DthError ? err.code : undefined,
          });
        }
        if (!part) await status.update(key, failed).catch(() => {});
        // Retries exhausted, or a failure no retry can fix (403, missing bucket): dead-lettered now, so it is counted
        // and raises the alarm like any other failed object, not only recorded FAILED.
        await queue.deadLetter(msg, error).catch((e) => logger.warn('worker.dead_letter_failed', { key, error: e }));
      }
      return;
    } finally {
      clearInterval(heartbeat);
    }
    // The work is done and recorded. A failed delete is no failure of the copy (before, a verified copy was marked
    // PENDING or FAILED and dead-lettered): the message comes back, and its next delivery finds the copy in place.
    await queue.delete(msg).catch((err) => logger.warn('worker.delete_failed', { key, messageId: msg.id, error: err }));
  };

  const copied = (key: string, result: CopyResult) => {
    for (const t of tallies) {
      t.copied++;
      t.bytes += result.bytes;
    }
    options.onObjectDone?.(key, result);
    logContractEvent(logger, LOG_EVENTS.workerCopied, {
      key,
      bytes: result.bytes,
      method: result.method,
      checksum: result.checksum,
    });
  };

  /** A giant object's job ended it: copied, or FAILED (already recorded, with its upload abandoned). */
  const giantEnded = (key: string, outcome: GiantOutcome, msg: ReceivedJob<unknown>) => {
    if (outcome.kind === 'copied') copied(key, outcome.result);
    if (outcome.kind !== 'failed') return;
    countFailed();
    logContractEvent(logger, LOG_EVENTS.workerFailed, {
      key,
      attempts: msg.receiveCount,
      error: outcome.error,
      code: outcome.code,
    });
  };

  const events: EventOutcomeContext = {
    source: options.source,
    dest: options.dest,
    destPrefix: params.destPrefix,
    propagateDeletes: scope.propagateDeletes,
    logger,
    copy: (key) => copyObject(ctx, key),
  };

  const recordDeleted = (key: string) =>
    status.update(key, { status: 'DELETED', finishedAt: new Date().toISOString() });

  const processJob = async (job: TransferJob, msg: ReceivedJob<unknown>) => {
    if (job.part) {
      // One part of a giant object: the object's record belongs to its split job and to the completing part.
      giantEnded(job.key, await copyPart(ctx, job as TransferJob & { part: PartJob }, msg.id), msg);
      return;
    }
    if (job.action !== 'delete' && fansOut(ctx, job.size) && (await giantCopyInPlace(ctx, job))) {
      logger.info('worker.already_copied', { key: job.key, reason: 'delivered again after its copy was recorded' });
      return;
    }
    const started = status.markStarted({
      key: job.key,
      size: job.size,
      etag: job.etag,
      attempts: msg.receiveCount,
      startedAt: new Date().toISOString(),
    });
    // Awaited below; until then a failure is held here, not reported as an unhandled rejection.
    started.catch(() => {});
    if (job.action === 'delete') {
      await started;
      if (await deleteUnlessRecreated(events, job.key)) {
        await recordDeleted(job.key);
        // Said as the original's worker said each deletion: the worker log is where an operator looks for it.
        logger.info('worker.deleted', { key: job.key, destKey: destinationKey(params.destPrefix, job.key) });
        return;
      }
      // The source holds the key again: the deletion is out of date, and the copy below makes the destination match.
      logger.info('worker.delete_superseded', { key: job.key, reason: 'the source object exists again' });
    }
    // A single-PUT copy writes nothing to the object's record until it ends: its start is recorded while it runs
    // (one commit less to wait for before each object). A larger one reads and writes its parts there: start first.
    const giant = fansOut(ctx, job.size);
    if (job.size > params.multipartThreshold || giant || inSeveralParts(job.etag)) await started;
    // An event's copy is checked against the source once it lands (events arrive in any order); with removals
    // propagated a finder job's too: a deletion handled while it was copied (nothing at the destination yet) would
    // leave it there for good, since later passes list only what the source holds.
    const settles = job.fromEvent || events.propagateDeletes;
    try {
      if (giant) {
        const split = await splitGiantObject(ctx, job, msg.id);
        if (split.kind === 'copied' || split.kind === 'failed') giantEnded(job.key, split, msg);
        if (split.kind !== 'whole') return;
      }
      const copy = await copyObject(
        ctx,
        job.key,
        job.action === 'copy' || job.action === undefined ? { size: job.size, etag: job.etag } : {},
      );
      const { result, deleted } = settles
        ? await settleEventCopy(events, job.key, copy)
        : { result: copy, deleted: false };
      await started;
      if (deleted) {
        // Copied and verified, then deleted with its source: counted as a copy, recorded as deleted.
        await recordDeleted(job.key);
        copied(job.key, result);
        return;
      }
      await status.update(job.key, {
        status: 'DONE',
        verified: true,
        checksum: result.checksum,
        destEtag: result.destEtag,
        etag: result.sourceEtag,
        size: result.bytes,
        bytesDone: result.bytes,
        finishedAt: new Date().toISOString(),
        error: undefined,
      });
      copied(job.key, result);
    } catch (err) {
      // Every later write of the record (SKIPPED here, PENDING or FAILED by the caller) lands after the start's.
      await started.catch(() => {});
      // A checked copy whose source is gone (a giant object deleted while its parts were copied, its completion
      // landing after the removal was handled): the destination follows the source.
      if (
        err instanceof SourceNotCopyableError &&
        err.gone &&
        settles &&
        (await deleteCopyOfDeletedSource(events, job.key))
      ) {
        await recordDeleted(job.key);
        return;
      }
      if (err instanceof SourceNotCopyableError) {
        // Not silent: a key that vanished since the listing (or a listing that mangled it) is worth a look.
        logger.warn('worker.source_not_copyable', { key: job.key, reason: err.message });
        await status.update(job.key, { status: 'SKIPPED', error: err.message, finishedAt: new Date().toISOString() });
        return;
      }
      throw err;
    }
  };

  // The loop waits for a copy to end, for news of the finder in this process (a batch queued, its end), or for more
  // messages to become visible; the first two wake it at once. A wait must leave no timer behind: a pending one kept
  // the process alive after the last copy (up to 200 ms per run).
  let wake: (() => void) | undefined;
  const nudge = () => {
    const resume = wake;
    wake = undefined;
    resume?.();
  };
  let copiesEnded = 0;
  const copyEnded = () => {
    copiesEnded++;
    nudge();
  };
  let finderNews = 0;
  const stopListening = options.finder?.listen(() => {
    finderNews++;
    nudge();
  });
  // A stop ends a wait at once: the loop then exits.
  signal?.addEventListener('abort', nudge, { once: true });
  const untilNudged = (maxMs: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        wake = undefined;
        resolve();
      }, maxMs);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  // The loop's own queue calls (receive; depth when draining). A failure that may pass (SQS throttling or down, the
  // network gone) is waited out, 1 s doubling to a minute, for as long as it lasts, while the copies in flight go on;
  // before, it ended the worker and every copy it held. One that will not pass (no such queue, no permission) ends
  // the loop once those copies end, and is thrown then.
  let queueFailures = 0;
  let queueRefusal: unknown;
  const fromQueue = async <R>(call: () => Promise<R>): Promise<R | undefined> => {
    try {
      const out = await call();
      if (queueFailures > 0) logger.info('worker.queue_back', { failedCalls: queueFailures });
      queueFailures = 0;
      return out;
    } catch (err) {
      if (signal?.aborted) return undefined;
      if (!isRetryableError(err)) {
        queueRefusal = err;
        return undefined;
      }
      queueFailures++;
      const retryInMs = Math.round(retryDelayMs(err, queueFailures, 1000, 60_000));
      logger.warn('worker.queue_failed', { attempt: queueFailures, retryInMs, inFlight: inFlight.size, error: err });
      await sleep(retryInMs, undefined, { signal }).catch(() => {});
      return undefined;
    }
  };

  const slots = params.workerConcurrency;
  const partWeight = options.sharesQueue ? Math.max(1, slots / params.partConcurrency) : 1;
  /** Slots taken by the messages in flight (small objects take half of one, parts of giant objects several). */
  let load = 0;
  /** The last batch held parts or a giant object: the next ones are likely parts, so take only as many as fit. */
  let partsAhead = false;
  while (!signal?.aborted) {
    const endedBefore = copiesEnded;
    const newsBefore = finderNews;
    const free = slots - load;
    // As many as fit if each took a whole slot (small ones leave room for more on the next turn), or a part's share.
    const max = Math.min(10, partsAhead ? Math.floor(free / partWeight) : Math.ceil(free));
    if (max > 0) {
      const idleWait = options.exitWhenDrained || inFlight.size ? 0 : 1;
      const batch = await fromQueue(() =>
        queue.receive({ max, visibilityTimeoutSec: visibility, waitTimeSec: idleWait }),
      );
      if (queueRefusal !== undefined) break;
      if (batch === undefined) continue;
      if (batch.length > 0) partsAhead = false;
      for (const msg of batch) {
        const message = readQueueMessage(msg.body, scope);
        const weight = slotsTaken(message, partWeight);
        if (partWeight > 1 && announcesParts(message, (size) => fansOut(ctx, size))) partsAhead = true;
        load += weight;
        // A message's handling never stops the worker: whatever escaped it is logged, and the message comes back.
        const p = handle(msg, message)
          .catch((err) => logger.error('worker.message_failed', { messageId: msg.id, error: err }))
          .finally(() => {
            load -= weight;
            inFlight.delete(p);
            copyEnded();
          });
        inFlight.add(p);
      }
      if (batch.length > 0) continue;
    }
    if (options.exitWhenDrained && inFlight.size === 0) {
      // Before, an idle worker asked the queue every 20 ms while the finder listed, and saw its end up to 20 ms late.
      if (options.finder?.running) {
        if (finderNews === newsBefore) await untilNudged(200);
        continue;
      }
      const depth = await fromQueue(() => queue.depth());
      if (queueRefusal !== undefined) break;
      if (depth && depth.visible === 0 && depth.inFlight === 0) break;
      await sleep(200);
      continue;
    }
    // A copy that ended, or a batch queued, while this turn awaited the queue: look again instead of waiting.
    if (inFlight.size > 0 && copiesEnded === endedBefore && finderNews === newsBefore) await untilNudged(200);
  }
  stopListening?.();
  await Promise.allSettled([...inFlight]);
  ctx.tagsRefused?.flush();
  signal?.removeEventListener('abort', onStop);
  signal?.removeEventListener('abort', nudge);
  if (queueRefusal !== undefined) {
    const why = queueRefusal instanceof Error ? queueRefusal.message : String(queueRefusal);
    throw new DthError(
      'QUEUE_REFUSED',
      `the job queue refused the worker (${why}); the copies it held were finished first. Check that the task's queue still exists and that the worker may receive from it`,
      { cause: queueRefusal },
    );
  }
  return report;
}
