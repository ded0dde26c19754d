/**
 * Whether the source still is the version a copy began with (`sourceNow`, shared by the single-worker and fan-out
 * copies), and why a copy failed when the source moved under it: each read after the first names the version copied
 * (If-Match), so a source overwritten meanwhile answers 412, and one deleted answers 404 — failures no retry of the
 * same version can fix. Asked again, the source says which: deleted → SKIPPED as objects deleted at the source are (an
 * event's copy then follows the source); overwritten → copied again from its current version (a retryable error).
 * Before, either was a failed request: FAILED at the first attempt, dead-lettered, and its multipart upload left open.
 */
import { ObjectChangedDuringCopyError } from '../core/errors.js';
import type { ObjectHead, ObjectStore } from '../ports/object-store.js';
import type { CopyContext } from './copy-context.js';
import { SourceNotCopyableError } from './source-readable.js';

type Version = Pick<ObjectHead, 'key' | 'etag' | 'size'>;

/** Both name the same version of the object: same ETag and size. */
export function sameVersion(a: Pick<ObjectHead, 'etag' | 'size'>, b: Pick<ObjectHead, 'etag' | 'size'>): boolean {
  return a.etag === b.etag && a.size === b.size;
}

/** The source object now, against `version`: gone, the same, another version (its HEAD), or unknown (not answered). */
export type SourceNow = { kind: 'unknown' | 'gone' | 'same' } | { kind: 'changed'; head: ObjectHead };

export async function sourceNow(source: ObjectStore, version: Version): Promise<SourceNow> {
  const now = await source.head(version.key).catch(() => 'unknown' as const);
  if (now === 'unknown') return { kind: 'unknown' };
  if (!now) return { kind: 'gone' };
  return sameVersion(now, version) ? { kind: 'same' } : { kind: 'changed', head: now };
}

/** What `err` really was when the source is now gone or another version than `head`; undefined: `err` stands. */
export async function sourceMovedUnder(
  ctx: Pick<CopyContext, 'source' | 'signal'>,
  head: Version,
  err: unknown,
): Promise<SourceNotCopyableError | ObjectChangedDuringCopyError | undefined> {
  if (ctx.signal?.aborted || err instanceof SourceNotCopyableError || err instanceof ObjectChangedDuringCopyError)
    return undefined;
  const now = await sourceNow(ctx.source, head);
  if (now.kind === 'gone')
    return new SourceNotCopyableError(
      head.key,
      'was deleted at the source during the copy: its unfinished copy was dropped, nothing of it written',
      true,
    );
  return now.kind === 'changed' ? new ObjectChangedDuringCopyError(head.key) : undefined;
}
