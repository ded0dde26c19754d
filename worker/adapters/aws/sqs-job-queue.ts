import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
  type SendMessageBatchRequestEntry,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { JobQueue, QueueDepth, ReceivedJob } from '../../ports/job-queue.js';
import { forEachBounded } from '../../core/bounded-pool.js';
import { sdkCall } from './sdk-errors.js';

/** SQS caps: 10 messages per SendMessageBatch / ReceiveMessage, 20 s long poll, 12 h visibility. */
const SQS_BATCH = 10;
const MAX_WAIT_SEC = 20;
const MAX_VISIBILITY_SEC = 43_200;
const SEND_ATTEMPTS = 5;
/** SendMessageBatch requests of one sendBatch in flight at once. */
const SEND_CONCURRENCY = 8;
/** The classic SQS payload cap (256 KiB) for one message and for one whole batch; newer queues allow more. */
const MAX_BATCH_BYTES = 256 * 1024;

/** A receipt that no longer names an in-flight delivery (it expired and was redelivered, or was deleted). */
function isStaleReceipt(err: unknown): boolean {
  const name = (err as { name?: string; Code?: string })?.name ?? '';
  const message = err instanceof Error ? err.message : '';
  return (
    /MessageNotInflight|ReceiptHandleIsInvalid/.test(name) ||
    (name === 'InvalidParameterValue' && /receipt|not available/i.test(message))
  );
}

/**
 * JSON text that any SQS accepts: every character outside printable ASCII is written as a \uXXXX escape
 * (JSON.stringify already escapes control characters). S3 keys may hold U+FFFE/U+FFFF, which SQS refuses, and
 * emulators refuse characters beyond U+FFFF (emoji); escaped, both travel intact and JSON.parse restores them.
 */
