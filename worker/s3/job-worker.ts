import type { BytesInFlight } from './bytes-in-flight.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { DthError, isRetryableError } from '../core/errors.js';
import { LOG_EVENTS, logContractEvent } from '../core/events.js';
import type { Logger } from '../core/log.js';
import { retryDelayMs } from '../core/retry.js';
import type { JobQueue, ReceivedJob } from '../ports/job-queue.js';
import type { ObjectStore } from '../ports/object-store.js';
import type { StatusStore } from '../ports/status-store.js';
import { copyObject, SourceNotCopyableError, type CopyResult } from './copy-object.js';
import type { S3TaskParams } from './params.js';
import { isS3EventMessage, jobsFromS3Event } from './s3-event.js';
import { destinationKey, type TransferJob } from './transfer-job.js';

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
  /** In one-shot mode, true while a finder in this process may still queue work (do not exit yet). */
  moreWorkComing?: () => boolean;
  visibilityTimeoutSec?: number;
  onObjectDone?: (key: string, result: CopyResult) => void;
  /** Live progress: counts the bytes of uploads as they stream. */
  bytesInFlight?: BytesInFlight;
}

export interface WorkerReport {
  copied: number;
  failed: number;
  bytes: number;
}

/** Consumes the queue with bounded concurrency until drained (one-shot) or stopped. */
export async function runWorker(options: WorkerOptions): Promise<WorkerReport> {
  const { params, queue, status, logger, signal } = options;
  const visibility = options.visibilityTimeoutSec ?? 120;
  const report: WorkerReport = { copied: 0, failed: 0, bytes: 0 };
  const inFlight = new Set<Promise<void>>();
  const copyAbort = new AbortController();
  const onStop = () => copyAbort.abort(signal?.reason);
  signal?.addEventListener('abort', onStop, { once: true });
  const ctx = { source: options.source, dest: options.dest, params, status, logger, signal: copyAbort.signal, bytesInFlight: options.bytesInFlight };

  const handle = async (msg: ReceivedJob<unknown>) => {
    // Keep the message hidden while the copy runs, however long it takes.
    const heartbeat = setInterval(() => {
      queue.extendVisibility(msg, visibility).catch((err) => logger.warn('worker.extend_failed', { error: err }));
    }, (visibility * 1000) / 3);
    try {
      const jobs = isS3EventMessage(msg.body)
        ? jobsFromS3Event(msg.body, params.srcEvent === 'CreateAndDelete')
        : [msg.body as TransferJob];
      for (const job of jobs) await processJob(job, msg);
      await queue.delete(msg);
    } catch (err) {
      if (copyAbort.signal.aborted) {
        await queue.release(msg).catch(() => {});
        return;
      }
      const key = (msg.body as TransferJob).key ?? 'event';
      const retry = isRetryableError(err) && msg.receiveCount < params.maxAttempts;
      const message = err instanceof Error ? err.message : String(err);
      if (retry) {
        logger.warn('worker.retry', { key, attempt: msg.receiveCount, error: message });
        await status.update(key, { status: 'PENDING', attempts: msg.receiveCount, error: message }).catch(() => {});
        await queue.extendVisibility(msg, Math.ceil(retryDelayMs(err, msg.receiveCount, 1000, 60_000) / 1000)).catch(() => {});
      } else {
        report.failed++;
        logContractEvent(logger, LOG_EVENTS.workerFailed, { key, attempts: msg.receiveCount, error: message, code: err instanceof DthError ? err.code : undefined });
        await status.update(key, { status: 'FAILED', attempts: msg.receiveCount, error: message, finishedAt: new Date().toISOString() }).catch(() => {});
        // Retries exhausted: released, so the queue's redrive moves it to the dead-letter queue on the next receive.
        // Not retryable (e.g. wrong credentials): redelivery cannot help, the FAILED record is the trace.
        if (msg.receiveCount >= params.maxAttempts) await queue.release(msg).catch(() => {});
        else await queue.delete(msg).catch(() => {});
      }
    } finally {
      clearInterval(heartbeat);
    }
  };

  const processJob = async (job: TransferJob, msg: ReceivedJob<unknown>) => {
    await status.markStarted({ key: job.key, size: job.size, etag: job.etag, attempts: msg.receiveCount, startedAt: new Date().toISOString() });
    if (job.action === 'delete') {
      await options.dest.delete(destinationKey(params.destPrefix, job.key));
      await status.update(job.key, { status: 'DELETED', finishedAt: new Date().toISOString() });
      return;
    }
    try {
      const result = await copyObject(ctx, job.key, job.action === 'copy' || job.action === undefined ? job.size : undefined);
      await status.update(job.key, {
        status: 'DONE', verified: true, checksum: result.checksum, etag: result.sourceEtag, size: result.bytes,
        bytesDone: result.bytes, finishedAt: new Date().toISOString(), error: undefined,
      });
      report.copied++;
      report.bytes += result.bytes;
      options.onObjectDone?.(job.key, result);
      logContractEvent(logger, LOG_EVENTS.workerCopied, { key: job.key, bytes: result.bytes, method: result.method, checksum: result.checksum });
    } catch (err) {
      if (err instanceof SourceNotCopyableError) {
        // Not silent: a key that vanished since the listing (or a listing that mangled it) is worth a look.
        logger.warn('worker.source_not_copyable', { key: job.key, reason: err.message });
        await status.update(job.key, { status: 'SKIPPED', error: err.message, finishedAt: new Date().toISOString() });
        return;
      }
      throw err;
    }
  };

  const slots = params.workerConcurrency;
  while (!signal?.aborted) {
    const free = slots - inFlight.size;
    if (free > 0) {
      const idleWait = options.exitWhenDrained || inFlight.size ? 0 : 1;
      const batch = await queue.receive({ max: Math.min(10, free), visibilityTimeoutSec: visibility, waitTimeSec: idleWait });
      for (const msg of batch) {
        const p = handle(msg).finally(() => inFlight.delete(p));
        inFlight.add(p);
      }
      if (batch.length > 0) continue;
    }
    if (options.exitWhenDrained && inFlight.size === 0) {
      const finderRunning = options.moreWorkComing?.() ?? false;
      const depth = finderRunning ? undefined : await queue.depth();
      if (depth && depth.visible === 0 && depth.inFlight === 0) break;
      await sleep(finderRunning ? 20 : 200);
      continue;
    }
    if (inFlight.size > 0) await Promise.race([...inFlight, sleep(200)]);
  }
  await Promise.allSettled([...inFlight]);
  signal?.removeEventListener('abort', onStop);
  return report;
}
