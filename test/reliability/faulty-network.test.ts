/**
 * The S3 engine behind fault-injecting proxies (5xx, SlowDown, resets mid-upload and mid-download,
 * truncated and "lying" short bodies, bytes changed in flight, dropped answers, slow responses): every object ends byte-identical
 * at the destination or FAILED with a clear error, and nothing is reported DONE that is not verified.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FileSecretStore,
  openSqliteDatabase,
  SqliteJobQueue,
  SqliteStatusStore,
  type SqliteDatabase,
} from '../../worker/adapters/embedded/index.js';
import { silentLogger } from '../../worker/core/log.js';
import { parseS3TaskParams } from '../../worker/s3/params.js';
import { runS3Transfer, transferSockets } from '../../worker/s3/run-transfer.js';
import type { TransferJob } from '../../worker/s3/transfer-job.js';
import { startFaultProxy, type FaultKind, type FaultProxy, type FaultRates } from '../support/fault-proxy.js';
import { openTaskBuckets } from '../../worker/adapters/s3/open-buckets.js';
import { createBucket, s3Client, servers } from '../support/servers.js';
import { md5Of, MiB, seedObjects, type ObjectSpec } from './helpers.js';

const RATES: FaultRates = {
  serverError: 0.04,
  slowDown: 0.04,
  resetRequest: 0.04,
  dropResponse: 0.02,
  resetResponse: 0.06,
  truncateBody: 0.06,
  shortBody: 0.06,
  flipByte: 0.06,
  slow: 0.02,
};

// Small (one buffered PUT), medium (streamed PUT) and multipart objects, with awkward keys.
const SPECS: ObjectSpec[] = [
  ...Array.from({ length: 24 }, (_, i) => ({ key: `small/${String(i).padStart(2, '0')} é+%.bin`, size: 1 + i * 7919 })),
  ...Array.from({ length: 6 }, (_, i) => ({ key: `medium/m${i}.bin`, size: MiB + 1 + i * 300_000 })),
  { key: 'big/multi-1.bin', size: 11 * MiB + 3 },
  { key: 'big/multi-2.bin', size: 12 * MiB },
];

let work: string;
const dbs: SqliteDatabase[] = [];
const proxies: FaultProxy[] = [];

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'dth-rel-net-'));
});
afterAll(async () => {
  for (const p of proxies) await p.close();
  for (const db of dbs) db.close();
  rmSync(work, { recursive: true, force: true });
});

/** Seeds `specs`, puts fault proxies in front of both servers and runs one transfer through them. */
async function transferThroughFaults(
  name: string,
  specs: ObjectSpec[],
  rates: { source: FaultRates; dest: FaultRates; sourceLimits?: Partial<Record<FaultKind, number>> },
  tuning: Record<string, unknown>,
) {
  const srcBucket = await createBucket(servers.s3Source, `${name}-src`);
  const dstBucket = await createBucket(servers.s3Dest, `${name}-dst`);
  const expected = await seedObjects(s3Client(servers.s3Source), srcBucket, specs);
  const srcProxy = await startFaultProxy({
    target: servers.s3Source,
    seed: 11,
    rates: rates.source,
    limits: rates.sourceLimits,
    slowMs: 300,
  });
  const dstProxy = await startFaultProxy({ target: servers.s3Dest, seed: 12, rates: rates.dest, slowMs: 300 });
  proxies.push(srcProxy, dstProxy);

  const secretsFile = join(work, 'secrets.json');
  writeFileSync(secretsFile, JSON.stringify({ keys: { access_key_id: 'S3RVER', secret_access_key: 'S3RVER' } }), {
    mode: 0o600,
  });
  const params = parseS3TaskParams({
    srcType: 'S3_Compatible',
    srcEndpoint: srcProxy.endpoint,
    srcBucket,
    srcCredentials: 'keys',
    destEndpoint: dstProxy.endpoint,
    destBucket: dstBucket,
    destRegion: 'us-east-1',
    destCredentials: 'keys',
    ...tuning,
  });
  const db = openSqliteDatabase(join(work, `${name}.db`));
  dbs.push(db);
  const queue = new SqliteJobQueue<TransferJob>(db, name, { maxReceiveCount: params.maxAttempts, pollIntervalMs: 20 });
  const status = new SqliteStatusStore(db, name);
  const buckets = await openTaskBuckets(params, new FileSecretStore(secretsFile), transferSockets(params));
  const report = await runS3Transfer({ params, queue, status, logger: silentLogger, buckets });

  /** Every object DONE (verified, bytes equal to the source's) or FAILED with a clear error; returns the problems and the DONE count. */
  const check = async () => {
    const dest = s3Client(servers.s3Dest);
    const problems: string[] = [];
    let done = 0;
    for (const spec of specs) {
      const record = await status.get(spec.key);
      if (!record) {
        problems.push(`${spec.key}: no status record`);
        continue;
      }
      if (record.status === 'DONE') {
        done++;
        if (!record.verified || !record.checksum) problems.push(`${spec.key}: DONE but not verified`);
        const got = await md5Of(dest, dstBucket, spec.key).catch((err: Error) => `unreadable (${err.name})`);
        if (got !== expected.get(spec.key)) problems.push(`${spec.key}: DONE but destination bytes differ (${got})`);
      } else if (record.status === 'FAILED') {
        if (!record.error || record.error.length < 10)
          problems.push(`${spec.key}: FAILED without a clear error (${record.error})`);
      } else {
        problems.push(`${spec.key}: ended ${record.status}`);
      }
    }
    return { problems, done };
  };
  return { report, status, srcProxy, dstProxy, check, dstBucket };
}

