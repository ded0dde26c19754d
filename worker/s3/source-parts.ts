/**
 * A multipart source's ETag (AWS, MinIO, Ceph: the MD5 of its parts' MD5s, then "-N") proves its bytes only to a copy
 * cut at the same part boundaries. Where the store describes its parts (HEAD with partNumber), a copy takes the
 * source's part size: the MD5 of the parts it sent must then equal the source's ETag, so bytes damaged between the
 * source and this machine are caught (TLS does not cover plain-HTTP endpoints, proxies or caches), and the destination
 * answers the source's own ETag.
 */
import { CorruptedInTransitError, isRetryableError } from '../core/errors.js';
import type { ObjectHead, ObjectStore, StoredPart, UploadedPart } from '../ports/object-store.js';
import { isKmsEncryption, normalizeEtag, partsInEtag } from './etags.js';
import { MAX_PART_SIZE, MIN_PART_SIZE } from './params.js';

/** Part sizes asked of the source at a time, when a copy's parts must be compared with the source's one by one. */
const PART_HEADS_IN_FLIGHT = 8;

/**
 * The part size of a multipart source (its ETag names N ≥ 2 parts, not SSE-KMS) when its store describes part 1 and
 * that size cut into N parts repeats its layout; else undefined (the copy chooses its own).
 */
export async function sourcePartSize(source: ObjectStore, head: ObjectHead): Promise<number | undefined> {
  const count = partsInEtag(head.etag);
  if (count === undefined || count < 2 || isKmsEncryption(head.serverSideEncryption)) return undefined;
  const first = await askPart(source, head, 1);
  if (!first || first.partsCount !== count || isKmsEncryption(first.serverSideEncryption)) return undefined;
  const size = first.size;
  if (size < MIN_PART_SIZE || size > MAX_PART_SIZE || Math.ceil(head.size / size) !== count) return undefined;
  return size;
}

/**
 * After a multipart copy of a multipart source: the MD5 of the parts sent (`composite`) differs from the source's ETag
 * while every part has the source part's size — the bytes read were not the source's (thrown, retryable). Equal, or
 * parts cut elsewhere (S3 lets every part but the last have its own size), or a store that does not describe its
 * parts: nothing more to say, and nothing asked of the source when the two agree.
 */
export async function checkSourceParts(
  source: ObjectStore,
  head: Pick<ObjectHead, 'key' | 'etag'>,
  destKey: string,
  composite: string | undefined,
  parts: UploadedPart[],
): Promise<void> {
  const count = partsInEtag(head.etag);
  const sourceEtag = normalizeEtag(head.etag) ?? '';
  if (count === undefined || composite === undefined || composite === sourceEtag || parts.length !== count) return;
  const sorted = [...parts].sort((a, b) => a.partNumber - b.partNumber);
  // Part 1 first: a layout that differs there (the usual reason for another MD5) costs one request.
  const first = await askPart(source, head, 1);
  if (!sameSize(first, sorted[0]) || first?.partsCount !== count) return;
  let next = 1;
  let differs = false;
  const lane = async () => {
    while (!differs && next < count) {
      const part = sorted[next++];
      if (!sameSize(await askPart(source, head, part.partNumber), part)) differs = true;
    }
  };
  await Promise.all(Array.from({ length: Math.min(PART_HEADS_IN_FLIGHT, count - 1) }, lane));
  if (!differs) throw new CorruptedInTransitError(destKey, composite, sourceEtag);
}

/**
 * A part's description, or undefined when the store refuses the question for good (a gateway that rejects partNumber,
 * a signature it canonicalises otherwise): then the copy goes on as for a store that does not describe parts, and its
 * own requests succeed or fail as they would. A passing failure (throttling, a reset) is thrown, to be retried.
 */
async function askPart(
  source: ObjectStore,
  head: Pick<ObjectHead, 'key' | 'etag'>,
  partNumber: number,
): Promise<StoredPart | undefined> {
  try {
    return await source.headPart(head.key, partNumber, head.etag);
  } catch (err) {
    if (isRetryableError(err)) throw err;
    return undefined;
  }
}

function sameSize(stored: StoredPart | undefined, sent: UploadedPart): boolean {
  return stored !== undefined && !isKmsEncryption(stored.serverSideEncryption) && stored.size === sent.size;
}
