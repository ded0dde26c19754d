import { describe, expect, it } from 'vitest';
import {
  FileSecretStore,
  openSqliteDatabase,
  SqliteJobQueue,
  SqliteStatusStore,
} from '../../worker/adapters/embedded/index.js';
import { openTaskBuckets } from '../../worker/adapters/s3/open-buckets.js';
import { silentLogger } from '../../worker/core/log.js';
import type { ObjectStore } from '../../worker/ports/object-store.js';
import { runWorker } from '../../worker/s3/job-worker.js';
import { parseS3TaskParams } from '../../worker/s3/params.js';
import { servers } from '../support/servers.js';
import {
  baseParams,
  bucketPair,
  bytes,
  md5,
  putSource,
  readObject,
  runEmbedded,
  secretsFile,
} from './engine-fixtures.js';
import { toActionableError } from '../../worker/adapters/s3/s3-errors.js';

const MiB = 1024 * 1024;

/** The real destination, with uploadPart counted and (optionally) failing like a crash after `crashAfter` parts. */
function countingDest(dest: ObjectStore, counter: { parts: number[] }, crashAfter?: number): ObjectStore {
  return new Proxy(dest, {
    get(target, prop, receiver) {
      if (prop === 'uploadPart') {
        return async (...args: Parameters<ObjectStore['uploadPart']>) => {
          if (crashAfter !== undefined && counter.parts.length >= crashAfter) throw new Error('simulated crash');
          const out = await target.uploadPart(...args);
          counter.parts.push(args[2]);
          return out;
        };
      }
      const v = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

describe('S3 engine resilience', () => {
  it('resumes a multipart upload after a crash without re-sending finished parts', async () => {
    const { src, dst } = await bucketPair();
    const body = bytes(26 * MiB, 9); // 6 parts of 5 MiB (last one 1 MiB)
    await putSource(src, 'big.bin', body);
    const raw = baseParams(src, dst, { partConcurrency: '1', maxAttempts: '1' });

    const firstParts = { parts: [] as number[] };
    const crashed = await runEmbedded(raw, {
      wrap: (b) => ({ source: b.source, dest: countingDest(b.dest, firstParts, 3) }),
    });
    expect(crashed.report.complete).toBe(false);
    expect(firstParts.parts).toEqual([1, 2, 3]);
    const record = await crashed.status.get('big.bin');
    expect(record?.status).toBe('FAILED');
    expect(record?.uploadId).toBeTruthy();

    const secondParts = { parts: [] as number[] };
    const resumed = await runEmbedded(raw, {
      db: crashed.dbPath,
      wrap: (b) => ({ source: b.source, dest: countingDest(b.dest, secondParts) }),
    });
    expect(resumed.report.complete).toBe(true);
    expect(secondParts.parts.sort()).toEqual([4, 5, 6]);
    const copy = await readObject(servers.s3Dest, dst, 'big.bin');
    expect(md5(copy)).toBe(md5(body));
    expect((await resumed.status.get('big.bin'))?.verified).toBe(true);
  });

  it('copies a small object with one GET and one PUT (the ETags prove it; no HEADs)', async () => {
    const { src, dst } = await bucketPair();
    await putSource(src, 'tiny.txt', 'tiny');
    const calls: string[] = [];
    const counting = (side: string, store: ObjectStore): ObjectStore =>
      new Proxy(store, {
        get(target, prop, receiver) {
          const v = Reflect.get(target, prop, receiver);
          if (typeof v !== 'function') return v;
          return (...args: unknown[]) => {
            if (['head', 'open', 'get', 'put', 'getTags'].includes(String(prop))) calls.push(`${side}.${String(prop)}`);
            return v.apply(target, args);
          };
        },
      });
    const run = await runEmbedded(baseParams(src, dst), {
      wrap: (b) => ({ source: counting('src', b.source), dest: counting('dst', b.dest) }),
    });
    expect(run.report.verified).toBe(1);
    expect(calls).toEqual(['src.open', 'dst.put']);
    expect((await readObject(servers.s3Dest, dst, 'tiny.txt')).toString()).toBe('tiny');
  });

  it('dead-letters an object after maxAttempts failures and marks it FAILED with the error', async () => {
    const { src, dst } = await bucketPair();
    await putSource(src, 'flaky.bin', bytes(9 * MiB, 3));
    await putSource(src, 'fine.txt', 'ok');
    const raw = baseParams(src, dst, { maxAttempts: '2' });
    const failing = (d: ObjectStore): ObjectStore =>
      new Proxy(d, {
        get(target, prop, receiver) {
          if (prop === 'uploadPart') {
            // The error the S3 adapter makes of a 500 answer to UploadPart (it carries the retry advice the engine reads).
            return async () => {
              throw toActionableError(
                Object.assign(new Error('We encountered an internal error'), {
                  name: 'InternalError',
                  $metadata: { httpStatusCode: 500 },
                }),
                {
                  side: 'destination',
                  bucket: dst,
                  operation: 'UploadPart',
                  key: 'flaky.bin',
                  endpoint: servers.s3Dest,
                },
              );
            };
          }
          const v = Reflect.get(target, prop, receiver);
          return typeof v === 'function' ? v.bind(target) : v;
        },
      });
    const run = await runEmbedded(raw, { wrap: (b) => ({ source: b.source, dest: failing(b.dest) }) });
    expect(run.report.complete).toBe(false);
    expect(run.report.failed).toBe(1);
    const rec = await run.status.get('flaky.bin');
    expect(rec).toMatchObject({ status: 'FAILED', attempts: 2 });
    expect(rec?.error).toMatch(/internal error/i);
    expect((await run.queue.depth()).deadLettered).toBe(1);
    expect((await readObject(servers.s3Dest, dst, 'fine.txt')).toString()).toBe('ok');
  });

  it('handles S3 event messages: ObjectCreated copies, ObjectRemoved deletes when propagation is on', async () => {
    const { src, dst } = await bucketPair();
    await putSource(src, 'new file.txt', 'created by event');
    const params = parseS3TaskParams(baseParams(src, dst, { srcEvent: 'CreateAndDelete' }));
    const db = openSqliteDatabase(':memory:');
    const queue = new SqliteJobQueue<unknown>(db, 'events', { maxReceiveCount: 3 });
    const status = new SqliteStatusStore(db, 'events');
    const { source, dest } = await openTaskBuckets(params, new FileSecretStore(secretsFile()));
    // gone.txt was deleted at the source (S3 sends ObjectRemoved after the deletion); its copy is still here.
    await dest.put('gone.txt', Buffer.from('old copy'), 8, {});
    await queue.sendBatch([
      {
        Records: [
          { eventName: 'ObjectCreated:Put', s3: { bucket: { name: src }, object: { key: 'new+file.txt', size: 16 } } },
        ],
      },
      { Records: [{ eventName: 'ObjectRemoved:Delete', s3: { bucket: { name: src }, object: { key: 'gone.txt' } } }] },
      { Event: 's3:TestEvent' },
    ]);
    await runWorker({ params, source, dest, queue, status, logger: silentLogger, exitWhenDrained: true });
    expect((await readObject(servers.s3Dest, dst, 'new file.txt')).toString()).toBe('created by event');
    await expect(readObject(servers.s3Dest, dst, 'gone.txt')).rejects.toThrow();
    expect((await status.get('gone.txt'))?.status).toBe('DELETED');
    expect((await status.get('new file.txt'))?.status).toBe('DONE');
  });
});
