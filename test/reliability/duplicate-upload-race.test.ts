/**
 * Two deliveries of one multipart job at once (at-least-once queues do that): the second resumes the upload the first
 * recorded, uploads the parts not yet recorded, and meanwhile the first completes the upload and clears its parts.
 * Before, the second then found its recorded parts short of the object and failed it for good (VerificationError: the
 * message dead-lettered, the task's alarm raised, for a copy that was fine) — 2 of ~80 runs of at-least-once.test.ts.
 * Now that is the upload gone: retried, and the object ends DONE with nothing dead-lettered. The interleaving is forced
 * here: the first delivery is played by hand on the real s3rver and SQLite state, its completion landing at the moment
 * the worker reads its recorded parts back.
 */
import { describe, expect, it } from 'vitest';
import { FileSecretStore } from '../../worker/adapters/embedded/index.js';
import { openTaskBuckets } from '../../worker/adapters/s3/open-buckets.js';
import { silentLogger } from '../../worker/core/log.js';
import type { StatusStore } from '../../worker/ports/status-store.js';
import { runWorker } from '../../worker/s3/job-worker.js';
import { parseS3TaskParams } from '../../worker/s3/params.js';
import {
  baseParams,
  bucketPair,
  bytes,
  embeddedAdapters,
  md5,
  putSource,
  readObject,
  secretsFile,
} from '../s3/engine-fixtures.js';
import { servers } from '../support/servers.js';

const MiB = 1024 * 1024;
const KEY = 'big/raced.bin';

describe('a multipart job delivered twice at once', () => {
  it('ends DONE, byte-identical, with nothing dead-lettered, when the first delivery completes under the second', async () => {
    const { src, dst } = await bucketPair();
    const body = bytes(12 * MiB, 7);
    await putSource(src, KEY, body);
    const params = parseS3TaskParams(
      baseParams(src, dst, { multipartThreshold: '8MiB', chunkSize: '5MiB', maxAttempts: '5' }),
    );
    const { queue, status } = await embeddedAdapters.open(params.maxAttempts);
    const { source, dest } = await openTaskBuckets(params, new FileSecretStore(secretsFile()));
    const head = (await source.head(KEY))!;

    // The first delivery: its upload recorded, part 1 of 5 + 5 + 2 MiB uploaded and recorded.
    await status.markStarted({
      key: KEY,
      size: head.size,
      etag: head.etag,
      attempts: 1,
      startedAt: new Date().toISOString(),
    });
    const uploadId = await dest.createMultipart(KEY, {});
    await status.update(KEY, { uploadId, partSize: 5 * MiB, etag: head.etag });
    const part1 = await dest.uploadPart(KEY, uploadId, 1, body.subarray(0, 5 * MiB), 5 * MiB);
    await status.addPart(KEY, uploadId, { partNumber: 1, etag: part1.etag, size: 5 * MiB });

    // The first delivery completes the upload (with the second's parts 2 and 3, as recorded) and clears its parts
    // just as the second reads them back.
    let firstCompleted = false;
    const racing: StatusStore = new Proxy(status, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver);
        if (prop !== 'listParts') return typeof value === 'function' ? value.bind(target) : value;
        return async (key: string, id: string) => {
          const parts = await target.listParts(key, id);
          if (!firstCompleted && id === uploadId && parts.length === 3) {
            firstCompleted = true;
            await dest.completeMultipart(KEY, uploadId, parts);
            await target.clearParts(KEY, uploadId);
            await target.update(KEY, { uploadId: undefined, partSize: undefined });
            return target.listParts(key, id);
          }
          return parts;
        };
      },
    });

    await queue.sendBatch([{ key: KEY, size: head.size, etag: head.etag }]);
    const report = await runWorker({
      params,
      source,
      dest,
      queue,
      status: racing,
      logger: silentLogger,
      exitWhenDrained: true,
    });

    expect(firstCompleted).toBe(true);
    expect(await queue.depth()).toEqual({ visible: 0, inFlight: 0, deadLettered: 0 });
    expect(report.failed).toBe(0);
    expect(await status.get(KEY)).toMatchObject({ status: 'DONE', verified: true, size: head.size });
    expect(md5(await readObject(servers.s3Dest, dst, KEY))).toBe(md5(body));
  });
});
