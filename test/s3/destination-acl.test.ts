/**
 * destAcl against a bucket whose ACLs are disabled (Object Ownership "bucket owner enforced", the default for buckets
 * since 2023): the default, bucket-owner-full-control, is accepted; any other canned ACL is refused by S3 on every
 * write, and each object then fails once with a message that names destAcl and the value to use. s3rver has no object
 * ownership setting, so a front answers as S3 does.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { servers } from '../support/servers.js';
import { baseParams, bucketPair, bytes, md5, putSource, readObject, runEmbedded } from './engine-fixtures.js';
import { startS3Front, type S3Front } from './s3-front.js';

const MiB = 1024 * 1024;
const fronts: S3Front[] = [];
afterEach(async () => {
  await Promise.all(fronts.splice(0).map((f) => f.close()));
});

const OBJECTS = { 'small.txt': Buffer.from('small'), 'multi.bin': bytes(9 * MiB, 3) };

describe('destination object ACL on a bucket with ACLs disabled', () => {
  it('bucket-owner-full-control (the default) is accepted; private fails each object once, naming destAcl', async () => {
    const { src, dst } = await bucketPair();
    for (const [k, v] of Object.entries(OBJECTS)) await putSource(src, k, v);
    const front = await startS3Front({ target: servers.s3Dest, aclsDisabled: true });
    fronts.push(front);
    const params = { destEndpoint: front.endpoint, multipartThreshold: '8MiB', chunkSize: '5MiB' };

    const refused = await runEmbedded(baseParams(src, dst, { ...params, destAcl: 'private' }));
    expect(refused.report).toMatchObject({ complete: false, failed: 2, done: 0 });
    const rec = await refused.status.get('small.txt');
    expect(rec).toMatchObject({ status: 'FAILED', attempts: 1 });
    expect(rec?.error).toMatch(
      new RegExp(
        `^destination bucket ${dst}: PutObject "small.txt": the bucket has ACLs disabled .*400 AccessControlListNotSupported.*set destAcl to bucket-owner-full-control`,
      ),
    );
    expect((await refused.status.get('multi.bin'))?.error).toMatch(/CreateMultipartUpload "multi.bin": .*set destAcl/);

    const accepted = await runEmbedded(baseParams(src, dst, { ...params, destAcl: 'bucket-owner-full-control' }));
    expect(accepted.report).toMatchObject({ complete: true, failed: 0, done: 2 });
    for (const [k, v] of Object.entries(OBJECTS)) expect(md5(await readObject(servers.s3Dest, dst, k)), k).toBe(md5(v));
  });
});
