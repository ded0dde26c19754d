import { compareKeys } from '../core/key-order.js';
import type { ObjectSummary } from '../ports/object-store.js';
import { isMultipartEtag, sameEtag } from './etags.js';
import { md5FromEtag } from './hashing-stream.js';

/**
 * An ETag that can stand for the content's MD5: 32 hex digits. Multipart ETags ("…-N") cannot, nor can other stores'
 * own hashes (Qiniu's qetag, base64 of a SHA-1): compared with an MD5 they would always differ, and every object
 * already at the destination would be copied again on a pass without a record of it (a new state file, or a
 * destination filled by another tool).
 */
function isMd5LikeEtag(etag: string | undefined): etag is string {
  return md5FromEtag(etag) !== undefined;
}

export type TransferReason = 'missing' | 'size' | 'etag' | 'newer' | 'changed';

export interface CompareOptions {
  /**
   * Compare single-part ETags (default true). False where the destination's ETags are not MD5s of the content
   * (SSE-KMS): they would always differ and every pass would copy everything again.
   */
  compareEtags?: boolean;
}

/**
 * Why the source object must be copied, or undefined when the destination already matches.
 *
 * | destination | sizes | single-part ETags (both MD5-like, compared ignoring case) | source newer | → |
 * |---|---|---|---|---|
 * | absent | – | – | – | missing |
 * | present | differ | – | – | size |
 * | present | equal | differ (and compared) | – | etag |
 * | present | equal | equal, or not comparable (multipart, KMS) | yes | newer |
 * | present | equal | equal, or not comparable | no | (matches) |
 */
export function transferReason(
  src: ObjectSummary,
  dst: ObjectSummary | undefined,
  options: CompareOptions = {},
): TransferReason | undefined {
  if (!dst) return 'missing';
  if (src.size !== dst.size) return 'size';
  if (
    (options.compareEtags ?? true) &&
    isMd5LikeEtag(src.etag) &&
    isMd5LikeEtag(dst.etag) &&
    !sameEtag(src.etag, dst.etag)
  )
    return 'etag';
  if (src.lastModified && dst.lastModified && src.lastModified.getTime() > dst.lastModified.getTime()) return 'newer';
  return undefined;
}

/** Destination keys passed over by the join and kept for a source key listed out of S3's order (~200 B each). */
const PASSED_KEPT = 1000;

/**
 * Merge-joins two sorted listings in constant memory and yields each source object that needs a copy.
 * `destKeyToSourceKey` maps a destination key back into source key space (stripping destPrefix);
 * destination keys it cannot map (undefined) are ignored.
 */
export async function* diffListings(
  source: AsyncIterable<ObjectSummary>,
  dest: AsyncIterable<ObjectSummary>,
  options: CompareOptions & {
    destKeyToSourceKey?: (key: string) => string | undefined;
    /**
     * Also yield, as 'unproven', the pairs that match on size and age alone because an ETag on one side is a multipart
     * one, so that the caller can ask its records whether the copy was changed since. Multipart objects only: one
     * record read per object of at least a part, not per object of a bucket whose store's ETags are never MD5s.
     * Not when both sides show the same multipart ETag: the same part MD5s in the same parts (a copy cut like its
     * source, source-parts.ts) — the same bytes.
     */
    unproven?: boolean;
  } = {},
): AsyncGenerator<{ object: ObjectSummary; reason: TransferReason | 'unproven'; dest?: ObjectSummary }> {
  const toSource = options.destKeyToSourceKey ?? ((k: string) => k);
  const destIter = dest[Symbol.asyncIterator]();
  let d: ObjectSummary | undefined;
  let destDone = false;
  const nextDest = async () => {
    for (;;) {
      const r = await destIter.next();
      if (r.done) {
        destDone = true;
        d = undefined;
        return;
      }
      const key = toSource(r.value.key);
      if (key !== undefined) {
        d = { ...r.value, key };
        return;
      }
    }
  };
  // A store that lists both sides in its own order (s3rver: "p/x" before "p%x", "p-x", "p") would have the join pass
  // over copies it then takes for missing. Two cheap habits pair them anyway, and change nothing in S3's key order,
  // where a later source key is past every destination key passed: a match is used up (kept, "p/y" stood in front of
  // "p%x" and every key after it read as missing), and the last destination keys passed over are kept in a bounded map
  // for a source key listed later (a key deleted at the destination shifts the join: "p" passed while looking for "p-x").
  const passed = new Map<string, ObjectSummary>();
  const pass = async () => {
    if (d) {
      passed.set(d.key, d);
      if (passed.size > PASSED_KEPT) passed.delete(passed.keys().next().value as string);
    }
    await nextDest();
  };
  await nextDest();
  for await (const s of source) {
    while (!destDone && d && compareKeys(d.key, s.key) < 0) await pass();
    const joined = d && d.key === s.key ? d : undefined;
    if (joined) await nextDest();
    const match = joined ?? passed.get(s.key);
    if (match && !joined) passed.delete(s.key);
    const reason = transferReason(s, match, options);
    if (reason) yield { object: s, reason, dest: match };
    else if (
      options.unproven &&
      (options.compareEtags ?? true) &&
      (isMultipartEtag(s.etag) || isMultipartEtag(match?.etag)) &&
      !sameEtag(s.etag, match?.etag)
    )
      yield { object: s, reason: 'unproven', dest: match };
  }
  // Stop the destination listing early if it is still paging.
  await destIter.return?.();
}