export function toMessageBody(body: unknown): string {
  return JSON.stringify(body).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Bodies are JSON; a message someone else sent as plain text arrives as its string, for the consumer to reject. */
function parseBody<T>(text: string | undefined): T {
  try {
    return JSON.parse(text ?? 'null') as T;
  } catch {
    return text as T;
  }
}

/** A message attribute value SQS accepts (its allowed characters, at most 1,024 of them). */
function attributeText(text: string): string {
  const allowed = text.replace(/[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/gu, '?');
  return allowed.length > 1024 ? `${allowed.slice(0, 1021)}...` : allowed || '-';
}

function visibilitySeconds(sec: number): number {
  return Math.min(MAX_VISIBILITY_SEC, Math.max(0, Math.ceil(sec)));
}

export interface SqsJobQueueOptions {
  client: SQSClient;
  queueUrl: string;
  /** The queue's dead-letter queue, counted by depth(); redrive itself is the queue's RedrivePolicy. */
  dlqUrl?: string;
}

/**
 * JobQueue over Amazon SQS (standard queue). Bodies travel as JSON. Dead-lettering is SQS's own redrive
 * (RedrivePolicy.maxReceiveCount, see ensureSqsQueue), so it behaves like SqliteJobQueue's maxReceiveCount.
 * Like the SQLite queue, extend/release of a delivery that is no longer in flight is a no-op.
 */
export class SqsJobQueue<T> implements JobQueue<T> {
  private readonly client: SQSClient;
  readonly queueUrl: string;
  readonly dlqUrl?: string;
  /** The text each delivery arrived with, so a dead-lettered message keeps its exact body. */
  private readonly rawBodies = new WeakMap<ReceivedJob<T>, string>();

  constructor(options: SqsJobQueueOptions) {
    this.client = options.client;
    this.queueUrl = options.queueUrl;
    this.dlqUrl = options.dlqUrl;
  }

  /** Sends in SendMessageBatch calls of at most 10 messages and 256 KiB. */
  async sendBatch(bodies: T[]): Promise<void> {
    const batches: SendMessageBatchRequestEntry[][] = [];
    let entries: SendMessageBatchRequestEntry[] = [];
    let bytes = 0;
    for (const body of bodies) {
      const text = toMessageBody(body);
      const size = Buffer.byteLength(text);
      if (entries.length === SQS_BATCH || (entries.length > 0 && bytes + size > MAX_BATCH_BYTES)) {
        batches.push(entries);
        entries = [];
        bytes = 0;
      }
      entries.push({ Id: String(entries.length), MessageBody: text });
      bytes += size;
    }
    if (entries.length > 0) batches.push(entries);
    // One request carries 10 messages: sent one after the other, a finder queues ~500 objects a second at SQS's
    // latency, slower than a fleet copies small ones. Order does not matter on a standard queue.
    await forEachBounded(batches, SEND_CONCURRENCY, (batch) => this.sendEntries(batch));
  }

  /** Sends one batch; entries SQS reports as failed are sent again (with backoff) unless the failure is the sender's fault. */
  private async sendEntries(entries: SendMessageBatchRequestEntry[]): Promise<void> {
    let pending = entries;
    for (let attempt = 1; ; attempt++) {
      const out = await sdkCall(
        this.client.send(new SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: pending })),
      );
      const failed = out.Failed ?? [];
      if (failed.length === 0) return;
      const permanent = failed.find((f) => f.SenderFault);
      if (permanent || attempt >= SEND_ATTEMPTS) {
        const f = permanent ?? failed[0];
        throw new Error(
          `SQS SendMessageBatch to ${this.queueUrl}: ${failed.length} message(s) not sent (${f.Code}: ${f.Message ?? 'no message'})`,
        );
      }
      const failedIds = new Set(failed.map((f) => f.Id));
      pending = pending.filter((e) => failedIds.has(e.Id));
      await sleep(100 * 2 ** attempt);
    }
  }

  async receive(options: {
    max: number;
    visibilityTimeoutSec: number;
    waitTimeSec?: number;
  }): Promise<ReceivedJob<T>[]> {
    const jobs: ReceivedJob<T>[] = [];
    let wait = Math.min(MAX_WAIT_SEC, Math.max(0, Math.round(options.waitTimeSec ?? 0)));
    while (jobs.length < options.max) {
      const want = Math.min(SQS_BATCH, options.max - jobs.length);
      const out = await this.named(
        'ReceiveMessage',
        this.client.send(
          new ReceiveMessageCommand({
            QueueUrl: this.queueUrl,
            MaxNumberOfMessages: want,
            VisibilityTimeout: visibilitySeconds(options.visibilityTimeoutSec),
            WaitTimeSeconds: wait,
            MessageSystemAttributeNames: ['ApproximateReceiveCount'],
          }),
        ),
      );
      const messages = out.Messages ?? [];
      for (const m of messages) {
        const job: ReceivedJob<T> = {
          id: m.MessageId ?? '',
          receiptHandle: m.ReceiptHandle ?? '',
          body: parseBody<T>(m.Body),
          receiveCount: Number(m.Attributes?.ApproximateReceiveCount ?? 1),
        };
        this.rawBodies.set(job, m.Body ?? '');
        jobs.push(job);
      }
      // Only the first call long-polls; more calls just top up what is already there.
      if (messages.length === 0) break;
      wait = 0;
    }
    return jobs;
  }

  /** An SDK call of this queue; its failure names the operation and the queue (SDK errors name neither) and keeps its retry advice. */
  private async named<R>(operation: string, call: Promise<R>, queueUrl = this.queueUrl): Promise<R> {
    try {
      return await sdkCall(call);
    } catch (err) {
      if (err instanceof Error) err.message = `SQS ${operation} on ${queueUrl}: ${err.message}`;
      throw err;
    }
  }

  private async changeVisibility(job: ReceivedJob<T>, seconds: number): Promise<void> {
    try {
      await sdkCall(
        this.client.send(
          new ChangeMessageVisibilityCommand({
            QueueUrl: this.queueUrl,
            ReceiptHandle: job.receiptHandle,
            VisibilityTimeout: visibilitySeconds(seconds),
          }),
        ),
      );
    } catch (err) {
      if (!isStaleReceipt(err)) throw err;
    }
  }

  async extendVisibility(job: ReceivedJob<T>, visibilityTimeoutSec: number): Promise<void> {
    await this.changeVisibility(job, visibilityTimeoutSec);
  }

  async release(job: ReceivedJob<T>): Promise<void> {
    await this.changeVisibility(job, 0);
  }

  async delete(job: ReceivedJob<T>): Promise<void> {
    try {
      await sdkCall(
        this.client.send(new DeleteMessageCommand({ QueueUrl: this.queueUrl, ReceiptHandle: job.receiptHandle })),
      );
    } catch (err) {
      if (!isStaleReceipt(err)) throw err;
    }
  }

  /**
   * With the dead-letter queue known (DLQ_URL): the body is sent there as received, with the reason and the receive
   * count as message attributes, then deleted here. Without it: made visible again at once, so the queue's redrive
   * (maxReceiveCount) moves it after the next receives.
   */
  async deadLetter(job: ReceivedJob<T>, reason: string): Promise<void> {
    if (!this.dlqUrl) {
      await this.release(job);
      return;
    }
    await sdkCall(
      this.client.send(
        new SendMessageCommand({
          QueueUrl: this.dlqUrl,
          MessageBody: this.rawBodies.get(job) ?? toMessageBody(job.body),
          MessageAttributes: {
            'dth-failure': { DataType: 'String', StringValue: attributeText(reason) },
            'dth-receive-count': { DataType: 'Number', StringValue: String(job.receiveCount) },
          },
        }),
      ),
    );
    await this.delete(job);
  }

  private async counts(queueUrl: string): Promise<QueueCounts> {
    return queueCounts(
      await this.named('GetQueueAttributes', this.client.send(queueCountsRequest(queueUrl)), queueUrl),
    );
  }

  /** SQS counts are approximate (eventually consistent); delayed messages count as visible (they are waiting, not worked on). */
  async depth(): Promise<QueueDepth> {
    const main = await this.counts(this.queueUrl);
    let deadLettered = 0;
    if (this.dlqUrl) {
      const dlq = await this.counts(this.dlqUrl);
      deadLettered = messagesIn(dlq);
    }
    return { visible: main.visible + main.delayed, inFlight: main.inFlight, deadLettered };
  }
}

