/**
 * destPutObjectSSEType / destPutObjectSSEKmsKeyId: the SSE headers go on every PUT, multipart start and server-side
 * copy, so buckets whose policy requires them accept the copies. s3rver has no bucket policies, so a front answers
 * writes without the header as such a policy does (403 AccessDenied) and records every header sent.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { servers } from '../support/servers.js';
import { baseParams, bucketPair, bytes, md5, putSource, readObject, runEmbedded } from './engine-fixtures.js';
import { startS3Front, type S3Front } from './s3-front.js';

const MiB = 1024 * 1024;
const KEY_ARN = 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const fronts: S3Front[] = [];
afterEach(async () => {
  await Promise.all(fronts.splice(0).map((f) => f.close()));
});

async function seed(src: string) {
  const objects = {
    'small.txt': Buffer.from('small'),
    'streamed.bin': bytes(300 * 1024, 1),
    'multi.bin': bytes(9 * MiB, 2),
  };
  for (const [k, v] of Object.entries(objects)) await putSource(src, k, v);
  return objects;
}

describe('destination server-side encryption headers', () => {
  it('AES256: every PutObject and CreateMultipartUpload carries x-amz-server-side-encryption, and a bucket requiring it accepts the copies', async () => {
    const { src, dst } = await bucketPair();
    const objects = await seed(src);
    const front = await startS3Front({ target: servers.s3Dest, requireSse: 'AES256' });
    fronts.push(front);
    const run = await runEmbedded(
      baseParams(src, dst, { destEndpoint: front.endpoint, destPutObjectSSEType: 'AES256' }),
    );
    expect(run.report).toMatchObject({ complete: true, done: 3, verified: 3 });
    for (const [k, v] of Object.entries(objects)) expect(md5(await readObject(servers.s3Dest, dst, k))).toBe(md5(v));
    const writes = front.of('PutObject', 'CreateMultipartUpload');
    expect(writes.map((w) => w.op).sort()).toEqual(['CreateMultipartUpload', 'PutObject', 'PutObject']);
    for (const w of writes) {
      expect(w.headers['x-amz-server-side-encryption']).toBe('AES256');
      expect(w.headers['x-amz-server-side-encryption-aws-kms-key-id']).toBeUndefined();
    }
  });

  it('AWS_KMS with a key id: both headers on every write, server-side copies included', async () => {
    const { src, dst } = await bucketPair();
    await seed(src);
    const front = await startS3Front({ target: servers.s3Dest, requireSse: 'aws:kms', requireKmsKeyId: KEY_ARN });
    fronts.push(front);
    const run = await runEmbedded(
      baseParams(src, dst, {
        destEndpoint: front.endpoint,
        destPutObjectSSEType: 'AWS_KMS',
        destPutObjectSSEKmsKeyId: KEY_ARN,
      }),
    );
    expect(run.report).toMatchObject({ complete: true, done: 3 });
    expect(front.of('PutObject', 'CreateMultipartUpload')).toHaveLength(3);

    // Source and destination on one endpoint with the same keys: CopyObject, which must carry the headers too.
    const { dst: dst2 } = await bucketPair();
    const sameEndpoint = await runEmbedded({
      ...baseParams(dst, dst2, { destPutObjectSSEType: 'AWS_KMS', destPutObjectSSEKmsKeyId: KEY_ARN }),
      srcEndpoint: front.endpoint,
      destEndpoint: front.endpoint,
    });
    expect(sameEndpoint.report).toMatchObject({ complete: true, done: 3 });
    const copies = front.of('CopyObject');
    expect(copies).toHaveLength(3);
    for (const w of [...front.of('PutObject', 'CreateMultipartUpload'), ...copies]) {
      expect(w.headers['x-amz-server-side-encryption']).toBe('aws:kms');
      expect(w.headers['x-amz-server-side-encryption-aws-kms-key-id']).toBe(KEY_ARN);
    }
  });

  it('None: a bucket whose policy requires SSE refuses the copies; each fails once, names the destination and the permission, and is dead-lettered', async () => {
    const { src, dst } = await bucketPair();
    await seed(src);
    const front = await startS3Front({ target: servers.s3Dest, requireSse: 'AES256' });
    fronts.push(front);
    const run = await runEmbedded(baseParams(src, dst, { destEndpoint: front.endpoint, maxAttempts: '5' }));
    expect(run.report).toMatchObject({ complete: false, failed: 3, done: 0 });
    for (const w of front.of('PutObject', 'CreateMultipartUpload'))
      expect(w.headers['x-amz-server-side-encryption']).toBeUndefined();
    const rec = await run.status.get('small.txt');
    expect(rec).toMatchObject({ status: 'FAILED', attempts: 1 });
    expect(rec?.error).toMatch(
      new RegExp(`^destination bucket ${dst}: PutObject "small.txt": .*s3:PutObject.*403 AccessDenied`),
    );
    // Not retried (a 403 does not go away by itself), but counted where the alarm looks.
    expect((await run.queue.depth()).deadLettered).toBe(3);
  });
});
