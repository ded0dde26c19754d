/**
 * Change detection never loops: a scheduled rerun copies nothing when nothing changed, even where ETags are not MD5s
 * of the content (SSE-KMS destination by parameter or by bucket default, SSE-KMS source) or differ only in letter case
 * (OSS answers upper-case hex); a changed source is still copied. The KMS and OSS behaviours come from a front over
 * s3rver (s3rver's ETags are always lower-case MD5s): stable per-version ETags that are not content hashes, with
 * `x-amz-server-side-encryption: aws:kms` on object answers, as AWS does. A copy changed at the destination since
 * (same size, other bytes) is copied again, on both adapters.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CompleteMultipartUploadCommand,
  DeleteObjectCommand,
  ListObjectsV2Command,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { FileSecretStore } from '../../worker/adapters/embedded/index.js';
import { openTaskBuckets } from '../../worker/adapters/s3/open-buckets.js';
import { compareKeys } from '../../worker/core/key-order.js';
import { silentLogger } from '../../worker/core/log.js';
import { parseS3TaskParams } from '../../worker/s3/params.js';
import { estimateS3Transfer } from '../../worker/s3/run-transfer.js';
import { s3Client, servers } from '../support/servers.js';
import {
  awsAdapters,
  baseParams,
  bucketPair,
  bytes,
  embeddedAdapters,
  md5,
  putSource,
  readObject,
  runEmbedded,
  runEngine,
  secretsFile,
} from './engine-fixtures.js';
import { startS3Front, type S3Front } from './s3-front.js';

const MiB = 1024 * 1024;
const fronts: S3Front[] = [];
afterEach(async () => {
  await Promise.all(fronts.splice(0).map((f) => f.close()));
});

async function front(options: Parameters<typeof startS3Front>[0]): Promise<S3Front> {
  const f = await startS3Front(options);
  fronts.push(f);
  return f;
}

const OBJECTS = { 'a.txt': Buffer.from('alpha'), 'streamed.bin': bytes(200 * 1024, 4), 'multi.bin': bytes(9 * MiB, 5) };

async function seed(src: string) {
  for (const [k, v] of Object.entries(OBJECTS)) await putSource(src, k, v);
}

async function expectCopies(dst: string) {
  for (const [k, v] of Object.entries(OBJECTS)) expect(md5(await readObject(servers.s3Dest, dst, k)), k).toBe(md5(v));
}

describe('change detection never loops', () => {
  it('SSE-KMS destination (destPutObjectSSEType=AWS_KMS): the rerun copies nothing; a changed source is copied again', async () => {
    const { src, dst } = await bucketPair();
    await seed(src);
    const kms = await front({ target: servers.s3Dest, kms: true, requireSse: 'aws:kms' });
    const raw = baseParams(src, dst, { destEndpoint: kms.endpoint, destPutObjectSSEType: 'AWS_KMS' });
    const first = await runEmbedded(raw);
    expect(first.report).toMatchObject({ complete: true, done: 3, verified: 3 });
    await expectCopies(dst);

    const writesBefore = kms.of('PutObject', 'CreateMultipartUpload').length;
    const second = await runEmbedded(raw, { db: first.dbPath });
    expect(second.report.finder).toMatchObject({ scanned: 3, toTransfer: 0 });
    expect(second.report.complete).toBe(true);
    // The same on a fresh state: no record to lean on, the listing's size and age decide.
    const fresh = await runEmbedded(raw);
    expect(fresh.report.finder).toMatchObject({ scanned: 3, toTransfer: 0 });
    expect(kms.of('PutObject', 'CreateMultipartUpload')).toHaveLength(writesBefore);

    await sleep(1100); // s3rver's Last-Modified has one-second resolution
    await putSource(src, 'a.txt', 'ALPHA'); // same size, other bytes
    const third = await runEmbedded(raw, { db: first.dbPath });
    expect(third.report.finder).toMatchObject({ toTransfer: 1 });
    expect((await readObject(servers.s3Dest, dst, 'a.txt')).toString()).toBe('ALPHA');
  });

  it("SSE-KMS by the destination bucket's default (no parameter): copies verify, and the rerun copies nothing", async () => {
    const { src, dst } = await bucketPair();
    await seed(src);
    const kms = await front({ target: servers.s3Dest, kms: true });
    const raw = baseParams(src, dst, { destEndpoint: kms.endpoint });
    const first = await runEmbedded(raw);
    expect(first.report).toMatchObject({ complete: true, done: 3, verified: 3, failed: 0 });
    await expectCopies(dst);
    const second = await runEmbedded(raw, { db: first.dbPath });
    expect(second.report.finder).toMatchObject({ scanned: 3, toTransfer: 0 });
    expect(second.report.complete).toBe(true);
  });

  it('SSE-KMS source (its ETags are not MD5s): copies verify instead of failing as "changed during the copy", and the rerun copies nothing', async () => {
    const { src, dst } = await bucketPair();
    await seed(src);
    const kms = await front({ target: servers.s3Source, kms: true });
    const raw = baseParams(src, dst, { srcEndpoint: kms.endpoint });
    const first = await runEmbedded(raw);
    expect(first.report).toMatchObject({ complete: true, done: 3, verified: 3, failed: 0 });
    await expectCopies(dst);
    const second = await runEmbedded(raw, { db: first.dbPath });
    expect(second.report.finder).toMatchObject({ scanned: 3, toTransfer: 0 });
  });

  it('upper-case MD5 ETags (OSS) equal lower-case ones (S3): a rerun on a fresh state copies nothing', async () => {
    const { src, dst } = await bucketPair();
    await seed(src);
    const oss = await front({ target: servers.s3Source, upperCaseEtags: true });
    const raw = baseParams(src, dst, { srcEndpoint: oss.endpoint });
    const first = await runEmbedded(raw);
    expect(first.report).toMatchObject({ complete: true, done: 3, verified: 3 });
    expect((await first.status.get('a.txt'))?.etag).toMatch(/^"[0-9A-F]{32}"$/); // the source really answered upper case
    const second = await runEmbedded(raw);
    expect(second.report.finder).toMatchObject({ scanned: 3, toTransfer: 0 });
  });

  it('a copy a killed worker left IN_PROGRESS on a KMS destination, which nothing can prove, is copied again so the run completes', async () => {
    const { src, dst } = await bucketPair();
    await seed(src);
    const kms = await front({ target: servers.s3Dest, kms: true });
    const raw = baseParams(src, dst, { destEndpoint: kms.endpoint, destPutObjectSSEType: 'AWS_KMS' });
    const first = await runEmbedded(raw);
    expect(first.report).toMatchObject({ complete: true, done: 3 });
    // As if the worker died after the PUT, before recording DONE.
    await first.status.update('a.txt', { status: 'IN_PROGRESS', verified: undefined });
    const writes = kms.of('PutObject').length;
    const rerun = await runEmbedded(raw, { db: first.dbPath });
    expect(rerun.report.finder.toTransfer).toBe(0); // the listing says it matches…
    expect(rerun.report).toMatchObject({ complete: true, done: 3, verified: 3 }); // …so the settling step queued it
    expect(kms.of('PutObject').length).toBe(writes + 1);
    expect(await rerun.status.get('a.txt')).toMatchObject({ status: 'DONE', verified: true });
  });
});

describe.each([embeddedAdapters, awsAdapters])('a store that lists keys out of S3 order ($name)', (adapters) => {
  it('(s3rver: "p/x" before "p%x", "p-x", "p") — the rerun copies nothing, and a copy deleted since is copied again', async () => {
    // Before: the merge-join of the listings took the keys listed out of place for missing and copied them on every
    // pass. s3rver lists keys in its own order, on both sides (see the assertion on the order below).
    const { src, dst } = await bucketPair();
    const keys = ['p/x', 'p/y/z', 'p%x', 'p-x', 'p', 'p.x', 'pa/b', 'pa', 'q'];
    for (const key of keys) await putSource(src, key, `body of ${key}`);
    const listed = await s3Client(servers.s3Source).send(new ListObjectsV2Command({ Bucket: src }));
    const order = (listed.Contents ?? []).map((c) => c.Key ?? '');
    expect(order, 'the store lists out of S3 key order').not.toEqual([...order].sort(compareKeys));
    const raw = baseParams(src, dst);
    const first = await runEngine(adapters, raw);
    expect(first.report).toMatchObject({ complete: true, done: keys.length, verified: keys.length });
    const second = await runEngine(adapters, raw, { db: first.dbPath });
    expect(second.report.finder).toMatchObject({ scanned: keys.length, toTransfer: 0 });
    // The dry run with the task's state plans as the run goes: nothing (before: the same 5 keys).
    const params = parseS3TaskParams(raw);
    const buckets = await openTaskBuckets(params, new FileSecretStore(secretsFile()));
    const plan = await estimateS3Transfer({ params, logger: silentLogger, buckets, status: second.status });
    expect(plan).toMatchObject({ scanned: keys.length, toTransfer: 0, requests: { put: 0 } });
    await s3Client(servers.s3Dest).send(new DeleteObjectCommand({ Bucket: dst, Key: 'p' }));
    const third = await runEngine(adapters, raw, { db: first.dbPath });
    expect(third.report.finder).toMatchObject({ scanned: keys.length, toTransfer: 1 });
    expect((await readObject(servers.s3Dest, dst, 'p')).toString()).toBe('body of p');
  });

  it('with no record of the copies (a new state file, a dry run without state) each key still pairs with its copy: only the one deleted is copied', async () => {
    // Before: every key after "p/y/z" read as missing (the match stood in front of "p%x"), so a first run onto a
    // filled destination copied 5 of 9 again and a dry run without state planned them.
    const { src, dst } = await bucketPair();
    const keys = ['p/x', 'p/y/z', 'p%x', 'p-x', 'p', 'p.x', 'pa/b', 'pa', 'q'];
    for (const key of keys) await putSource(src, key, `body of ${key}`);
    const raw = baseParams(src, dst);
    const first = await runEngine(adapters, raw);
    expect(first.report).toMatchObject({ complete: true, done: keys.length, verified: keys.length });
    const params = parseS3TaskParams(raw);
    const buckets = await openTaskBuckets(params, new FileSecretStore(secretsFile()));
    const plan = await estimateS3Transfer({ params, logger: silentLogger, buckets });
    expect(plan).toMatchObject({ scanned: keys.length, toTransfer: 0, requests: { put: 0 } });
    await s3Client(servers.s3Dest).send(new DeleteObjectCommand({ Bucket: dst, Key: 'p-x' }));
    const fresh = await runEngine(adapters, raw);
    expect(fresh.report.finder).toMatchObject({ scanned: keys.length, toTransfer: 1 });
    expect(fresh.report).toMatchObject({ complete: true, failed: 0 });
    expect((await readObject(servers.s3Dest, dst, 'p-x')).toString()).toBe('body of p-x');
  });
});

describe.each([embeddedAdapters, awsAdapters])(
  'a copy changed at the destination is copied again ($name)',
  (adapters) => {
    it("same size, other bytes: the task's record of its copy no longer hides the difference; then nothing to do", async () => {
      const { src, dst } = await bucketPair();
      await seed(src);
      const raw = baseParams(src, dst);
      const first = await runEngine(adapters, raw);
      expect(first.report).toMatchObject({ complete: true, verified: 3 });
      // Someone writes over two copies at the destination, keeping their sizes.
      const overwrite = (key: string, body: Buffer) =>
        s3Client(servers.s3Dest).send(new PutObjectCommand({ Bucket: dst, Key: key, Body: body }));
      await overwrite('a.txt', Buffer.from('ALPHA'));
      await overwrite('streamed.bin', bytes(200 * 1024, 9));
      const second = await runEngine(adapters, raw, { db: first.dbPath });
      expect(second.report.finder).toMatchObject({ scanned: 3, toTransfer: 2 });
      expect(second.report.complete).toBe(true);
      await expectCopies(dst);
      const third = await runEngine(adapters, raw, { db: first.dbPath });
      expect(third.report.finder).toMatchObject({ scanned: 3, toTransfer: 0 });
    });

    it("a multipart copy (AWS's md5-of-parts ETag, which no MD5 can be compared with) written over with the same size is copied again", async () => {
      const { src, dst } = await bucketPair();
      await seed(src);
      const aws = await front({ target: servers.s3Dest, multipartEtags: true });
      const raw = baseParams(src, dst, { destEndpoint: aws.endpoint });
      const first = await runEngine(adapters, raw);
      expect(first.report).toMatchObject({ complete: true, verified: 3 });
      const copied = await first.status.get('multi.bin');
      expect(copied?.destEtag).toMatch(/^"?[0-9a-f]{32}-2"?$/); // the front answered as AWS does
      const unchanged = await runEngine(adapters, raw, { db: first.dbPath });
      expect(unchanged.report.finder).toMatchObject({ scanned: 3, toTransfer: 0 });

      // Another tool writes over the copy in parts: same size, other bytes, another multipart ETag, a newer date.
      const other = s3Client(aws.endpoint);
      const { UploadId } = await other.send(new CreateMultipartUploadCommand({ Bucket: dst, Key: 'multi.bin' }));
      const replacement = bytes(9 * MiB, 77);
      const Parts = [];
      for (const [n, body] of [replacement.subarray(0, 5 * MiB), replacement.subarray(5 * MiB)].entries()) {
        const part = await other.send(
          new UploadPartCommand({ Bucket: dst, Key: 'multi.bin', UploadId, PartNumber: n + 1, Body: body }),
        );
        Parts.push({ ETag: part.ETag, PartNumber: n + 1 });
      }
      await other.send(
        new CompleteMultipartUploadCommand({ Bucket: dst, Key: 'multi.bin', UploadId, MultipartUpload: { Parts } }),
      );
      const second = await runEngine(adapters, raw, { db: first.dbPath });
      expect(second.report.finder).toMatchObject({ scanned: 3, toTransfer: 1 });
      expect(second.report.complete).toBe(true);
      await expectCopies(dst);
      const third = await runEngine(adapters, raw, { db: first.dbPath });
      expect(third.report.finder).toMatchObject({ scanned: 3, toTransfer: 0 });
    });
  },
);
