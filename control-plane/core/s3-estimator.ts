import { InvalidParameterError } from '../../worker/core/errors.js';
import type { Logger } from '../../worker/core/log.js';
import type { BucketPair } from '../../worker/ports/object-store.js';
import { parseS3TaskParams, type S3TaskParams } from '../../worker/s3/params.js';
import { estimateS3Transfer } from '../../worker/s3/run-transfer.js';
import type { Estimator } from './ports.js';

/**
 * Listing time an estimate may take. The API answers within AppSync's 30 s (and the console's patience): beyond this
 * the estimate covers the keys listed so far and says it is partial (`complete: false`).
 */
export const ESTIMATE_TIME_LIMIT_MS = 20_000;

/** Opens a task's buckets: the composition root (local hub, cloud Lambda) supplies it with its secret store. */
export type OpenBuckets = (params: S3TaskParams) => Promise<BucketPair>;

/** estimateTask for S3 tasks, the same locally and in the cloud: a dry run of the finder, bounded in time. */
export function s3TaskEstimator(
  openBuckets: OpenBuckets,
  logger: Logger,
  options: { homeRegion?: string; timeLimitMs?: number } = {},
): Estimator {
  const timeLimitMs = options.timeLimitMs ?? ESTIMATE_TIME_LIMIT_MS;
  return {
    estimate: async (type, raw) => {
      if (type !== 'S3EC2') throw new InvalidParameterError('type', 'this estimator lists S3 tasks');
      const params = parseS3TaskParams(raw, { homeRegion: options.homeRegion });
      const e = await estimateS3Transfer({
        params,
        logger,
        signal: AbortSignal.timeout(timeLimitMs),
        buckets: await openBuckets(params),
      });
      return {
        scanned: e.scanned,
        objects: e.toTransfer,
        bytes: e.bytesToTransfer,
        skippedArchived: e.skippedArchived,
        unchanged: e.unchanged,
        estimatedRequestCostUsd: e.estimatedRequestCostUsd,
        estimatedTransferCostUsd: e.estimatedTransferCostUsd,
        complete: e.complete,
        nothingSelected: Boolean(e.nothingSelected),
        selectionSlips: e.nothingSelected?.slips ?? [],
      };
    },
  };
}
