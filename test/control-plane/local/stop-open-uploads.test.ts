/**
 * A local S3 task stopped in the middle of a multipart copy never resumes, so its open upload is aborted at the
 * destination and the object goes back to PENDING (before: the upload stayed open with its parts stored — billed on
 * AWS — and the record stayed IN_PROGRESS on the STOPPED task). The real engine runs under the real orchestrator: the
 * source is an s3rver whose part reads a fault proxy slows down, the destination a moto server (it lists open
 * multipart uploads, which s3rver does not implement).
 *
 * The same holds when the hub dies while the task is STOPPING: the next start finishes the stop as a live one ends
 * (before, it only wrote STOPPED: the uploads stayed open for good, the records IN_PROGRESS, and no progressInfo).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  ListMultipartUploadsCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { afterEach, describe, expect, it } from 'vitest';
import { STOP_CLEANUP_STEP_MS } from '../../../control-plane/local/engines.js';
import { RunLedger } from '../../../control-plane/local/task-runs.js';
import { SqliteStatusStore } from '../../../worker/adapters/embedded/index.js';
import { localS3Hub, s3TaskRecord } from './local-s3-task.js';
import { startFaultProxy, type FaultProxy } from '../../support/fault-proxy.js';
import { useMoto } from '../../support/moto.js';
import { createBucket, servers } from '../../support/servers.js';
import { putSource } from '../../s3/engine-fixtures.js';
import { motoTaskParams, s3rverAndMotoSecrets } from '../../s3/moto-destination.js';

const moto = useMoto();
const MiB = 1024 * 1024;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((c) => c()));
});

/**
 * A local S3 task running a multipart copy under the real orchestrator: every ranged read of a part waits 5 s, so once
 * its upload is open, 4 of its 12 parts are on their way for a while.
 */
async function taskInMultipartCopy(name: string, options: { destEndpoint?: string } = {}) {
  const src = await createBucket(servers.s3Source, `${name}-src`);
  await putSource(src, 'big.bin', Buffer.alloc(60 * MiB, 7));
  const dst = `${name}-dst`;
  const motoS3 = new S3Client({ ...moto.clientConfig(), forcePathStyle: true });
  await motoS3.send(new CreateBucketCommand({ Bucket: dst }));
  const slow: FaultProxy = await startFaultProxy({
    target: servers.s3Source,
    rates: { slow: 1 },
    slowMs: 5_000,
    faultOps: ['GetObject'],
  });
  const { db, tasks, orchestrator, close } = localS3Hub(s3rverAndMotoSecrets());
  cleanups.push(async () => {
    await close();
    await slow.close();
  });
  const endpoints = {
    srcEndpoint: slow.endpoint,
    ...(options.destEndpoint ? { destEndpoint: options.destEndpoint } : {}),
  };
  const task = s3TaskRecord(`${name}-task`, motoTaskParams(moto, src, dst, endpoints));
  await tasks.put(task);
  await orchestrator.start(task);
  const status = new SqliteStatusStore(db, task.id);
  let open: string | undefined;
  for (let i = 0; i < 300 && !open; i++) {
    open = (await status.get('big.bin'))?.uploadId;
    if (!open) await sleep(50);
  }
  expect(open, 'the copy opened a multipart upload').toBeDefined();
  const openUploads = async () =>
    ((await motoS3.send(new ListMultipartUploadsCommand({ Bucket: dst }))).Uploads ?? []).map((u) => u.UploadId);
  expect(await openUploads()).toEqual([open]);
  /** The task's own log (as getLogEvents reads it), parsed. */
  const taskLog = () =>
    (
      db.prepare('SELECT message FROM task_logs WHERE task_id = ? ORDER BY seq').all(task.id) as { message: string }[]
    ).map((row) => JSON.parse(row.message));
  return { orchestrator, task, tasks, status, openUploads, taskLog };
}

describe('stopping a local S3 task in the middle of a multipart copy', () => {
  it('aborts its open upload at the destination and leaves the object PENDING', async () => {
    const { orchestrator, task, status, openUploads } = await taskInMultipartCopy('stop-upload');
    await orchestrator.stop(task);
    expect(await openUploads()).toEqual([]);
    const record = await status.get('big.bin');
    expect(record?.status).toBe('PENDING');
    expect(record?.uploadId).toBeUndefined();
  }, 90_000);

  it('does so too when the hub shuts down while the stop is under way (a SIGTERM just after stopTask)', async () => {
    // Before: the shutdown took the run for one to resume, so nothing was cleaned up, and the stop wrote STOPPED.
    const { orchestrator, task, tasks, status, openUploads } = await taskInMultipartCopy('stop-then-shutdown');
    const stopping = orchestrator.stop(task);
    await orchestrator.shutdown();
    await stopping;
    expect(await openUploads()).toEqual([]);
    expect(await status.get('big.bin')).toMatchObject({ status: 'PENDING' });
    expect((await status.get('big.bin'))?.uploadId).toBeUndefined();
    expect((await tasks.get(task.id))?.progress).toBe('STOPPED');
  }, 90_000);
});

