/**
 * Behaviour every JobQueue adapter must share (SqliteJobQueue locally, SqsJobQueue in the cloud).
 * Visibility timeouts are whole seconds (SQS's unit); waits are generous polls, never elapsed-time assertions.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { JobQueue, QueueDepth, ReceivedJob } from '../../../worker/ports/job-queue.js';

export type JobQueueFactory = (options: { maxReceiveCount: number }) => Promise<JobQueue<{ n: number }>>;

/** Receives until `count` messages arrived (or the patience runs out). */
async function receiveAll(
  q: JobQueue<{ n: number }>,
  count: number,
  visibilityTimeoutSec = 30,
): Promise<ReceivedJob<{ n: number }>[]> {
  const got: ReceivedJob<{ n: number }>[] = [];
  for (let i = 0; i < 30 && got.length < count; i++) {
    got.push(...(await q.receive({ max: count - got.length, visibilityTimeoutSec, waitTimeSec: 1 })));
  }
  return got;
}

/** Polls depth() until it matches (SQS counts are approximate and may lag a moment). */
async function eventuallyDepth(q: JobQueue<unknown>, want: Partial<QueueDepth>): Promise<QueueDepth> {
  let depth = await q.depth();
  for (let i = 0; i < 50 && !Object.entries(want).every(([k, v]) => depth[k as keyof QueueDepth] === v); i++) {
    await sleep(100);
    depth = await q.depth();
  }
  return depth;
}

export function jobQueueContract(name: string, makeQueue: JobQueueFactory): void {
  describe(`JobQueue contract: ${name}`, () => {
    it('sends more than 10 at once and delivers every body exactly once before any expiry', async () => {
      const q = await makeQueue({ maxReceiveCount: 5 });
      const bodies = Array.from({ length: 23 }, (_, n) => ({ n }));
      await q.sendBatch(bodies);
      expect(await eventuallyDepth(q, { visible: 23 })).toEqual({ visible: 23, inFlight: 0, deadLettered: 0 });
      const jobs = await receiveAll(q, 23);
      expect(jobs.map((j) => j.body.n).sort((a, b) => a - b)).toEqual(bodies.map((b) => b.n));
      expect(new Set(jobs.map((j) => j.id)).size).toBe(23);
      expect(jobs.every((j) => j.receiveCount === 1)).toBe(true);
      expect(await q.receive({ max: 10, visibilityTimeoutSec: 30 })).toEqual([]);
      expect(await eventuallyDepth(q, { inFlight: 23 })).toMatchObject({ visible: 0, inFlight: 23 });
      await Promise.all(jobs.map((j) => q.delete(j)));
      expect(await eventuallyDepth(q, { inFlight: 0 })).toEqual({ visible: 0, inFlight: 0, deadLettered: 0 });
    });

    it('redelivers a message whose visibility expired, with a higher receiveCount', async () => {
      const q = await makeQueue({ maxReceiveCount: 5 });
      await q.sendBatch([{ n: 1 }]);
      // 2 s: long enough that the immediate second receive below still sees it hidden on a busy machine.
      const [first] = await receiveAll(q, 1, 2);
      expect(first).toMatchObject({ body: { n: 1 }, receiveCount: 1 });
      expect(await q.receive({ max: 10, visibilityTimeoutSec: 30 })).toEqual([]);
      const [again] = await receiveAll(q, 1, 30);
      expect(again).toMatchObject({ id: first.id, body: { n: 1 }, receiveCount: 2 });
      // The first delivery's receipt is stale now: deleting with it must leave the new delivery in flight.
      await q.delete(first).catch(() => undefined);
      expect((await q.depth()).inFlight).toBe(1);
      await q.delete(again);
      expect(await eventuallyDepth(q, { inFlight: 0 })).toEqual({ visible: 0, inFlight: 0, deadLettered: 0 });
    });

    it('keeps an extended message hidden past its first timeout, and shows a released one at once', async () => {
      const q = await makeQueue({ maxReceiveCount: 5 });
      await q.sendBatch([{ n: 7 }]);
      const [job] = await receiveAll(q, 1, 2);
      await q.extendVisibility(job, 60);
      await sleep(3000);
      expect(await q.receive({ max: 10, visibilityTimeoutSec: 30, waitTimeSec: 1 })).toEqual([]);
      await q.release(job);
      const [again] = await q.receive({ max: 10, visibilityTimeoutSec: 30, waitTimeSec: 5 });
      expect(again).toMatchObject({ body: { n: 7 }, receiveCount: 2 });
    });

    it('dead-letters a message after maxReceiveCount deliveries', async () => {
      const q = await makeQueue({ maxReceiveCount: 2 });
      await q.sendBatch([{ n: 9 }, { n: 10 }]);
      for (let delivery = 1; delivery <= 2; delivery++) {
        const jobs = await receiveAll(q, 2);
        expect(jobs.map((j) => j.receiveCount)).toEqual([delivery, delivery]);
        // One message is finished; the other keeps failing.
        const failing = jobs.find((j) => j.body.n === 9)!;
        const ok = jobs.find((j) => j.body.n === 10)!;
        if (delivery === 1) await q.release(ok);
        else await q.delete(ok);
        await q.release(failing);
      }
      expect(await q.receive({ max: 10, visibilityTimeoutSec: 30, waitTimeSec: 1 })).toEqual([]);
      expect(await eventuallyDepth(q, { deadLettered: 1 })).toEqual({ visible: 0, inFlight: 0, deadLettered: 1 });
    });

    it('dead-letters a delivery at once when asked (a failure no retry can fix), on its first receive', async () => {
      const q = await makeQueue({ maxReceiveCount: 5 });
      await q.sendBatch([{ n: 11 }, { n: 12 }]);
      const jobs = await receiveAll(q, 2);
      const hopeless = jobs.find((j) => j.body.n === 11)!;
      await q.deadLetter(hopeless, 'destination bucket d: PutObject "k": 403 AccessDenied');
      await q.release(jobs.find((j) => j.body.n === 12)!);
      expect(await eventuallyDepth(q, { deadLettered: 1, visible: 1 })).toEqual({
        visible: 1,
        inFlight: 0,
        deadLettered: 1,
      });
      const [left] = await receiveAll(q, 1);
      expect(left.body).toEqual({ n: 12 });
    });

    it('ignores extend and release of a delivery that already ended', async () => {
      const q = await makeQueue({ maxReceiveCount: 5 });
      await q.sendBatch([{ n: 3 }]);
      const [job] = await receiveAll(q, 1);
      await q.delete(job);
      await expect(q.extendVisibility(job, 30)).resolves.toBeUndefined();
      await expect(q.release(job)).resolves.toBeUndefined();
      await expect(q.delete(job)).resolves.toBeUndefined();
      expect(await q.receive({ max: 10, visibilityTimeoutSec: 30 })).toEqual([]);
    });
  });
}
