/**
 * The S3 engine with faults on every operation it uses, not only object bodies: listings of both sides, HEAD, GET,
 * PUT, tagging, multipart create/upload/complete/abort and CopyObject answer with 5xx, SlowDown, cut or reset bodies,
 * listing pages cut cleanly after an entry, 200 with an <Error>, HTML or JSON body, a wrong content type, or no answer.
 * Run on both adapter sets (SQLite queue + status; SQS via fauxqs + DynamoDB via dynalite). Every run either fails
 * as a whole with a clear error, or ends with every source object byte-identical at the destination or FAILED with a
 * clear error; it says complete only when every source object is verified at the destination.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINE_OPS, startFaultProxy, type FaultProxy, type FaultRates } from '../support/fault-proxy.js';
import { createBucket, s3Client, servers } from '../support/servers.js';
import { awsAdapters, embeddedAdapters, runEngine, type EngineAdapters } from '../s3/engine-fixtures.js';
import type { StatusStore } from '../../worker/ports/status-store.js';
import { md5Of, MiB, seedObjects, type ObjectSpec } from './helpers.js';

/** Every kind of fault, on every operation it applies to; low enough that the client's own retries usually recover. */
const RATES: FaultRates = {
  serverError: 0.02,
  slowDown: 0.02,
  resetRequest: 0.03,
  dropResponse: 0.02,
  resetResponse: 0.02,
  truncateBody: 0.02,
  shortBody: 0.02,
  shortListing: 0.1,
  ignorePrefix: 0.05,
  errorDocument200: 0.03,
  htmlBody200: 0.02,
  jsonBody200: 0.02,
  htmlNotFound404: 0.02,
  partialWhole: 0.02,
  wrongContentType: 0.06,
};

const SPECS: ObjectSpec[] = [
  ...Array.from({ length: 20 }, (_, i) => ({ key: `small/s${String(i).padStart(2, '0')}.bin`, size: 1 + i * 4099 })),
  ...Array.from({ length: 4 }, (_, i) => ({ key: `streamed/m${i}.bin`, size: 200_000 + i * 7919 })),
  ...Array.from({ length: 2 }, (_, i) => ({ key: `multipart/p${i}.bin`, size: 11 * MiB + i })),
];

let work: string;
let secrets: string;
const proxies: FaultProxy[] = [];

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'dth-rel-ops-'));
  secrets = join(work, 'secrets.json');
  writeFileSync(secrets, JSON.stringify({ keys: { access_key_id: 'S3RVER', secret_access_key: 'S3RVER' } }), {
    mode: 0o600,
  });
});
afterAll(async () => {
  for (const p of proxies) await p.close();
  rmSync(work, { recursive: true, force: true });
});

/**
 * Every source object is byte-identical at the destination (DONE and verified, or never queued because it was already
 * there) or FAILED with an error naming side, bucket and operation.
 */
async function checkEveryObject(
  status: StatusStore,
  dstEndpoint: string,
  dstBucket: string,
  expected: Map<string, string>,
) {
  const problems: string[] = [];
  let done = 0;
  const stored = (key: string) =>
    md5Of(s3Client(dstEndpoint), dstBucket, key).catch((err: Error) => `unreadable (${err.name})`);
  for (const [key, md5] of expected) {
    const record = await status.get(key);
    if (!record) {
      if ((await stored(key)) !== md5) problems.push(`${key}: never queued, and the destination does not hold it`);
      else done++;
    } else if (record.status === 'DONE') {
      done++;
      if (!record.verified) problems.push(`${key}: DONE but not verified`);
      if ((await stored(key)) !== md5) problems.push(`${key}: DONE but destination bytes differ`);
    } else if (record.status === 'FAILED') {
      if (!record.error || !/(source|destination) bucket \S+: \w+/.test(record.error))
        problems.push(`${key}: FAILED without a clear error (${record.error})`);
    } else problems.push(`${key}: ended ${record.status}`);
  }
  return { problems, done };
}

