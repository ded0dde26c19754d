/**
 * A single-PUT copy starts while its IN_PROGRESS record is still being written (one commit less to wait for per
 * object). The record must still end as the copy ended: DONE after the start, never overwritten by a late start, and a
 * start that fails must fail the attempt (retried), not crash the process with an unhandled rejection. The status
 * store is the real SQLite one behind a Proxy that delays (or fails) markStarted — a store cannot be made slow.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { FileSecretStore } from '../../worker/adapters/embedded/index.js';
import { openTaskBuckets } from '../../worker/adapters/s3/open-buckets.js';
import { silentLogger } from '../../worker/core/log.js';
import type { StatusStore } from '../../worker/ports/status-store.js';
import { parseS3TaskParams } from '../../worker/s3/params.js';
import { runS3Transfer } from '../../worker/s3/run-transfer.js';
import { baseParams, bucketPair, bytes, embeddedAdapters, putSource, secretsFile } from './engine-fixtures.js';

/** The store, with markStarted replaced by `start` (given the real one). */
function withStart(status: StatusStore, start: (real: StatusStore['markStarted']) => StatusStore['markStarted']) {
  const real = status.markStarted.bind(status);
  const replaced = start(real);
  return new Proxy(status, {
    get: (target, prop, receiver) => (prop === 'markStarted' ? replaced : Reflect.get(target, prop, receiver)),
  });
}

async function run(start: (real: StatusStore['markStarted']) => StatusStore['markStarted']) {
  const { src, dst } = await bucketPair();
  const keys = Array.from({ length: 12 }, (_, i) => `o/${i}.bin`);
  await Promise.all(keys.map((k, i) => putSource(src, k, bytes(1000 + i * 5000, i + 3))));
  const params = parseS3TaskParams(baseParams(src, dst, { maxAttempts: '3' }));
  const { queue, status } = await embeddedAdapters.open(params.maxAttempts);
  const report = await runS3Transfer({
    params,
    queue,
    status: withStart(status, start),
    logger: silentLogger,
    buckets: await openTaskBuckets(params, new FileSecretStore(secretsFile())),
  });
  await sleep(200); // any write still on its way (a late start) lands before the records are read
  return { report, records: await Promise.all(keys.map((k) => status.get(k))) };
}

describe('object records while copies start before their start is recorded', () => {
  it('end DONE even when the start is written after the copy finished', async () => {
    const { report, records } = await run((real) => async (start) => {
      await sleep(80); // the 1–56 KB copies end well before this
      return real(start);
    });
    expect(report.complete).toBe(true);
    expect(records.map((r) => r?.status)).toEqual(Array(12).fill('DONE'));
    expect(records.every((r) => r?.verified)).toBe(true);
  });

  it('settle an object whose start could not be recorded, without an unhandled rejection', async () => {
    const failedOnce = new Set<string>();
    const { report, records } = await run((real) => async (start) => {
      if (!failedOnce.has(start.key)) {
        failedOnce.add(start.key);
        await sleep(5);
        throw Object.assign(new Error('connection reset by the status store'), { code: 'ECONNRESET' });
      }
      return real(start);
    });
    // Each object's first start failed; the run still ends complete (and vitest fails a run on an unhandled rejection).
    expect(failedOnce.size).toBe(12);
    expect(report.complete).toBe(true);
    expect(records.map((r) => r?.status)).toEqual(Array(12).fill('DONE'));
  });
});
