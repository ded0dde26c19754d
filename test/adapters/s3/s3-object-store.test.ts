/**
 * The S3 adapter's lean request path against a real s3rver: the default credential chain (no keys given) signs it,
 * listings come back whole and decoded, and missing buckets/objects and rejected keys become the engine's errors.
 */
import { HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { S3ObjectStore } from '../../../worker/adapters/s3/s3-object-store.js';
import { bucketAddress } from '../../../worker/adapters/s3/s3-http.js';
import {
  AccessDeniedError,
  BucketNotFoundError,
  CredentialsError,
  MalformedAnswerError,
} from '../../../worker/core/errors.js';
import { startS3Front } from '../../s3/s3-front.js';
import { createBucket, S3RVER_KEYS, s3Client, servers } from '../../support/servers.js';
import { createHash } from 'node:crypto';

const md5 = (text: string) => createHash('md5').update(text).digest('hex');

const saved = { ...process.env };
beforeEach(() => {
  delete process.env.AWS_PROFILE;
});
afterEach(() => {
  for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_PROFILE']) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
});

describe('S3ObjectStore over the lean SigV4 path', () => {
  it("names Amazon S3's endpoint as its requests reach it: amazonaws.com.cn in the China regions", () => {
    // Before: errors said "cannot reach s3.cn-north-1.amazonaws.com" while the requests went to ….amazonaws.com.cn.
    for (const [region, host] of [
      ['cn-north-1', 's3.cn-north-1.amazonaws.com.cn'],
      ['cn-northwest-1', 's3.cn-northwest-1.amazonaws.com.cn'],
      ['eu-west-1', 's3.eu-west-1.amazonaws.com'],
    ]) {
      const store = new S3ObjectStore({ bucket: 'bkt', region });
      expect(store.location).toBe(`${host}/bkt`);
      expect(bucketAddress({ bucket: 'bkt', region, forcePathStyle: false }).hostHeader).toBe(`bkt.${host}`);
    }
  });

  it('signs with the default credential chain when no keys are given (environment keys here)', async () => {
    const bucket = await createBucket(servers.s3Source, 'chain');
    await s3Client(servers.s3Source).send(
      new PutObjectCommand({ Bucket: bucket, Key: 'a & <b>/ü.txt', Body: 'hello' }),
    );
    process.env.AWS_ACCESS_KEY_ID = 'S3RVER';
    process.env.AWS_SECRET_ACCESS_KEY = 'S3RVER';
    const store = new S3ObjectStore({ bucket, region: 'us-east-1', endpoint: servers.s3Source });
    await store.checkAccess();
    const listed = [];
    for await (const o of store.list('')) listed.push(o);
    expect(listed).toEqual([
      expect.objectContaining({ key: 'a & <b>/ü.txt', size: 5, etag: '"5d41402abc4b2a76b9719d911017c592"' }),
    ]);

    process.env.AWS_ACCESS_KEY_ID = 'NOT-S3RVER';
    const rejected = new S3ObjectStore({ bucket, region: 'us-east-1', endpoint: servers.s3Source });
    await expect(rejected.checkAccess()).rejects.toBeInstanceOf(CredentialsError);
  });

  it('pages through a listing longer than one page, in key order, from a start key', async () => {
    const bucket = await createBucket(servers.s3Source, 'pages');
    const s3 = s3Client(servers.s3Source);
    const keys = Array.from({ length: 1203 }, (_, i) => `k/${String(i).padStart(5, '0')}`);
    for (let i = 0; i < keys.length; i += 50) {
      await Promise.all(
        keys.slice(i, i + 50).map((Key) => s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body: 'x' }))),
      );
    }
    const store = new S3ObjectStore({
      bucket,
      region: 'us-east-1',
      endpoint: servers.s3Source,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
    const listed: string[] = [];
    for await (const o of store.list('k/')) listed.push(o.key);
    expect(listed).toEqual(keys);
    const after: string[] = [];
    for await (const o of store.list('k/', 'k/01100')) after.push(o.key);
    expect(after).toEqual(keys.slice(1101));
  }, 60_000);

  it('refuses a listing from a start key that starts over at the first key (a store ignoring start-after)', async () => {
    const bucket = await createBucket(servers.s3Source, 'after');
    for (const Key of ['a/1', 'a/2', 'a/3'])
      await s3Client(servers.s3Source).send(new PutObjectCommand({ Bucket: bucket, Key, Body: 'x' }));
    const front = await startS3Front({ target: servers.s3Source, ignoreStartAfter: true });
    try {
      const store = new S3ObjectStore({
        bucket,
        region: 'us-east-1',
        endpoint: front.endpoint,
        credentials: S3RVER_KEYS,
      });
      const listed: string[] = [];
      const listing = (async () => {
        for await (const o of store.list('a/', 'a/2')) listed.push(o.key);
      })();
      await expect(listing).rejects.toBeInstanceOf(MalformedAnswerError);
      await expect(listing).rejects.toThrow(/starts at "a\/1" .*start-after/);
      expect(listed).toEqual([]);
    } finally {
      await front.close();
    }
  });

  it('lists one level of a folder: its objects and sub-folders in key order, names decoded', async () => {
    const bucket = await createBucket(servers.s3Source, 'level');
    const s3 = s3Client(servers.s3Source);
    for (const Key of ['d/a b.txt', 'd/a b/x.txt', 'd/z.txt', 'd/ü/y.txt', 'd/ü/deeper/w.txt', 'e/other.txt'])
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body: 'x' }));
    const store = new S3ObjectStore({
      bucket,
      region: 'us-east-1',
      endpoint: servers.s3Source,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
    const level: string[] = [];
    for await (const e of store.listLevel('d/')) level.push(e.folder ?? `object ${e.object?.key}`);
    expect(level).toEqual(['object d/a b.txt', 'd/a b/', 'object d/z.txt', 'd/ü/']);
  });

  it('answers a missing bucket with BucketNotFoundError and a missing object with undefined', async () => {
    const keys = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
    const missing = new S3ObjectStore({
      bucket: 'no-such-bucket-here',
      region: 'us-east-1',
      endpoint: servers.s3Source,
      credentials: keys,
    });
    await expect(missing.checkAccess()).rejects.toBeInstanceOf(BucketNotFoundError);
    const bucket = await createBucket(servers.s3Source, 'empty');
    const store = new S3ObjectStore({ bucket, region: 'us-east-1', endpoint: servers.s3Source, credentials: keys });
    expect(await store.head('nothing')).toBeUndefined();
    expect(await store.open('nothing')).toBeUndefined();
  });

  it('asks a part of an object with HEAD partNumber; a store that answers the whole object instead says nothing', async () => {
    const bucket = await createBucket(servers.s3Source, 'parts');
    await s3Client(servers.s3Source).send(new PutObjectCommand({ Bucket: bucket, Key: 'whole.txt', Body: 'hello' }));
    const keys = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
    const store = new S3ObjectStore({ bucket, region: 'us-east-1', endpoint: servers.s3Source, credentials: keys });
    // s3rver ignores partNumber: 200, the whole object, no x-amz-mp-parts-count.
    expect(await store.headPart('whole.txt', 1)).toBeUndefined();
    // A refusal is an error, not "nothing known" (a HEAD's 403 has no body to tell the rejected key by).
    const refused = new S3ObjectStore({
      bucket,
      region: 'us-east-1',
      endpoint: servers.s3Source,
      credentials: { ...keys, accessKeyId: 'NOT-S3RVER' },
    });
    await expect(refused.headPart('whole.txt', 1)).rejects.toBeInstanceOf(AccessDeniedError);
  });

  it('copies server-side and starts multipart uploads with the destination attributes (content type, metadata)', async () => {
    const keys = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
    const src = await createBucket(servers.s3Source, 'attr-src');
    const dst = await createBucket(servers.s3Source, 'attr-dst');
    const s3 = s3Client(servers.s3Source);
    // (s3rver decodes x-amz-copy-source with decodeURI, so a '+' in the source key is not found there; copies fall back to streaming.)
    await s3.send(new PutObjectCommand({ Bucket: src, Key: 'dir/a b.txt', Body: 'server side' }));
    const store = new S3ObjectStore({
      bucket: dst,
      region: 'us-east-1',
      endpoint: servers.s3Source,
      credentials: keys,
    });
    const options = { contentType: 'text/plain', metadata: { owner: 'ann' } };

    const copied = await store.copyFrom({ bucket: src, key: 'dir/a b.txt' }, 'copy.txt', options, 11);
    expect(copied.etag).toBe(`"${md5('server side')}"`);
    const head = await s3.send(new HeadObjectCommand({ Bucket: dst, Key: 'copy.txt' }));
    expect([head.ContentType, head.Metadata]).toEqual(['text/plain', { owner: 'ann' }]);

    const part = Buffer.alloc(5 * 1024 * 1024, 1);
    const uploadId = await store.createMultipart('multi.bin', options);
    const { etag } = await store.uploadPart('multi.bin', uploadId, 1, part, part.length);
    await store.completeMultipart('multi.bin', uploadId, [{ partNumber: 1, etag, size: part.length }]);
    const multi = await s3.send(new HeadObjectCommand({ Bucket: dst, Key: 'multi.bin' }));
    expect([multi.ContentLength, multi.ContentType, multi.Metadata]).toEqual([
      part.length,
      'text/plain',
      { owner: 'ann' },
    ]);

    await expect(store.copyFrom({ bucket: src, key: 'missing' }, 'never.txt', options, 1)).rejects.toThrow();
  });
});
