/**
 * In a one-process pass (`dth s3 sync`, the local hub) the worker waits for the finder's news — a batch queued, the
 * listing's end — instead of asking the queue again every 20 ms while the finder lists: a listing of a large bucket
 * with nothing to copy cost one SQLite transaction per 20 ms, and a batch or the end was seen up to 20 ms late. Real
 * s3rver buckets and the embedded SQLite queue; the source's listing is held back 600 ms, as a far or large bucket's.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { FileSecretStore } from '../../worker/adapters/embedded/index.js';
import { openTaskBuckets } from '../../worker/adapters/s3/open-buckets.js';
import { silentLogger } from '../../worker/core/log.js';
import type { JobQueue } from '../../worker/ports/job-queue.js';
import type { ObjectStore } from '../../worker/ports/object-store.js';
import { parseS3TaskParams } from '../../worker/s3/params.js';
import { FinderNews } from '../../worker/s3/finder-news.js';
import { runWorker } from '../../worker/s3/job-worker.js';
import { runS3Transfer } from '../../worker/s3/run-transfer.js';
import type { TransferJob } from '../../worker/s3/transfer-job.js';
import { baseParams, bucketPair, bytes, embeddedAdapters, putSource, secretsFile } from './engine-fixtures.js';

const LISTING_DELAY_MS = 600;

/** The source, answering every listing only after `ms` (objects, then, as the store lists them). */
function slowListing(store: ObjectStore, ms: number): ObjectStore {
  return Object.assign(Object.create(store) as ObjectStore, {
    async *list(prefix: string, startAfter?: string, signal?: AbortSignal) {
      await sleep(ms);
      yield* store.list(prefix, startAfter, signal);
    },
  });
}

/** The queue, noting when each receive was asked and when each batch went on. */
function watchedQueue(queue: JobQueue<TransferJob>) {
  const seen = { receives: [] as number[], sent: [] as number[] };
  const watched = new Proxy(queue, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (prop === 'receive')
        return (...args: Parameters<typeof queue.receive>) => {
          seen.receives.push(performance.now());
          return target.receive(...args);
        };
      if (prop === 'sendBatch')
        return async (...args: Parameters<typeof queue.sendBatch>) => {
          await target.sendBatch(...args);
          seen.sent.push(performance.now());
        };
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { watched, seen };
}

/** A task between two fresh buckets (`keys` put at the source), its buckets opened and its state in a fresh SQLite file. */
async function openPass(keys: number) {
  const { src, dst } = await bucketPair();
  await Promise.all(Array.from({ length: keys }, (_, i) => putSource(src, `k/${i}.bin`, bytes(1000 + i, i + 1))));
  const params = parseS3TaskParams(baseParams(src, dst));
  const { queue, status } = await embeddedAdapters.open(params.maxAttempts);
  const buckets = await openTaskBuckets(params, new FileSecretStore(secretsFile()));
  return { params, queue, status, buckets };
}

describe('the worker of a one-process pass', () => {
  it('waits for the finder instead of polling the queue while it lists, and copies what it queues', async () => {
    const { params, queue, status, buckets } = await openPass(3);
    const { watched, seen } = watchedQueue(queue);
    const started = performance.now();
    const report = await runS3Transfer({
      params,
      queue: watched,
      status,
      logger: silentLogger,
      buckets: { ...buckets, source: slowListing(buckets.source, LISTING_DELAY_MS) },
    });

    expect(report.complete).toBe(true);
    expect(report.done).toBe(3);
    expect(seen.sent).toHaveLength(1);
    expect(seen.sent[0] - started).toBeGreaterThanOrEqual(LISTING_DELAY_MS);
    // While the finder listed: one receive on start, then one per 200 ms of silence at most (before: one per 20 ms,
    // ~30 here).
    const whileListing = seen.receives.filter((t) => t < seen.sent[0]).length;
    expect(whileListing).toBeGreaterThanOrEqual(1);
    expect(whileListing).toBeLessThanOrEqual(1 + Math.ceil((seen.sent[0] - started) / 200));
    // The batch is taken as soon as it is on the queue, not at the next poll or timeout.
    const firstAfter = seen.receives.find((t) => t >= seen.sent[0]);
    expect(firstAfter).toBeDefined();
    expect(firstAfter! - seen.sent[0]).toBeLessThan(100);
  });

  it('ends at once when stopped while it waits for the finder', async () => {
    const { params, queue, status, buckets } = await openPass(0);
    const stop = new AbortController();
    // A finder that lists on and queues nothing: the worker idles, waiting for its news.
    const worker = runWorker({
      params,
      source: buckets.source,
      dest: buckets.dest,
      queue,
      status,
      logger: silentLogger,
      exitWhenDrained: true,
      finder: new FinderNews(),
      signal: stop.signal,
    });
    await sleep(250);
    const stoppedAt = performance.now();
    stop.abort(new Error('stopped'));
    await worker;
    // Before: up to the 200 ms limit of the wait it was in.
    expect(performance.now() - stoppedAt).toBeLessThan(60);
  });
});
