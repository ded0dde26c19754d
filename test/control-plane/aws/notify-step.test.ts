/**
 * The notify step (handlers/notify.ts) as deployed: the hub's SNS topic on a moto server, with an SQS queue subscribed
 * where the admin's e-mail would be (moto records e-mail subscriptions but delivers to queues), the task table on
 * dynalite. What the queue receives is what the mail says.
 */
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoTaskStore, ensureTaskTable } from '../../../control-plane/aws/dynamo-task-store.js';
import type { StepEvent, StepOutput } from '../../../control-plane/aws/lifecycle-steps.js';
import type { TaskRecord } from '../../../control-plane/core/task.js';
import { localDynamoClient } from '../../adapters/aws/clients.js';
import { useMoto } from '../../support/moto.js';
import { servers, uniqueName } from '../../support/servers.js';

const moto = useMoto();
let sqs: SQSClient;
let queueUrl: string;
let tasks: DynamoTaskStore;
let notify: (e: StepEvent) => Promise<StepOutput>;
const table = uniqueName('notify-tasks');

beforeAll(async () => {
  const aws = moto.clientConfig();
  const sns = new SNSClient(aws);
  sqs = new SQSClient(aws);
  const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'DTHTaskNotifications' }));
  queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'admin-mailbox' }))).QueueUrl!;
  const queueArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] })))
    .Attributes!.QueueArn;
  await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: queueArn }));
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: moto.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    TASK_TABLE: table,
    DYNAMODB_ENDPOINT: servers.dynamodb,
    NOTIFY_TOPIC_ARN: TopicArn,
  });
  await ensureTaskTable(localDynamoClient(), table);
  tasks = new DynamoTaskStore(localDynamoClient(), table);
  notify = (await import('../../../control-plane/aws/handlers/notify.js')).handler as (
    e: StepEvent,
  ) => Promise<StepOutput>;
}, 90_000);

async function mailbox(): Promise<{ Subject?: string; Message: string }[]> {
  const out = await sqs.send(
    new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
  );
  return (out.Messages ?? []).map((m) => JSON.parse(m.Body!) as { Subject?: string; Message: string });
}

async function task(patch: Partial<TaskRecord>): Promise<TaskRecord> {
  const t: TaskRecord = {
    id: `n-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`,
    type: 'S3EC2',
    scheduleType: 'ONE_TIME',
    progress: 'DONE',
    createdAt: '2026-11-30T08:00:00.000Z',
    stoppedAt: '2026-11-30T08:42:10.000Z',
    stackName: 'DTH-S3EC2-5a5a5a5a',
    parameters: [
      { ParameterKey: 'srcBucket', ParameterValue: 'src' },
      { ParameterKey: 'destBucket', ParameterValue: 'dst' },
    ],
    progressInfo: { total: 4, replicated: 4, failed: 0, skipped: 0, verified: 4, bytesTotal: 4096, bytesDone: 4096 },
    ...patch,
  };
  await tasks.put(t);
  return t;
}

describe('notify step: task outcome mail through the hub topic', () => {
  it("a one-time task's DONE is mailed once, readable, and recorded on the task", async () => {
    const t = await task({});
    expect(await notify({ taskId: t.id })).toMatchObject({ result: 'END', notified: true });
    const [mail, ...more] = await mailbox();
    expect(more).toEqual([]);
    expect(mail.Subject).toBe('Data Transfer Hub: task DTH-S3EC2-5a5a5a5a completed');
    expect(mail.Message.split('\n').slice(0, 7)).toEqual([
      'Data Transfer Hub Task Monitoring Notification',
      '',
      'Task Type: S3EC2',
      'Task Name: DTH-S3EC2-5a5a5a5a',
      `Task Id: ${t.id}`,
      'Task Progress: DONE',
      'Transferred Objects: 4',
    ]);
    expect(mail.Message).toContain('Transferred Bytes: 4.0 KiB (4096 bytes)');
    expect(mail.Message).toContain('Duration: 42 min 10 s');
    expect((await tasks.get(t.id))!.notifications).toEqual([
      expect.objectContaining({ progress: 'DONE', channel: 'SNS', subject: mail.Subject, message: mail.Message }),
    ]);
    // The state machine retries a step that timed out after publishing: no second mail.
    expect(await notify({ taskId: t.id })).toMatchObject({ notified: false });
    expect(await mailbox()).toEqual([]);
  });

  it('an ERROR is mailed with its code and message; a fixed-rate pass and a stopped task are not', async () => {
    const failed = await task({
      progress: 'ERROR',
      errorCode: 'FINDER_ERROR',
      errorMessage: 'srcBucket: bucket "src" does not exist',
      scheduleType: 'FIXED_RATE',
    });
    expect(await notify({ taskId: failed.id })).toMatchObject({ notified: true });
    const [mail] = await mailbox();
    expect(mail.Subject).toBe('Data Transfer Hub: task DTH-S3EC2-5a5a5a5a failed');
    expect(mail.Message).toContain(
      'Task Progress: ERROR\nError Code: FINDER_ERROR\nError Message: srcBucket: bucket "src" does not exist',
    );
    for (const patch of [{ scheduleType: 'FIXED_RATE' as const }, { progress: 'STOPPED' as const }]) {
      const quiet = await task(patch);
      expect(await notify({ taskId: quiet.id }), JSON.stringify(patch)).toMatchObject({
        result: 'END',
        notified: false,
      });
    }
    expect(await mailbox()).toEqual([]);
  });
});