/** A queue's approximate message counts: waiting, being worked on (not visible), delayed. */
export interface QueueCounts {
  visible: number;
  inFlight: number;
  delayed: number;
}

/** The GetQueueAttributes request for a queue's counts (the monitor flow's CheckQueueEmpty step asks the same). */
export function queueCountsRequest(queueUrl: string): GetQueueAttributesCommand {
  return new GetQueueAttributesCommand({
    QueueUrl: queueUrl,
    AttributeNames: [
      'ApproximateNumberOfMessages',
      'ApproximateNumberOfMessagesNotVisible',
      'ApproximateNumberOfMessagesDelayed',
    ],
  });
}

/** The counts in a GetQueueAttributes answer to queueCountsRequest (an attribute left out counts 0). */
export function queueCounts(answer: { Attributes?: Record<string, string> }): QueueCounts {
  const a = answer.Attributes ?? {};
  return {
    visible: Number(a.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(a.ApproximateNumberOfMessagesNotVisible ?? 0),
    delayed: Number(a.ApproximateNumberOfMessagesDelayed ?? 0),
  };
}

/** Every message the queue holds, whatever its state. */
export function messagesIn(counts: QueueCounts): number {
  return counts.visible + counts.inFlight + counts.delayed;
}

export interface EnsureSqsQueueOptions {
  /** Deliveries before SQS moves a message to the dead-letter queue (the task's maxAttempts). */
  maxReceiveCount: number;
  visibilityTimeoutSec: number;
  /** Seconds a message is kept (default 14 days, the SQS maximum). */
  retentionSec?: number;
}

async function createOrUpdateQueue(
  client: SQSClient,
  name: string,
  attributes: Record<string, string>,
): Promise<string> {
  try {
    const out = await client.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
    return queueUrlOf(out.QueueUrl, name);
  } catch (err) {
    // An existing queue with other attributes: reuse it and bring its attributes up to date.
    if (!/QueueAlreadyExists|QueueNameExists/.test((err as Error).name)) throw err;
    const { QueueUrl } = await client.send(new GetQueueUrlCommand({ QueueName: name }));
    await client.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: attributes }));
    return queueUrlOf(QueueUrl, name);
  }
}

