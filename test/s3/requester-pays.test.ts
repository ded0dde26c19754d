/**
 * A requester-pays source bucket, read from another account: S3 answers a bare 403 "Access Denied" to every request
 * without x-amz-request-payer, exactly as it answers a missing permission. The error names isPayerRequest besides the
 * permission; with isPayerRequest=true every source request carries the header and the copy completes. s3rver has no
 * requester-pays setting: a front answers as S3 does.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createBucket, servers } from '../support/servers.js';
import { baseParams, bucketPair, bytes, md5, putSource, readObject, runEmbedded } from './engine-fixtures.js';
import { startS3Front, type S3Front } from './s3-front.js';

const MiB = 1024 * 1024;
const fronts: S3Front[] = [];
afterEach(async () => {
  await Promise.all(fronts.splice(0).map((f) => f.close()));
});

describe('a requester-pays source', () => {
  it('without isPayerRequest the error names it; with it every request says who pays and all is copied', async () => {
    const { src, dst } = await bucketPair();
    const objects = { 'a.txt': Buffer.from('a'), 'b/c.bin': bytes(9 * MiB, 2) };
    for (const [k, v] of Object.entries(objects)) await putSource(src, k, v);
    const source = await startS3Front({ target: servers.s3Source, requesterPays: true });
    fronts.push(source);

    await expect(runEmbedded(baseParams(src, dst, { srcEndpoint: source.endpoint }))).rejects.toThrow(
      new RegExp(
        `^source bucket ${src}: ListObjectsV2: the role/keys lack permission s3:ListBucket \\(403 AccessDenied\\); ` +
          'or the bucket is requester-pays: set isPayerRequest=true$',
      ),
    );

    source.requests.length = 0;
    const { report } = await runEmbedded(
      baseParams(src, dst, { srcEndpoint: source.endpoint, isPayerRequest: 'true' }),
    );
    expect(report).toMatchObject({ complete: true, failed: 0, done: 2 });
    for (const [k, v] of Object.entries(objects)) expect(md5(await readObject(servers.s3Dest, dst, k)), k).toBe(md5(v));
    expect(source.requests.length).toBeGreaterThan(0);
    expect(source.requests.filter((r) => r.headers['x-amz-request-payer'] !== 'requester')).toEqual([]);
  });

  it('a server-side copy out of it (both buckets on one endpoint) says who pays too, and stays server-side', async () => {
    const src = await createBucket(servers.s3Source, 'src');
    const dst = await createBucket(servers.s3Source, 'dst');
    const objects = { 'a.txt': Buffer.from('a'), 'b/c.bin': bytes(3 * MiB, 3) };
    for (const [k, v] of Object.entries(objects)) await putSource(src, k, v);
    const front = await startS3Front({ target: servers.s3Source, requesterPays: [src] });
    fronts.push(front);
    const { report } = await runEmbedded(
      baseParams(src, dst, { srcEndpoint: front.endpoint, destEndpoint: front.endpoint, isPayerRequest: 'true' }),
    );
    expect(report).toMatchObject({ complete: true, failed: 0, done: 2 });
    for (const [k, v] of Object.entries(objects))
      expect(md5(await readObject(servers.s3Source, dst, k)), k).toBe(md5(v));
    const copies = front.requests.filter((r) => r.op === 'CopyObject');
    expect(copies.map((r) => r.headers['x-amz-request-payer'])).toEqual(['requester', 'requester']);
    // Before, each copy was refused (403) and its bytes streamed through the worker instead.
    expect(front.requests.filter((r) => r.op === 'GetObject')).toEqual([]);
  });
});
