/**
 * Queues deliver at least once: SQS may hand the same job to two workers (visibility timeout expired,
 * a redrive, a finder that ran twice). Every job here is queued twice — the copies are worked on
 * concurrently, and later once more after the task finished — and nothing may be corrupted or FAILED.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FileSecretStore,
  openSqliteDatabase,
  SqliteJobQueue,
  SqliteStatusStore,
  type SqliteDatabase,
} from '../../worker/adapters/embedded/index.js';
import { silentLogger } from '../../worker/core/log.js';
import { DuplicatingQueue } from '../support/duplicating-queue.js';
import { parseS3TaskParams } from '../../worker/s3/params.js';
import { openTaskBuckets } from '../../worker/adapters/s3/open-buckets.js';
import { runWorker } from '../../worker/s3/job-worker.js';
import { runS3Transfer, transferSockets } from '../../worker/s3/run-transfer.js';
import type { TransferJob } from '../../worker/s3/transfer-job.js';
import { createBucket, s3Client, servers } from '../support/servers.js';
import { compareWithSource, MiB, seedObjects, type ObjectSpec } from './helpers.js';

const SPECS: ObjectSpec[] = [
  ...Array.from({ length: 30 }, (_, i) => ({ key: `small/${i}.txt`, size: 10 + i * 3001 })),
  ...Array.from({ length: 3 }, (_, i) => ({ key: `medium/${i}.bin`, size: 2 * MiB + i })),
  { key: 'big/x.bin', size: 12 * MiB },
  { key: 'big/y.bin', size: 16 * MiB + 1 },
];

let work: string;
let db: SqliteDatabase | undefined;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'dth-rel-dup-'));
});
afterAll(() => {
  db?.close();
  rmSync(work, { recursive: true, force: true });
});

describe('at-least-once delivery', () => {
  it('a job delivered twice (concurrently or later) leaves every object byte-identical and DONE', async () => {
    const srcBucket = await createBucket(servers.s3Source, 'rel-dup-src');
    const dstBucket = await createBucket(servers.s3Dest, 'rel-dup-dst');
    const expected = await seedObjects(s3Client(servers.s3Source), srcBucket, SPECS);
    const secretsFile = join(work, 'secrets.json');
    writeFileSync(secretsFile, JSON.stringify({ keys: { access_key_id: 'S3RVER', secret_access_key: 'S3RVER' } }), {
      mode: 0o600,
    });
    const params = parseS3TaskParams({
      srcType: 'S3_Compatible',
      srcEndpoint: servers.s3Source,
      srcBucket,
      srcCredentials: 'keys',
      destEndpoint: servers.s3Dest,
      destBucket: dstBucket,
      destRegion: 'us-east-1',
      destCredentials: 'keys',
      multipartThreshold: '8MiB',
      chunkSize: '5MiB',
      partConcurrency: 2,
      workerConcurrency: 16,
    });
    db = openSqliteDatabase(join(work, 'state.db'));
    const queue = new DuplicatingQueue<TransferJob>(
      new SqliteJobQueue<TransferJob>(db, 'dup', { maxReceiveCount: 5, pollIntervalMs: 20 }),
      (b) => b.key,
    );
    const status = new SqliteStatusStore(db, 'dup');

    const buckets = await openTaskBuckets(params, new FileSecretStore(secretsFile), transferSockets(params));
    const report = await runS3Transfer({ params, queue, status, logger: silentLogger, buckets });

    expect(queue.sent).toBe(SPECS.length * 2);
    for (const spec of SPECS) expect(queue.received.get(spec.key), spec.key).toBeGreaterThanOrEqual(2);
    expect(await compareWithSource(s3Client(servers.s3Dest), dstBucket, expected)).toEqual([]);
    const failed = await status.list({ status: 'FAILED', limit: 50 });
    expect(failed.map((f) => `${f.key}: ${f.error}`)).toEqual([]);
    for (const spec of SPECS) {
      const record = await status.get(spec.key);
      expect(record, spec.key).toMatchObject({ status: 'DONE', verified: true, size: spec.size });
    }
    expect(report.complete).toBe(true);
    expect((await queue.depth()).deadLettered).toBe(0);

    // A late redelivery of every job, after the task finished (e.g. a visibility timeout that expired during a long copy).
    const secrets = new FileSecretStore(secretsFile);
    const { source, dest } = await openTaskBuckets(params, secrets);
    await new SqliteJobQueue<TransferJob>(db, 'dup', { maxReceiveCount: 5 }).sendBatch(
      SPECS.map((s) => ({ key: s.key, size: s.size })),
    );
    const again = await runWorker({ params, source, dest, queue, status, logger: silentLogger, exitWhenDrained: true });
    expect(again.failed).toBe(0);
    expect(await compareWithSource(s3Client(servers.s3Dest), dstBucket, expected)).toEqual([]);
    const summary = await status.summary();
    expect(summary).toMatchObject({ total: SPECS.length, done: SPECS.length, failed: 0, verified: SPECS.length });
  }, 120_000);
});
