/**
 * forEachBounded, the pool the finder's parts, SQS batch sends and image copies run in: never more than its bound at
 * once, items pulled only as lanes free up, and the first failure halts the rest and is thrown once they have ended.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { forEachBounded } from '../../worker/core/bounded-pool.js';

describe('forEachBounded', () => {
  it('runs at most `concurrency` at once, starts them in order and pulls an item only when a lane is free', async () => {
    let running = 0;
    let most = 0;
    let pulled = 0;
    let finished = 0;
    const started: number[] = [];
    async function* items() {
      for (let i = 0; i < 20; i++) {
        pulled++;
        // Never more items out of the source than lanes: one is pulled when one has finished.
        expect(pulled - finished).toBeLessThanOrEqual(3);
        yield i;
      }
    }
    await forEachBounded(items(), 3, async (i) => {
      started.push(i);
      most = Math.max(most, ++running);
      await sleep(5 + (i % 3) * 5);
      running--;
      finished++;
    });
    expect(most).toBe(3);
    expect(started).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('halts the running calls on the first failure, starts no more, throws it and closes the source', async () => {
    let closed = false;
    const started: number[] = [];
    const halted: number[] = [];
    async function* items() {
      try {
        for (let i = 0; ; i++) yield i;
      } finally {
        closed = true;
      }
    }
    const run = forEachBounded(items(), 4, async (i, halt) => {
      started.push(i);
      if (i === 2) {
        await sleep(20);
        throw new Error('item 2 failed');
      }
      await new Promise<void>((resolve) => halt.addEventListener('abort', () => resolve(), { once: true }));
      halted.push(i);
    });
    await expect(run).rejects.toThrow('item 2 failed');
    expect(started.sort((a, b) => a - b)).toEqual([0, 1, 2, 3]);
    expect(halted.sort((a, b) => a - b)).toEqual([0, 1, 3]);
    expect(closed).toBe(true);
  });

  it('takes a plain array, and an empty one', async () => {
    const seen: string[] = [];
    await forEachBounded(['a', 'b', 'c'], 8, async (x) => {
      seen.push(x);
    });
    expect(seen).toEqual(['a', 'b', 'c']);
    await forEachBounded([], 2, async () => {
      throw new Error('never');
    });
  });
});