describe('S3 transfer over a faulty network', () => {
  it('ends every object byte-identical or FAILED with an error; nothing DONE unverified', async () => {
    const { report, status, srcProxy, dstProxy, check } = await transferThroughFaults(
      'rel-net',
      SPECS,
      { source: RATES, dest: RATES },
      {
        multipartThreshold: '8MiB',
        chunkSize: '5MiB',
        partConcurrency: 2,
        workerConcurrency: 8,
        maxAttempts: 6,
      },
    );

    // The faults really happened, on both sides, including the body faults on downloads.
    const kinds = new Set([...srcProxy.stats.faults, ...dstProxy.stats.faults].map((f) => f.kind));
    expect(srcProxy.faultCount() + dstProxy.faultCount()).toBeGreaterThanOrEqual(10);
    expect(kinds.size).toBeGreaterThanOrEqual(5);
    expect(
      srcProxy.faultCount('resetResponse') + srcProxy.faultCount('truncateBody') + srcProxy.faultCount('shortBody'),
    ).toBeGreaterThan(0);

    const { problems, done } = await check();
    expect(problems).toEqual([]);
    const summary = await status.summary();
    expect(summary.done + summary.failed).toBe(SPECS.length);
    expect(report.complete).toBe(summary.failed === 0);
    // With retries, a faulty network should not cost most objects.
    expect(done).toBeGreaterThanOrEqual(SPECS.length * 0.8);
  }, 180_000);

  it('notices bytes changed in flight (length intact) on buffered, streamed and multipart copies, and copies them again', async () => {
    // Half of the whole-object reads come back with one byte inverted (ten of them, so retries back off briefly). Buffered objects (≤ 128 KiB) are caught by
    // the MD5 of what arrived before anything is written; streamed ones by the destination ETag after the PUT.
    // The first three part reads (ranged GETs) of the multipart objects are flipped too: s3rver answers a completed
    // upload with the whole-object MD5, which differs from the source's ETag, so the upload is made again.
    // (AWS answers the MD5 of the part MD5s instead: there a part read is guarded by TLS; see the README.)
    const specs: ObjectSpec[] = [
      ...Array.from({ length: 12 }, (_, i) => ({ key: `buffered/b${i}.bin`, size: 20_000 + i * 997 })),
      ...Array.from({ length: 12 }, (_, i) => ({ key: `streamed/s${i}.bin`, size: 200_000 + i * 1_009 })),
      ...Array.from({ length: 2 }, (_, i) => ({ key: `multipart/p${i}.bin`, size: 11 * MiB + i })),
    ];
    const { report, status, srcProxy, check } = await transferThroughFaults(
      'rel-flip',
      specs,
      {
        source: { flipByte: 0.5, flipPartByte: 1 },
        sourceLimits: { flipByte: 10, flipPartByte: 3 },
        dest: {},
      },
      { workerConcurrency: 8, maxAttempts: 12, multipartThreshold: '8MiB', chunkSize: '5MiB', partConcurrency: 2 },
    );
    const flipped = srcProxy.stats.faults.filter((f) => f.kind === 'flipByte').map((f) => f.path);
    expect(flipped.some((p) => p.includes('/buffered/'))).toBe(true);
    expect(flipped.some((p) => p.includes('/streamed/'))).toBe(true);
    expect(srcProxy.faultCount('flipPartByte')).toBe(3);
    const { problems, done } = await check();
    expect(problems).toEqual([]);
    expect(done).toBe(specs.length);
    expect(report.complete).toBe(true);
    // A flipped part was noticed, not copied as it came: its object took a second attempt.
    const retried = await Promise.all(
      specs.filter((s) => s.key.startsWith('multipart/')).map((s) => status.get(s.key)),
    );
    expect(retried.some((r) => (r?.attempts ?? 0) >= 2)).toBe(true);
  }, 180_000);

  it('says a read whose bytes do not match the ETag was damaged on the way, not that the source changed', async () => {
    // Every whole-object read flipped, one attempt: the object is FAILED, nothing of it written, and its error says
    // what was seen (before: 'source object "…" changed during the copy', sending the user to look for a writer).
    const specs: ObjectSpec[] = [{ key: 'flipped/only.bin', size: 30_000 }];
    const { report, status, srcProxy, dstBucket } = await transferThroughFaults(
      'rel-flip-msg',
      specs,
      { source: { flipByte: 1 }, dest: {} },
      { workerConcurrency: 1, maxAttempts: 1 },
    );
    expect(srcProxy.faultCount('flipByte')).toBe(1);
    expect(report.complete).toBe(false);
    const record = await status.get('flipped/only.bin');
    expect(record?.status).toBe('FAILED');
    expect(record?.error).toMatch(
      /^source object "flipped\/only\.bin": the bytes read have MD5 [0-9a-f]{32}, its ETag names [0-9a-f]{32} \(damaged on the way, or changed as it was read\)/,
    );
    const dest = await s3Client(servers.s3Dest).send(new ListObjectsV2Command({ Bucket: dstBucket }));
    expect(dest.Contents ?? []).toEqual([]);
  }, 60_000);
});