function queueUrlOf(url: string | undefined, name: string): string {
  if (!url) throw new Error(`SQS answered without the URL of queue "${name}"`);
  return url;
}

/**
 * An existing queue named `name` (or given by its URL), with the dead-letter queue its RedrivePolicy names and the
 * deliveries before SQS moves a message there, if it has one — for a queue made by someone else, as the original
 * CLI's `jobQueueName`.
 */
export async function findQueue(
  client: SQSClient,
  name: string,
): Promise<{ queueUrl: string; dlqUrl?: string; maxReceiveCount?: number }> {
  const queueUrl = /^https?:\/\//.test(name) ? name : await urlOfQueueNamed(client, name);
  const { Attributes } = await client
    .send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['RedrivePolicy'] }))
    .catch(async (err: Error) => {
      throw NO_QUEUE.test(err.name) ? await noSuchQueue(client, name) : err;
    });
  const redrive = Attributes?.RedrivePolicy ? JSON.parse(Attributes.RedrivePolicy) : {};
  // An ARN's last field is the queue's name.
  const dlqName = typeof redrive.deadLetterTargetArn === 'string' ? redrive.deadLetterTargetArn.split(':').at(-1) : '';
  const maxReceiveCount = Number(redrive.maxReceiveCount);
  return {
    queueUrl,
    dlqUrl: dlqName ? await urlOfQueueNamed(client, dlqName) : undefined,
    maxReceiveCount: Number.isInteger(maxReceiveCount) && maxReceiveCount > 0 ? maxReceiveCount : undefined,
  };
}

const NO_QUEUE = /NonExistentQueue|QueueDoesNotExist/;

/** The error of a queue that is not there, named as the user gave it (a name or a URL); `name` QueueDoesNotExist. */
async function noSuchQueue(client: SQSClient, name: string): Promise<Error> {
  const what = /^https?:\/\//.test(name) ? `at ${name}` : `named "${name}" in ${await client.config.region()}`;
  return Object.assign(new Error(`there is no SQS queue ${what}`), { name: 'QueueDoesNotExist' });
}

async function urlOfQueueNamed(client: SQSClient, name: string): Promise<string> {
  try {
    const { QueueUrl } = await client.send(new GetQueueUrlCommand({ QueueName: name }));
    return queueUrlOf(QueueUrl, name);
  } catch (err) {
    throw NO_QUEUE.test((err as Error).name) ? await noSuchQueue(client, name) : err;
  }
}

/**
 * Creates (or updates) a queue `name` and its dead-letter queue `name-dlq`, wired with a RedrivePolicy.
 * The cloud stack creates these with CDK; this is for local runs and tests.
 */
export async function ensureSqsQueue(
  client: SQSClient,
  name: string,
  options: EnsureSqsQueueOptions,
): Promise<{ queueUrl: string; dlqUrl: string }> {
  if (!Number.isInteger(options.maxReceiveCount) || options.maxReceiveCount < 1 || options.maxReceiveCount > 1000) {
    throw new RangeError(`maxReceiveCount must be an integer from 1 to 1000, got ${options.maxReceiveCount}`);
  }
  const retention = String(options.retentionSec ?? 1_209_600);
  const dlqUrl = await createOrUpdateQueue(client, `${name}-dlq`, { MessageRetentionPeriod: retention });
  const { Attributes } = await client.send(
    new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }),
  );
  const dlqArn = Attributes?.QueueArn;
  if (!dlqArn) throw new Error(`SQS did not return the ARN of ${dlqUrl}`);
  const queueUrl = await createOrUpdateQueue(client, name, {
    VisibilityTimeout: String(visibilitySeconds(options.visibilityTimeoutSec)),
    MessageRetentionPeriod: retention,
    RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: options.maxReceiveCount }),
  });
  return { queueUrl, dlqUrl };
}
