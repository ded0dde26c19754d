/**
 * Near-real-time copies from S3 event notifications, end to end on real servers: an in-process s3rver emits its
 * object events, a forwarder delivers them to an SQS queue (fauxqs) the way S3 does (keys URL-encoded, S3's
 * `s3:TestEvent` first), and a long-running worker consumes them. Neither server delivers notifications by itself.
 * What S3's own notification filter does (srcPrefix, event types) is checked on the synthesized plugin template.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { CreateBucketCommand, DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureSqsQueue, SqsJobQueue } from '../../worker/adapters/aws/index.js';
import { FileSecretStore, openSqliteDatabase, SqliteStatusStore } from '../../worker/adapters/embedded/index.js';
import { openTaskBuckets } from '../../worker/adapters/s3/open-buckets.js';
import { createLogger } from '../../worker/core/log.js';
import { runWorker, type WorkerReport } from '../../worker/s3/job-worker.js';
import { parseS3TaskParams } from '../../worker/s3/params.js';
import { localSqsClient } from '../adapters/aws/clients.js';
import { createBucket, s3Client, servers, uniqueName } from '../support/servers.js';
import { bytes, readObject, secretsFile } from './engine-fixtures.js';
import { startFaultProxy } from '../support/fault-proxy.js';
import { startS3rver, type S3rverEvent } from './in-process-s3rver.js';

const sqs = localSqsClient();
let s3rver: Awaited<ReturnType<typeof startS3rver>>['server'];
let endpoint: string;
let forwarding: Promise<unknown> = Promise.resolve();
let queueUrl = '';

/** S3 URL-encodes the key of an event (space as '+'). */
function awsEventKey(key: string): string {
  return encodeURIComponent(key).replace(/%20/g, '+').replace(/%2F/g, '/');
}

beforeAll(async () => {
  ({ server: s3rver, endpoint } = await startS3rver());
  s3rver.on('event', (event: S3rverEvent) => {
    for (const r of event.Records) r.s3.object.key = awsEventKey(r.s3.object.key);
    if (!queueUrl) return;
    const url = queueUrl;
    forwarding = forwarding.then(() =>
      sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: JSON.stringify(event) })),
    );
  });
});

afterAll(async () => {
  await s3rver.close();
});

/**
 * `intoSourceBucket`: the copies go to `data/copies/` of the source bucket itself (so their own events come back).
 * `sourceVia`: the worker reads the source through this endpoint (a fault proxy in front of the s3rver).
 */
