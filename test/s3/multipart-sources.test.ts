/**
 * A source written by a multipart upload (on AWS, MinIO, Ceph: ETag "<MD5 of the parts' MD5s>-N") says nothing about
 * its bytes to a copy cut elsewhere, so bytes damaged between the source and this machine (a plain-HTTP endpoint, a
 * proxy, a cache: the fault proxy's flipped bytes) were copied and recorded DONE, verified. Where the store describes
 * its parts (HEAD with partNumber), the copy now takes the source's part size and the MD5 of the parts it sent must be
 * the source's ETag. The source and destination stand for AWS (s3-front `multipartEtags`: AWS's multipart ETags, part
 * HEADs); s3rver alone answers whole-object MD5s, which would hide the problem.
 */
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  HeadObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { afterEach, describe, expect, it } from 'vitest';
import { startFaultProxy, type FaultRates } from '../support/fault-proxy.js';
import { startMoto } from '../support/moto.js';
import { createBucket, s3Client, servers } from '../support/servers.js';
import { FileSecretStore } from '../../worker/adapters/embedded/index.js';
import { openTaskBuckets } from '../../worker/adapters/s3/open-buckets.js';
import { AccessDeniedError, withRetryAdvice } from '../../worker/core/errors.js';
import { createLogger } from '../../worker/core/log.js';
import type { StatusStore } from '../../worker/ports/status-store.js';
import { parseS3TaskParams } from '../../worker/s3/params.js';
import { runS3Transfer } from '../../worker/s3/run-transfer.js';
import {
  baseParams,
  bucketPair,
  bytes,
  embeddedAdapters,
  md5,
  readObject,
  runEmbedded,
  secretsFile,
  runEngine,
  type Wrap,
  putInParts,
} from './engine-fixtures.js';
import { startS3Front, type S3Front } from './s3-front.js';

const MiB = 1024 * 1024;
const closing: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(closing.splice(0).map((c) => c.close()));
});

async function etagThrough(front: S3Front, bucket: string, key: string): Promise<string | undefined> {
  return (await s3Client(front.endpoint).send(new HeadObjectCommand({ Bucket: bucket, Key: key }))).ETag;
}

/** An AWS-like source (behind a fault proxy) and destination; `faults`: what the proxy does to the source's answers. */
async function awsLikePair(faults: { rates: FaultRates; limits: FaultRates }) {
  const { src, dst } = await bucketPair();
  const source = await startS3Front({ target: servers.s3Source, multipartEtags: true });
  const proxy = await startFaultProxy({ target: source.endpoint, ...faults });
  const dest = await startS3Front({ target: servers.s3Dest, multipartEtags: true });
  closing.push(proxy, source, dest);
  return { src, dst, source, proxy, dest };
}

/** A gateway that rejects the partNumber query (no local server does): the adapter's refusal, put in by a wrapper. */
const refusingPartHeads: Wrap = ({ source, dest }) => ({
  dest,
  source: new Proxy(source, {
    get(target, prop, receiver) {
      if (prop !== 'headPart') return Reflect.get(target, prop, receiver);
      return async () => {
        throw new AccessDeniedError('source bucket', 's3:GetObject', '403 AccessDenied');
      };
    },
  }),
});

