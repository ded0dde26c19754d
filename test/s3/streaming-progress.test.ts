/**
 * Progress counts an object's bytes while it streams, not only when it is finished (a console showed 95 % and half an
 * hour left 23 s before the end). A 12 MiB object is copied in one streamed PUT between two s3rver buckets; the
 * destination's PUT reads its body slowly (a Proxy over the real store: s3rver cannot be made slow), so progress is
 * sampled many times mid-object.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Readable, Transform } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { FileSecretStore } from '../../worker/adapters/embedded/index.js';
import { openTaskBuckets } from '../../worker/adapters/s3/open-buckets.js';
import { silentLogger } from '../../worker/core/log.js';
import type { ObjectStore } from '../../worker/ports/object-store.js';
import { parseS3TaskParams } from '../../worker/s3/params.js';
import { runS3Transfer, type TransferOptions, type TransferProgress } from '../../worker/s3/run-transfer.js';
import { baseParams, bucketPair, bytes, embeddedAdapters, putSource, secretsFile } from './engine-fixtures.js';

const MiB = 1024 * 1024;

/** A destination whose PUT takes its body a chunk every few milliseconds. */
function slowPuts(dest: ObjectStore): ObjectStore {
  return new Proxy(dest, {
    get(target, prop, receiver) {
      if (prop !== 'put') return Reflect.get(target, prop, receiver);
      return (key: string, body: unknown, ...rest: unknown[]) => {
        const slow =
          body instanceof Readable
            ? body.pipe(
                new Transform({
                  transform(chunk, _enc, cb) {
                    void sleep(4).then(() => cb(null, chunk));
                  },
                }),
              )
            : body;
        return (target.put as (...a: unknown[]) => Promise<unknown>)(key, slow, ...rest);
      };
    },
  });
}

/** One embedded run of a task between two s3rver buckets, in state of its own, the destination's PUTs slowed where asked. */
async function transfer(
  raw: Record<string, string>,
  options: Pick<TransferOptions, 'signal' | 'onProgress' | 'progressIntervalMs'> & { slowDest?: boolean },
) {
  const params = parseS3TaskParams(raw);
  const { queue, status } = await embeddedAdapters.open(params.maxAttempts);
  const opened = await openTaskBuckets(params, new FileSecretStore(secretsFile()));
  const { slowDest, ...rest } = options;
  const dest = slowDest ? slowPuts(opened.dest) : opened.dest;
  return runS3Transfer({ params, queue, status, logger: silentLogger, buckets: { ...opened, dest }, ...rest });
}

describe('transfer progress', () => {
  it('counts the bytes of an object while it streams, so percent and time left follow the data', async () => {
    const { src, dst } = await bucketPair();
    await putSource(src, 'big.bin', bytes(12 * MiB, 7));
    const params = parseS3TaskParams(baseParams(src, dst, { multipartThreshold: '64MiB' }));
    const { queue, status } = await embeddedAdapters.open(params.maxAttempts);
    const opened = await openTaskBuckets(params, new FileSecretStore(secretsFile()));
    const samples: TransferProgress[] = [];
    const report = await runS3Transfer({
      params,
      queue,
      status,
      logger: silentLogger,
      buckets: { source: opened.source, dest: slowPuts(opened.dest) },
      onProgress: (p) => samples.push(p),
      progressIntervalMs: 25,
    });
    expect(report.complete).toBe(true);
    const midObject = samples.filter((p) => p.done === 0 && p.bytesDone > 0 && p.bytesDone < 12 * MiB);
    // Several samples while the one object was still on its way, each with more bytes than the one before.
    expect(midObject.length).toBeGreaterThan(3);
    for (let i = 1; i < midObject.length; i++)
      expect(midObject[i].bytesDone).toBeGreaterThanOrEqual(midObject[i - 1].bytesDone);
    expect(midObject.some((p) => p.etaSeconds !== undefined)).toBe(true);
    expect(samples.every((p) => p.bytesDone <= p.bytesTotal || p.bytesTotal === 0)).toBe(true);
    expect(samples.at(-1)).toMatchObject({ done: 1, bytesDone: 12 * MiB, bytesTotal: 12 * MiB });
    // The pass's own counts (what the hub charts) grow to what the report says it copied.
    expect(midObject.every((p) => p.pass.copied === 0)).toBe(true);
    expect(samples.at(-1)?.pass).toEqual({ copied: 1, bytes: 12 * MiB, failed: 0 });

    // The object changes at the source: the next pass's counts are its own (1, not 2) and count the copy again.
    await putSource(src, 'big.bin', bytes(12 * MiB, 8));
    const again: TransferProgress[] = [];
    await runS3Transfer({
      params,
      queue,
      status,
      logger: silentLogger,
      buckets: opened,
      onProgress: (p) => again.push(p),
      progressIntervalMs: 25,
    });
    expect(again.at(-1)?.pass).toEqual({ copied: 1, bytes: 12 * MiB, failed: 0 });
  });

  it("a stopped run says so: its last sample is 'stopped' and its report counts the copies it made, not what it queued", async () => {
    const { src, dst } = await bucketPair();
    await putSource(src, 'a-big.bin', bytes(12 * MiB, 9));
    await putSource(src, 'b.txt', 'bravo!');
    await putSource(src, 'c.txt', 'charlie');
    // One object at a time, so the small ones wait behind the big one.
    const samples: TransferProgress[] = [];
    const stop = new AbortController();
    const report = await transfer(baseParams(src, dst, { multipartThreshold: '64MiB', workerNumber: '1' }), {
      slowDest: true,
      signal: stop.signal,
      onProgress: (p) => {
        samples.push(p);
        // The big object is on its way: stop (it finishes; nothing new starts).
        if (p.bytesDone > 0) stop.abort(new Error('SIGINT'));
      },
      progressIntervalMs: 25,
    });
    expect(report.complete).toBe(false);
    expect(report.queued).toEqual({ objects: 3, bytes: 12 * MiB + 'bravo!'.length + 'charlie'.length });
    expect(report.copied).toEqual({ objects: 1, bytes: 12 * MiB });
    expect(report).toMatchObject({ done: 1, pending: 2 });
    expect(samples.at(-1)?.phase).toBe('stopped');
    expect(samples.slice(0, -1).every((p) => p.phase !== 'stopped' && p.phase !== 'done')).toBe(true);
  });

  it('a stop that comes after the last copy (Ctrl-C while the summary is made) leaves the run complete', async () => {
    const { src, dst } = await bucketPair();
    for (let i = 0; i < 3; i++) await putSource(src, `k${i}`, `body ${i}`);
    const stop = new AbortController();
    const report = await transfer(baseParams(src, dst), {
      signal: stop.signal,
      // The stop lands with the run's last report, every object copied and verified.
      onProgress: (p) => {
        if (p.done === 3) stop.abort(new Error('SIGINT'));
      },
      progressIntervalMs: 10,
    });
    expect(stop.signal.aborted).toBe(true);
    // Before: complete: false (and `dth s3 sync` exit 1 / "Stopped") for a run that had nothing left to do.
    expect(report).toMatchObject({ complete: true, done: 3, pending: 0, failed: 0 });
  });
});