async function eventTask(
  srcEvent: 'Create' | 'CreateAndDelete',
  options: { intoSourceBucket?: boolean; sourceVia?: string; params?: Record<string, string> } = {},
) {
  const src = uniqueName('evsrc');
  await s3Client(endpoint).send(new CreateBucketCommand({ Bucket: src }));
  const dst = options.intoSourceBucket ? src : await createBucket(servers.s3Dest, 'evdst');
  const name = uniqueName('events');
  const { queueUrl: url, dlqUrl } = await ensureSqsQueue(sqs, name, { maxReceiveCount: 3, visibilityTimeoutSec: 30 });
  queueUrl = url;
  // What S3 sends once when the notification is configured.
  await sqs.send(
    new SendMessageCommand({
      QueueUrl: url,
      MessageBody: JSON.stringify({
        Service: 'Amazon S3',
        Event: 's3:TestEvent',
        Time: new Date().toISOString(),
        Bucket: src,
        RequestId: 'R',
        HostId: 'H',
      }),
    }),
  );
  const params = parseS3TaskParams({
    srcType: 'Amazon_S3',
    srcEndpoint: options.sourceVia ?? endpoint,
    srcBucket: src,
    srcCredentials: 's3rver',
    srcPrefix: 'data/',
    exclude: '**/*.tmp',
    srcEvent,
    destEndpoint: options.intoSourceBucket ? endpoint : servers.s3Dest,
    destBucket: dst,
    ...(options.intoSourceBucket ? { destPrefix: 'data/copies' } : {}),
    destRegion: 'us-east-1',
    destCredentials: 's3rver',
    ...options.params,
  });
  const queue = new SqsJobQueue<unknown>({ client: sqs, queueUrl: url, dlqUrl });
  const status = new SqliteStatusStore(openSqliteDatabase(':memory:'), 't');
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger(
    { role: 'worker' },
    { write: (l) => lines.push(JSON.parse(l) as Record<string, unknown>) },
  );
  const { source, dest } = await openTaskBuckets(params, new FileSecretStore(secretsFile()));
  const stop = new AbortController();
  const worker = runWorker({
    params,
    source,
    dest,
    queue,
    status,
    logger,
    signal: stop.signal,
    visibilityTimeoutSec: 30,
  });
  const put = (key: string, body: string | Buffer) =>
    s3Client(endpoint).send(new PutObjectCommand({ Bucket: src, Key: key, Body: body }));
  const remove = (key: string) => s3Client(endpoint).send(new DeleteObjectCommand({ Bucket: src, Key: key }));
  /** Waits until the queue is empty (every event forwarded and handled), then stops the worker. */
  const settle = async (): Promise<WorkerReport> => {
    await forwarding;
    for (let i = 0; i < 200; i++) {
      const d = await queue.depth();
      if (d.visible === 0 && d.inFlight === 0) break;
      await sleep(100);
    }
    stop.abort();
    return worker;
  };
  /** Delivers an event as S3 would, at a moment the test chooses (events reach workers in any order). */
  const deliver = (eventName: string, key: string) =>
    sqs.send(
      new SendMessageCommand({
        QueueUrl: url,
        MessageBody: JSON.stringify({
          Records: [
            { eventSource: 'aws:s3', eventName, s3: { bucket: { name: src }, object: { key: awsEventKey(key) } } },
          ],
        }),
      }),
    );
  return { src, dst, queue, status, lines, put, remove, settle, deliver };
}

/**
 * A fault proxy in front of the source whose first GetObject is answered `slowMs` late (its bytes already read from
 * the store), and a promise of the moment the store answered it.
 */
async function lateFirstRead(slowMs: number) {
  const proxy = await startFaultProxy({
    target: endpoint,
    rates: { slow: 1 },
    limits: { slow: 1 },
    faultOps: ['GetObject'],
    slowMs,
  });
  const firstRead = new Promise<void>((resolve) =>
    proxy.events.on('response', (op: string) => op === 'GetObject' && resolve()),
  );
  return { proxy, firstRead };
}

async function exists(dst: string, key: string, at = servers.s3Dest): Promise<boolean> {
  return readObject(at, dst, key).then(
    () => true,
    () => false,
  );
}

