/**
 * A multipart source's ETag (AWS, MinIO, Ceph: the MD5 of its parts' MD5s, then "-N") proves its bytes only to a copy
 * cut at the same part boundaries. Where the store describes its parts (HEAD with partNumber), a copy is cut as the
 * source was: the MD5 of the parts it sent must then equal the source's ETag, so bytes damaged between the source and
 * this machine are caught (TLS does not cover plain-HTTP endpoints, proxies or caches), and the destination answers
 * the source's own ETag.
 */
import { CorruptedInTransitError, isRetryableError } from '../core/errors.js';
import type { ObjectHead, ObjectStore, StoredPart, UploadedPart } from '../ports/object-store.js';
import { isKmsEncryption, normalizeEtag, partsInEtag } from './etags.js';
import { MAX_PART_SIZE, MAX_PARTS, MIN_PART_SIZE } from './params.js';
import { planParts, planPartsOfSizes, type PartRange } from './part-plan.js';

/** Part sizes asked of the source at a time, when every part's size is needed. */
const PART_HEADS_IN_FLIGHT = 8;

type SourceHead = Pick<ObjectHead, 'key' | 'etag'>;

/**
 * The parts of a multipart source (its ETag names N ≥ 2 parts, not SSE-KMS), as its store describes them; undefined
 * where it does not (the copy cuts its own). Parts of one size (what upload tools write) cost two HEADs, part 1 and
 * part N; parts of their own sizes (S3 asks only that each but the last be at least 5 MiB) one HEAD per part.
 */
export async function sourceParts(source: ObjectStore, head: ObjectHead): Promise<PartRange[] | undefined> {
  // A store that keeps failing the question (after the client's own retries) gets the copy it got before, not none.
  return readCut(source, head).catch(() => undefined);
}

/**
 * Whether `size` bytes can be in `count` parts S3 takes (each but the last at least 5 MiB, none above 5 GiB): a
 * source cut otherwise (a store with no part minimum) is not asked for its cut, which no destination would take.
 */
export function partsFitS3(size: number, count: number): boolean {
  return count <= MAX_PARTS && size > (count - 1) * MIN_PART_SIZE && size <= count * MAX_PART_SIZE;
}

async function readCut(source: ObjectStore, head: ObjectHead): Promise<PartRange[] | undefined> {
  const count = partsInEtag(head.etag);
  if (count === undefined || count < 2 || !partsFitS3(head.size, count) || isKmsEncryption(head.serverSideEncryption))
    return undefined;
  const first = await askPart(source, head, 1);
  if (!first || first.partsCount !== count || isKmsEncryption(first.serverSideEncryption)) return undefined;
  // Checked before planning: a part size of 0 would plan forever, one of a byte billions of parts.
  if (first.size > 0 && Math.ceil(head.size / first.size) === count) {
    const uniform = planParts(head.size, first.size);
    // Two parts of a uniform cut are [P, S − P] whatever the store did; more parts need the last one's size too.
    const last = count === 2 ? uniform[1] : await askPart(source, head, count);
    if (last?.size === uniform[count - 1].size) return copyable(uniform);
  }
  const sizes = await partSizes(source, head, count, first.size);
  if (!sizes || sizes.reduce((a, b) => a + b, 0) !== head.size) return undefined;
  return copyable(planPartsOfSizes(sizes));
}

/** Parts a destination takes (S3's limits: 5 MiB to 5 GiB each, the last may be smaller). */
function copyable(parts: PartRange[]): PartRange[] | undefined {
  const fits = parts.every(
    (p, i) => p.size > 0 && p.size <= MAX_PART_SIZE && (i === parts.length - 1 || p.size >= MIN_PART_SIZE),
  );
  return fits ? parts : undefined;
}

/**
 * After a multipart copy of a multipart source: the MD5 of the parts sent (`composite`) differs from the source's ETag
 * while every part has the size of the source's — the bytes read were not the source's (thrown, retryable). Equal
 * (nothing asked of the source), or parts cut otherwise (a store that does not describe its parts; one whose parts
 * in the middle differ while part 1 and the last fit one size): nothing more to say.
 */
export async function checkSourceParts(
  source: ObjectStore,
  head: SourceHead,
  destKey: string,
  composite: string | undefined,
  parts: UploadedPart[],
): Promise<void> {
  const count = partsInEtag(head.etag);
  const sourceEtag = normalizeEtag(head.etag) ?? '';
  if (count === undefined || composite === undefined || composite === sourceEtag || parts.length !== count) return;
  const sent = [...parts].sort((a, b) => a.partNumber - b.partNumber).map((p) => p.size);
  // Part 1 first: a cut that differs there (a store that does not describe its parts) costs one request.
  const first = await askPart(source, head, 1);
  if (first?.size !== sent[0]) return;
  const stored = await partSizes(source, head, count, first.size);
  if (stored?.every((size, i) => size === sent[i])) throw new CorruptedInTransitError(destKey, composite, sourceEtag);
}

/**
 * Every part's size, in order (part 1's already known); undefined when the store does not describe one of them (or
 * one is SSE-KMS).
 */
async function partSizes(
  source: ObjectStore,
  head: SourceHead,
  count: number,
  firstSize: number,
): Promise<number[] | undefined> {
  const sizes: number[] = new Array(count);
  sizes[0] = firstSize;
  let next = 1;
  let unknown = false;
  const lane = async () => {
    while (!unknown && next < count) {
      const index = next++;
      const part = await askPart(source, head, index + 1);
      if (!part || part.partsCount !== count || isKmsEncryption(part.serverSideEncryption)) unknown = true;
      else sizes[index] = part.size;
    }
  };
  await Promise.all(Array.from({ length: Math.min(PART_HEADS_IN_FLIGHT, count - 1) }, lane));
  return unknown ? undefined : sizes;
}

/**
 * A part's description, or undefined when the store refuses the question for good (a gateway that rejects partNumber,
 * a signature it canonicalises otherwise): then the copy goes on as for a store that does not describe parts, and its
 * own requests succeed or fail as they would. A passing failure (throttling, a reset) is thrown, to be retried.
 */
async function askPart(source: ObjectStore, head: SourceHead, partNumber: number): Promise<StoredPart | undefined> {
  try {
    return await source.headPart(head.key, partNumber);
  } catch (err) {
    if (isRetryableError(err)) throw err;
    return undefined;
  }
}
