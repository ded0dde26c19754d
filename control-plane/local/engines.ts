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
  if (ctx.stoppedForGood()) await endStoppedS3Run(params, ctx.secrets, ctx.status, ctx.logger);
  return { complete: report.complete, failed: report.failed };
};

/**
 * How long each step of a stop's clean-up (settling the cut records; aborting the open uploads) may take. The stop,
 * and the stopTask call that waits for it, end within both: before, a store that did not answer a HEAD or an abort
 * held them for its socket timeout (300 s) per request.
 */
export const STOP_CLEANUP_STEP_MS = 15_000;

/**
 * An S3 task stopped for good (it never resumes) leaves nothing to settle later: the records a cut copy left
 * IN_PROGRESS are settled (a copy that landed is DONE, a gone source SKIPPED, the rest PENDING), then the multipart
 * uploads its records hold open are aborted. The end of a live stop, and of one the hub died in (settleStoppedS3Task).
 * What a step leaves when its time is up stays as abortOpenUploads leaves a refused abort: the record PENDING with its
 * upload, logged (upload_not_aborted).
 */
async function endStoppedS3Run(
  params: S3TaskParams,
  secrets: SecretStore,
  status: StatusStore,
  logger: Logger,
): Promise<void> {
  // Buckets of each step's own: the run's were cut by the stop.
  const bucketsForOneStep = () =>
    openTaskBuckets(params, secrets, undefined, { stopSignal: AbortSignal.timeout(STOP_CLEANUP_STEP_MS) });
  try {
    const { source, dest } = await bucketsForOneStep();
    await settleInterrupted({ params, source, dest, status, logger });
  } catch (err) {
    // The source unreadable, say: its records still go back to PENDING and its uploads are aborted below.
    logger.warn('transfer.settle_failed', { error: err });
  }
  const { dest } = await bucketsForOneStep();
  await abortOpenUploads({ dest, destPrefix: params.destPrefix, status, logger });
}

/** The end of a stop the hub died in, before the engine's own (StoppedRunSettler). */
export const settleStoppedS3Task: StoppedRunSettler = async (task, ctx) => {
  await endStoppedS3Run(parseS3TaskParams(parameterMap(task)), ctx.secrets, ctx.status, ctx.logger);
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
