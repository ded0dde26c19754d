/**
 * Giant objects across the fleet (worker/s3/fan-out.ts), in one process on both adapter sets (SQLite queue + status;
 * SQS on fauxqs + DynamoDB on dynalite), against s3rver behind the counting proxy: an object at or above
 * giantFileThreshold becomes one queue job per part, the part that completes the tally completes the upload exactly
 * once, and the copy is verified like any other. Duplicate deliveries of every job change nothing.
 * (Several worker processes sharing the parts, and a worker killed mid-part: test/reliability/fan-out-fleet.test.ts.)
 */
import { afterAll, describe, expect, it } from 'vitest';
import { FileSecretStore } from '../../worker/adapters/embedded/index.js';
import { openTaskBuckets } from '../../worker/adapters/s3/open-buckets.js';
import { createLogger } from '../../worker/core/log.js';
import type { JobQueue } from '../../worker/ports/job-queue.js';
import { DuplicatingQueue } from '../support/duplicating-queue.js';
import { runWorker } from '../../worker/s3/job-worker.js';
import { parseS3TaskParams } from '../../worker/s3/params.js';
import { runS3Transfer, transferSockets } from '../../worker/s3/run-transfer.js';
import type { TransferJob } from '../../worker/s3/transfer-job.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { servers } from '../support/servers.js';
import {
  awsAdapters,
  baseParams,
  bucketPair,
  bytes,
  embeddedAdapters,
  md5,
  putSource,
  readObject,
  secretsFile,
  type EngineAdapters,
} from './engine-fixtures.js';

const MiB = 1024 * 1024;

const proxies: FaultProxy[] = [];
afterAll(async () => {
  await Promise.all(proxies.map((p) => p.close()));
});

/** Source objects: two giant ones (6 and 5 parts of 5 MiB) and a small one, in a fresh bucket pair. */
async function seed() {
  const { src, dst } = await bucketPair();
  const objects: Record<string, Buffer> = {
    'giant/a.bin': bytes(28 * MiB + 123, 11),
    'giant/b.bin': bytes(25 * MiB, 12),
    'small.txt': Buffer.from('not giant'),
  };
  for (const [key, body] of Object.entries(objects)) await putSource(src, key, body);
  const proxy = await startFaultProxy({ target: servers.s3Dest });
  proxies.push(proxy);
  return { src, dst, objects, proxy };
}

function paramsFor(src: string, dst: string, proxy: FaultProxy, extra: Record<string, string> = {}) {
  return parseS3TaskParams({
    ...baseParams(src, dst),
    destEndpoint: proxy.endpoint,
    giantFileThreshold: '20MiB',
    chunkSize: '5MiB',
    workerNumber: '6',
    ...extra,
  });
}

async function expectCopied(dst: string, objects: Record<string, Buffer>) {
  for (const [key, body] of Object.entries(objects))
    expect(md5(await readObject(servers.s3Dest, dst, key)), key).toBe(md5(body));
}

