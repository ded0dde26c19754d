import { describe, expect, it } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { Batcher } from '../../worker/ecr/batcher.js';

function recorder(o: { slots: number; maxBatch: number; fail?: string; pilot?: boolean }) {
  const batches: { key: string; items: number[] }[] = [];
  const started: number[][] = [];
  let running = 0;
  let peak = 0;
  const batcher = new Batcher<{ key: string; n: number }>({
    slots: o.slots,
    maxBatch: o.maxBatch,
    key: (item) => item.key,
    pilot: o.pilot,
    run: async (key, batch) => {
      started.push(batch.map((i) => i.n));
      peak = Math.max(peak, ++running);
      await sleep(5);
      running--;
      batches.push({ key, items: batch.map((i) => i.n) });
      if (key === o.fail) throw new Error(`batch ${key} broke`);
    },
  });
  return { batcher, batches, started, peak: () => peak };
}

describe('Batcher', () => {
  it('splits what is left at the end over the slots: 20 items, 4 slots → 4 batches of 5', async () => {
    const r = recorder({ slots: 4, maxBatch: 25 });
    for (let n = 0; n < 20; n++) await r.batcher.add({ key: 'a', n });
    expect(r.batches).toEqual([]);
    await r.batcher.finish();
    expect(r.batches.map((b) => b.items.length)).toEqual([5, 5, 5, 5]);
    expect(r.batches.flatMap((b) => b.items).sort((x, y) => x - y)).toEqual([...Array(20).keys()]);
  });

  it('starts a batch each maxBatch items and never runs more than `slots` at once', async () => {
    const r = recorder({ slots: 2, maxBatch: 10 });
    for (let n = 0; n < 45; n++) await r.batcher.add({ key: 'a', n });
    await r.batcher.finish();
    expect(r.batches.map((b) => b.items.length).sort((x, y) => x - y)).toEqual(
      [3, 2, 10, 10, 10, 10].sort((x, y) => x - y),
    );
    expect(r.peak()).toBe(2);
  });

  it('with a pilot, runs the first item alone and starts nothing else until it is done', async () => {
    const r = recorder({ slots: 4, maxBatch: 5, pilot: true });
    for (let n = 0; n < 13; n++) await r.batcher.add({ key: 'a', n });
    await r.batcher.finish();
    expect(r.started[0]).toEqual([0]);
    expect(r.batches[0].items).toEqual([0]); // finished before any other batch started (they all sleep as long)
    expect(r.started.slice(1).map((b) => b.length)).toEqual([5, 5, 1, 1]);
    expect(r.batches.flatMap((b) => b.items).sort((x, y) => x - y)).toEqual([...Array(13).keys()]);
  });

  it('never mixes keys in a batch, and a failed batch does not stop the others', async () => {
    const r = recorder({ slots: 3, maxBatch: 100, fail: 'b' });
    for (let n = 0; n < 9; n++) await r.batcher.add({ key: n % 3 === 0 ? 'b' : 'a', n });
    await expect(r.batcher.finish()).rejects.toThrow('batch b broke');
    expect(r.batches.map((b) => `${b.key}:${b.items.join(',')}`).sort()).toEqual(['a:1,2,4', 'a:5,7,8', 'b:0,3,6']);
  });
});
