/**
 * The lifecycle steps one state at a time. CloudFormation and CloudWatch Logs are call mocks here, as a stated
 * exception: each case needs an answer moto cannot be made to give on demand — a stack still CREATE_IN_PROGRESS or
 * DELETE_IN_PROGRESS on one call and finished on the next (moto creates and deletes at once), ROLLBACK_COMPLETE with a
 * reason, CreateStack refused, a stop landing while CreateStack runs, and the finder's log filter honoured (moto's
 * FilterLogEvents treats `?"a" ?"b"` as match-all). The same steps run against moto's real CloudFormation, Logs and
 * SNS in step-handlers.test.ts, original-operations.test.ts and test/cloud/hub-on-emulator.test.ts; the task table
 * (dynalite) and the job queue (fauxqs) are real here too.
 */
import {
  CloudFormationClient,
  CreateStackCommand,
  DeleteStackCommand,
  DescribeStacksCommand,
  GetTemplateSummaryCommand,
} from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { SNSClient } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoTaskStore, ensureTaskTable } from '../../../control-plane/aws/dynamo-task-store.js';
import {
  checkComplete,
  checkFinder,
  FAILED_PASS_WATCH_MS,
  checkQueueEmpty,
  queryStackStatus,
  startStack,
  stopStack,
  type StepDeps,
} from '../../../control-plane/aws/lifecycle-steps.js';
import type { TaskRecord } from '../../../control-plane/core/task.js';
import { DynamoStatusStore, ensureStatusTable } from '../../../worker/adapters/aws/index.js';
import { localDynamoClient, localSqsClient } from '../../adapters/aws/clients.js';
import { uniqueName } from '../../support/servers.js';

const cfnMock = mockClient(CloudFormationClient);
const logsMock = mockClient(CloudWatchLogsClient);
const snsMock = mockClient(SNSClient);
const TEMPLATE = 'https://s3.amazonaws.com/dth-templates/s3-plugin.template.json';
const TOPIC = 'arn:aws:sns:us-east-1:123456789012:dth-notify';
const STACK_ID = 'arn:aws:cloudformation:us-east-1:123456789012:stack/DTH-S3EC2-abc/1';
const STACK_ROLE = 'arn:aws:iam::123456789012:role/DTH-PluginStackRole-1A2B';

let tasks: DynamoTaskStore;
let deps: StepDeps;
const dynamo = localDynamoClient();

beforeAll(async () => {
  const table = uniqueName('steps-tasks');
  await ensureTaskTable(dynamo, table);
  tasks = new DynamoTaskStore(dynamo, table);
  deps = {
    tasks,
    cfn: new CloudFormationClient({ region: 'us-east-1' }),
    logs: new CloudWatchLogsClient({ region: 'us-east-1' }),
    sqs: localSqsClient(),
    sns: new SNSClient({ region: 'us-east-1' }),
    notifyTopicArn: TOPIC,
    statusFor: (tableName) => new DynamoStatusStore({ client: dynamo, tableName }),
    templates: { S3EC2: TEMPLATE },
    stackPrefix: 'DTH',
    stackRoleArn: STACK_ROLE,
  };
});

beforeEach(() => {
  cfnMock.reset();
  logsMock.reset();
  snsMock.reset();
});

let seq = 0;
const DECLARED = {
  Parameters: [
    'srcBucket',
    'destBucket',
    'destPutObjectSSEType',
    'ec2CronExpression',
    'TaskId',
    'TaskParams',
    'FinderScheduleExpression',
  ].map((ParameterKey) => ({ ParameterKey })),
};

async function newTask(patch: Partial<TaskRecord> = {}): Promise<TaskRecord> {
  const t: TaskRecord = {
    id: `task-${Date.now().toString(36)}-${seq++}`,
    type: 'S3EC2',
    scheduleType: 'ONE_TIME',
    createdAt: new Date(Date.now() - 60_000).toISOString(),
    progress: 'STARTING',
    parameters: [
      { ParameterKey: 'srcBucket', ParameterValue: 'src-bkt' },
      { ParameterKey: 'destBucket', ParameterValue: 'dst-bkt' },
      { ParameterKey: 'destSSE', ParameterValue: 'KMS' },
    ],
    ...patch,
  };
  await tasks.put(t);
  return t;
}

