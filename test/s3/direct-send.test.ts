/**
 * srcSkipCompare=true is the original's direct send: every source object is queued and copied, and the destination
 * is never listed (only the one-key access check). With the default (compare), a rerun copies nothing.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { servers } from '../support/servers.js';
import { baseParams, bucketPair, putSource, readObject, runEmbedded } from './engine-fixtures.js';
import { startS3Front, type S3Front } from './s3-front.js';

const fronts: S3Front[] = [];
afterEach(async () => {
  await Promise.all(fronts.splice(0).map((f) => f.close()));
});

/** Listings of the bucket other than the access check (a one-key listing). */
function fullListings(front: S3Front): number {
  return front.of('ListObjects').filter((r) => new URL(r.url, 'http://x').searchParams.get('max-keys') !== '1').length;
}

describe('srcSkipCompare', () => {
  it('true: copies every source object again without listing the destination; false: the rerun copies nothing', async () => {
    const { src, dst } = await bucketPair();
    for (const k of ['a.txt', 'b/c.txt', 'd.txt']) await putSource(src, k, `body of ${k}`);
    const dest = await startS3Front({ target: servers.s3Dest });
    fronts.push(dest);

    const compared = await runEmbedded(baseParams(src, dst, { destEndpoint: dest.endpoint }));
    expect(compared.report).toMatchObject({ complete: true, done: 3 });
    expect(fullListings(dest)).toBe(1);
    const rerun = await runEmbedded(baseParams(src, dst, { destEndpoint: dest.endpoint }), { db: compared.dbPath });
    expect(rerun.report.finder).toMatchObject({ scanned: 3, toTransfer: 0 });
    expect(dest.of('PutObject')).toHaveLength(3);

    dest.requests.length = 0;
    const direct = await runEmbedded(baseParams(src, dst, { destEndpoint: dest.endpoint, srcSkipCompare: 'true' }), {
      db: compared.dbPath,
    });
    expect(direct.report.finder).toMatchObject({ scanned: 3, toTransfer: 3 });
    expect(direct.report).toMatchObject({ complete: true, done: 3, verified: 3 });
    expect(dest.of('PutObject')).toHaveLength(3);
    expect(fullListings(dest)).toBe(0);
    expect((await readObject(servers.s3Dest, dst, 'b/c.txt')).toString()).toBe('body of b/c.txt');
  });

  it('true: a destination that grants writes but not s3:ListBucket is written; with the compare, its listing is refused by name', async () => {
    const { src, dst } = await bucketPair();
    for (const k of ['a.txt', 'b/c.txt']) await putSource(src, k, `body of ${k}`);
    const dest = await startS3Front({ target: servers.s3Dest, denyListing: true });
    fronts.push(dest);

    const direct = await runEmbedded(baseParams(src, dst, { destEndpoint: dest.endpoint, srcSkipCompare: 'true' }));
    expect(direct.report).toMatchObject({ complete: true, done: 2, verified: 2, failed: 0 });
    expect((await readObject(servers.s3Dest, dst, 'b/c.txt')).toString()).toBe('body of b/c.txt');
    expect(dest.of('PutObject')).toHaveLength(2);

    await expect(runEmbedded(baseParams(src, dst, { destEndpoint: dest.endpoint }))).rejects.toThrow(
      `destination bucket ${dst}: ListObjectsV2: the role/keys lack permission s3:ListBucket (403 AccessDenied`,
    );
  });
});