describe.each([embeddedAdapters, awsAdapters])('faults on every S3 operation ($name)', (adapters: EngineAdapters) => {
  it('ends byte-identical or FAILED with a clear error; complete only when every source object is verified', async () => {
    const srcBucket = await createBucket(servers.s3Source, 'rel-ops-src');
    const dstBucket = await createBucket(servers.s3Dest, 'rel-ops-dst');
    const expected = await seedObjects(s3Client(servers.s3Source), srcBucket, SPECS);
    // Some objects already at the destination, so the destination listing matters too.
    await seedObjects(
      s3Client(servers.s3Dest),
      dstBucket,
      SPECS.filter((_, i) => i % 5 === 0),
    );
    const src = await startFaultProxy({
      target: servers.s3Source,
      seed: 21,
      rates: RATES,
      faultOps: ENGINE_OPS,
      slowMs: 200,
    });
    const dst = await startFaultProxy({
      target: servers.s3Dest,
      seed: 22,
      rates: RATES,
      faultOps: ENGINE_OPS,
      slowMs: 200,
    });
    proxies.push(src, dst);

    const raw = {
      srcType: 'S3_Compatible',
      srcEndpoint: src.endpoint,
      srcBucket,
      srcCredentials: 'keys',
      destEndpoint: dst.endpoint,
      destBucket: dstBucket,
      destRegion: 'us-east-1',
      destCredentials: 'keys',
      multipartThreshold: '8MiB',
      chunkSize: '5MiB',
      workerConcurrency: '8',
      maxAttempts: '6',
    };
    let outcome: Awaited<ReturnType<typeof runEngine>> | Error;
    try {
      outcome = await runEngine(adapters, raw, { secrets });
    } catch (err) {
      outcome = err as Error;
    }

    // The faults really happened, on listings and on the other operations, on both sides.
    const faults = [...src.stats.faults, ...dst.stats.faults];
    // (Which requests the seeded dice hit depends on the order concurrent requests arrive in: listings, reads and
    // writes are each asserted, not particular operations.)
    expect(faults.some((f) => f.op === 'ListObjects')).toBe(true);
    expect(faults.some((f) => f.op === 'GetObject' || f.op === 'HeadObject')).toBe(true);
    expect(
      faults.some((f) =>
        ['PutObject', 'UploadPart', 'CreateMultipartUpload', 'CompleteMultipartUpload'].includes(f.op),
      ),
    ).toBe(true);
    expect(new Set(faults.map((f) => f.kind)).size).toBeGreaterThanOrEqual(6);

    if (outcome instanceof Error) {
      // A listing that kept failing ends the run: said clearly, with side, bucket and operation.
      expect(outcome.message).toMatch(/^(source|destination) bucket \S+: ListObjectsV2: /);
      return;
    }
    const { report, status } = outcome;
    const { problems, done } = await checkEveryObject(status, servers.s3Dest, dstBucket, expected);
    expect(problems).toEqual([]);
    const summary = await status.summary();
    expect(report.complete).toBe(summary.failed === 0 && done === SPECS.length);
    expect(done).toBeGreaterThanOrEqual(SPECS.length * 0.8);
  }, 150_000);
});

describe('server-side copy (CopyObject) answers', () => {
  it('a CopyObject answered with an <Error>, HTML or JSON 200, a wrong content type or nothing never counts as copied', async () => {
    // Both buckets on one server behind one proxy: same endpoint and keys, so the engine copies server-side.
    const srcBucket = await createBucket(servers.s3Source, 'rel-ops-cp-src');
    const dstBucket = await createBucket(servers.s3Source, 'rel-ops-cp-dst');
    const specs = Array.from({ length: 12 }, (_, i) => ({ key: `copy/c${i}.bin`, size: 1000 + i * 5003 }));
    const expected = await seedObjects(s3Client(servers.s3Source), srcBucket, specs);
    const proxy = await startFaultProxy({
      target: servers.s3Source,
      seed: 5,
      faultOps: ['CopyObject'],
      rates: { errorDocument200: 0.2, htmlBody200: 0.15, jsonBody200: 0.15, wrongContentType: 0.2, dropResponse: 0.15 },
    });
    proxies.push(proxy);
    const { report, status } = await runEngine(
      embeddedAdapters,
      {
        srcType: 'S3_Compatible',
        srcEndpoint: proxy.endpoint,
        srcBucket,
        srcCredentials: 'keys',
        destEndpoint: proxy.endpoint,
        destBucket: dstBucket,
        destRegion: 'us-east-1',
        destCredentials: 'keys',
        maxAttempts: '4',
      },
      { secrets },
    );
    expect(proxy.stats.requests.CopyObject).toBeGreaterThan(0);
    expect(proxy.faultCount()).toBeGreaterThanOrEqual(4);
    const { problems, done } = await checkEveryObject(status, servers.s3Source, dstBucket, expected);
    expect(problems).toEqual([]);
    expect(done).toBe(specs.length);
    expect(report.complete).toBe(true);
  }, 90_000);
});

describe('multipart completions whose answer is lost or broken', () => {
  it('every object still ends DONE and byte-identical: a completion applied but unanswered is recognised, not failed', async () => {
    // The server completes each upload, then the answer is dropped, reset, cut or mislabelled. Sending it again
    // meets a finished upload (s3rver: 500, AWS: NoSuchUpload); the destination already holds the proven object.
    const srcBucket = await createBucket(servers.s3Source, 'rel-ops-mp-src');
    const dstBucket = await createBucket(servers.s3Dest, 'rel-ops-mp-dst');
    const specs = Array.from({ length: 4 }, (_, i) => ({ key: `mp/o${i}.bin`, size: 6 * MiB + i * 1000 }));
    const expected = await seedObjects(s3Client(servers.s3Source), srcBucket, specs);
    const kinds = ['dropResponse', 'resetResponse', 'shortBody', 'wrongContentType'] as const;
    const dst = await startFaultProxy({
      target: servers.s3Dest,
      faultOps: ['CompleteMultipartUpload'],
      rates: Object.fromEntries(kinds.map((k) => [k, 1])),
      limits: Object.fromEntries(kinds.map((k) => [k, 1])),
    });
    proxies.push(dst);
    const { report, status } = await runEngine(
      embeddedAdapters,
      {
        srcType: 'S3_Compatible',
        srcEndpoint: servers.s3Source,
        srcBucket,
        srcCredentials: 'keys',
        destEndpoint: dst.endpoint,
        destBucket: dstBucket,
        destRegion: 'us-east-1',
        destCredentials: 'keys',
        multipartThreshold: '5MiB',
        chunkSize: '5MiB',
        maxAttempts: '3',
      },
      { secrets },
    );
    for (const k of kinds) expect(dst.faultCount(k)).toBe(1);
    const { problems, done } = await checkEveryObject(status, servers.s3Dest, dstBucket, expected);
    expect(problems).toEqual([]);
    expect(done).toBe(specs.length);
    expect(report.complete).toBe(true);
  }, 90_000);
});