describe('lifecycle steps: plugin stack (CloudFormation mocked, task table on dynalite)', () => {
  it('startStack creates the plugin stack with every task parameter under its template name (older aliases resolved)', async () => {
    const t = await newTask();
    cfnMock.on(GetTemplateSummaryCommand).resolves(DECLARED);
    cfnMock.on(CreateStackCommand).resolves({ StackId: STACK_ID });
    const out = await startStack(deps, { taskId: t.id });
    expect(out).toMatchObject({ taskId: t.id, stackId: STACK_ID, result: 'WAIT' });
    expect(cfnMock.commandCalls(GetTemplateSummaryCommand)[0].args[0].input).toEqual({ TemplateURL: TEMPLATE });
    const create = cfnMock.commandCalls(CreateStackCommand)[0].args[0].input;
    expect(create.TemplateURL).toBe(TEMPLATE);
    expect(create.StackName).toMatch(/^DTH-S3EC2-/);
    expect(create.Capabilities).toEqual(['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM']);
    // CloudFormation works as the plugin stack role, not with the step's own rights.
    expect(create.RoleARN).toBe(STACK_ROLE);
    expect(create.Tags).toEqual([{ Key: 'dth:task-id', Value: t.id }]);
    const params = Object.fromEntries((create.Parameters ?? []).map((p) => [p.ParameterKey, p.ParameterValue]));
    // ONE_TIME: a blank cron overrides the template's hourly default.
    expect(params).toEqual({
      srcBucket: 'src-bkt',
      destBucket: 'dst-bkt',
      destPutObjectSSEType: 'AWS_KMS',
      ec2CronExpression: '',
      TaskId: t.id,
      FinderScheduleExpression: '',
      TaskParams: JSON.stringify({ srcBucket: 'src-bkt', destBucket: 'dst-bkt', destPutObjectSSEType: 'AWS_KMS' }),
    });
    expect(await tasks.get(t.id)).toMatchObject({
      stackId: STACK_ID,
      stackStatus: 'CREATE_IN_PROGRESS',
      templateUrl: TEMPLATE,
      progress: 'STARTING',
    });
    // A retried step does not create a second stack.
    expect((await startStack(deps, { taskId: t.id })).result).toBe('WAIT');
    expect(cfnMock.commandCalls(CreateStackCommand)).toHaveLength(1);
  });

  it('startStack never drops a parameter: one the template does not declare is a CFN_ERROR naming it, and no stack is made', async () => {
    const t = await newTask();
    cfnMock
      .on(GetTemplateSummaryCommand)
      .resolves({ Parameters: DECLARED.Parameters.filter((p) => p.ParameterKey !== 'destPutObjectSSEType') });
    expect((await startStack(deps, { taskId: t.id })).result).toBe('END');
    expect(cfnMock.commandCalls(CreateStackCommand)).toHaveLength(0);
    expect(await tasks.get(t.id)).toMatchObject({
      progress: 'ERROR',
      errorCode: 'CFN_ERROR',
      errorMessage: expect.stringContaining('destPutObjectSSEType: not declared by the plugin template'),
    });
  });

  it("startStack passes a FIXED_RATE task's cron to the finder schedule in EventBridge form", async () => {
    const t = await newTask({
      scheduleType: 'FIXED_RATE',
      parameters: [
        { ParameterKey: 'srcBucket', ParameterValue: 'src-bkt' },
        { ParameterKey: 'destBucket', ParameterValue: 'dst-bkt' },
        { ParameterKey: 'ec2CronExpression', ParameterValue: '0 */2 ? * * *' },
      ],
    });
    cfnMock.on(GetTemplateSummaryCommand).resolves(DECLARED);
    cfnMock.on(CreateStackCommand).resolves({ StackId: STACK_ID });
    await startStack(deps, { taskId: t.id });
    const params = Object.fromEntries(
      (cfnMock.commandCalls(CreateStackCommand)[0].args[0].input.Parameters ?? []).map((p) => [
        p.ParameterKey,
        p.ParameterValue,
      ]),
    );
    expect(params).toMatchObject({
      ec2CronExpression: '0 */2 ? * * *',
      FinderScheduleExpression: 'cron(0 */2 ? * * *)',
    });
  });

  it('startStack records CFN_ERROR when CreateStack is refused', async () => {
    const t = await newTask();
    cfnMock.on(GetTemplateSummaryCommand).resolves(DECLARED);
    cfnMock.on(CreateStackCommand).rejects(new Error('Requires capabilities : [CAPABILITY_AUTO_EXPAND]'));
    expect((await startStack(deps, { taskId: t.id })).result).toBe('END');
    expect(await tasks.get(t.id)).toMatchObject({
      progress: 'ERROR',
      errorCode: 'CFN_ERROR',
      errorMessage: expect.stringContaining('CAPABILITY_AUTO_EXPAND'),
    });
  });

  it('queryStackStatus waits while creating, then records outputs and moves to IN_PROGRESS', async () => {
    const t = await newTask({ stackId: STACK_ID });
    cfnMock
      .on(DescribeStacksCommand)
      .resolvesOnce({ Stacks: [{ StackName: 's', CreationTime: new Date(), StackStatus: 'CREATE_IN_PROGRESS' }] })
      .resolvesOnce({
        Stacks: [
          {
            StackName: 's',
            CreationTime: new Date(),
            StackStatus: 'CREATE_COMPLETE',
            Outputs: [{ OutputKey: 'QueueUrl', OutputValue: 'https://sqs/q' }],
          },
        ],
      });
    expect((await queryStackStatus(deps, { taskId: t.id })).result).toBe('WAIT');
    expect((await tasks.get(t.id))?.stackStatus).toBe('CREATE_IN_PROGRESS');
    expect((await queryStackStatus(deps, { taskId: t.id })).result).toBe('NEXT');
    expect(await tasks.get(t.id)).toMatchObject({
      progress: 'IN_PROGRESS',
      stackStatus: 'CREATE_COMPLETE',
      stackOutputs: [{ OutputKey: 'QueueUrl', OutputValue: 'https://sqs/q' }],
    });
    expect(cfnMock.commandCalls(DescribeStacksCommand)[0].args[0].input).toEqual({ StackName: STACK_ID });
  });

  it('queryStackStatus turns a rolled-back stack into ERROR CFN_ERROR with the reason', async () => {
    const t = await newTask({ stackId: STACK_ID });
    cfnMock.on(DescribeStacksCommand).resolves({
      Stacks: [
        {
          StackName: 's',
          CreationTime: new Date(),
          StackStatus: 'ROLLBACK_COMPLETE',
          StackStatusReason: 'The following resource(s) failed to create: [Queue]',
        },
      ],
    });
    expect((await queryStackStatus(deps, { taskId: t.id })).result).toBe('END');
    expect(await tasks.get(t.id)).toMatchObject({
      progress: 'ERROR',
      errorCode: 'CFN_ERROR',
      errorMessage: expect.stringContaining('failed to create: [Queue]'),
    });
  });

  it('stopStack deletes the stack; queryStackStatus marks the task STOPPED once it is gone', async () => {
    const t = await newTask({ stackId: STACK_ID, progress: 'IN_PROGRESS' });
    cfnMock.on(DeleteStackCommand).resolves({});
    cfnMock
      .on(DescribeStacksCommand)
      .resolvesOnce({ Stacks: [{ StackName: 's', CreationTime: new Date(), StackStatus: 'DELETE_IN_PROGRESS' }] })
      .resolvesOnce({ Stacks: [{ StackName: 's', CreationTime: new Date(), StackStatus: 'DELETE_COMPLETE' }] });
    expect((await stopStack(deps, { taskId: t.id })).result).toBe('WAIT');
    expect(cfnMock.commandCalls(DeleteStackCommand)[0].args[0].input).toEqual({ StackName: STACK_ID });
    expect((await tasks.get(t.id))?.progress).toBe('STOPPING');
    expect((await queryStackStatus(deps, { taskId: t.id })).result).toBe('WAIT');
    expect((await queryStackStatus(deps, { taskId: t.id })).result).toBe('END');
    const stopped = await tasks.get(t.id);
    expect(stopped).toMatchObject({ progress: 'STOPPED', stackStatus: 'DELETE_COMPLETE' });
    expect(stopped?.stoppedAt).toBeTruthy();
  });

  it('startStack deletes the stack right away when the task was stopped while CreateStack ran', async () => {
    const t = await newTask();
    cfnMock.on(GetTemplateSummaryCommand).resolves(DECLARED);
    cfnMock.on(CreateStackCommand).callsFake(async () => {
      await tasks.update(t.id, { progress: 'STOPPED' }); // stopStack saw no stack yet
      return { StackId: STACK_ID };
    });
    cfnMock.on(DeleteStackCommand).resolves({});
    expect((await startStack(deps, { taskId: t.id })).result).toBe('WAIT');
    expect(cfnMock.commandCalls(DeleteStackCommand)[0].args[0].input).toEqual({ StackName: STACK_ID });
    expect(await tasks.get(t.id)).toMatchObject({ progress: 'STOPPING', stackId: STACK_ID });
  });

  it('stopStack of a task that never got a stack stops it without calling CloudFormation', async () => {
    const t = await newTask();
    expect((await stopStack(deps, { taskId: t.id })).result).toBe('END');
    expect((await tasks.get(t.id))?.progress).toBe('STOPPED');
    expect(cfnMock.calls()).toHaveLength(0);
  });
});

