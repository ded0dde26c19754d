/**
 * What an S3 event asks, checked against the source. Events of one key reach the workers in any order (a standard
 * queue, many workers), so a removal may be handled after the key was created anew and copied, and the copy of an
 * older version may land after the copy of a newer one. The source says what the destination should hold.
 */
import type { Logger } from '../core/log.js';
import type { ObjectStore } from '../ports/object-store.js';
import type { CopyResult } from './copy-context.js';
import { normalizeEtag } from './etags.js';
import { hasDotSegment, holdsExactly } from './dot-segment-keys.js';
import { destinationKey } from './transfer-job.js';

/** How often an event's copy is checked against the source and made again (every later change sends its own event). */
export const EVENT_COPY_CHECKS = 3;

export interface EventOutcomeContext {
  source: ObjectStore;
  dest: ObjectStore;
  destPrefix: string;
  /** srcEvent=CreateAndDelete. */
  propagateDeletes: boolean;
  logger: Logger;
  /** Copies the key's current source version (and verifies it). */
  copy: (key: string) => Promise<CopyResult>;
}

/**
 * Applies an ObjectRemoved event: deletes the copy unless the source holds the key again. The source is asked before
 * the delete and again after it (the copy of a re-creation may have landed in between). False: the source has the
 * key, and the caller copies it.
 */
export async function deleteUnlessRecreated(ctx: EventOutcomeContext, key: string): Promise<boolean> {
  if (await ctx.source.head(key)) return false;
  const destKey = destinationKey(ctx.destPrefix, key);
  // On a store that normalises request paths, deleting `a/../y` would delete `y`: such a key is deleted only if held.
  if (!hasDotSegment(destKey) || (await holdsExactly(ctx.dest, destKey))) await ctx.dest.delete(destKey);
  return !(await ctx.source.head(key));
}

/**
 * An event's copy whose source is gone: with removals propagated it goes too, unless the key was created again
 * meanwhile (deleteUnlessRecreated). True: the copy was deleted (logged as superseded).
 */
export async function deleteCopyOfDeletedSource(ctx: EventOutcomeContext, key: string): Promise<boolean> {
  if (!ctx.propagateDeletes || !(await deleteUnlessRecreated(ctx, key))) return false;
  ctx.logger.info('worker.copy_superseded', { key, reason: 'the source object was deleted while it was copied' });
  return true;
}

/**
 * Checks an event's copy against the source once it has landed: a changed source is copied again, a deleted one has
 * its copy deleted when removals are propagated; at most EVENT_COPY_CHECKS rounds. `deleted`: the copy was deleted.
 */
export async function settleEventCopy(
  ctx: EventOutcomeContext,
  key: string,
  copy: CopyResult,
): Promise<{ result: CopyResult; deleted: boolean }> {
  let result = copy;
  for (let round = 0; round < EVENT_COPY_CHECKS; round++) {
    const now = await ctx.source.head(key);
    if (now ? normalizeEtag(now.etag) === normalizeEtag(result.sourceEtag) : !ctx.propagateDeletes) break;
    if (!now && (await deleteCopyOfDeletedSource(ctx, key))) return { result, deleted: true };
    ctx.logger.info('worker.copy_superseded', { key, reason: 'the source object changed while it was copied' });
    result = await ctx.copy(key);
  }
  return { result, deleted: false };
}
