/**
 * How a multipart source's cut is read from its part HEADs (worker/s3/source-parts.ts), against answers no local
 * server gives — malformed or hostile part counts and sizes — from a stand-in store that answers only `headPart`
 * (the real answers, from a front standing for AWS, are in multipart-sources.test.ts).
 */
import { describe, expect, it } from 'vitest';
import type { ObjectHead, ObjectStore, StoredPart } from '../../worker/ports/object-store.js';
import { sourceParts } from '../../worker/s3/source-parts.js';
import { StorageRequestError } from '../../worker/core/errors.js';

const MiB = 1024 * 1024;
const etag = (parts: number) => `"0123456789abcdef0123456789abcdef-${parts}"`;

/** A store whose part HEADs answer `sizes` (and `count` parts), recording the part numbers asked. */
function storeOf(sizes: number[], count = sizes.length) {
  const asked: number[] = [];
  const store = {
    async headPart(_key: string, partNumber: number): Promise<StoredPart | undefined> {
      asked.push(partNumber);
      const size = sizes[partNumber - 1];
      return size === undefined ? undefined : { size, partsCount: count };
    },
  } as unknown as ObjectStore;
  return { store, asked };
}

const head = (size: number, parts: number): ObjectHead => ({ key: 'k', size, etag: etag(parts) });

describe('the cut of a multipart source', () => {
  it('uniform parts: two questions, part 1 and the last', async () => {
    const { store, asked } = storeOf([8 * MiB, 8 * MiB, 8 * MiB, 3 * MiB]);
    const parts = await sourceParts(store, head(27 * MiB, 4));
    expect(parts?.map((p) => p.size)).toEqual([8 * MiB, 8 * MiB, 8 * MiB, 3 * MiB]);
    expect(asked).toEqual([1, 4]);
  });

  it('parts of their own sizes: every part asked, the cut taken as it is', async () => {
    const { store, asked } = storeOf([8 * MiB, 6 * MiB, 9 * MiB, 3 * MiB]);
    const parts = await sourceParts(store, head(26 * MiB, 4));
    expect(parts?.map((p) => [p.start, p.size])).toEqual([
      [0, 8 * MiB],
      [8 * MiB, 6 * MiB],
      [14 * MiB, 9 * MiB],
      [23 * MiB, 3 * MiB],
    ]);
    expect(asked.sort()).toEqual([1, 2, 3, 4, 4]); // part 4 twice: once to test the uniform cut
  });

  it('answers that cannot be a cut give none (the copy cuts its own), without planning from them', async () => {
    // A part of 0 bytes, or of 1 byte of a large object: nothing is planned from it (0 would never end).
    expect(await sourceParts(storeOf([0, 0, 0]).store, head(12 * MiB, 3))).toBeUndefined();
    expect(await sourceParts(storeOf([1, 1, 1]).store, head(5 * 1024 * MiB, 3))).toBeUndefined();
    // A part count other than the ETag's; more parts than S3 allows (nothing asked); sizes that do not add up.
    expect(await sourceParts(storeOf([8 * MiB, 8 * MiB], 3).store, head(16 * MiB, 2))).toBeUndefined();
    const tooMany = storeOf([5 * MiB]);
    expect(await sourceParts(tooMany.store, head(5 * MiB, 10_001))).toBeUndefined();
    expect(tooMany.asked).toEqual([]);
    expect(await sourceParts(storeOf([8 * MiB, 5 * MiB, 1]).store, head(20 * MiB, 3))).toBeUndefined();
    // A part under S3's 5 MiB before the last: no destination would take that cut.
    expect(await sourceParts(storeOf([6 * MiB, 1 * MiB, 6 * MiB]).store, head(13 * MiB, 3))).toBeUndefined();
  });

  it('single-part, one-part and SSE-KMS sources are not asked', async () => {
    const { store, asked } = storeOf([8 * MiB, 8 * MiB]);
    expect(await sourceParts(store, { key: 'k', size: 16 * MiB, etag: '"0123456789abcdef0123456789abcdef"' })).toBe(
      undefined,
    );
    expect(await sourceParts(store, head(16 * MiB, 1))).toBeUndefined();
    expect(await sourceParts(store, { ...head(16 * MiB, 2), serverSideEncryption: 'aws:kms' })).toBeUndefined();
    expect(asked).toEqual([]);
  });

  it('a store that keeps failing the question (after the client’s own retries) gives no cut, not a failed copy', async () => {
    const failing = {
      async headPart(): Promise<StoredPart | undefined> {
        throw new StorageRequestError('source bucket b: HeadObject "k"', '500 InternalError', { retryable: true });
      },
    } as unknown as ObjectStore;
    expect(await sourceParts(failing, head(16 * MiB, 2))).toBeUndefined();
  });
});