describe('a destination that does not answer the stop clean-up', () => {
  it('holds the stop at most STOP_CLEANUP_STEP_MS per step: the upload is logged as left open, the object PENDING', async () => {
    // Before: each HEAD and abort waited for the socket timeout (300 s), and stopTask with them.
    let holding = false;
    const dest = await startFaultProxy({
      target: moto.endpoint,
      rates: { slow: 1 },
      slowMs: 120_000,
      faultOps: ['HeadObject', 'AbortMultipartUpload'],
      faultWhen: () => holding,
    });
    cleanups.push(() => dest.close());
    const { orchestrator, task, tasks, status, openUploads, taskLog } = await taskInMultipartCopy('stop-unanswered', {
      destEndpoint: dest.endpoint,
    });
    const [open] = await openUploads();
    holding = true;
    const asked = Date.now();
    await orchestrator.stop(task);
    expect(Date.now() - asked, 'the stop waited for the held requests').toBeLessThan(2 * STOP_CLEANUP_STEP_MS + 10_000);
    expect(dest.faultCount('slow'), 'the destination held the clean-up').toBeGreaterThan(0);
    expect((await tasks.get(task.id))?.progress).toBe('STOPPED');
    // The proxy passed the abort on and held its answer: unanswered, it is not taken as done — the record keeps the
    // upload and the log names it, as for an abort the destination refuses.
    expect(await status.get('big.bin')).toMatchObject({ status: 'PENDING', uploadId: open });
    const notAborted = taskLog().filter((l) => l.event === 'transfer.upload_not_aborted');
    expect(notAborted).toEqual([expect.objectContaining({ key: 'big.bin', uploadId: open })]);
    expect(notAborted[0].error.message).toMatch(/AbortMultipartUpload "big.bin": TimeoutError: .*timeout/);
  }, 120_000);
});

describe('a hub that died while a local S3 task was STOPPING', () => {
  it('finishes the stop at its next start: uploads aborted, objects settled or PENDING, counts recorded', async () => {
    const src = await createBucket(servers.s3Source, 'stopping-src');
    const landed = Buffer.alloc(1000, 1);
    await putSource(src, 'landed.bin', landed);
    await putSource(src, 'cut.bin', Buffer.alloc(1000, 2));
    await putSource(src, 'big.bin', Buffer.alloc(12 * MiB, 3));
    const dst = 'stopping-dst';
    const motoS3 = new S3Client({ ...moto.clientConfig(), forcePathStyle: true });
    await motoS3.send(new CreateBucketCommand({ Bucket: dst }));
    // What the killed run left at the destination: landed.bin copied (its DONE not recorded yet), big.bin's upload open.
    await motoS3.send(new PutObjectCommand({ Bucket: dst, Key: 'landed.bin', Body: landed }));
    const { UploadId } = await motoS3.send(new CreateMultipartUploadCommand({ Bucket: dst, Key: 'big.bin' }));
    const uploadId = UploadId ?? '';
    await motoS3.send(
      new UploadPartCommand({ Bucket: dst, Key: 'big.bin', UploadId, PartNumber: 1, Body: Buffer.alloc(5 * MiB, 3) }),
    );

    const lines: string[] = [];
    const { db, tasks, orchestrator, close } = localS3Hub(s3rverAndMotoSecrets(), lines);
    cleanups.push(close);
    const task = s3TaskRecord('stopping-task', motoTaskParams(moto, src, dst), 'STOPPING');
    await tasks.put(task);
    const status = new SqliteStatusStore(db, task.id);
    await status.put({ key: 'landed.bin', size: 1000, status: 'IN_PROGRESS', attempts: 1 });
    await status.put({ key: 'cut.bin', size: 1000, status: 'IN_PROGRESS', attempts: 1, bytesDone: 500 });
    await status.put({
      key: 'big.bin',
      size: 12 * MiB,
      status: 'IN_PROGRESS',
      attempts: 1,
      uploadId,
      partSize: 5 * MiB,
      bytesDone: 5 * MiB,
    });
    new RunLedger(db).started(task.id, 0); // the killed run's row

    expect(await orchestrator.resumeUnfinished()).toBe(0);

    expect((await motoS3.send(new ListMultipartUploadsCommand({ Bucket: dst }))).Uploads ?? []).toEqual([]);
    const big = await status.get('big.bin');
    expect(big?.status).toBe('PENDING');
    expect(big?.uploadId).toBeUndefined();
    expect((await status.get('cut.bin'))?.status).toBe('PENDING');
    expect(await status.get('landed.bin')).toMatchObject({ status: 'DONE', verified: true });
    const stopped = await tasks.get(task.id);
    expect(stopped?.progress).toBe('STOPPED');
    expect(stopped?.stoppedAt).toBeTruthy();
    expect(stopped?.progressInfo).toEqual({
      total: 3,
      replicated: 1,
      failed: 0,
      skipped: 0,
      verified: 1,
      bytesTotal: 2000 + 12 * MiB,
      bytesDone: 1000,
    });
    // It is not counted as a run the hub died under, and nothing is left to resume.
    expect(new RunLedger(db).countInterruption(task.id, 1)).toBe(0);
    expect(lines.join('\n')).not.toMatch(/hub\.resume_task/);
  }, 60_000);
});
