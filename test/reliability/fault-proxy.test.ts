/** Self-test of the fault-injecting proxy: each fault really happens, and clean traffic passes unharmed. */
import { createHash, randomBytes } from 'node:crypto';
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { afterEach, describe, expect, it } from 'vitest';
import { classifyS3Request, seededRandom, startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { createBucket, s3Client, servers } from '../support/servers.js';

function client(endpoint: string): S3Client {
  return s3Client(endpoint, { maxAttempts: 1 });
}

async function readAll(body: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of body) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks);
}

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');

let proxy: FaultProxy | undefined;
afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
});

describe('classifyS3Request', () => {
  it('names the S3 operation from method, path and query', () => {
    expect(classifyS3Request('GET', '/')).toBe('ListBuckets');
    expect(classifyS3Request('HEAD', '/b')).toBe('HeadBucket');
    expect(classifyS3Request('GET', '/b?list-type=2&prefix=a')).toBe('ListObjects');
    expect(classifyS3Request('PUT', '/b/k')).toBe('PutObject');
    expect(classifyS3Request('PUT', '/b/k', { 'x-amz-copy-source': '/a/k' })).toBe('CopyObject');
    expect(classifyS3Request('GET', '/b/dir/k')).toBe('GetObject');
    expect(classifyS3Request('HEAD', '/b/k')).toBe('HeadObject');
    expect(classifyS3Request('POST', '/b/k?uploads')).toBe('CreateMultipartUpload');
    expect(classifyS3Request('PUT', '/b/k?partNumber=2&uploadId=u')).toBe('UploadPart');
    expect(classifyS3Request('POST', '/b/k?uploadId=u')).toBe('CompleteMultipartUpload');
    expect(classifyS3Request('DELETE', '/b/k?uploadId=u')).toBe('AbortMultipartUpload');
    expect(classifyS3Request('GET', '/b/k?tagging')).toBe('GetObjectTagging');
    expect(classifyS3Request('POST', '/b?delete')).toBe('DeleteObjects');
  });

  it('seeded dice repeat for the same seed and differ for another', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const c = seededRandom(43);
    const seqA = Array.from({ length: 5 }, a);
    expect(Array.from({ length: 5 }, b)).toEqual(seqA);
    expect(Array.from({ length: 5 }, c)).not.toEqual(seqA);
    for (const v of seqA) expect(v >= 0 && v < 1).toBe(true);
  });
});

