/**
 * `workerNumber` is how many objects a worker copies at once; objects of at most 128 KiB take half a slot, so twice as
 * many of them are in flight (their copy is mostly request latency), and a part of a giant object takes
 * `workerNumber / partConcurrency` slots in a fleet, so a worker holds `partConcurrency` parts and leaves the rest of
 * the object's parts to the other workers (alone, it takes them like any job). Uploads in flight are counted at the
 * real destination s3rver through a Proxy that holds each PUT or UploadPart a little (s3rver answers too fast for
 * copies to overlap).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { ObjectStore } from '../../worker/ports/object-store.js';
import { FileSecretStore } from '../../worker/adapters/embedded/index.js';
import { openTaskBuckets } from '../../worker/adapters/s3/open-buckets.js';
import { silentLogger } from '../../worker/core/log.js';
import { runFinder } from '../../worker/s3/finder.js';
import { runWorker } from '../../worker/s3/job-worker.js';
import { parseS3TaskParams } from '../../worker/s3/params.js';
import {
  baseParams,
  bucketPair,
  bytes,
  embeddedAdapters,
  putSource,
  runEmbedded,
  secretsFile,
} from './engine-fixtures.js';

const KiB = 1024;
const MiB = 1024 * KiB;

/** The destination store, counting its calls of `method` in flight at once (each held 40 ms). */
function countingCalls(method: 'put' | 'uploadPart') {
  let now = 0;
  const counter = { peak: 0 };
  const wrap = (dest: ObjectStore): ObjectStore =>
    new Proxy(dest, {
      get(target, prop, receiver) {
        if (prop !== method) return Reflect.get(target, prop, receiver);
        return async (...args: unknown[]) => {
          counter.peak = Math.max(counter.peak, ++now);
          try {
            await sleep(40);
            return await (target[method] as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          } finally {
            now--;
          }
        };
      },
    });
  return { counter, wrap };
}

async function peakUploads(size: number, workerNumber: number): Promise<number> {
  const { src, dst } = await bucketPair();
  await Promise.all(Array.from({ length: 12 }, (_, i) => putSource(src, `s/${i}.bin`, bytes(size, i + 1))));
  const { counter, wrap } = countingCalls('put');
  const { report } = await runEmbedded(
    baseParams(src, dst, { workerNumber: String(workerNumber), multipartThreshold: '64MiB' }),
    { wrap: ({ source, dest }) => ({ source, dest: wrap(dest) }) },
  );
  expect(report.complete).toBe(true);
  expect(report.done).toBe(12);
  return counter.peak;
}

describe('worker slots', () => {
  it('copy twice workerNumber objects of at most 128 KiB at once', async () => {
    expect(await peakUploads(128 * KiB, 3)).toBe(6);
  });

  it('copy workerNumber larger objects at once', async () => {
    expect(await peakUploads(128 * KiB + 1, 3)).toBe(3);
  });

  it.each([
    { sharesQueue: true, peak: 2 }, // a worker of a fleet: partConcurrency
    { sharesQueue: false, peak: 8 }, // a worker alone: workerNumber
  ])('parts of giant objects at once with sharesQueue $sharesQueue: $peak', async ({ sharesQueue, peak }) => {
    const { src, dst } = await bucketPair();
    // Two giant objects of 8 parts each: 16 part jobs on the queue, for a worker of 8 slots.
    await putSource(src, 'giant-a.bin', bytes(8 * 5 * MiB, 7));
    await putSource(src, 'giant-b.bin', bytes(8 * 5 * MiB, 8));
    const params = parseS3TaskParams(
      baseParams(src, dst, { workerNumber: '8', partConcurrency: '2', giantFileThreshold: '10MiB', chunkSize: '5MiB' }),
    );
    const { queue, status } = await embeddedAdapters.open(params.maxAttempts);
    const { source, dest } = await openTaskBuckets(params, new FileSecretStore(secretsFile()));
    const { counter, wrap } = countingCalls('uploadPart');
    const engine = { params, source, dest: wrap(dest), queue, status, logger: silentLogger };
    expect((await runFinder(engine)).toTransfer).toBe(2);
    const report = await runWorker({ ...engine, exitWhenDrained: true, sharesQueue });
    expect(report).toMatchObject({ copied: 2, failed: 0 });
    expect(await status.summary()).toMatchObject({ total: 2, done: 2, verified: 2 });
    expect(counter.peak).toBe(peak);
  });
});
