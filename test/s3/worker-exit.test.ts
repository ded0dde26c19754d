/**
 * A one-shot run ends when its last copy ends. The worker loop used to wait for a free slot with a 200 ms timer per
 * turn and never cleared it: after the last copy those timers still held the process open, so every `dth s3 sync`
 * exited up to 200 ms late (measured: 54 objects copied in 0.25 s, process gone at 0.53 s). Timers that keep the
 * event loop alive are counted around a real run on the two s3rver buckets, with few slots so the loop waits often.
 */
import { describe, expect, it } from 'vitest';
import { baseParams, bucketPair, bytes, putSource, runEmbedded } from './engine-fixtures.js';

const refTimers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

describe('worker loop', () => {
  it('leaves no timer behind when a one-shot run returns, so the process exits with its last copy', async () => {
    const { src, dst } = await bucketPair();
    await Promise.all(Array.from({ length: 24 }, (_, i) => putSource(src, `k/${i}.bin`, bytes(40_000 + i, i + 1))));
    const before = refTimers();
    const { report } = await runEmbedded(baseParams(src, dst, { workerNumber: '3' }));
    expect(report.complete).toBe(true);
    expect(report.done).toBe(24);
    expect(refTimers()).toBeLessThanOrEqual(before);
  });
});
