/**
 * Estimates (dry runs) against real s3rver buckets: the numbers, the requests a copy then makes (counted by S3 fronts
 * that answer as AWS does), and the time limit that keeps the API answering.
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterEach, describe, expect, it } from 'vitest';
import { s3TaskEstimator } from '../../control-plane/core/s3-estimator.js';
import { FileSecretStore } from '../../worker/adapters/embedded/index.js';
import { openTaskBuckets } from '../../worker/adapters/s3/open-buckets.js';
import { silentLogger } from '../../worker/core/log.js';
import { parseS3TaskParams } from '../../worker/s3/params.js';
import { estimateS3Transfer } from '../../worker/s3/run-transfer.js';
import { createBucket, s3Client, servers } from '../support/servers.js';
import { seedObjects } from '../reliability/helpers.js';
import {
  baseParams,
  bucketPair,
  bytes,
  putInParts,
  runEmbedded,
  secretsFile,
  stoppingAfter,
} from './engine-fixtures.js';
import { startS3Front, type S3Front } from './s3-front.js';

const COUNT = 1_100; // more than one listing page
const MiB = 1024 * 1024;

const closing: S3Front[] = [];
afterEach(async () => {
  await Promise.all(closing.splice(0).map((c) => c.close()));
});

/** Requests by S3's price classes, as the fronts recorded them (listings left out: the estimate counts pages). */
function billed(fronts: S3Front[]) {
  const count = (...ops: Parameters<S3Front['of']>) => fronts.reduce((n, f) => n + f.of(...ops).length, 0);
  return {
    get: count('GetObject', 'HeadObject'),
    put: count('PutObject', 'CopyObject', 'CreateMultipartUpload', 'UploadPart', 'CompleteMultipartUpload'),
  };
}