describe('lifecycle steps: monitor', () => {
  const logGroup = '/dth/finder/abc';

  it('checkFinder waits for finder.done in the finder log group, and records FINDER_ERROR on finder.failed', async () => {
    const t = await newTask({
      progress: 'IN_PROGRESS',
      stackOutputs: [{ OutputKey: 'FinderLogGroup', OutputValue: logGroup }],
    });
    logsMock
      .on(FilterLogEventsCommand)
      .resolvesOnce({ events: [] })
      .resolvesOnce({ events: [{ timestamp: 1, message: '{"event":"finder.started"}' }], nextToken: 'n1' })
      .resolvesOnce({ events: [{ timestamp: 2, message: '{"event":"finder.done","queued":3}' }] });
    expect((await checkFinder(deps, { taskId: t.id })).result).toBe('WAIT');
    expect((await checkFinder(deps, { taskId: t.id })).result).toBe('NEXT');
    const calls = logsMock.commandCalls(FilterLogEventsCommand).map((c) => c.args[0].input);
    expect(calls[0]).toMatchObject({
      logGroupName: logGroup,
      startTime: Date.parse(t.createdAt),
      filterPattern: '?"finder.done" ?"finder.failed"',
    });
    expect(calls[2].nextToken).toBe('n1');

    const f = await newTask({
      progress: 'IN_PROGRESS',
      stackOutputs: [{ OutputKey: 'FinderLogGroup', OutputValue: logGroup }],
    });
    logsMock.on(FilterLogEventsCommand).resolves({
      events: [
        { timestamp: 5, message: '{"event":"finder.failed","error":"srcBucket: bucket \\"x\\" does not exist"}' },
      ],
    });
    expect((await checkFinder(deps, { taskId: f.id })).result).toBe('END');
    expect(await tasks.get(f.id)).toMatchObject({
      progress: 'ERROR',
      errorCode: 'FINDER_ERROR',
      errorMessage: 'srcBucket: bucket "x" does not exist',
    });
  });

  it("checkFinder on a FIXED_RATE task's failed pass records FINDER_ERROR and leaves the task running: its schedule goes on", async () => {
    const t = await newTask({
      progress: 'IN_PROGRESS',
      scheduleType: 'FIXED_RATE',
      stackOutputs: [{ OutputKey: 'FinderLogGroup', OutputValue: logGroup }],
    });
    const now = Date.now();
    const failedPass = {
      timestamp: now - 60_000,
      message: '{"event":"finder.failed","error":"srcBucket: bucket \\"x\\" does not exist"}',
    };
    logsMock.on(FilterLogEventsCommand).resolves({ events: [failedPass] });
    // Monitoring goes on: the error would otherwise stay on the task after later passes listed.
    expect((await checkFinder(deps, { taskId: t.id })).result).toBe('WAIT');
    const after = await tasks.get(t.id);
    expect(after).toMatchObject({
      progress: 'IN_PROGRESS',
      errorCode: 'FINDER_ERROR',
      errorMessage: 'srcBucket: bucket "x" does not exist',
    });
    expect(after?.stoppedAt).toBeUndefined();

    // The next scheduled pass lists (the bucket now exists): the error is cleared and the task leaves the monitor.
    logsMock.on(FilterLogEventsCommand).resolves({
      events: [failedPass, { timestamp: now, message: '{"event":"finder.done","listed":3,"queued":3}' }],
    });
    expect(await checkFinder(deps, { taskId: t.id })).toMatchObject({ result: 'NEXT', scheduleType: 'FIXED_RATE' });
    const cleared = await tasks.get(t.id);
    expect(cleared).toMatchObject({ progress: 'IN_PROGRESS' });
    expect(cleared?.errorCode).toBeUndefined();
    expect(cleared?.errorMessage).toBeUndefined();

    // A failed pass with no pass after it for longer than the watch (a schedule that stopped running the finder):
    // monitoring ends, the error kept, instead of polling every minute for ever.
    const quiet = await newTask({
      progress: 'IN_PROGRESS',
      scheduleType: 'FIXED_RATE',
      stackOutputs: [{ OutputKey: 'FinderLogGroup', OutputValue: logGroup }],
    });
    logsMock
      .on(FilterLogEventsCommand)
      .resolves({ events: [{ ...failedPass, timestamp: now - FAILED_PASS_WATCH_MS - 60_000 }] });
    expect((await checkFinder(deps, { taskId: quiet.id })).result).toBe('END');
    expect(await tasks.get(quiet.id)).toMatchObject({ progress: 'IN_PROGRESS', errorCode: 'FINDER_ERROR' });
  });

  it('checkQueueEmpty waits while the job queue (fauxqs) holds messages', async () => {
    const sqs = localSqsClient();
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: uniqueName('steps-q') }));
    const t = await newTask({
      progress: 'IN_PROGRESS',
      stackOutputs: [{ OutputKey: 'QueueUrl', OutputValue: QueueUrl! }],
    });
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: '{"key":"a"}' }));
    expect(await checkQueueEmpty(deps, { taskId: t.id })).toMatchObject({ result: 'WAIT', queueDepth: 1 });
    const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 1 }));
    expect((await checkQueueEmpty(deps, { taskId: t.id })).result).toBe('WAIT'); // in flight still counts
    await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: got.Messages![0].ReceiptHandle }));
    expect(await checkQueueEmpty(deps, { taskId: t.id })).toMatchObject({ result: 'NEXT', queueDepth: 0 });
  });

  async function statusTable(
    records: { key: string; status: 'PENDING' | 'DONE' | 'FAILED' | 'SKIPPED'; verified?: boolean; error?: string }[],
  ) {
    const table = uniqueName('steps-status');
    await ensureStatusTable(dynamo, table);
    const store = new DynamoStatusStore({ client: dynamo, tableName: table });
    for (const r of records)
      await store.put({
        key: r.key,
        size: 10,
        status: r.status,
        attempts: 1,
        verified: r.verified,
        error: r.error,
        bytesDone: r.status === 'DONE' ? 10 : 0,
      });
    return { table, store };
  }

  it('checkComplete: DONE only when every object is transferred and verified (counts from the status table)', async () => {
    const { table, store } = await statusTable([
      { key: 'a', status: 'DONE', verified: true },
      { key: 'b', status: 'PENDING' },
    ]);
    const t = await newTask({
      progress: 'IN_PROGRESS',
      stackOutputs: [{ OutputKey: 'StatusTableName', OutputValue: table }],
    });
    expect((await checkComplete(deps, { taskId: t.id })).result).toBe('WAIT');
    expect(await tasks.get(t.id)).toMatchObject({
      progress: 'IN_PROGRESS',
      progressInfo: { total: 2, replicated: 1, verified: 1 },
    });
    await store.update('b', { status: 'DONE', verified: true, bytesDone: 10 });
    expect((await checkComplete(deps, { taskId: t.id })).result).toBe('END');
    expect(await tasks.get(t.id)).toMatchObject({
      progress: 'DONE',
      progressInfo: { total: 2, replicated: 2, verified: 2, failed: 0, bytesDone: 20 },
    });
  });

  it('checkComplete: failed objects end a ONE_TIME task in COMPLETE_CHECK_ERROR naming the first failure', async () => {
    const { table } = await statusTable([
      { key: 'ok', status: 'DONE', verified: true },
      { key: 'bad/key', status: 'FAILED', error: 'AccessDenied' },
    ]);
    const t = await newTask({
      progress: 'IN_PROGRESS',
      stackOutputs: [{ OutputKey: 'StatusTableName', OutputValue: table }],
    });
    expect((await checkComplete(deps, { taskId: t.id })).result).toBe('END');
    expect(await tasks.get(t.id)).toMatchObject({
      progress: 'ERROR',
      errorCode: 'COMPLETE_CHECK_ERROR',
      errorMessage: '1 of 2 failed; first: bad/key: AccessDenied',
    });
  });

  it('checkComplete: FIXED_RATE tasks record progress and keep going; a missing status table is COMPLETE_CHECK_ERROR', async () => {
    const { table } = await statusTable([{ key: 'a', status: 'DONE', verified: true }]);
    const t = await newTask({
      progress: 'IN_PROGRESS',
      scheduleType: 'FIXED_RATE',
      stackOutputs: [{ OutputKey: 'StatusTableName', OutputValue: table }],
    });
    expect((await checkComplete(deps, { taskId: t.id })).result).toBe('WAIT');
    expect(await tasks.get(t.id)).toMatchObject({ progress: 'IN_PROGRESS', progressInfo: { replicated: 1 } });
    const broken = await newTask({ progress: 'IN_PROGRESS' });
    expect((await checkComplete(deps, { taskId: broken.id })).result).toBe('END');
    expect(await tasks.get(broken.id)).toMatchObject({
      progress: 'ERROR',
      errorCode: 'COMPLETE_CHECK_ERROR',
      errorMessage: expect.stringContaining('StatusTableName'),
    });
  });

  it('checkComplete: a settled FIXED_RATE pass with failures records COMPLETE_CHECK_ERROR and keeps the task running, as locally', async () => {
    const { table, store } = await statusTable([
      { key: 'ok', status: 'DONE', verified: true },
      { key: 'bad/key', status: 'FAILED', error: 'AccessDenied' },
    ]);
    const t = await newTask({
      progress: 'IN_PROGRESS',
      scheduleType: 'FIXED_RATE',
      stackOutputs: [{ OutputKey: 'StatusTableName', OutputValue: table }],
    });
    expect((await checkComplete(deps, { taskId: t.id })).result).toBe('WAIT');
    expect(await tasks.get(t.id)).toMatchObject({
      progress: 'IN_PROGRESS',
      errorCode: 'COMPLETE_CHECK_ERROR',
      errorMessage: '1 of 2 failed; first: bad/key: AccessDenied',
    });
    await store.update('bad/key', { status: 'DONE', verified: true, error: undefined });
    expect((await checkComplete(deps, { taskId: t.id })).result).toBe('WAIT');
    const next = await tasks.get(t.id);
    expect(next).toMatchObject({ progress: 'IN_PROGRESS', progressInfo: { total: 2, replicated: 2, failed: 0 } });
    expect(next?.errorCode).toBeUndefined();
    expect(next?.errorMessage).toBeUndefined();
  });

  it('every monitor step ends once the task was stopped', async () => {
    const t = await newTask({
      progress: 'STOPPING',
      stackOutputs: [
        { OutputKey: 'FinderLogGroup', OutputValue: logGroup },
        { OutputKey: 'QueueUrl', OutputValue: 'http://unused' },
      ],
    });
    for (const step of [checkFinder, checkQueueEmpty, checkComplete])
      expect((await step(deps, { taskId: t.id })).result).toBe('END');
    expect(logsMock.calls()).toHaveLength(0);
  });

  it('a step without a task id fails clearly', async () => {
    await expect(checkComplete(deps, { taskId: '' })).rejects.toThrow(/taskId/);
    await expect(checkComplete(deps, { taskId: 'nope' })).rejects.toThrow(/taskId: task "nope" does not exist/);
  });
});
