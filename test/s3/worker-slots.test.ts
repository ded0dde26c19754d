/**
 * `workerNumber` is how many objects a worker copies at once; objects of at most 128 KiB take half a slot, so twice as
 * many of them are in flight (their copy is mostly request latency). Uploads in flight are counted at the real
 * destination s3rver through a Proxy that holds each PUT a little (s3rver answers too fast for copies to overlap).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { ObjectStore } from '../../worker/ports/object-store.js';
import { baseParams, bucketPair, bytes, putSource, runEmbedded } from './engine-fixtures.js';

const KiB = 1024;

async function peakUploads(size: number, workerNumber: number): Promise<number> {
  const { src, dst } = await bucketPair();
  await Promise.all(Array.from({ length: 12 }, (_, i) => putSource(src, `s/${i}.bin`, bytes(size, i + 1))));
  let now = 0;
  let peak = 0;
  const counting = (dest: ObjectStore): ObjectStore =>
    new Proxy(dest, {
      get(target, prop, receiver) {
        if (prop !== 'put') return Reflect.get(target, prop, receiver);
        return async (...args: unknown[]) => {
          peak = Math.max(peak, ++now);
          try {
            await sleep(40);
            return await (target.put as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          } finally {
            now--;
          }
        };
      },
    });
  const { report } = await runEmbedded(
    baseParams(src, dst, { workerNumber: String(workerNumber), multipartThreshold: '64MiB' }),
    { wrap: ({ source, dest }) => ({ source, dest: counting(dest) }) },
  );
  expect(report.complete).toBe(true);
  expect(report.done).toBe(12);
  return peak;
}

describe('worker slots', () => {
  it('copy twice workerNumber objects of at most 128 KiB at once', async () => {
    expect(await peakUploads(128 * KiB, 3)).toBe(6);
  });

  it('copy workerNumber larger objects at once', async () => {
    expect(await peakUploads(128 * KiB + 1, 3)).toBe(3);
  });
});
