import { SqliteJobQueue } from '../../worker/adapters/embedded/sqlite-job-queue.js';
import { ecrApiFor } from '../../worker/adapters/ecr/ecr-api-for.js';
import { openTaskBuckets } from '../../worker/adapters/s3/open-buckets.js';
import { parameterMap } from '../core/task.js';
import type { Logger } from '../../worker/core/log.js';
import { parseEcrTaskParams, type EcrTaskParams } from '../../worker/ecr/params.js';
import { planImageSync, type ImageSyncPlan } from '../../worker/ecr/plan-image-sync.js';
import { runImageSync } from '../../worker/ecr/run-image-sync.js';
import type { SecretStore } from '../../worker/ports/secret-store.js';
import { parseS3TaskParams, type S3TaskParams } from '../../worker/s3/params.js';
import { settleInterrupted } from '../../worker/s3/settle-interrupted.js';
import type { BucketPair } from '../../worker/ports/object-store.js';
import type { StatusStore } from '../../worker/ports/status-store.js';
import { abortOpenUploads } from '../../worker/s3/abort-open-uploads.js';
import { runS3Transfer, transferSockets } from '../../worker/s3/run-transfer.js';
import type { TransferJob } from '../../worker/s3/transfer-job.js';
import type { EngineRunner, StoppedRunSettler } from './local-orchestrator.js';

/** S3 task on embedded state: the queue and status live in the hub's SQLite file, keyed by task id. */
export const runS3Engine: EngineRunner = async (task, ctx) => {
  const params = parseS3TaskParams(parameterMap(task));
  const queue = new SqliteJobQueue<TransferJob>(ctx.db, task.id, { maxReceiveCount: params.maxAttempts });
  queue.purge();
  // The stop cuts the copies under way, as the original's (its stack, workers included, deleted) did.
  const buckets = await openTaskBuckets(params, ctx.secrets, transferSockets(params), { stopSignal: ctx.signal });
  const report = await runS3Transfer({
    params,
    queue,
    status: ctx.status,
    logger: ctx.logger,
    signal: ctx.signal,
    onProgress: ctx.onProgress,
    progressIntervalMs: 1000,
    buckets,
  });
  // Its clean-up talks to the stores after the stop: buckets of its own.
  if (ctx.stoppedForGood())
    await endStoppedS3Run(params, await openTaskBuckets(params, ctx.secrets), ctx.status, ctx.logger);
  return { complete: report.complete, failed: report.failed };
};

/**
 * An S3 task stopped for good (it never resumes) leaves nothing to settle later: the records a cut copy left
 * IN_PROGRESS are settled (a copy that landed is DONE, a gone source SKIPPED, the rest PENDING), then the multipart
 * uploads its records hold open are aborted. The end of a live stop, and of one the hub died in (settleStoppedS3Task).
 */
async function endStoppedS3Run(
  params: S3TaskParams,
  buckets: BucketPair,
  status: StatusStore,
  logger: Logger,
): Promise<void> {
  try {
    await settleInterrupted({ params, source: buckets.source, dest: buckets.dest, status, logger });
  } catch (err) {
    // The source unreadable, say: its records still go back to PENDING and its uploads are aborted below.
    logger.warn('transfer.settle_failed', { error: err });
  }
  await abortOpenUploads({ dest: buckets.dest, destPrefix: params.destPrefix, status, logger });
}

/** The end of a stop the hub died in, before the engine's own (StoppedRunSettler). */
export const settleStoppedS3Task: StoppedRunSettler = async (task, ctx) => {
  const params = parseS3TaskParams(parameterMap(task));
  await endStoppedS3Run(params, await openTaskBuckets(params, ctx.secrets), ctx.status, ctx.logger);
};

/** Image task on embedded state: per-image status in the hub's SQLite file. */
export const runEcrEngine: EngineRunner = async (task, ctx) => {
  const params = parseEcrTaskParams(parameterMap(task));
  const report = await runImageSync({
    params,
    status: ctx.status,
    secrets: ctx.secrets,
    logger: ctx.logger,
    signal: ctx.signal,
    ecr: await ecrApiFor(params),
    onProgress: (p) => ctx.onProgress(p),
    copiedSince: ctx.passStartedAt,
    settleUnlisted: true,
  });
  return { complete: report.complete, failed: report.failed };
};

/** estimateTask of an image task on the local hub: a dry run with the hub's secrets, nothing written. */
export async function planEcrTask(
  params: EcrTaskParams,
  secrets: SecretStore,
  logger: Logger,
  signal: AbortSignal,
): Promise<ImageSyncPlan> {
  return planImageSync({ params, secrets, logger, signal, ecr: await ecrApiFor(params) });
}
