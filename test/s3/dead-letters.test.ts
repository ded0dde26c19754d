/**
 * Failures no retry can fix — a 403, a missing bucket, a message no worker can read — reach the dead-letter queue at
 * once (where the task's alarm looks), besides the FAILED record: on the SQLite queue and on SQS (fauxqs) with its
 * dead-letter queue, where the message keeps its body and carries the reason as an attribute.
 */
import { ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import type { SqsJobQueue } from '../../worker/adapters/aws/index.js';
import { FileSecretStore } from '../../worker/adapters/embedded/index.js';
import { openTaskBuckets } from '../../worker/adapters/s3/open-buckets.js';
import { createLogger } from '../../worker/core/log.js';
import { runWorker, type WorkerOptions } from '../../worker/s3/job-worker.js';
import { parseS3TaskParams } from '../../worker/s3/params.js';
import type { TransferJob } from '../../worker/s3/transfer-job.js';
import { localSqsClient } from '../adapters/aws/clients.js';
import { servers, uniqueName } from '../support/servers.js';
import {
  awsAdapters,
  baseParams,
  bucketPair,
  embeddedAdapters,
  putSource,
  readObject,
  runEngine,
  secretsFile,
  type EngineAdapters,
} from './engine-fixtures.js';
import { startS3Front, type S3Front } from './s3-front.js';

const fronts: S3Front[] = [];
afterEach(async () => {
  await Promise.all(fronts.splice(0).map((f) => f.close()));
});

/** The dead-lettered SQS messages: body and the failure attribute. */
async function deadLetters(queue: unknown): Promise<{ body: string; failure?: string }[]> {
  const { dlqUrl } = queue as SqsJobQueue<unknown>;
  const out = await localSqsClient().send(
    new ReceiveMessageCommand({
      QueueUrl: dlqUrl,
      MaxNumberOfMessages: 10,
      MessageAttributeNames: ['All'],
      VisibilityTimeout: 0,
    }),
  );
  return (out.Messages ?? []).map((m) => ({
    body: m.Body ?? '',
    failure: m.MessageAttributes?.['dth-failure']?.StringValue,
  }));
}

type Line = Record<string, unknown>;

/** A worker on the task's two s3rver buckets and this queue and status, its log lines collected in `lines`. */
async function startWorker(
  params: ReturnType<typeof parseS3TaskParams>,
  ports: Pick<WorkerOptions, 'queue' | 'status'>,
  lines: Line[],
  options: Pick<WorkerOptions, 'exitWhenDrained' | 'signal'> = { exitWhenDrained: true },
) {
  const { source, dest } = await openTaskBuckets(params, new FileSecretStore(secretsFile()));
  return runWorker({
    params,
    source,
    dest,
    ...ports,
    logger: createLogger({}, { write: (l) => lines.push(JSON.parse(l) as Line) }),
    ...options,
  });
}

describe.each([embeddedAdapters, awsAdapters])('dead-lettering on $name', (adapters: EngineAdapters) => {
  it('a 403 from the destination: FAILED after one delivery and dead-lettered, the reason kept', async () => {
    const { src, dst } = await bucketPair();
    await putSource(src, 'refused.txt', 'no');
    const refusing = await startS3Front({ target: servers.s3Dest, requireSse: 'AES256' });
    fronts.push(refusing);
    const run = await runEngine(adapters, baseParams(src, dst, { destEndpoint: refusing.endpoint, maxAttempts: '5' }));
    expect(run.report).toMatchObject({ failed: 1, complete: false });
    expect(await run.status.get('refused.txt')).toMatchObject({ status: 'FAILED', attempts: 1 });
    expect(await run.queue.depth()).toEqual({ visible: 0, inFlight: 0, deadLettered: 1 });
    expect(refusing.of('PutObject')).toHaveLength(1);
    if (adapters === awsAdapters) {
      const [letter] = await deadLetters(run.queue);
      expect(JSON.parse(letter.body)).toMatchObject({ key: 'refused.txt', size: 2 });
      expect(letter.failure).toMatch(/^destination bucket .*PutObject "refused.txt".*s3:PutObject.*403 AccessDenied/);
    }
  });

  it('a copy whose message delete fails (its answer lost) stays DONE: not failed, not dead-lettered', async () => {
    const { src, dst } = await bucketPair();
    await putSource(src, 'kept.txt', 'kept');
    const params = parseS3TaskParams(baseParams(src, dst, { maxAttempts: '1' }));
    const { queue, status } = await adapters.open(params.maxAttempts);
    await queue.sendBatch([{ key: 'kept.txt', size: 4 }]);
    // The real queue; its delete is applied and then reported failed, as when the answer is lost on the way back
    // (neither fauxqs nor the SQLite queue can be made to do that by themselves).
    const lostAnswer = Object.assign(Object.create(queue) as typeof queue, {
      async delete(msg: Parameters<typeof queue.delete>[0]) {
        await queue.delete(msg);
        throw new Error('socket hang up');
      },
    });
    const lines: Line[] = [];
    const report = await startWorker(params, { queue: lostAnswer, status }, lines);
    // Before: the verified copy was recorded FAILED, counted as a failure and dead-lettered.
    expect(report).toMatchObject({ failed: 0 });
    expect(await status.get('kept.txt')).toMatchObject({ status: 'DONE', verified: true });
    expect(await queue.depth()).toEqual({ visible: 0, inFlight: 0, deadLettered: 0 });
    expect((await readObject(servers.s3Dest, dst, 'kept.txt')).toString()).toBe('kept');
    expect(lines.find((l) => l.event === 'worker.delete_failed')).toMatchObject({ level: 'warn', key: 'kept.txt' });
  });

  it('a destination bucket that is gone: FAILED after one delivery and dead-lettered', async () => {
    const { src } = await bucketPair();
    await putSource(src, 'orphan.txt', 'o');
    const params = parseS3TaskParams(baseParams(src, uniqueName('gone')));
    const { queue, status } = await adapters.open(params.maxAttempts);
    const { source, dest } = await openTaskBuckets(params, new FileSecretStore(secretsFile()));
    await queue.sendBatch([{ key: 'orphan.txt', size: 1 }]);
    const report = await runWorker({
      params,
      source,
      dest,
      queue,
      status,
      logger: createLogger({}, { write: () => {} }),
      exitWhenDrained: true,
    });
    expect(report.failed).toBe(1);
    expect(await status.get('orphan.txt')).toMatchObject({
      status: 'FAILED',
      attempts: 1,
      error: expect.stringMatching(/does not exist/),
    });
    expect(await queue.depth()).toEqual({ visible: 0, inFlight: 0, deadLettered: 1 });
  });

  it('a message no worker can read goes to the dead-letter queue, not round and round', async () => {
    const { src, dst } = await bucketPair();
    const params = parseS3TaskParams(baseParams(src, dst));
    const { queue, status } = await adapters.open(params.maxAttempts);
    if (adapters === awsAdapters) {
      await localSqsClient().send(
        new SendMessageCommand({
          QueueUrl: (queue as SqsJobQueue<TransferJob>).queueUrl,
          MessageBody: 'hello, not JSON',
        }),
      );
    } else {
      await (queue.sendBatch as (b: unknown[]) => Promise<void>)([{ hello: 'world' }]);
    }
    const lines: Line[] = [];
    const report = await startWorker(params, { queue, status }, lines);
    expect(report.failed).toBe(0); // not an object: FailedObjects does not count it
    expect(await queue.depth()).toEqual({ visible: 0, inFlight: 0, deadLettered: 1 });
    expect(lines.find((l) => l.event === 'worker.invalid_message')).toMatchObject({
      level: 'error',
      reason: expect.any(String),
    });
    if (adapters === awsAdapters) {
      const [letter] = await deadLetters(queue);
      expect(letter).toEqual({
        body: 'hello, not JSON',
        failure: expect.stringMatching(/^invalid message: not a JSON object/),
      });
    }
  });

  it('messages that only look like work are dead-lettered at once; a deletion the task does not propagate deletes nothing', async () => {
    const { src, dst } = await bucketPair();
    await putSource(src, 'kept.txt', 'kept');
    const params = parseS3TaskParams(baseParams(src, dst, { srcEvent: 'No' }));
    const { queue, status } = await adapters.open(params.maxAttempts);
    const lines: Line[] = [];
    const work = () => startWorker(params, { queue, status }, lines);
    await queue.sendBatch([{ key: 'kept.txt', size: 4 } as TransferJob]);
    expect((await work()).copied).toBe(1);
    // Before: an event without records was deleted unseen; a blank key was retried 5 times on a GET of the bucket
    // itself; a negative size was recorded; an unknown action copied; a job-form deletion deleted the copy.
    const lookalikes = [
      { Records: [] },
      { key: '', size: 0 },
      { key: 'neg.txt', size: -1 },
      { key: 'half.txt', size: 1.5 },
      { key: 'huge.txt', size: 1e300 }, // above S3's 5 TiB
      { key: 'kept.txt', size: 4, action: 'remove' },
      {
        Records: [
          {
            eventSource: 'aws:s3',
            eventName: 'ObjectCreated:Put',
            s3: { bucket: { name: src }, object: { key: '', size: 1 } },
          },
        ],
      },
    ];
    await (queue.sendBatch as (b: unknown[]) => Promise<void>)([
      ...lookalikes,
      { key: 'kept.txt', size: 0, action: 'delete' },
    ]);
    const report = await work();
    expect(report).toMatchObject({ copied: 0, failed: 0 });
    expect(await queue.depth()).toEqual({ visible: 0, inFlight: 0, deadLettered: lookalikes.length });
    expect(lines.filter((l) => l.event === 'worker.invalid_message')).toHaveLength(lookalikes.length);
    expect(lines.filter((l) => l.event === 'worker.retry')).toEqual([]);
    expect(lines.find((l) => l.event === 'worker.event_ignored')).toMatchObject({
      key: 'kept.txt',
      reason: 'deletions are not propagated (srcEvent is not CreateAndDelete)',
    });
    expect((await readObject(servers.s3Dest, dst, 'kept.txt')).toString()).toBe('kept');
    expect(await status.get('neg.txt')).toBeUndefined();
  });

  it('a dead-letter queue that refuses a message does not stop the worker: the error is logged, the next object copied', async () => {
    const { src, dst } = await bucketPair();
    await putSource(src, 'after.txt', 'after');
    const params = parseS3TaskParams(baseParams(src, dst));
    const { queue, status } = await adapters.open(params.maxAttempts);
    // The real queue, its dead-letter call failing as SQS's does for a deleted queue or a missing permission.
    const refusing = new Proxy(queue, {
      get: (target, name, receiver) =>
        name === 'deadLetter'
          ? () => Promise.reject(new Error('QueueDoesNotExist: The specified queue does not exist.'))
          : Reflect.get(target, name, receiver),
    });
    await (queue.sendBatch as (b: unknown[]) => Promise<void>)(['not a job', { key: 'after.txt', size: 5 }]);
    const lines: Line[] = [];
    const stop = new AbortController();
    const worker = startWorker(params, { queue: refusing, status }, lines, { signal: stop.signal });
    for (let i = 0; i < 100 && !(await status.get('after.txt'))?.verified; i++) await sleep(50);
    stop.abort(new Error('test done'));
    expect((await worker).copied).toBe(1);
    expect(lines.find((l) => l.event === 'worker.dead_letter_failed')).toMatchObject({
      level: 'error',
      error: expect.objectContaining({ message: expect.stringMatching(/QueueDoesNotExist/) }),
    });
  });
});
