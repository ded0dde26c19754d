/**
 * Why a copy failed, when the source moved under it: each read after the first names the version copied (If-Match),
 * so a source overwritten meanwhile answers 412, and one deleted answers 404 — failures no retry of the same version
 * can fix. Asked again, the source says which: deleted → SKIPPED as objects deleted at the source are (an event's copy
 * then follows the source); overwritten → copied again from its current version (a retryable error). Before, either
 * was a failed request: FAILED at the first attempt, dead-lettered, and its multipart upload left open.
 */
import { ObjectChangedDuringCopyError } from '../core/errors.js';
import type { ObjectHead } from '../ports/object-store.js';
import type { CopyContext } from './copy-context.js';
import { SourceNotCopyableError } from './source-readable.js';

/** What `err` really was when the source is now gone or another version than `head`; undefined: `err` stands. */
export async function sourceMovedUnder(
  ctx: Pick<CopyContext, 'source' | 'signal'>,
  head: Pick<ObjectHead, 'key' | 'etag' | 'size'>,
  err: unknown,
): Promise<SourceNotCopyableError | ObjectChangedDuringCopyError | undefined> {
  if (ctx.signal?.aborted || err instanceof SourceNotCopyableError || err instanceof ObjectChangedDuringCopyError)
    return undefined;
  const now = await ctx.source.head(head.key).catch(() => 'unknown' as const);
  if (now === 'unknown') return undefined;
  if (!now)
    return new SourceNotCopyableError(
      head.key,
      'was deleted at the source during the copy: its unfinished copy was dropped, nothing of it written',
      true,
    );
  return now.etag !== head.etag || now.size !== head.size ? new ObjectChangedDuringCopyError(head.key) : undefined;
}