describe.each<EngineAdapters>([embeddedAdapters, awsAdapters])('fan-out of giant objects on $name', (adapters) => {
  it('splits each giant object into part jobs and completes it once, verified', async () => {
    const { src, dst, objects, proxy } = await seed();
    const params = paramsFor(src, dst, proxy);
    const { queue, status } = await adapters.open(params.maxAttempts);
    const lines: Record<string, unknown>[] = [];
    const logger = createLogger({}, { write: (l) => lines.push(JSON.parse(l) as Record<string, unknown>) });
    const report = await runS3Transfer({
      params,
      queue,
      status,
      logger,
      buckets: await openTaskBuckets(params, new FileSecretStore(secretsFile()), transferSockets(params)),
    });
    expect(report).toMatchObject({ complete: true, total: 3, done: 3, verified: 3, failed: 0, inProgress: 0 });
    await expectCopied(dst, objects);
    expect(
      lines
        .filter((l) => l.event === 'worker.split')
        .map((l) => [l.key, l.parts])
        .sort(),
    ).toEqual([
      ['giant/a.bin', 6],
      ['giant/b.bin', 5],
    ]);
    expect(lines.filter((l) => l.event === 'worker.part_copied')).toHaveLength(11);
    expect(proxy.stats.succeeded.UploadPart).toBe(11);
    expect(proxy.stats.requests.CompleteMultipartUpload).toBe(2);
    expect(proxy.stats.requests.AbortMultipartUpload ?? 0).toBe(0);
    const a = await status.get('giant/a.bin');
    expect(a).toMatchObject({ status: 'DONE', verified: true, size: 28 * MiB + 123, bytesDone: 28 * MiB + 123 });
    expect(a?.checksum).toMatch(/^md5-parts:[0-9a-f]{32}-6$/);
    expect(a?.uploadId).toBeUndefined();
    expect(await queue.depth()).toMatchObject({ visible: 0, inFlight: 0, deadLettered: 0 });
  }, 120_000);

  it('copies every part once and completes once when every job (split and parts) is delivered twice, at once and later', async () => {
    const { src, dst, objects, proxy } = await seed();
    const params = paramsFor(src, dst, proxy);
    const opened = await adapters.open(params.maxAttempts);
    const queue = new DuplicatingQueue(opened.queue);
    const parts: TransferJob[] = [];
    const splits: TransferJob[] = [];
    const recorder: JobQueue<TransferJob> = Object.assign(Object.create(queue) as JobQueue<TransferJob>, {
      sendBatch: (bodies: TransferJob[]) => {
        parts.push(...bodies.filter((b) => b.part));
        splits.push(...bodies.filter((b) => !b.part && b.size >= params.giantFileThreshold));
        return queue.sendBatch(bodies);
      },
    });
    const buckets = await openTaskBuckets(params, new FileSecretStore(secretsFile()), transferSockets(params));
    const report = await runS3Transfer({
      params,
      queue: recorder,
      status: opened.status,
      logger: createLogger({}, { write: () => {} }),
      buckets,
    });
    expect(report).toMatchObject({ complete: true, total: 3, done: 3, verified: 3, failed: 0 });
    await expectCopied(dst, objects);
    // Both split jobs of an object queue its parts (the second finds the first's upload), each queue message twice:
    // a part already recorded is not uploaded again; one job completes the upload.
    expect(proxy.stats.requests.CreateMultipartUpload).toBeGreaterThanOrEqual(2);
    expect(proxy.stats.requests.CompleteMultipartUpload).toBe(2);
    expect(proxy.stats.requests.UploadPart).toBeLessThan(parts.length * 2);
    expect(new Set(proxy.stats.acceptedParts.map((p) => `${p.key}#${p.partNumber}`)).size).toBe(11);
    expect(await opened.status.summary()).toMatchObject({ total: 3, done: 3, verified: 3, inProgress: 0, pending: 0 });

    // Every job once more, late (after its object is DONE): nothing is uploaded or completed again. Before, an
    // object's own (split) job opened a new upload and copied the whole object a second time.
    const before = { ...proxy.stats.requests };
    expect(splits.map((j) => j.key).sort()).toEqual(['giant/a.bin', 'giant/b.bin']);
    await opened.queue.sendBatch([...parts, ...splits]);
    const late = await runWorker({
      params,
      ...buckets,
      queue: opened.queue,
      status: opened.status,
      logger: createLogger({}, { write: () => {} }),
      exitWhenDrained: true,
    });
    expect(late).toEqual({ copied: 0, failed: 0, bytes: 0 });
    expect(proxy.stats.requests.CreateMultipartUpload).toBe(before.CreateMultipartUpload);
    expect(proxy.stats.requests.UploadPart).toBe(before.UploadPart);
    expect(proxy.stats.requests.CompleteMultipartUpload).toBe(2);
    expect(await opened.status.summary()).toMatchObject({ total: 3, done: 3, verified: 3, inProgress: 0, pending: 0 });
    await expectCopied(dst, objects);
  }, 120_000);

  it('starts a giant object again with a new upload when a part read was altered on the way (caught at completion)', async () => {
    const { src, dst, objects, proxy } = await seed();
    // One ranged read of the source comes back with a byte inverted, length intact: the part's own MD5 matches what
    // arrived, so only the completed object's MD5 (s3rver answers the whole-object MD5) shows it.
    const srcProxy = await startFaultProxy({
      target: servers.s3Source,
      rates: { flipPartByte: 1 },
      limits: { flipPartByte: 1 },
    });
    proxies.push(srcProxy);
    const params = paramsFor(src, dst, proxy, { srcEndpoint: srcProxy.endpoint });
    const { queue, status } = await adapters.open(params.maxAttempts);
    const lines: Record<string, unknown>[] = [];
    const logger = createLogger({}, { write: (l) => lines.push(JSON.parse(l) as Record<string, unknown>) });
    const report = await runS3Transfer({
      params,
      queue,
      status,
      logger,
      buckets: await openTaskBuckets(params, new FileSecretStore(secretsFile()), transferSockets(params)),
    });
    expect(srcProxy.faultCount('flipPartByte')).toBe(1);
    expect(report).toMatchObject({ complete: true, total: 3, done: 3, verified: 3, failed: 0 });
    await expectCopied(dst, objects);
    expect(lines.filter((l) => l.event === 'worker.giant_restarted')).toHaveLength(1);
    expect(proxy.stats.requests.CreateMultipartUpload).toBe(3);
  }, 120_000);

  it('fails a giant object once, and aborts its upload, when a part fails for good', async () => {
    const { src, dst, proxy: clean } = await seed();
    await clean.close();
    // The destination refuses every UploadPart (as a policy without s3:PutObject would): not retryable.
    const proxy = await startFaultProxy({
      target: servers.s3Dest,
      rates: { accessDenied: 1 },
      faultOps: ['UploadPart'],
    });
    proxies.push(proxy);
    const params = paramsFor(src, dst, proxy, { maxAttempts: '2' });
    const { queue, status } = await adapters.open(params.maxAttempts);
    const lines: Record<string, unknown>[] = [];
    const logger = createLogger({}, { write: (l) => lines.push(JSON.parse(l) as Record<string, unknown>) });
    const report = await runS3Transfer({
      params,
      queue,
      status,
      logger,
      buckets: await openTaskBuckets(params, new FileSecretStore(secretsFile()), transferSockets(params)),
    });
    expect(report).toMatchObject({ complete: false, total: 3, done: 1, failed: 2, inProgress: 0, pending: 0 });
    const failures = lines
      .filter((l) => l.event === 'worker.failed')
      .map((l) => l.key)
      .sort();
    expect(failures).toEqual(['giant/a.bin', 'giant/b.bin']);
    const a = await status.get('giant/a.bin');
    expect(a).toMatchObject({ status: 'FAILED' });
    expect(a?.error).toMatch(/^part \d+ of 6: destination bucket .*UploadPart .*AccessDenied/);
    expect(a?.uploadId).toBeUndefined();
    expect(proxy.stats.requests.AbortMultipartUpload).toBe(2);
    expect(proxy.stats.requests.CompleteMultipartUpload ?? 0).toBe(0);
  }, 120_000);
});