describe('multipart sources', () => {
  it('below the single-PUT threshold: copied in the source’s parts, a damaged read caught and read again', async () => {
    const { src, dst, source, proxy, dest } = await awsLikePair({
      rates: { flipByte: 1, flipPartByte: 1 },
      limits: { flipByte: 1, flipPartByte: 1 },
    });
    const body = await putInParts(source.endpoint, src, 'in-parts.bin', [5 * MiB, 5 * MiB, 2 * MiB + 5], 41);
    const sourceEtag = await etagThrough(source, src, 'in-parts.bin');
    expect(sourceEtag).toMatch(/^"[0-9a-f]{32}-3"$/);

    const { report } = await runEmbedded(
      // The defaults' single PUT (the object is far below the threshold) and chunk size.
      baseParams(src, dst, {
        srcEndpoint: proxy.endpoint,
        destEndpoint: dest.endpoint,
        multipartThreshold: '200MiB',
        chunkSize: '8MiB',
      }),
    );
    expect(proxy.faultCount()).toBe(1);
    expect(report).toMatchObject({ complete: true, done: 1, verified: 1, failed: 0 });
    expect(md5(await readObject(servers.s3Dest, dst, 'in-parts.bin'))).toBe(md5(body));
    // Cut as the source was, the copy answers the source's own ETag.
    expect(await etagThrough(dest, dst, 'in-parts.bin')).toBe(sourceEtag);
    const sent = new Set(dest.of('UploadPart').map((r) => Number(r.headers['content-length'])));
    expect(sent).toEqual(new Set([5 * MiB, 2 * MiB + 5]));
  });

  it('above it: parts of the source’s size, not the chunk size; a damaged part read is not verified as sent', async () => {
    const { src, dst, source, proxy, dest } = await awsLikePair({
      rates: { flipPartByte: 1 },
      limits: { flipPartByte: 1 },
    });
    const body = await putInParts(source.endpoint, src, 'six.bin', [6 * MiB, 6 * MiB, 3 * MiB], 42);
    const { report } = await runEmbedded(
      baseParams(src, dst, { srcEndpoint: proxy.endpoint, destEndpoint: dest.endpoint }), // threshold 8 MiB, 5 MiB chunks
    );
    expect(proxy.faultCount('flipPartByte')).toBe(1);
    expect(report).toMatchObject({ complete: true, done: 1, verified: 1, failed: 0 });
    // One value for the source's ETag, the parts sent and the destination's ETag proves the copy: no HEADs after it.
    expect(dest.of('HeadObject').map((r) => r.url)).toEqual([]);
    expect(md5(await readObject(servers.s3Dest, dst, 'six.bin'))).toBe(md5(body));
    expect(await etagThrough(dest, dst, 'six.bin')).toBe(await etagThrough(source, src, 'six.bin'));
    expect(Math.max(...dest.of('UploadPart').map((r) => Number(r.headers['content-length'])))).toBe(6 * MiB);
  });

  it('parts of their own sizes: every part’s size asked, the copy cut the same, a damaged part read caught', async () => {
    // 6 + 5 + 3 MiB: part 1 and the count look like 6 MiB parts, the last part's size says otherwise.
    const { src, dst, source, proxy, dest } = await awsLikePair({
      rates: { flipPartByte: 1 },
      limits: { flipPartByte: 1 },
    });
    const body = await putInParts(source.endpoint, src, 'uneven.bin', [6 * MiB, 5 * MiB, 3 * MiB], 43);
    const { report } = await runEmbedded(
      baseParams(src, dst, { srcEndpoint: proxy.endpoint, destEndpoint: dest.endpoint }),
    );
    expect(proxy.faultCount('flipPartByte')).toBe(1);
    expect(report).toMatchObject({ complete: true, done: 1, verified: 1, failed: 0 });
    expect(md5(await readObject(servers.s3Dest, dst, 'uneven.bin'))).toBe(md5(body));
    expect(await etagThrough(dest, dst, 'uneven.bin')).toBe(await etagThrough(source, src, 'uneven.bin'));
  });

  it('parts that differ only in the middle: the copy is not taken for damaged once they are seen to differ', async () => {
    // 6 + 5 + 7 + 2 MiB fits 6 MiB parts at part 1, the count and the last part: cut 6 + 6 + 6 + 2, it cannot match
    // the source's ETag, and only asking every part shows why.
    const { src, dst, source, proxy, dest } = await awsLikePair({ rates: {}, limits: {} });
    const body = await putInParts(source.endpoint, src, 'middle.bin', [6 * MiB, 5 * MiB, 7 * MiB, 2 * MiB], 49);
    const { report } = await runEmbedded(
      baseParams(src, dst, { srcEndpoint: proxy.endpoint, destEndpoint: dest.endpoint }),
    );
    expect(report).toMatchObject({ complete: true, done: 1, verified: 1, failed: 0 });
    expect(md5(await readObject(servers.s3Dest, dst, 'middle.bin'))).toBe(md5(body));
    // Copied once, no retry: part 1 and the last asked before, every part after.
    expect(dest.of('CompleteMultipartUpload')).toHaveLength(1);
    const partHeads = source.of('HeadObject').filter((r) => r.url.includes('partNumber='));
    expect(partHeads.length).toBeGreaterThanOrEqual(6);
  });

  it('from a store that refuses part HEADs for good: copied as before, in the chunk size', async () => {
    const { src, dst, source, proxy, dest } = await awsLikePair({ rates: {}, limits: {} });
    const body = await putInParts(source.endpoint, src, 'refused.bin', [6 * MiB, 6 * MiB, MiB], 48);
    const { report } = await runEngine(
      embeddedAdapters,
      baseParams(src, dst, { srcEndpoint: proxy.endpoint, destEndpoint: dest.endpoint }),
      { wrap: refusingPartHeads },
    );
    expect(report).toMatchObject({ complete: true, done: 1, verified: 1, failed: 0 });
    expect(md5(await readObject(servers.s3Dest, dst, 'refused.bin'))).toBe(md5(body));
    expect(Math.max(...dest.of('UploadPart').map((r) => Number(r.headers['content-length'])))).toBe(5 * MiB);
  });

  it('a resumed upload whose parts were all sent before is compared with the source before it is completed', async () => {
    // Run 1 sends every part (one read damaged on the way) and stops before its checks: the state cannot list the
    // parts (a lost database connection), the object FAILED with its upload open. Run 2 has no part left to send; the
    // parts' records say their answers showed no SSE-KMS, so the damage is found before the completion.
    const { src, dst, source, proxy, dest } = await awsLikePair({
      rates: { flipPartByte: 1 },
      limits: { flipPartByte: 1 },
    });
    const body = await putInParts(source.endpoint, src, 'resumed.bin', [5 * MiB, 5 * MiB, MiB], 53);
    const raw = baseParams(src, dst, { srcEndpoint: proxy.endpoint, destEndpoint: dest.endpoint });
    const lostListing = (status: StatusStore): StatusStore =>
      Object.assign(Object.create(status) as StatusStore, {
        listParts: () => Promise.reject(withRetryAdvice(new Error('database connection lost'), { retryable: false })),
      });
    const params = parseS3TaskParams({ ...raw, maxAttempts: '1' });
    const first = await embeddedAdapters.open(params.maxAttempts);
    const report1 = await runS3Transfer({
      params,
      queue: first.queue,
      status: lostListing(first.status),
      logger: createLogger({}, { write: () => {} }),
      buckets: await openTaskBuckets(params, new FileSecretStore(secretsFile())),
    });
    expect(report1).toMatchObject({ failed: 1 });
    expect(proxy.faultCount('flipPartByte')).toBe(1);
    expect(dest.of('UploadPart')).toHaveLength(3);
    expect((await first.status.get('resumed.bin'))?.uploadId).toBeDefined();

    const { report } = await runEngine(embeddedAdapters, raw, { db: first.state });
    expect(report).toMatchObject({ complete: true, done: 1, verified: 1, failed: 0 });
    expect(md5(await readObject(servers.s3Dest, dst, 'resumed.bin'))).toBe(md5(body));
    // The damaged upload aborted, never completed: only the new upload's completion.
    expect(dest.of('CompleteMultipartUpload')).toHaveLength(1);
    const ops = dest.requests.map((r) => r.op);
    expect(ops.indexOf('AbortMultipartUpload')).toBeLessThan(ops.indexOf('CompleteMultipartUpload'));
  });

  it('an upload left under another cut with the same first part is not resumed: aborted, and the copy cut anew', async () => {
    // Run 1 cuts by the chunk size (6 MiB, the source's part HEADs refused) and cannot complete; run 2 cuts as the
    // source (6 + 5 + 3 MiB). Resuming would have completed the 6 + 6 + 2 MiB parts of run 1.
    const { src, dst, source, proxy, dest } = await awsLikePair({ rates: {}, limits: {} });
    const body = await putInParts(source.endpoint, src, 'recut.bin', [6 * MiB, 5 * MiB, 3 * MiB], 50);
    const refusing = await startFaultProxy({
      target: dest.endpoint,
      rates: { accessDenied: 1 },
      faultOps: ['CompleteMultipartUpload'],
    });
    closing.push(refusing);
    const raw = baseParams(src, dst, {
      srcEndpoint: proxy.endpoint,
      destEndpoint: refusing.endpoint,
      chunkSize: '6MiB',
    });
    const first = await runEngine(embeddedAdapters, { ...raw, maxAttempts: '1' }, { wrap: refusingPartHeads });
    expect(first.report).toMatchObject({ failed: 1 });
    refusing.setRates({});
    const second = await runEngine(embeddedAdapters, raw, { db: first.dbPath });
    expect(second.report).toMatchObject({ complete: true, done: 1, verified: 1, failed: 0 });
    expect(md5(await readObject(servers.s3Dest, dst, 'recut.bin'))).toBe(md5(body));
    expect(await etagThrough(dest, dst, 'recut.bin')).toBe(await etagThrough(source, src, 'recut.bin'));
    expect(dest.of('AbortMultipartUpload')).toHaveLength(1);
  });

  it('onto SSE-KMS: the parts’ ETags are no MD5s, so the source’s ETag is not held against them', async () => {
    const { src, dst } = await bucketPair();
    const source = await startS3Front({ target: servers.s3Source, multipartEtags: true });
    const dest = await startS3Front({ target: servers.s3Dest, kms: true });
    closing.push(source, dest);
    const body = await putInParts(source.endpoint, src, 'to-kms.bin', [5 * MiB, 5 * MiB, MiB], 47);
    const { report } = await runEmbedded(
      baseParams(src, dst, { srcEndpoint: source.endpoint, destEndpoint: dest.endpoint }),
    );
    expect(report).toMatchObject({ complete: true, done: 1, verified: 1, failed: 0 });
    expect(md5(await readObject(servers.s3Dest, dst, 'to-kms.bin'))).toBe(md5(body));
    expect(dest.of('CompleteMultipartUpload')).toHaveLength(1);
  });

  it('of one part: its ETag ("-1") proves the bytes of a single PUT, small or streamed', async () => {
    const { src, dst, source, proxy, dest } = await awsLikePair({
      rates: { flipByte: 1 },
      limits: { flipByte: 2 },
    });
    const small = await putInParts(source.endpoint, src, 'one-part-small.bin', [100 * 1024], 44);
    const streamed = await putInParts(source.endpoint, src, 'one-part.bin', [300 * 1024], 45);
    expect(await etagThrough(source, src, 'one-part.bin')).toMatch(/-1"$/);
    const { report } = await runEmbedded(
      baseParams(src, dst, { srcEndpoint: proxy.endpoint, destEndpoint: dest.endpoint }),
    );
    expect(proxy.faultCount('flipByte')).toBe(2);
    expect(report).toMatchObject({ complete: true, done: 2, verified: 2, failed: 0 });
    expect(md5(await readObject(servers.s3Dest, dst, 'one-part-small.bin'))).toBe(md5(small));
    expect(md5(await readObject(servers.s3Dest, dst, 'one-part.bin'))).toBe(md5(streamed));
  });

  it('giant, across the fleet: part jobs of the source’s size; a damaged part read restarts the object', async () => {
    const { src, dst, source, proxy, dest } = await awsLikePair({
      rates: { flipPartByte: 1 },
      limits: { flipPartByte: 1 },
    });
    const body = await putInParts(source.endpoint, src, 'giant.bin', [6 * MiB, 6 * MiB, 6 * MiB, 6 * MiB, MiB], 46);
    const lines: Record<string, unknown>[] = [];
    const logger = createLogger({}, { write: (l) => lines.push(JSON.parse(l) as Record<string, unknown>) });
    const { report } = await runEngine(
      embeddedAdapters,
      baseParams(src, dst, { srcEndpoint: proxy.endpoint, destEndpoint: dest.endpoint, giantFileThreshold: '20MiB' }),
      { logger },
    );
    expect(proxy.faultCount('flipPartByte')).toBe(1);
    expect(report).toMatchObject({ complete: true, done: 1, verified: 1, failed: 0 });
    expect(md5(await readObject(servers.s3Dest, dst, 'giant.bin'))).toBe(md5(body));
    expect(lines.filter((l) => l.event === 'worker.split').map((l) => [l.parts, l.partSize])).toEqual([
      [5, 6 * MiB],
      [5, 6 * MiB],
    ]);
    expect(lines.filter((l) => l.event === 'worker.giant_restarted')).toHaveLength(1);
    expect(await etagThrough(dest, dst, 'giant.bin')).toBe(await etagThrough(source, src, 'giant.bin'));
  });

  it('giant: an upload a killed worker left under another cut is not resumed; the object starts again, cut anew', async () => {
    const { src, dst, source, proxy, dest } = await awsLikePair({ rates: {}, limits: {} });
    const body = await putInParts(source.endpoint, src, 'giant-recut.bin', [6 * MiB, 5 * MiB, 3 * MiB], 51);
    const sourceEtag = await etagThrough(source, src, 'giant-recut.bin');
    // What a worker cutting by the chunk size (6 MiB, the source's part HEADs refused then) left when it was killed:
    // an open upload holding its three parts, recorded on the object.
    const { status, state } = await embeddedAdapters.open(5);
    const client = s3Client(dest.endpoint);
    const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: dst, Key: 'giant-recut.bin' }));
    await status.put({
      key: 'giant-recut.bin',
      size: body.length,
      etag: sourceEtag,
      status: 'IN_PROGRESS',
      attempts: 1,
      uploadId: UploadId,
      partSize: 6 * MiB,
    });
    for (const [i, [start, end]] of [
      [0, 6 * MiB],
      [6 * MiB, 12 * MiB],
      [12 * MiB, 14 * MiB],
    ].entries()) {
      const { ETag } = await client.send(
        new UploadPartCommand({
          Bucket: dst,
          Key: 'giant-recut.bin',
          UploadId,
          PartNumber: i + 1,
          Body: body.subarray(start, end),
        }),
      );
      await status.addPart('giant-recut.bin', UploadId ?? '', {
        partNumber: i + 1,
        etag: ETag ?? '',
        size: end - start,
      });
    }
    const lines: Record<string, unknown>[] = [];
    const logger = createLogger({}, { write: (l) => lines.push(JSON.parse(l) as Record<string, unknown>) });
    const { report } = await runEngine(
      embeddedAdapters,
      baseParams(src, dst, { srcEndpoint: proxy.endpoint, destEndpoint: dest.endpoint, giantFileThreshold: '10MiB' }),
      { db: state, logger },
    );
    expect(report).toMatchObject({ complete: true, done: 1, verified: 1, failed: 0 });
    expect(md5(await readObject(servers.s3Dest, dst, 'giant-recut.bin'))).toBe(md5(body));
    expect(await etagThrough(dest, dst, 'giant-recut.bin')).toBe(sourceEtag);
    expect(lines.filter((l) => l.event === 'worker.giant_restarted')).toHaveLength(1);
    expect(dest.of('AbortMultipartUpload').length).toBeGreaterThanOrEqual(1);
  });

  it('from moto (AWS’s multipart ETags and part HEADs, computed by the emulator): a damaged part read caught', async () => {
    const server = await startMoto();
    closing.push({ close: () => server.stop() });
    const { dst } = await bucketPair();
    const src = await createBucket(server.endpoint, 'moto-src');
    const moto = s3Client(server.endpoint);
    const body = bytes(6 * MiB + 5 * MiB + 1000, 52);
    const { UploadId } = await moto.send(new CreateMultipartUploadCommand({ Bucket: src, Key: 'aws.bin' }));
    const parts = [];
    for (const [i, [start, end]] of [
      [0, 6 * MiB],
      [6 * MiB, 11 * MiB],
      [11 * MiB, body.length],
    ].entries()) {
      const Body = body.subarray(start, end);
      const { ETag } = await moto.send(
        new UploadPartCommand({ Bucket: src, Key: 'aws.bin', UploadId, PartNumber: i + 1, Body }),
      );
      parts.push({ PartNumber: i + 1, ETag });
    }
    await moto.send(
      new CompleteMultipartUploadCommand({ Bucket: src, Key: 'aws.bin', UploadId, MultipartUpload: { Parts: parts } }),
    );
    const proxy = await startFaultProxy({
      target: server.endpoint,
      rates: { flipPartByte: 1 },
      limits: { flipPartByte: 1 },
    });
    const dest = await startS3Front({ target: servers.s3Dest, multipartEtags: true });
    closing.push(proxy, dest);
    const { report } = await runEmbedded(
      baseParams(src, dst, { srcEndpoint: proxy.endpoint, destEndpoint: dest.endpoint }),
    );
    expect(proxy.faultCount('flipPartByte')).toBe(1);
    expect(report).toMatchObject({ complete: true, done: 1, verified: 1, failed: 0 });
    expect(md5(await readObject(servers.s3Dest, dst, 'aws.bin'))).toBe(md5(body));
    expect(await etagThrough(dest, dst, 'aws.bin')).toBe(
      (await moto.send(new HeadObjectCommand({ Bucket: src, Key: 'aws.bin' }))).ETag,
    );
  });
});