describe('estimates', () => {
  it('count the requests each object’s copy then makes: single PUT, parts, a multipart source in its own parts', async () => {
    const { src, dst } = await bucketPair();
    const source = await startS3Front({ target: servers.s3Source, multipartEtags: true });
    const dest = await startS3Front({ target: servers.s3Dest, multipartEtags: true });
    closing.push(source, dest);
    const put = (key: string, body: Buffer) =>
      s3Client(source.endpoint).send(new PutObjectCommand({ Bucket: src, Key: key, Body: body }));
    for (let i = 0; i < 3; i++) await put(`small/${i}`, bytes(10_000 + i, i)); // single PUT, proven by its MD5
    await put('big.bin', bytes(12 * MiB, 7)); // above the 8 MiB threshold: three 5 MiB parts
    // Uploaded in parts (ETag "…-2"): copied in its own two parts below the threshold (the old estimate took one PUT).
    await putInParts(source.endpoint, src, 'in-parts.bin', [5 * MiB, 2 * MiB], 8);
    // Parts below S3's 5 MiB minimum (s3rver takes them): no destination would, so one PUT, its source confirmed by a HEAD.
    await putInParts(source.endpoint, src, 'small-parts.bin', [3 * MiB, 3 * MiB, MiB], 9);
    const raw = baseParams(src, dst, { srcEndpoint: source.endpoint, destEndpoint: dest.endpoint });
    const params = parseS3TaskParams(raw);
    const before = billed([source, dest]);

    const plan = await estimateS3Transfer({
      params,
      logger: silentLogger,
      buckets: await openTaskBuckets(params, new FileSecretStore(secretsFile())),
    });
    expect(billed([source, dest])).toEqual(before); // a dry run reads and writes no object
    const { report } = await runEmbedded(raw);
    expect(report).toMatchObject({ complete: true, done: 6, verified: 6, failed: 0 });
    const made = billed([source, dest]);
    expect(plan.requests).toEqual({ list: 2, get: made.get - before.get, put: made.put - before.put });
    expect(plan.requests.put).toBe(3 + (3 + 2) + (2 + 2) + 1);
    expect(plan.estimatedTransferCostUsd).toBeGreaterThan(0);
  }, 60_000);

  it('count a server-side copy within one endpoint as one CopyObject and no data transfer', async () => {
    const src = await createBucket(servers.s3Source, 'src');
    const dst = await createBucket(servers.s3Source, 'dst');
    const front = await startS3Front({ target: servers.s3Source, multipartEtags: true });
    closing.push(front);
    for (let i = 0; i < 2; i++)
      await s3Client(front.endpoint).send(
        new PutObjectCommand({ Bucket: src, Key: `k${i}`, Body: bytes(20 * MiB * i + 100, i) }),
      );
    const raw = baseParams(src, dst, { srcEndpoint: front.endpoint, destEndpoint: front.endpoint });
    const params = parseS3TaskParams(raw);
    const before = billed([front]);
    const plan = await estimateS3Transfer({
      params,
      logger: silentLogger,
      buckets: await openTaskBuckets(params, new FileSecretStore(secretsFile())),
    });
    const { report } = await runEmbedded(raw);
    expect(report).toMatchObject({ complete: true, done: 2, verified: 2, failed: 0 });
    expect(front.of('CopyObject')).toHaveLength(2);
    const made = billed([front]);
    expect(plan.requests).toEqual({ list: 2, get: made.get - before.get, put: made.put - before.put });
    expect(plan.estimatedTransferCostUsd).toBe(0);
  }, 60_000);

  it("compare as the run will when given the task's state: a source rewritten with the same bytes is not planned again", async () => {
    const { src, dst } = await bucketPair();
    await s3Client(servers.s3Source).send(new PutObjectCommand({ Bucket: src, Key: 'doc.txt', Body: 'same bytes' }));
    const raw = baseParams(src, dst);
    const first = await runEmbedded(raw);
    expect(first.report).toMatchObject({ complete: true, done: 1 });
    // The same bytes written again (a metadata edit, a re-upload): same ETag, newer than the copy.
    await new Promise((ok) => setTimeout(ok, 1100));
    await s3Client(servers.s3Source).send(
      new PutObjectCommand({ Bucket: src, Key: 'doc.txt', Body: 'same bytes', ContentType: 'text/x-edited' }),
    );
    const params = parseS3TaskParams(raw);
    const buckets = await openTaskBuckets(params, new FileSecretStore(secretsFile()));
    const plan = (status?: typeof first.status) =>
      estimateS3Transfer({ params, logger: silentLogger, buckets, status });
    // Without the state only age and size speak: newer, so copied; with it, the verified copy of that ETag stands.
    expect(await plan()).toMatchObject({ scanned: 1, toTransfer: 1 });
    expect(await plan(first.status)).toMatchObject({ scanned: 1, toTransfer: 0 });
    const rerun = await runEmbedded(raw, { db: first.dbPath });
    expect(rerun.report).toMatchObject({ complete: true, finder: { toTransfer: 0 } });
  });

  it('count the listing pages of the keys a filter leaves out too', async () => {
    const { src, dst } = await bucketPair();
    const specs = Array.from({ length: COUNT }, (_, i) => ({
      key: `k/${String(i).padStart(5, '0')}.${i % 110 === 0 ? 'jpg' : 'json'}`,
      size: 16,
    }));
    await seedObjects(s3Client(servers.s3Source), src, specs, 50);
    const params = parseS3TaskParams(baseParams(src, dst, { include: '**/*.jpg' }));
    const plan = await estimateS3Transfer({
      params,
      logger: silentLogger,
      buckets: await openTaskBuckets(params, new FileSecretStore(secretsFile())),
    });
    // 10 of 1,100 keys match, but both listings page through all of them: two pages a side.
    expect(plan).toMatchObject({ scanned: 10, toTransfer: 10, requests: { list: 4 } });
  }, 60_000);

  it('stop listing at the time limit, even where nothing differs, and say the numbers are partial', async () => {
    const { src, dst } = await bucketPair();
    // The same bytes per key on both sides (bodyFor is deterministic): the first 1,000 keys need no copy.
    const specs = Array.from({ length: COUNT }, (_, i) => ({ key: `k/${String(i).padStart(5, '0')}`, size: 16 }));
    await seedObjects(s3Client(servers.s3Source), src, specs, 50);
    await seedObjects(s3Client(servers.s3Dest), dst, specs.slice(0, 1_000), 50);
    const secrets = new FileSecretStore(secretsFile());
    const params = parseS3TaskParams(baseParams(src, dst));

    const whole = await estimateS3Transfer({
      params,
      logger: silentLogger,
      buckets: await openTaskBuckets(params, secrets),
    });
    expect(whole).toMatchObject({ scanned: COUNT, toTransfer: 100, complete: true });

    // Stopped within the first 1,000 keys, all of which are already at the destination.
    const stop = new AbortController();
    const buckets = await openTaskBuckets(params, secrets);
    const cut = await estimateS3Transfer({
      params,
      logger: silentLogger,
      signal: stop.signal,
      buckets: { ...buckets, source: stoppingAfter(buckets.source, 300, stop) },
    });
    expect(cut.complete).toBe(false);
    expect(cut.scanned).toBeLessThanOrEqual(301);
    expect(cut.toTransfer).toBe(0);

    // The API's estimator: the same numbers within its limit; a limit too short to list gives a partial answer.
    const raw = baseParams(src, dst);
    const open = (p: typeof params) => openTaskBuckets(p, secrets);
    expect(await s3TaskEstimator(open, silentLogger).estimate('S3EC2', raw)).toMatchObject({
      scanned: COUNT,
      objects: 100,
      complete: true,
    });
    expect(await s3TaskEstimator(open, silentLogger, { timeLimitMs: 1 }).estimate('S3EC2', raw)).toMatchObject({
      complete: false,
    });
  }, 60_000);

  it('say when a narrowed selection matches no source object, with the likely slips (before: "would copy 0")', async () => {
    const { src, dst } = await bucketPair();
    await seedObjects(s3Client(servers.s3Source), src, [{ key: 'data/photos/a.jpg', size: 8 }], 1);
    const secrets = new FileSecretStore(secretsFile());
    const estimate = (extra: Record<string, string>) => {
      const raw = baseParams(src, dst, extra);
      return s3TaskEstimator((p) => openTaskBuckets(p, secrets), silentLogger).estimate('S3EC2', raw);
    };
    // A prefix written as a path, and include globs relative to the prefix: both slips named.
    expect(await estimate({ srcPrefix: '/data/', include: '**/*.jpg' })).toMatchObject({
      scanned: 0,
      objects: 0,
      nothingSelected: true,
      selectionSlips: ['PREFIX_LEADING_SLASH', 'INCLUDE_WITH_PREFIX'],
    });
    // An exclude that leaves nothing: said, no slip to name.
    expect(await estimate({ exclude: 'data/**' })).toMatchObject({ nothingSelected: true, selectionSlips: [] });
    // The prefix as keys begin: found, nothing said.
    expect(await estimate({ srcPrefix: 'data/' })).toMatchObject({ scanned: 1, nothingSelected: false });
    // No selection and an empty bucket is an empty bucket, not a slip.
    const empty = await bucketPair();
    const raw = baseParams(empty.src, empty.dst);
    expect(
      await s3TaskEstimator((p) => openTaskBuckets(p, secrets), silentLogger).estimate('S3EC2', raw),
    ).toMatchObject({ scanned: 0, nothingSelected: false });
  });
});
