/**
 * Keys with "." or ".." path segments. moto keeps them as sent (as S3 does); s3rver normalises the request path, so a
 * PUT of `a/../y` writes `y`. Before: the copy of `a/../y` replaced the real `y` at an s3rver destination and both were
 * reported DONE and verified; every rerun copied them again. Now such a key is written only to a destination seen to
 * keep it (asked without writing), and refused, naming the key it would land on, by one that does not.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { FileSecretStore } from '../../worker/adapters/embedded/index.js';
import { openTaskBuckets } from '../../worker/adapters/s3/open-buckets.js';
import { silentLogger } from '../../worker/core/log.js';
import { hasDotSegment, normalisedKey } from '../../worker/s3/dot-segment-keys.js';
import { deleteUnlessRecreated } from '../../worker/s3/event-outcomes.js';
import { parseS3TaskParams } from '../../worker/s3/params.js';
import { useMoto } from '../support/moto.js';
import { createBucket, s3Client, servers } from '../support/servers.js';
import { baseParams, embeddedAdapters, readObject, runEngine } from './engine-fixtures.js';

const moto = useMoto();
const SOURCE: Record<string, string> = { y: 'real y', 'a/../y': 'other', 'dots/./x': 'dot x', plain: 'plain' };
let src: string;
let secrets: string;

beforeAll(async () => {
  src = await createBucket(moto.endpoint, 'dots-src');
  const client = s3Client(moto.endpoint);
  for (const [Key, Body] of Object.entries(SOURCE)) await client.send(new PutObjectCommand({ Bucket: src, Key, Body }));
  secrets = join(mkdtempSync(join(tmpdir(), 'dth-dots-')), 'secrets.json');
  writeFileSync(
    secrets,
    JSON.stringify({
      moto: { access_key_id: 'test', secret_access_key: 'test' },
      s3rver: { access_key_id: 'S3RVER', secret_access_key: 'S3RVER' },
    }),
    { mode: 0o600 },
  );
}, 60_000);

async function keysOf(endpoint: string, bucket: string): Promise<string[]> {
  const out = await s3Client(endpoint).send(new ListObjectsV2Command({ Bucket: bucket }));
  return (out.Contents ?? []).map((o) => o.Key ?? '').sort();
}

describe('keys with . or .. path segments', () => {
  it('reads segments as a URL parser does', () => {
    expect(hasDotSegment('a/../y')).toBe(true);
    expect(hasDotSegment('dots/./x')).toBe(true);
    expect(hasDotSegment('a/%2E%2e/y')).toBe(true);
    expect(hasDotSegment('a/.../y')).toBe(false);
    expect(hasDotSegment('.hidden/x.')).toBe(false);
    expect(normalisedKey('a/../y')).toEqual({ key: 'y', climbs: false });
    expect(normalisedKey('dots/./x')).toEqual({ key: 'dots/x', climbs: false });
    expect(normalisedKey('../x')).toEqual({ key: 'x', climbs: true });
    expect(normalisedKey('a/b/..')).toEqual({ key: 'a/', climbs: false });
  });

  it('onto a store that normalises paths (s3rver): refused, naming the key they would land on; the real y keeps its bytes', async () => {
    const dst = await createBucket(servers.s3Dest, 'dots-dst');
    const { report, status } = await runEngine(
      embeddedAdapters,
      baseParams(src, dst, { srcEndpoint: moto.endpoint, srcCredentials: 'moto', maxAttempts: '6' }),
      { secrets },
    );
    expect(report).toMatchObject({ complete: false, done: 2, failed: 2 });
    const failures = {
      'a/../y': (await status.get('a/../y'))?.error,
      'dots/./x': (await status.get('dots/./x'))?.error,
    };
    expect(failures['a/../y']).toMatch(/"a\/\.\.\/y" has a "\." or "\.\." path segment.*would store it as "y"/);
    expect(failures['dots/./x']).toMatch(/would store it as "dots\/x"/);
    expect(await keysOf(servers.s3Dest, dst)).toEqual(['plain', 'y']);
    expect((await readObject(servers.s3Dest, dst, 'y')).toString()).toBe('real y');

    // A destination that already holds the key the dot key names: refused before anything is written over it.
    const precious = await createBucket(servers.s3Dest, 'dots-precious');
    await s3Client(servers.s3Dest).send(new PutObjectCommand({ Bucket: precious, Key: 'y', Body: 'precious' }));
    const again = await runEngine(
      embeddedAdapters,
      baseParams(src, precious, { srcEndpoint: moto.endpoint, srcCredentials: 'moto', include: 'a/../y' }),
      { secrets },
    );
    expect(again.report).toMatchObject({ done: 0, failed: 1 });
    expect((await readObject(servers.s3Dest, precious, 'y')).toString()).toBe('precious');
  });

  it('an ObjectRemoved event of a dot key never deletes the key a normalising destination would read it as', async () => {
    const dst = await createBucket(servers.s3Dest, 'dots-removed');
    await s3Client(servers.s3Dest).send(new PutObjectCommand({ Bucket: dst, Key: 'gone', Body: 'keep me' }));
    const { source, dest } = await openTaskBuckets(
      parseS3TaskParams(baseParams(src, dst, { srcEndpoint: moto.endpoint, srcCredentials: 'moto' })),
      new FileSecretStore(secrets),
    );
    const ctx = {
      source,
      dest,
      destPrefix: '',
      propagateDeletes: true,
      logger: silentLogger,
      copy: async () => {
        throw new Error('no copy expected');
      },
    };
    // Absent at the source, as after its removal: `x/../gone` is no key of s3rver's, and `gone` must stay.
    expect(await deleteUnlessRecreated(ctx, 'x/../gone')).toBe(true);
    expect((await readObject(servers.s3Dest, dst, 'gone')).toString()).toBe('keep me');
  });

  it('onto a store that keeps keys as sent (moto, as S3): copied under their exact keys', async () => {
    const dst = await createBucket(moto.endpoint, 'dots-kept');
    const { report } = await runEngine(
      embeddedAdapters,
      baseParams(src, dst, {
        srcEndpoint: moto.endpoint,
        srcCredentials: 'moto',
        destEndpoint: moto.endpoint,
        destCredentials: 'moto',
        maxAttempts: '6',
      }),
      { secrets },
    );
    expect(report).toMatchObject({ complete: true, done: 4, failed: 0 });
    expect(await keysOf(moto.endpoint, dst)).toEqual(Object.keys(SOURCE).sort());
    for (const [key, body] of Object.entries(SOURCE))
      expect((await readObject(moto.endpoint, dst, key)).toString(), key).toBe(body);
  });
});
