/**
 * A multipart copy cut short leaves its upload open at the destination and recorded, so that the next run resumes it.
 * When the next run will not resume it — the source object was overwritten or deleted meanwhile, the task is now cut
 * another way (chunkSize) or copies the object in one request (multipartThreshold) — the upload is aborted and its
 * parts forgotten. Before, each of these left the upload open with its parts stored (billed on AWS), and nothing
 * recorded it any more. A run with no record of the upload (another state file) aborts it too, as the original's worker
 * looked open uploads up by key. The destination is a moto server: it lists open multipart uploads, which s3rver does not.
 */
import { CreateMultipartUploadCommand, DeleteObjectCommand, ListMultipartUploadsCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { withRetryAdvice } from '../../worker/core/errors.js';
import type { ObjectStore } from '../../worker/ports/object-store.js';
import { useMoto } from '../support/moto.js';
import { s3Client, servers } from '../support/servers.js';
import { FileSecretStore } from '../../worker/adapters/embedded/index.js';
import { openTaskBuckets } from '../../worker/adapters/s3/open-buckets.js';
import { createLogger, silentLogger } from '../../worker/core/log.js';
import type { StatusStore } from '../../worker/ports/status-store.js';
import { runS3Transfer } from '../../worker/s3/run-transfer.js';
import { parseS3TaskParams } from '../../worker/s3/params.js';
import { bytes, embeddedAdapters, md5, putSource, runEmbedded, runEngine } from './engine-fixtures.js';
import { cutAfterFirstPart, MiB, motoTask, motoTaskParams, s3rverAndMotoSecrets } from './moto-destination.js';

const moto = useMoto();

/** A 12 MiB source object `big.bin` on s3rver, an empty moto destination, and the task's parameters (5 MiB parts). */
async function setUp() {
  const task = await motoTask(moto, 'stale', 1);
  const { src, dst, motoS3, secretsPath, readDest } = task;
  // One delivery per object: a cut attempt fails at once.
  const params = (extra: Record<string, string> = {}) => task.params({ maxAttempts: '1', ...extra });
  const openUploads = async () =>
    ((await motoS3.send(new ListMultipartUploadsCommand({ Bucket: dst }))).Uploads ?? []).map((u) => u.UploadId);
  // The cut run: the object FAILED, its upload open at the destination and on its record, one part recorded.
  const cut = await runEmbedded(params(), {
    secrets: secretsPath,
    wrap: ({ source, dest }) => ({ source, dest: cutAfterFirstPart(dest) }),
  });
  expect(cut.report).toMatchObject({ failed: 1 });
  const record = await cut.status.get('big.bin');
  expect(record?.uploadId).toBeDefined();
  expect(await openUploads()).toEqual([record?.uploadId]);
  expect(await cut.status.listParts('big.bin', record!.uploadId!)).toHaveLength(1);
  const rerun = (extra: Record<string, string> = {}) =>
    runEmbedded(params(extra), { secrets: secretsPath, db: cut.dbPath });
  return { src, dst, uploadId: record!.uploadId!, openUploads, rerun, readDest };
}

describe('an upload the next run will not resume', () => {
  it('is aborted when the source object was overwritten meanwhile', async () => {
    const t = await setUp();
    const changed = bytes(12 * MiB, 2);
    await putSource(t.src, 'big.bin', changed);
    const { report, status } = await t.rerun();
    expect(report).toMatchObject({ complete: true, done: 1, failed: 0 });
    expect(md5(await t.readDest('big.bin'))).toBe(md5(changed));
    expect(await t.openUploads()).toEqual([]);
    expect(await status.listParts('big.bin', t.uploadId)).toEqual([]);
  });

  it('is aborted when the source object was deleted meanwhile', async () => {
    const t = await setUp();
    await s3Client(servers.s3Source).send(new DeleteObjectCommand({ Bucket: t.src, Key: 'big.bin' }));
    const { status } = await t.rerun();
    expect((await status.get('big.bin'))?.status).toBe('SKIPPED');
    expect(await t.openUploads()).toEqual([]);
    expect((await status.get('big.bin'))?.uploadId).toBeUndefined();
  });

  it('is aborted when the task now cuts the object another way (chunkSize)', async () => {
    const t = await setUp();
    const { report } = await t.rerun({ chunkSize: String(6 * MiB) });
    expect(report).toMatchObject({ complete: true, done: 1 });
    expect(await t.openUploads()).toEqual([]);
  });

  it('is aborted when the task now copies the object in one request (multipartThreshold)', async () => {
    const t = await setUp();
    const { report, status } = await t.rerun({ multipartThreshold: String(64 * MiB) });
    expect(report).toMatchObject({ complete: true, done: 1 });
    expect(await t.openUploads()).toEqual([]);
    expect((await status.get('big.bin'))?.uploadId).toBeUndefined();
  });

  it('and one the next run resumes is completed, not aborted', async () => {
    const t = await setUp();
    const { report, status } = await t.rerun();
    expect(report).toMatchObject({ complete: true, done: 1 });
    expect(await t.openUploads()).toEqual([]);
    expect((await status.get('big.bin'))?.uploadId).toBeUndefined();
    expect(md5(await t.readDest('big.bin'))).toBe(md5(bytes(12 * MiB, 1)));
  });
});

describe('an upload begun by an attempt that died before recording it', () => {
  // Before: a kill between CreateMultipartUpload's answer and the record of its uploadId left the upload open and
  // unknown; the rerun copied the object afresh and ended DONE with the empty upload still there (hubscale probe).
  it.each([
    ['a multipart copy', {}],
    ['the split of a giant object', { giantFileThreshold: '10MiB' }],
  ])(
    "is aborted by the next run (every upload open for that key); other keys' uploads are left alone: %s",
    async (_, extra) => {
      const { dst, motoS3, secretsPath, params: paramsWith, readDest } = await motoTask(moto, 'unrec', 3);
      const params = paramsWith({ maxAttempts: '1', ...extra });
      const other = await motoS3.send(new CreateMultipartUploadCommand({ Bucket: dst, Key: 'big.bin.other' }));
      // The attempts: the destination creates the upload, then the worker "dies" before recording it; its record is
      // then left IN_PROGRESS without an uploadId, as a kill -9 at that point leaves it.
      const orphans: string[] = [];
      const dies = await runEmbedded(params, {
        secrets: secretsPath,
        wrap: ({ source, dest }) => ({
          source,
          dest: Object.assign(Object.create(dest) as ObjectStore, {
            async createMultipart(...args: Parameters<ObjectStore['createMultipart']>) {
              orphans.push(await dest.createMultipart(...args));
              throw withRetryAdvice(new Error('killed'), { retryable: false });
            },
          }),
        }),
      });
      await dies.status.update('big.bin', { status: 'IN_PROGRESS', uploadId: undefined, error: undefined });
      const open = async () =>
        ((await motoS3.send(new ListMultipartUploadsCommand({ Bucket: dst }))).Uploads ?? [])
          .map((u) => u.UploadId)
          .sort();
      expect(orphans.length).toBeGreaterThan(0);
      expect(await open()).toEqual([other.UploadId, ...orphans].sort());
      // The destination's own listing (moto's XML through our reader): that key's uploads, not big.bin.other's.
      const opened = await openTaskBuckets(parseS3TaskParams(params), new FileSecretStore(secretsPath));
      expect((await opened.dest.listUploads('big.bin')).map((u) => u.uploadId).sort()).toEqual([...orphans].sort());

      const lines: Record<string, unknown>[] = [];
      const logger = createLogger(
        { role: 'test' },
        { write: (l) => lines.push(JSON.parse(l) as Record<string, unknown>) },
      );
      const { report } = await runEngine(embeddedAdapters, params, { secrets: secretsPath, db: dies.dbPath, logger });
      expect(report).toMatchObject({ complete: true, done: 1 });
      expect(await open()).toEqual([other.UploadId]);
      expect(md5(await readDest('big.bin'))).toBe(md5(bytes(12 * MiB, 3)));
      expect(
        lines.some((l) => l.event === 'transfer.upload_not_aborted' || l.event === 'transfer.upload_lookup_failed'),
      ).toBe(false);
    },
  );

  it("is aborted when a giant object's split job comes back after its upload went unrecorded (the status write failed)", async () => {
    // In the cloud fleet no next run tidies up: the split job's next delivery is what finds the orphan. Before, it
    // opened a new upload beside it, and the object ended DONE with the first upload open for good.
    const { dst, motoS3, secretsPath, params: paramsWith, readDest } = await motoTask(moto, 'unrec-giant', 4);
    const params = parseS3TaskParams(paramsWith({ giantFileThreshold: '10MiB' }));
    const { queue, status } = await embeddedAdapters.open(params.maxAttempts);
    let failedOnce = false;
    const statusLosingFirstUpload: StatusStore = Object.assign(Object.create(status) as StatusStore, {
      updateIf(...args: Parameters<StatusStore['updateIf']>) {
        if (failedOnce || args[2].uploadId === undefined) return status.updateIf(...args);
        failedOnce = true;
        return Promise.reject(withRetryAdvice(new Error('status table out of reach'), { retryable: true }));
      },
    });
    const report = await runS3Transfer({
      params,
      queue,
      status: statusLosingFirstUpload,
      logger: silentLogger,
      buckets: await openTaskBuckets(params, new FileSecretStore(secretsPath)),
    });
    expect(failedOnce).toBe(true);
    expect(report).toMatchObject({ complete: true, done: 1, failed: 0 });
    expect(md5(await readDest('big.bin'))).toBe(md5(bytes(12 * MiB, 4)));
    expect((await motoS3.send(new ListMultipartUploadsCommand({ Bucket: dst }))).Uploads ?? []).toEqual([]);
  });

  it('is aborted by a run that has no record of it (its state lost), which copies the object afresh', async () => {
    const t = await setUp();
    // Another state file: nothing names the upload the cut run left open.
    const { report, status } = await runEmbedded(motoTaskParams(moto, t.src, t.dst, { maxAttempts: '1' }), {
      secrets: s3rverAndMotoSecrets(),
    });
    expect(report).toMatchObject({ complete: true, done: 1, failed: 0 });
    expect(await t.openUploads()).toEqual([]);
    expect((await status.get('big.bin'))?.uploadId).toBeUndefined();
    expect(md5(await t.readDest('big.bin'))).toBe(md5(bytes(12 * MiB, 1)));
  });
});
