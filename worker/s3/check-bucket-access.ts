/**
 * The access check before a pass, a finder run or a worker: a missing bucket, rejected keys, a wrong region or an
 * endpoint that is not S3 stop it at once. With srcSkipCompare=true the destination is never listed (the original's
 * direct send), so a destination that grants writes but not s3:ListBucket is refused only the check itself: that
 * refusal is noted, not an error, and the copies go ahead (each write still fails on its own if writes are refused).
 */
import { isAccessDenied } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import type { BucketPair } from '../ports/object-store.js';
import type { S3TaskParams } from './params.js';

export async function checkBucketAccess(
  buckets: Pick<BucketPair, 'source' | 'dest'>,
  params: Pick<S3TaskParams, 'skipCompare'>,
  logger?: Logger,
  signal?: AbortSignal,
): Promise<void> {
  // Both sides at once: the destination's connection and request no longer wait for the source's answer (several
  // round trips on a cross-region pair). A source that fails is still the error named, whatever the destination said.
  const [source, dest] = await Promise.allSettled([
    buckets.source.checkAccess(signal),
    buckets.dest.checkAccess(signal),
  ]);
  if (source.status === 'rejected') throw source.reason;
  if (dest.status === 'fulfilled') return;
  if (!(params.skipCompare && isAccessDenied(dest.reason))) throw dest.reason;
  logger?.info('destination.listing_refused', {
    reason: 'srcSkipCompare=true never lists the destination; its writes are checked one by one',
    error: (dest.reason as Error).message,
  });
}