describe('S3 event notifications', () => {
  it('copies created objects under srcPrefix that include/exclude keep, deletes removed ones (CreateAndDelete), and ignores the test event', async () => {
    const t = await eventTask('CreateAndDelete');
    await t.put('data/a b+c.txt', 'spaces and plus');
    await t.put('data/old.txt', 'to be removed');
    await t.put('data/scratch.tmp', 'excluded');
    await t.put('other/outside.txt', 'outside srcPrefix');
    await forwarding;
    for (let i = 0; i < 100 && !(await exists(t.dst, 'data/old.txt')); i++) await sleep(100);
    await t.remove('data/old.txt');
    const report = await t.settle();

    expect((await readObject(servers.s3Dest, t.dst, 'data/a b+c.txt')).toString()).toBe('spaces and plus');
    expect(await exists(t.dst, 'data/old.txt')).toBe(false);
    expect(await exists(t.dst, 'data/scratch.tmp')).toBe(false);
    expect(await exists(t.dst, 'other/outside.txt')).toBe(false);
    expect(await t.status.get('data/old.txt')).toMatchObject({ status: 'DELETED' });
    // Each deletion at the destination is said in the worker log (before: only the status record showed it).
    expect(t.lines.filter((l) => l.event === 'worker.deleted')).toEqual([
      expect.objectContaining({ level: 'info', key: 'data/old.txt', destKey: 'data/old.txt' }),
    ]);
    expect(report).toMatchObject({ copied: 2, failed: 0 });
    // The test event: seen, deleted, not a failure and not dead-lettered.
    expect(t.lines.filter((l) => l.event === 'worker.s3_test_event')).toHaveLength(1);
    expect(await t.queue.depth()).toEqual({ visible: 0, inFlight: 0, deadLettered: 0 });
    expect((await t.status.summary()).failed).toBe(0);
    const ignored = t.lines
      .filter((l) => l.event === 'worker.event_ignored')
      .map((l) => `${l.key}: ${l.reason}`)
      .sort();
    expect(ignored).toEqual([
      'data/scratch.tmp: excluded by include/exclude',
      'other/outside.txt: outside srcPrefix "data/"',
    ]);
  });

  it('with srcEvent=Create a removed source object stays at the destination', async () => {
    const t = await eventTask('Create');
    await t.put('data/keep.txt', 'kept');
    await forwarding;
    for (let i = 0; i < 100 && !(await exists(t.dst, 'data/keep.txt')); i++) await sleep(100);
    await t.remove('data/keep.txt');
    const report = await t.settle();
    expect((await readObject(servers.s3Dest, t.dst, 'data/keep.txt')).toString()).toBe('kept');
    expect(report).toMatchObject({ copied: 1, failed: 0 });
    expect(t.lines.find((l) => l.event === 'worker.event_ignored')).toMatchObject({
      key: 'data/keep.txt',
      reason: expect.stringMatching(/not propagated/),
    });
    expect((await t.queue.depth()).deadLettered).toBe(0);
  });

  it('copies into a prefix of the source bucket itself without copying its own copies again (their events come back)', async () => {
    const t = await eventTask('Create', { intoSourceBucket: true });
    await t.put('data/x.txt', 'once');
    for (let i = 0; i < 100 && !(await exists(t.src, 'data/copies/data/x.txt', endpoint)); i++) await sleep(100);
    // The copy's own ObjectCreated event arrives like any other; give it time to be handled.
    await sleep(500);
    const report = await t.settle();
    expect((await readObject(endpoint, t.src, 'data/copies/data/x.txt')).toString()).toBe('once');
    expect(report).toMatchObject({ copied: 1, failed: 0 });
    expect(t.lines.find((l) => l.event === 'worker.event_ignored')).toMatchObject({
      key: 'data/copies/data/x.txt',
      reason: 'a copy made by this task (its destPrefix is in the source bucket)',
    });
    await expect(readObject(endpoint, t.src, 'data/copies/data/copies/data/x.txt')).rejects.toThrow();
  });

  it('a deletion handled after its object was created again keeps the new copy (events arrive in any order)', async () => {
    const t = await eventTask('CreateAndDelete');
    await t.put('data/x.txt', 'first');
    await forwarding;
    for (let i = 0; i < 100 && !(await exists(t.dst, 'data/x.txt')); i++) await sleep(100);
    // The deletion's event is held back (not forwarded) while the object is created again and that copy lands.
    const url = queueUrl;
    queueUrl = '';
    await t.remove('data/x.txt');
    queueUrl = url;
    await t.put('data/x.txt', 'second');
    await forwarding;
    const copyOf = () =>
      readObject(servers.s3Dest, t.dst, 'data/x.txt').then(
        (b) => b.toString(),
        () => '',
      );
    for (let i = 0; i < 100 && (await copyOf()) !== 'second'; i++) await sleep(100);
    expect(await copyOf()).toBe('second');

    // Now the late ObjectRemoved: the source has the key again, so the copy stays (and is made again to match).
    await t.deliver('ObjectRemoved:Delete', 'data/x.txt');
    const handled = async () => {
      const d = await t.queue.depth();
      return d.visible === 0 && d.inFlight === 0;
    };
    for (let i = 0; i < 100 && !(await handled()); i++) await sleep(100);
    expect(await copyOf()).toBe('second');
    expect(t.lines.find((l) => l.event === 'worker.delete_superseded')).toMatchObject({ key: 'data/x.txt' });
    expect(await t.status.get('data/x.txt')).toMatchObject({ status: 'DONE', verified: true });

    // A deletion whose object stays gone deletes the copy, as before.
    await t.remove('data/x.txt');
    await forwarding;
    const report = await t.settle();
    expect(await exists(t.dst, 'data/x.txt')).toBe(false);
    expect(await t.status.get('data/x.txt')).toMatchObject({ status: 'DELETED' });
    expect(report).toMatchObject({ failed: 0 });
  });

  it('an older version whose copy lands last is copied again from the source (events arrive in any order)', async () => {
    // The worker's first source GET is answered late: it read "first", and its copy lands after the copy of "second".
    const { proxy, firstRead } = await lateFirstRead(1500);
    try {
      const t = await eventTask('CreateAndDelete', { sourceVia: proxy.endpoint });
      await t.put('data/v.txt', 'first');
      await firstRead;
      await sleep(200);
      await t.put('data/v.txt', 'second');
      const report = await t.settle();
      expect(proxy.faultCount('slow')).toBe(1);
      expect((await readObject(servers.s3Dest, t.dst, 'data/v.txt')).toString()).toBe('second');
      expect(t.lines.find((l) => l.event === 'worker.copy_superseded')).toMatchObject({
        key: 'data/v.txt',
        reason: 'the source object changed while it was copied',
      });
      expect(await t.status.get('data/v.txt')).toMatchObject({ status: 'DONE', verified: true });
      expect(report).toMatchObject({ failed: 0 });
    } finally {
      await proxy.close();
    }
  });

  it("a finder job's copy landing after its object's removal was handled is deleted too (CreateAndDelete)", async () => {
    // Before: the copy stayed, recorded DONE, and no later pass removed it (passes list only what the source holds).
    const { proxy, firstRead } = await lateFirstRead(2000);
    try {
      const t = await eventTask('CreateAndDelete', { sourceVia: proxy.endpoint });
      const url = queueUrl;
      queueUrl = ''; // this object's own creation event is not forwarded: only the finder's job copies it
      await t.put('data/f.txt', 'listed by the finder');
      queueUrl = url;
      await t.queue.sendBatch([{ key: 'data/f.txt', size: 20 }]);
      await firstRead;
      // Deleted while the late read is on its way; the removal is handled first (nothing at the destination yet).
      await t.remove('data/f.txt');
      const report = await t.settle();
      expect(proxy.faultCount('slow')).toBe(1);
      expect(await exists(t.dst, 'data/f.txt')).toBe(false);
      expect(await t.status.get('data/f.txt')).toMatchObject({ status: 'DELETED' });
      expect(report).toMatchObject({ failed: 0 });
    } finally {
      await proxy.close();
    }
  });

  it('a giant object deleted while its parts were copied: its copy, landing after the removal, is deleted too', async () => {
    // The first part's read is answered late (its bytes already read from the store): meanwhile the source is
    // deleted and its ObjectRemoved handled — nothing at the destination yet — then the completion lands.
    const { proxy, firstRead } = await lateFirstRead(2000);
    try {
      const params = { giantFileThreshold: '10MiB', multipartThreshold: '8MiB', chunkSize: '5MiB' };
      const t = await eventTask('CreateAndDelete', { sourceVia: proxy.endpoint, params });
      await t.put('data/giant.bin', bytes(12 * 1024 * 1024, 9));
      await firstRead;
      await t.remove('data/giant.bin');
      const report = await t.settle();
      expect(proxy.faultCount('slow')).toBe(1);
      expect(t.lines.filter((l) => l.event === 'worker.split')).not.toHaveLength(0);
      expect(await exists(t.dst, 'data/giant.bin')).toBe(false);
      expect(await t.status.get('data/giant.bin')).toMatchObject({ status: 'DELETED' });
      expect(t.lines.find((l) => l.event === 'worker.copy_superseded')).toMatchObject({
        key: 'data/giant.bin',
        reason: 'the source object was deleted while it was copied',
      });
      expect(report).toMatchObject({ failed: 0 });
    } finally {
      await proxy.close();
    }
  });
});
