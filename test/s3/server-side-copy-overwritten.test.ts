/**
 * A source overwritten between the engine's HEAD and its CopyObject (source and destination on one endpoint, so the
 * store copies) never ends as one version's bytes under the other's metadata. Before, the store copied the new bytes
 * while the copy carried the HEAD's Content-Type and user metadata: the object failed verification, and every later
 * run took it as unchanged (size and ETag are the new version's) — wrong metadata for good.
 * - A store that honours `x-amz-copy-source-if-match` (S3; here a front over s3rver that does as S3 does) refuses the
 *   copy (412): the object is copied again from its current version.
 * - A store that ignores it (s3rver) copies the new bytes; their ETag is not the HEAD's: copied again all the same.
 * The overwrite lands inside the destination port's copyFrom, just before its CopyObject is sent (a real store, a
 * real overwrite: only the moment is chosen).
 */
import { HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterEach, describe, expect, it } from 'vitest';
import { createBucket, s3Client, servers } from '../support/servers.js';
import { baseParams, readObject, runEmbedded, type Wrap } from './engine-fixtures.js';
import { startS3Front, type S3Front } from './s3-front.js';

const fronts: S3Front[] = [];
afterEach(async () => {
  await Promise.all(fronts.splice(0).map((f) => f.close()));
});

const KEY = 'report.csv';
const V1 = { Body: 'version one', ContentType: 'text/csv', Metadata: { version: 'one' } };
const V2 = { Body: 'version two, longer', ContentType: 'application/json', Metadata: { version: 'two' } };

/** Buckets wrap: the source is overwritten with V2 once, just before the first CopyObject of KEY is sent. */
function overwriteBeforeFirstCopy(src: string): { wrap: Wrap; overwrites: () => number } {
  let overwrites = 0;
  const wrap: Wrap = ({ source, dest }) => ({
    source,
    dest: new Proxy(dest, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver);
        if (prop !== 'copyFrom' || typeof value !== 'function') return value;
        return async (...args: unknown[]) => {
          if (overwrites === 0) {
            overwrites++;
            await s3Client(servers.s3Source).send(new PutObjectCommand({ Bucket: src, Key: KEY, ...V2 }));
          }
          return value.apply(target, args);
        };
      },
    }),
  });
  return { wrap, overwrites: () => overwrites };
}

describe('a source overwritten just before its server-side copy', () => {
  it.each([
    ['honours the copy condition (S3): the copy is refused, then made from the current version', true],
    ['ignores the copy condition (s3rver): the copy is made again from the current version', false],
  ])('a store that %s', async (_, honours) => {
    const s3 = s3Client(servers.s3Source);
    const src = await createBucket(servers.s3Source, 'ssc-src');
    const dst = await createBucket(servers.s3Source, 'ssc-dst');
    await s3.send(new PutObjectCommand({ Bucket: src, Key: KEY, ...V1 }));
    const front = await startS3Front({ target: servers.s3Source, copySourceIfMatch: honours });
    fronts.push(front);
    const { wrap, overwrites } = overwriteBeforeFirstCopy(src);

    const { report, status } = await runEmbedded(
      baseParams(src, dst, { srcEndpoint: front.endpoint, destEndpoint: front.endpoint, includeMetadata: 'true' }),
      { wrap },
    );

    expect(overwrites()).toBe(1);
    const copies = front.of('CopyObject');
    expect(copies.length, 'one copy refused or redone, then the current version').toBe(2);
    const v1Etag = copies[0].headers['x-amz-copy-source-if-match'];
    expect(v1Etag, 'the copy names the version it copies').toMatch(/^"[0-9a-f]{32}"$/);
    expect(copies[1].headers['x-amz-copy-source-if-match']).not.toBe(v1Etag);
    expect(report).toMatchObject({ complete: true, done: 1, failed: 0 });
    expect(await status.get(KEY)).toMatchObject({ status: 'DONE' });
    expect((await readObject(servers.s3Source, dst, KEY)).toString()).toBe(V2.Body);
    const copied = await s3.send(new HeadObjectCommand({ Bucket: dst, Key: KEY }));
    expect({ type: copied.ContentType, metadata: copied.Metadata }).toEqual({
      type: V2.ContentType,
      metadata: V2.Metadata,
    });
  });
});
