import { InvalidParameterError } from '../../worker/core/errors.js';
import { parseEcrTaskParams, type EcrTaskParams } from '../../worker/ecr/params.js';
import type { ImageSyncPlan } from '../../worker/ecr/plan-image-sync.js';
import type { Estimator } from './ports.js';
import { ESTIMATE_TIME_LIMIT_MS } from './s3-estimator.js';

/** How many unreadable images an estimate names: enough to mend a list, bounded for a list of thousands. */
export const UNREADABLE_IMAGES_SHOWN = 20;

/** A dry run of an image task: the composition root supplies it with its secret store and ECR API. */
export type PlanImages = (params: EcrTaskParams, signal: AbortSignal) => Promise<ImageSyncPlan>;

/**
 * estimateTask for image tasks: the same logins, list and digest comparison as a run, bounded in time. Images have no
 * cost figure (registry transfer is priced by each registry), so those fields stay empty.
 */
export function imageTaskEstimator(plan: PlanImages, timeLimitMs = ESTIMATE_TIME_LIMIT_MS): Estimator {
  return {
    estimate: async (type, raw) => {
      if (type !== 'ECR') throw new InvalidParameterError('type', 'this estimator plans image tasks');
      const p = await plan(parseEcrTaskParams(raw), AbortSignal.timeout(timeLimitMs));
      return {
        scanned: p.images.length,
        objects: p.toCopy,
        bytes: p.bytesToCopy,
        skippedArchived: 0,
        unchanged: p.unchanged,
        unreadable: p.errors,
        unreadableImages: p.images
          .filter((i) => i.action === 'error')
          .slice(0, UNREADABLE_IMAGES_SHOWN)
          .map((i) => ({ image: i.image, error: i.error ?? 'unreadable' })),
        estimatedRequestCostUsd: null,
        estimatedTransferCostUsd: null,
        complete: p.complete,
      };
    },
  };
}
