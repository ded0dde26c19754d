/**
 * A JobQueue that enqueues every message twice, side by side, so both copies are received and worked on at once:
 * at-least-once delivery at its worst, for the tests that prove a copy (or a part) is done once all the same.
 */
import type { JobQueue, QueueDepth, ReceivedJob } from '../../worker/ports/job-queue.js';

export class DuplicatingQueue<T> implements JobQueue<T> {
  /** Messages put on the inner queue (twice each message sent). */
  sent = 0;
  /** Deliveries per message, by `keyOf` its body. */
  readonly received = new Map<string, number>();

  constructor(
    private readonly inner: JobQueue<T>,
    private readonly keyOf: (body: T) => string = (body) => JSON.stringify(body),
  ) {}

  async sendBatch(bodies: T[]): Promise<void> {
    this.sent += bodies.length * 2;
    await this.inner.sendBatch(bodies.flatMap((b) => [b, b]));
  }
  async receive(options: {
    max: number;
    visibilityTimeoutSec: number;
    waitTimeSec?: number;
  }): Promise<ReceivedJob<T>[]> {
    const jobs = await this.inner.receive(options);
    for (const j of jobs) this.received.set(this.keyOf(j.body), (this.received.get(this.keyOf(j.body)) ?? 0) + 1);
    return jobs;
  }
  extendVisibility(job: ReceivedJob<T>, sec: number): Promise<void> {
    return this.inner.extendVisibility(job, sec);
  }
  release(job: ReceivedJob<T>): Promise<void> {
    return this.inner.release(job);
  }
  delete(job: ReceivedJob<T>): Promise<void> {
    return this.inner.delete(job);
  }
  deadLetter(job: ReceivedJob<T>, reason: string): Promise<void> {
    return this.inner.deadLetter(job, reason);
  }
  depth(): Promise<QueueDepth> {
    return this.inner.depth();
  }
}
