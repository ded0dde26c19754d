/**
 * A destination bucket with Object Lock and a default retention refuses every PutObject and UploadPart that carries
 * no Content-MD5 (or checksum header). The original sent Content-MD5 on every write, so such buckets worked with it;
 * our streamed copies hash on the way and send none. The first refusal teaches the worker: that write and every later
 * one takes the MD5 first (bodies up to 64 MiB buffered, larger ones read twice), and no object fails or is retried.
 * s3rver has no Object Lock: a front answers as S3 does, and checks each Content-MD5 against the bytes (BadDigest).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MD5_FIRST_BUFFER_LIMIT } from '../../worker/s3/send-body.js';
import { servers } from '../support/servers.js';
import { baseParams, bucketPair, bytes, md5, putSource, readObject, runEmbedded } from './engine-fixtures.js';
import { startS3Front, type S3Front } from './s3-front.js';

const MiB = 1024 * 1024;
const fronts: S3Front[] = [];
afterEach(async () => {
  await Promise.all(fronts.splice(0).map((f) => f.close()));
});

async function lockedPair() {
  const { src, dst } = await bucketPair();
  // The source answers SSE-KMS ETags, which are no MD5: a streamed copy cannot send the source's MD5 as Content-MD5.
  const source = await startS3Front({ target: servers.s3Source, kms: true });
  const dest = await startS3Front({ target: servers.s3Dest, objectLock: true });
  fronts.push(source, dest);
  return { src, dst, source, dest, params: { srcEndpoint: source.endpoint, destEndpoint: dest.endpoint } };
}

/** Writes the front answered without passing them on (no Content-MD5), and writes that carried one. */
function writes(front: S3Front) {
  const all = front.of('PutObject', 'UploadPart');
  return {
    refused: all.filter((r) => r.headers['content-md5'] === undefined).length,
    withMd5: all.filter((r) => r.headers['content-md5'] !== undefined).length,
  };
}

describe('a destination with Object Lock (Content-MD5 required on every write)', () => {
  it('single PUTs, streamed PUTs and parts all land after the first refusal, each object in one attempt', async () => {
    const { src, dst, source, dest, params } = await lockedPair();
    const objects = {
      'small.txt': Buffer.from('small'),
      'streamed.bin': bytes(3 * MiB, 5),
      'dir/multi.bin': bytes(9 * MiB, 6),
    };
    for (const [k, v] of Object.entries(objects)) await putSource(src, k, v);

    // One object at a time (in key order): the multipart object's two parts are refused together, and the worker
    // has learned before it copies the others.
    const { report, status } = await runEmbedded(baseParams(src, dst, { ...params, workerNumber: '1' }));
    expect(report).toMatchObject({ complete: true, failed: 0, done: 3 });
    for (const [k, v] of Object.entries(objects)) {
      expect(md5(await readObject(servers.s3Dest, dst, k)), k).toBe(md5(v));
      expect((await status.get(k))?.attempts, k).toBe(1);
    }
    const { refused, withMd5 } = writes(dest);
    expect(refused).toBe(2); // the parts went out streamed first, as they do to any other bucket
    expect(withMd5).toBe(2 + 1 + 1); // two parts, small, streamed: every stored write carried a correct MD5
    // Every source read fed one write: the streamed object's opened body was not dropped to be read again.
    expect(source.of('GetObject')).toHaveLength(refused + withMd5);
  });

  it(`a part above ${MD5_FIRST_BUFFER_LIMIT / MiB} MiB is hashed, then read again and sent with its MD5`, async () => {
    const { src, dst, dest, params } = await lockedPair();
    const big = bytes(MD5_FIRST_BUFFER_LIMIT + 3 * MiB, 7);
    await putSource(src, 'big.bin', big);

    const chunkSize = `${MD5_FIRST_BUFFER_LIMIT / MiB + 3}MiB`; // one part holding the whole object
    const { report } = await runEmbedded(baseParams(src, dst, { ...params, chunkSize }));
    expect(report).toMatchObject({ complete: true, failed: 0, done: 1 });
    expect(md5(await readObject(servers.s3Dest, dst, 'big.bin'))).toBe(md5(big));
    expect(writes(dest)).toEqual({ refused: 1, withMd5: 1 });
  });
});
