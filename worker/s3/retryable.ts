import { CorruptedInTransitError, ObjectChangedDuringCopyError } from '../core/errors.js';
import { isRetryable as isRetryableS3 } from '../adapters/s3/s3-errors.js';

/** Whether a failed copy is worth another attempt (transient network/server trouble, or the source changed). */
export function isRetryable(err: unknown): boolean {
  if (err instanceof ObjectChangedDuringCopyError || err instanceof CorruptedInTransitError) return true;
  if (err instanceof Error && /source (body ended|sent more)/.test(err.message)) return true;
  return isRetryableS3(err);
}