describe('fault proxy in front of s3rver', () => {
  it('passes clean traffic byte-identical and counts operations', async () => {
    const bucket = await createBucket(servers.s3Source, 'fp-clean');
    proxy = await startFaultProxy({ target: servers.s3Source });
    const s3 = client(proxy.endpoint);
    const body = randomBytes(300 * 1024);
    await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'dir/a b+c.bin', Body: body, ContentLength: body.length }),
    );
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'dir/a b+c.bin' }));
    expect(md5(await readAll(got.Body as AsyncIterable<Uint8Array>))).toBe(md5(body));
    expect(proxy.stats.requests.PutObject).toBe(1);
    expect(proxy.stats.succeeded.GetObject).toBe(1);
    expect(proxy.faultCount()).toBe(0);
  });

  it('answers 500 InternalError and 503 SlowDown without forwarding', async () => {
    const bucket = await createBucket(servers.s3Source, 'fp-5xx');
    proxy = await startFaultProxy({ target: servers.s3Source, rates: { serverError: 1 } });
    const s3 = client(proxy.endpoint);
    await expect(
      s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'x'.repeat(2048) })),
    ).rejects.toMatchObject({
      name: 'InternalError',
      $metadata: { httpStatusCode: 500 },
    });
    proxy.setRates({ slowDown: 1 });
    await expect(s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'x' }))).rejects.toMatchObject({
      name: 'SlowDown',
      $metadata: { httpStatusCode: 503 },
    });
    // Neither write reached the server.
    proxy.setRates({});
    await expect(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'k' }))).rejects.toMatchObject({
      $metadata: { httpStatusCode: 404 },
    });
    expect(proxy.faultCount('serverError')).toBe(1);
    expect(proxy.faultCount('slowDown')).toBe(1);
  });

  it('drops the answer of a request the server applied', async () => {
    const bucket = await createBucket(servers.s3Source, 'fp-drop');
    proxy = await startFaultProxy({ target: servers.s3Source, rates: { dropResponse: 1 } });
    const s3 = client(proxy.endpoint);
    await expect(s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'applied' }))).rejects.toThrow();
    proxy.setRates({});
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'k' }));
    expect(await got.Body!.transformToString()).toBe('applied');
  });

  it('resets the connection mid-upload, and the object is not written', async () => {
    const bucket = await createBucket(servers.s3Source, 'fp-rreq');
    proxy = await startFaultProxy({ target: servers.s3Source, rates: { resetRequest: 1 } });
    const s3 = client(proxy.endpoint);
    const body = randomBytes(2 * 1024 * 1024);
    await expect(
      s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: body, ContentLength: body.length })),
    ).rejects.toThrow();
    proxy.setRates({});
    await expect(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'k' }))).rejects.toMatchObject({
      $metadata: { httpStatusCode: 404 },
    });
    expect(proxy.faultCount('resetRequest')).toBe(1);
  });

  it('breaks GetObject bodies: reset mid-body, truncated with Content-Length, short and cleanly ended', async () => {
    const bucket = await createBucket(servers.s3Source, 'fp-body');
    const body = randomBytes(1024 * 1024);
    await client(servers.s3Source).send(
      new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: body, ContentLength: body.length }),
    );
    proxy = await startFaultProxy({ target: servers.s3Source, rates: { resetResponse: 1 } });
    const s3 = client(proxy.endpoint);

    const reset = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'k' }));
    await expect(readAll(reset.Body as AsyncIterable<Uint8Array>)).rejects.toThrow();

    proxy.setRates({ truncateBody: 1 });
    const truncated = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'k' }));
    expect(truncated.ContentLength).toBe(body.length);
    await expect(readAll(truncated.Body as AsyncIterable<Uint8Array>)).rejects.toThrow();

    // The "lying" server: the stream ends without an error, only a size/checksum check can notice.
    proxy.setRates({ shortBody: 1 });
    const short = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'k' }));
    const got = await readAll(short.Body as AsyncIterable<Uint8Array>);
    expect(got.length).toBe(body.length / 2);
    expect(got.equals(body.subarray(0, body.length / 2))).toBe(true);
    expect(proxy.faultCount()).toBe(3);
  });

  it('answers a ranged GET for the range one byte off (same length), saying so in Content-Range; whole GETs pass', async () => {
    const bucket = await createBucket(servers.s3Source, 'fp-range');
    const body = randomBytes(4096);
    await client(servers.s3Source).send(
      new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: body, ContentLength: body.length }),
    );
    proxy = await startFaultProxy({ target: servers.s3Source, rates: { shiftedRange: 1 } });
    const s3 = client(proxy.endpoint);
    const later = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'k', Range: 'bytes=100-199' }));
    expect(later.ContentRange).toBe('bytes 99-198/4096');
    expect((await readAll(later.Body as AsyncIterable<Uint8Array>)).equals(body.subarray(99, 199))).toBe(true);
    const first = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'k', Range: 'bytes=0-9' }));
    expect(first.ContentRange).toBe('bytes 1-10/4096');
    const whole = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'k' }));
    expect((await readAll(whole.Body as AsyncIterable<Uint8Array>)).equals(body)).toBe(true);
    expect(proxy.faultCount('shiftedRange')).toBe(2);
  });

  it('delays slow responses but delivers them intact', async () => {
    const bucket = await createBucket(servers.s3Source, 'fp-slow');
    proxy = await startFaultProxy({ target: servers.s3Source, rates: { slow: 1 }, slowMs: 300 });
    const s3 = client(proxy.endpoint);
    const started = Date.now();
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'hello' }));
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'k' }));
    expect(await got.Body!.transformToString()).toBe('hello');
    expect(proxy.faultCount('slow')).toBe(2);
  });

  it('with retries, random 5xx/resets are survivable and the same seed gives the same faults', async () => {
    const bucket = await createBucket(servers.s3Source, 'fp-seed');
    const runOnce = async (seed: number) => {
      const p = await startFaultProxy({
        target: servers.s3Source,
        seed,
        rates: { serverError: 0.15, slowDown: 0.15, resetRequest: 0.1 },
      });
      try {
        const s3 = client(p.endpoint);
        for (let i = 0; i < 20; i++) {
          const body = Buffer.alloc(4096, i);
          // Retry at once (the SDK's backoff would only make the test slow).
          for (let attempt = 1; ; attempt++) {
            try {
              await s3.send(
                new PutObjectCommand({ Bucket: bucket, Key: `s${seed}/o${i}`, Body: body, ContentLength: body.length }),
              );
              break;
            } catch (err) {
              if (attempt >= 10) throw err;
            }
          }
        }
        return p.stats.faults.map((f) => f.kind);
      } finally {
        await p.close();
      }
    };
    const first = await runOnce(7);
    const again = await runOnce(7);
    expect(first.length).toBeGreaterThan(0);
    expect(again).toEqual(first);
    const s3 = client(servers.s3Source);
    for (let i = 0; i < 20; i++) {
      const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: `s7/o${i}` }));
      expect(Buffer.from(await got.Body!.transformToByteArray()).equals(Buffer.alloc(4096, i))).toBe(true);
    }
  });

  it('records accepted UploadParts and reports parts sent again', async () => {
    const bucket = await createBucket(servers.s3Source, 'fp-parts');
    proxy = await startFaultProxy({ target: servers.s3Source });
    const s3 = client(proxy.endpoint);
    const part = randomBytes(5 * 1024 * 1024);
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'big' }));
    const up = (n: number) =>
      s3.send(
        new UploadPartCommand({
          Bucket: bucket,
          Key: 'big',
          UploadId,
          PartNumber: n,
          Body: part,
          ContentLength: part.length,
        }),
      );
    const p1 = await up(1);
    await up(2);
    const p2 = await up(2); // sent again
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: 'big',
        UploadId,
        MultipartUpload: {
          Parts: [
            { PartNumber: 1, ETag: p1.ETag },
            { PartNumber: 2, ETag: p2.ETag },
          ],
        },
      }),
    );
    expect(proxy.stats.acceptedParts.map((p) => p.partNumber)).toEqual([1, 2, 2]);
    expect(proxy.resentParts()).toMatchObject([{ key: 'big', uploadId: UploadId, partNumber: 2 }]);
    for (const p of proxy.stats.acceptedParts) expect(p.answeredAt).toBeGreaterThanOrEqual(p.acceptedAt!);
    expect(proxy.stats.succeeded.CompleteMultipartUpload).toBe(1);
  });
});
