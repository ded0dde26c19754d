/** Whether a source object can be copied now: it exists, is not archived unrestored, and fits S3's size limit. */
import { VerificationError } from '../core/errors.js';
import type { ObjectHead } from '../ports/object-store.js';
import { MAX_OBJECT_SIZE } from './params.js';

/** The source cannot (or need not) be copied now: it was deleted, or it is archived and not restored. */
export class SourceNotCopyableError extends Error {
  constructor(
    readonly key: string,
    reason: string,
    /** The source no longer has the key (rather than holding it unreadable). */
    readonly gone = false,
  ) {
    super(`source object "${key}" ${reason}`);
  }
}

const ARCHIVED = new Set(['GLACIER', 'DEEP_ARCHIVE']);

/**
 * Archived objects (Glacier classes, or an archive tier of Intelligent-Tiering) are readable only while a restored
 * copy exists (x-amz-restore: ongoing-request="false"); an object whose read the store refused is not readable now.
 */
export function isReadable(head: ObjectHead): boolean {
  if (head.readRefused) return false;
  if (!head.archiveStatus && (!head.storageClass || !ARCHIVED.has(head.storageClass))) return true;
  return head.restore?.includes('ongoing-request="false"') ?? false;
}

/** Why an object cannot be read now: its class, its archive tier when Intelligent-Tiering says, the store's refusal. */
function notReadableReason(head: ObjectHead): string {
  const where = `${head.storageClass ?? 'an archive'}${head.archiveStatus ? ` (${head.archiveStatus})` : ''}`;
  return `is in ${where} and not restored${head.readRefused ? ` (the store refused to read it: ${head.readRefused})` : ''}`;
}

/** Why the object cannot be read now (it is gone, or archived and not restored), or undefined when it can. */
export function unreadableNow(key: string, head: ObjectHead | undefined): SourceNotCopyableError | undefined {
  if (!head) return new SourceNotCopyableError(key, 'no longer exists', true);
  if (!isReadable(head)) return new SourceNotCopyableError(key, notReadableReason(head));
  return undefined;
}

/** The source object's HEAD when it can be copied now (it exists, is readable, fits S3's limit); else why not. */
export function copyableHead(key: string, head: ObjectHead | undefined): ObjectHead {
  const unreadable = unreadableNow(key, head);
  if (unreadable || !head) throw unreadable;
  if (head.size > MAX_OBJECT_SIZE)
    throw new VerificationError(key, `object is ${head.size} bytes, above the 5 TiB S3 limit`);
  return head;
}
