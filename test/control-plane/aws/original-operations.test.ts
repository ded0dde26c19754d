/**
 * The original console's GraphQL documents against the cloud API as deployed: each document validated against our
 * schema and resolved through the deployed AppSync resolver code and the API Lambda handler (appsync-harness.ts), the
 * handler configured from the environment; the task table on dynalite; Step Functions, CloudFormation, CloudWatch,
 * CloudWatch Logs and Secrets Manager on a moto server (real API answers, no call mocks) — except where named below.
 */
import {
  CloudFormationClient,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
} from '@aws-sdk/client-cloudformation';
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient, CreateLogStreamCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CreateStateMachineCommand, DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoTaskStore, ensureTaskTable } from '../../../control-plane/aws/dynamo-task-store.js';
import type { StepEvent, StepOutput } from '../../../control-plane/aws/lifecycle-steps.js';
import { localDynamoClient } from '../../adapters/aws/clients.js';
import { useMoto } from '../../support/moto.js';
import { servers, uniqueName } from '../../support/servers.js';
import {
  FINDER_DESC,
  ORIGINAL_DOCUMENTS as DOC,
  originalCreateInput,
  originalEcrParameters,
  originalS3Parameters,
  TASK_FIELDS,
  WORKER_DESC,
} from '../original/documents.js';
import { appSyncExecutor } from './appsync-harness.js';

const REGION = 'us-east-1';
const TEMPLATE_BUCKET = 'dth-plugin-templates';
const table = uniqueName('orig-api-tasks');
const moto = useMoto();
let aws: { region: string; endpoint: string; credentials: { accessKeyId: string; secretAccessKey: string } };
let gql: ReturnType<typeof appSyncExecutor>;
let handler: (event: unknown) => Promise<unknown>;
let tasks: DynamoTaskStore;
type Step = (e: StepEvent) => Promise<StepOutput>;
const step = async (name: string): Promise<Step> =>
  (await import(`../../../control-plane/aws/handlers/${name}.ts`)).handler as Step;

/**
 * A plugin template for moto: declares every parameter the task sends (the real plugin templates declare the original's
 * names), creates the finder and worker log groups (CloudFormation names them `<stack>-<logical id>-<suffix>`), and
 * outputs them under the plugin contract's keys with the descriptions the original console looks up.
 */
function pluginTemplate(parameterKeys: string[]): string {
  const declared = [...parameterKeys, 'TaskId', 'TaskParams', 'FinderScheduleExpression'];
  return JSON.stringify({
    AWSTemplateFormatVersion: '2010-09-09',
    Parameters: Object.fromEntries(declared.map((k) => [k, { Type: 'String', Default: '' }])),
    Resources: { FinderLogs: { Type: 'AWS::Logs::LogGroup' }, WorkerLogs: { Type: 'AWS::Logs::LogGroup' } },
    Outputs: {
      FinderLogGroup: { Value: { Ref: 'FinderLogs' }, Description: FINDER_DESC },
      WorkerLogGroup: { Value: { Ref: 'WorkerLogs' }, Description: WORKER_DESC },
    },
  });
}

beforeAll(async () => {
  aws = moto.clientConfig(REGION);
  const machine = await new SFNClient(aws).send(
    new CreateStateMachineCommand({
      name: uniqueName('dth-lifecycle'),
      roleArn: 'arn:aws:iam::123456789012:role/dth-lifecycle',
      definition: JSON.stringify({ StartAt: 'Done', States: { Done: { Type: 'Succeed' } } }),
    }),
  );
  const s3 = new S3Client({ ...aws, forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: TEMPLATE_BUCKET }));
  const keys = (p: { ParameterKey: string }[]) => p.map((x) => x.ParameterKey);
  await s3.send(
    new PutObjectCommand({
      Bucket: TEMPLATE_BUCKET,
      Key: 's3.template.json',
      Body: pluginTemplate(keys(originalS3Parameters())),
    }),
  );
  await s3.send(
    new PutObjectCommand({
      Bucket: TEMPLATE_BUCKET,
      Key: 'ecr.template.json',
      Body: pluginTemplate(keys(originalEcrParameters())),
    }),
  );
  const sm = new SecretsManagerClient(aws);
  await sm.send(
    new CreateSecretCommand({
      Name: 'dth-src-keys',
      Description: 'OSS keys',
      SecretString: JSON.stringify({ access_key_id: 'AK', secret_access_key: 'never-returned-3f9a' }),
    }),
  );
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: moto.endpoint,
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    TASK_TABLE: table,
    DYNAMODB_ENDPOINT: servers.dynamodb,
    STATE_MACHINE_ARN: machine.stateMachineArn,
    STACK_NAME_PREFIX: 'DTH',
    // moto reads templates from its S3 by this URL form (aws-emulator.md).
    S3_PLUGIN_TEMPLATE_URL: `https://s3.us-east-1.amazonaws.com/${TEMPLATE_BUCKET}/s3.template.json`,
    ECR_PLUGIN_TEMPLATE_URL: `https://s3.us-east-1.amazonaws.com/${TEMPLATE_BUCKET}/ecr.template.json`,
  });
  await ensureTaskTable(localDynamoClient(), table);
  tasks = new DynamoTaskStore(localDynamoClient(), table);
  handler = (await import('../../../control-plane/aws/handlers/api.js')).handler as (
    event: unknown,
  ) => Promise<unknown>;
  gql = appSyncExecutor(handler);
}, 90_000);

async function executionInput(executionArn: string): Promise<unknown> {
  return JSON.parse((await new SFNClient(aws).send(new DescribeExecutionCommand({ executionArn }))).input!);
}

const expectTaskShape = (t: Record<string, unknown>) => {
  expect(Object.keys(t).sort()).toEqual([...TASK_FIELDS].sort());
  expect(t.__typename).toBe('Task');
};

describe("the original console's operations on the cloud API (AppSync resolver + Lambda; moto, dynalite)", () => {
  it('create, watch (outputs, logs, metrics, errors), list, and delete a DONE one-time task — every document unchanged', async () => {
    // listSecrets: names and descriptions, never a value.
    const secrets = await gql(DOC.listSecrets);
    expect(secrets.errors).toBeUndefined();
    expect(secrets.data.listSecrets).toEqual([{ name: 'dth-src-keys', description: 'OSS keys', __typename: 'Secret' }]);
    expect(JSON.stringify(secrets)).not.toContain('never-returned');

    // createTask with the console's full S3 parameter list starts the lifecycle state machine.
    const created = await gql(DOC.createTask, { input: originalCreateInput('S3EC2', originalS3Parameters()) });
    expect(created.errors).toBeUndefined();
    const task = created.data.createTask;
    expectTaskShape(task);
    expect(task).toMatchObject({
      type: 'S3EC2',
      scheduleType: 'ONE_TIME',
      progress: 'STARTING',
      stackName: expect.stringMatching(/^DTH-S3EC2-/),
    });
    expect(task.parameters).toHaveLength(originalS3Parameters().length);
    expect(await executionInput(task.executionArn)).toEqual({ taskId: task.id, action: 'START' });

    // The state machine's steps (moto records executions without running them): the stack is created on moto.
    expect((await (await step('start-stack'))({ taskId: task.id })).result).toBe('WAIT');
    expect((await (await step('query-stack-status'))({ taskId: task.id })).result).toBe('NEXT');
    // The console's alarm e-mail reaches the plugin stack (whose template declares it, as the original's does).
    const [stack] =
      (await new CloudFormationClient(aws).send(new DescribeStacksCommand({ StackName: task.stackName }))).Stacks ?? [];
    expect(stack.Parameters).toContainEqual(
      expect.objectContaining({ ParameterKey: 'alarmEmail', ParameterValue: 'ops@example.com' }),
    );

    // getTask: the stack's outputs with the descriptions the console finds its log groups by.
    const got = (await gql(DOC.getTask, { id: task.id })).data.getTask;
    expectTaskShape(got);
    expect(got).toMatchObject({
      progress: 'IN_PROGRESS',
      stackStatus: 'CREATE_COMPLETE',
      stackId: expect.stringContaining(':stack/DTH-S3EC2-'),
    });
    const outputOf = (description: string) =>
      got.stackOutputs.find((o: { Description: string }) => o.Description === description)?.OutputValue;
    const finderGroup = outputOf(FINDER_DESC);
    const workerGroup = outputOf(WORKER_DESC);
    expect(finderGroup).toMatch(new RegExp(`^${got.stackName}-FinderLogs-`));
    expect(workerGroup).toMatch(new RegExp(`^${got.stackName}-WorkerLogs-`));
    expect(got.stackOutputs.every((o: { __typename: string }) => o.__typename === 'StackOutputs')).toBe(true);

    // Logs: what the finder and two workers wrote, read by log group as the console does.
    const logs = new CloudWatchLogsClient(aws);
    const t0 = Date.now() - 60_000;
    const write = async (group: string, stream: string, messages: string[], at: number) => {
      await logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: stream }));
      await logs.send(
        new PutLogEventsCommand({
          logGroupName: group,
          logStreamName: stream,
          logEvents: messages.map((message, i) => ({ timestamp: at + i, message })),
        }),
      );
    };
    await write(finderGroup, 'finder-i-0a', ['{"event":"finder.done","toTransfer":3}'], t0);
    await write(
      workerGroup,
      'worker-i-01',
      [
        '{"event":"worker.copied","key":"a"}',
        '{"event":"worker.copied","key":"b"}',
        '{"event":"worker.copied","key":"c"}',
      ],
      t0 + 1000,
    );
    await write(workerGroup, 'worker-i-02', ['{"event":"worker.failed","key":"d"}'], t0 + 5000);

    const streams = await gql(DOC.listLogStreams, { logGroupName: workerGroup, page: 1, count: 20 });
    expect(streams.errors).toBeUndefined();
    expect(streams.data.listLogStreams.total).toBe(2);
    const [newest, older] = streams.data.listLogStreams.logStreams;
    expect(newest).toMatchObject({
      logStreamName: 'worker-i-02',
      lastEventTimestamp: String(t0 + 5000),
      __typename: 'LogStream',
    });
    expect(older).toMatchObject({
      logStreamName: 'worker-i-01',
      firstEventTimestamp: String(t0 + 1000),
      lastEventTimestamp: String(t0 + 1002),
    });
    expect(Object.keys(newest).sort()).toEqual([
      '__typename',
      'arn',
      'creationTime',
      'firstEventTimestamp',
      'lastEventTimestamp',
      'lastIngestionTime',
      'logStreamName',
      'storedBytes',
      'uploadSequenceToken',
    ]);
    expect(newest.arn).toContain(`log-group:${workerGroup}`);
    const prefixed = await gql(DOC.listLogStreams, {
      logGroupName: workerGroup,
      logStreamNamePrefix: 'worker-i-01',
      page: 1,
      count: 20,
    });
    expect(prefixed.data.listLogStreams.logStreams.map((s: { logStreamName: string }) => s.logStreamName)).toEqual([
      'worker-i-01',
    ]);
    expect(
      (await gql(DOC.listLogStreams, { logGroupName: finderGroup })).data.listLogStreams.logStreams[0].logStreamName,
    ).toBe('finder-i-0a');

    // More streams than one DescribeLogStreams page (50): the total is the group's whatever page is asked (before:
    // 51 for page 1 of 20, the console's log browser then showing "(51)" and three pages).
    for (let i = 0; i < 60; i++)
      await logs.send(new CreateLogStreamCommand({ logGroupName: workerGroup, logStreamName: `idle-${i}` }));
    for (const page of [1, 2, 4]) {
      const paged = await gql(DOC.listLogStreams, { logGroupName: workerGroup, page, count: 20 });
      expect(paged.data.listLogStreams.total, `page ${page}`).toBe(62);
      expect(paged.data.listLogStreams.logStreams, `page ${page}`).toHaveLength(page === 4 ? 2 : 20);
    }

    // getLogEvents: the newest events first (limit 2), then the older one by the backward token.
    const page1 = await gql(DOC.getLogEvents, { limit: 2, logGroupName: workerGroup, logStreamName: 'worker-i-01' });
    expect(page1.errors).toBeUndefined();
    expect(page1.data.getLogEvents.logEvents.map((e: { message: string }) => JSON.parse(e.message).key)).toEqual([
      'b',
      'c',
    ]);
    expect(page1.data.getLogEvents.logEvents[0]).toMatchObject({
      timestamp: String(t0 + 1001),
      ingestionTime: expect.stringMatching(/^\d{13}$/),
      __typename: 'LogEvent',
    });
    expect(page1.data.getLogEvents.nextForwardToken).toMatch(/^f\//);
    const page2 = await gql(DOC.getLogEvents, {
      limit: 2,
      logGroupName: workerGroup,
      logStreamName: 'worker-i-01',
      nextToken: page1.data.getLogEvents.nextBackwardToken,
    });
    expect(page2.data.getLogEvents.logEvents.map((e: { message: string }) => JSON.parse(e.message).key)).toEqual(['a']);
    // A stream the task's group lacks is named as the stream (before: logGroupName, the group being fine).
    const noStream = await gql(DOC.getLogEvents, { logGroupName: workerGroup, logStreamName: 'no-such-stream' });
    expect(noStream.errors?.[0]).toMatchObject({ errorType: 'LogStreamNotFoundError' });
    expect(noStream.errors?.[0].errorInfo).toEqual({ code: 'LOG_STREAM_NOT_FOUND', field: 'logStreamName' });
    const noGroup = await gql(DOC.getLogEvents, { logGroupName: `${workerGroup}-gone`, logStreamName: 'worker-i-01' });
    expect(noGroup.errors?.[0].errorInfo).toEqual({ code: 'LOG_GROUP_NOT_FOUND', field: 'logGroupName' });

    // getMetricHistoryData: unix seconds in (as strings), categories in unix seconds out, the original's series names.
    const cw = new CloudWatchClient(aws);
    const minute = Math.floor(Date.now() / 60_000) * 60 - 300;
    await cw.send(
      new PutMetricDataCommand({
        Namespace: `DataTransferHub/${got.stackName}`,
        MetricData: [
          { MetricName: 'CompletedObjects', Value: 2, Timestamp: new Date(minute * 1000) },
          { MetricName: 'CompletedObjects', Value: 1, Timestamp: new Date((minute + 60) * 1000) },
          { MetricName: 'FailedObjects', Value: 1, Timestamp: new Date((minute + 60) * 1000) },
          { MetricName: 'BytesTransferred', Value: 3072, Timestamp: new Date(minute * 1000) },
        ],
      }),
    );
    const range = { startTime: String(minute - 600), endTime: String(minute + 600), period: 60 };
    const objects = await gql(DOC.getMetricHistoryData, {
      id: task.id,
      graphName: 'TransferredFailedObjects',
      ...range,
    });
    expect(objects.errors).toBeUndefined();
    expect(objects.data.getMetricHistoryData).toEqual({
      series: [
        { name: 'TransferredObjects', data: [2, 1], __typename: 'DataSerie' },
        // No FailedObjects point in the first minute: -1, the original's gap marker.
        { name: 'FailedObjects', data: [-1, 1], __typename: 'DataSerie' },
      ],
      xaxis: { categories: [minute, minute + 60], __typename: 'GraphXaxis' },
      __typename: 'GetMetricHistoryDataResponse',
    });
    const network = await gql(DOC.getMetricHistoryData, { id: task.id, graphName: 'Network', ...range });
    expect(network.data.getMetricHistoryData.series).toEqual([
      { name: 'Network', data: [3072], __typename: 'DataSerie' },
    ]);
    const bad = await gql(DOC.getMetricHistoryData, { id: task.id, graphName: 'Network', startTime: 'yesterday' });
    expect(bad.errors?.[0]).toMatchObject({ errorType: 'InvalidParameterError', errorInfo: { field: 'startTime' } });

    // getErrorMessage of a healthy task: no code is UN_KNOWN, as the original answered.
    expect((await gql(DOC.getErrorMessage, { id: task.id })).data.getErrorMessage).toEqual({
      errMessage: null,
      errCode: 'UN_KNOWN',
      __typename: 'GetErrorMessageResponse',
    });

    // An image task with the console's ECR list. Its destination secret must exist in Secrets Manager: until it does,
    // createTask refuses it naming the field and side, and stores nothing.
    const missing = await gql(DOC.createTask, { input: originalCreateInput('ECR', originalEcrParameters(), '') });
    expect(missing.errors?.[0]).toMatchObject({
      errorType: 'InvalidParameterError',
      errorInfo: { field: 'destCredential' },
    });
    expect(missing.errors?.[0].message).toMatch(
      /^Destination credentials \(destCredential\): no secret named "dth-dest-keys" \(known secrets: "dth-src-keys"\)/,
    );
    expect((await gql(DOC.listTasksV2, { page: 1, count: 20 })).data.listTasksV2.total).toBe(1);
    const made = await new SecretsManagerClient(aws).send(
      new CreateSecretCommand({
        Name: 'dth-dest-keys',
        SecretString: JSON.stringify({ access_key_id: 'AK2', secret_access_key: 'never-returned-4e1b' }),
      }),
    );
    // Named by its ARN, as GetSecretValue takes it (before: "no secret named arn:aws:secretsmanager:…").
    expect(made.ARN).toMatch(/:secret:dth-dest-keys-[A-Za-z0-9]{6}$/);
    const ecr = await gql(DOC.createTask, {
      input: originalCreateInput('ECR', originalEcrParameters({ destCredential: made.ARN ?? '' }), ''),
    });
    expect(ecr.errors).toBeUndefined();
    expect(ecr.data.createTask).toMatchObject({ type: 'ECR', scheduleType: 'FIXED_RATE', progress: 'STARTING' });

    // listTasksV2 as the console pages it (20), up to 1000 a page, not beyond.
    const listed = await gql(DOC.listTasksV2, { page: 1, count: 20 });
    expect(listed.errors).toBeUndefined();
    expect(listed.data.listTasksV2.total).toBe(2);
    expect(listed.data.listTasksV2.items.map((t: { id: string }) => t.id)).toEqual([ecr.data.createTask.id, task.id]);
    listed.data.listTasksV2.items.forEach(expectTaskShape);
    expect((await gql(DOC.listTasksV2, { count: 1000 })).errors).toBeUndefined();
    expect((await gql(DOC.listTasksV2, { count: 1001 })).errors?.[0]).toMatchObject({
      errorType: 'InvalidParameterError',
      errorInfo: { field: 'count' },
    });

    // The one-time task finished (as check-complete records it); "Delete Task" = stopTask deletes its stack.
    await tasks.update(task.id, { progress: 'DONE', stoppedAt: new Date().toISOString() });
    const stopping = await gql(DOC.stopTask, { id: task.id });
    expect(stopping.errors).toBeUndefined();
    expectTaskShape(stopping.data.stopTask);
    expect(stopping.data.stopTask.progress).toBe('STOPPING');
    expect(await executionInput(stopping.data.stopTask.executionArn)).toEqual({ taskId: task.id, action: 'STOP' });
    expect((await (await step('stop-stack'))({ taskId: task.id })).result).toBe('WAIT');
    expect((await (await step('query-stack-status'))({ taskId: task.id })).result).toBe('END');
    expect((await gql(DOC.getTask, { id: task.id })).data.getTask.progress).toBe('STOPPED');
    const stacks = await new CloudFormationClient(aws).send(new DescribeStacksCommand({})).then((o) => o.Stacks ?? []);
    expect(stacks.find((s) => s.StackName === got.stackName && s.StackStatus !== 'DELETE_COMPLETE')).toBeUndefined();

    // Without a filter the list leaves STOPPED tasks out; asked for, it shows them.
    expect(
      (await gql(DOC.listTasksV2, { page: 1, count: 20 })).data.listTasksV2.items.map((t: { id: string }) => t.id),
    ).toEqual([ecr.data.createTask.id]);
    expect((await gql(DOC.listTasksV2, { progress: 'STOPPED', page: 1, count: 20 })).data.listTasksV2).toMatchObject({
      total: 1,
      items: [{ id: task.id, progress: 'STOPPED' }],
    });
  });

  it("stopTask works from every state but STOPPED, and an ERROR task's stack is deleted too", async () => {
    for (const progress of ['STARTING', 'IN_PROGRESS', 'ERROR', 'DONE', 'STOPPING'] as const) {
      const id = `${progress.toLowerCase()}-${Date.now()}`;
      await tasks.put({
        id,
        type: 'S3EC2',
        scheduleType: 'ONE_TIME',
        parameters: [],
        createdAt: new Date().toISOString(),
        progress,
      });
      const out = await gql(DOC.stopTask, { id });
      expect(out.errors, progress).toBeUndefined();
      expect(out.data.stopTask.progress, progress).toBe('STOPPING');
      expect(await executionInput(out.data.stopTask.executionArn), progress).toEqual({ taskId: id, action: 'STOP' });
    }
    const id = `stopped-${Date.now()}`;
    await tasks.put({
      id,
      type: 'S3EC2',
      scheduleType: 'ONE_TIME',
      parameters: [],
      createdAt: new Date().toISOString(),
      progress: 'STOPPED',
    });
    expect((await gql(DOC.stopTask, { id })).data.stopTask.progress).toBe('STOPPED');
    const missing = await gql(DOC.stopTask, {});
    expect(missing.errors?.[0]).toMatchObject({
      errorType: 'InvalidParameterError',
      errorInfo: { field: 'id', code: 'INVALID_PARAMETER' },
    });
  });

  it('getErrorMessage of a failed stack names its failed resources from the stack events', async () => {
    // moto never records FAILED resource events (its CloudFormation creates or refuses a stack, it does not fail one),
    // so DescribeStackEvents alone is answered by a call mock here, with events in CloudFormation's own shape.
    const stackId = 'arn:aws:cloudformation:us-east-1:123456789012:stack/DTH-S3EC2-0badf00d/4a1b2c3d';
    const cfnMock = mockClient(CloudFormationClient);
    try {
      const at = (s: number) => new Date(Date.UTC(2026, 10, 30, 12, 0, s));
      cfnMock.on(DescribeStackEventsCommand).resolves({
        StackEvents: [
          {
            StackId: stackId,
            EventId: 'e5',
            StackName: 'DTH-S3EC2-0badf00d',
            LogicalResourceId: 'DTH-S3EC2-0badf00d',
            ResourceType: 'AWS::CloudFormation::Stack',
            ResourceStatus: 'ROLLBACK_COMPLETE',
            Timestamp: at(50),
          },
          {
            StackId: stackId,
            EventId: 'e4',
            StackName: 'DTH-S3EC2-0badf00d',
            LogicalResourceId: 'WorkerQueue',
            ResourceType: 'AWS::SQS::Queue',
            ResourceStatus: 'CREATE_FAILED',
            ResourceStatusReason: 'Resource creation cancelled',
            Timestamp: at(31),
          },
          {
            StackId: stackId,
            EventId: 'e3',
            StackName: 'DTH-S3EC2-0badf00d',
            LogicalResourceId: 'WorkerAsg',
            ResourceType: 'AWS::AutoScaling::AutoScalingGroup',
            ResourceStatus: 'CREATE_FAILED',
            ResourceStatusReason: 'You have requested more vCPU capacity than your current vCPU limit of 32 allows',
            Timestamp: at(30),
          },
          {
            StackId: stackId,
            EventId: 'e2',
            StackName: 'DTH-S3EC2-0badf00d',
            LogicalResourceId: 'WorkerAsg',
            ResourceType: 'AWS::AutoScaling::AutoScalingGroup',
            ResourceStatus: 'CREATE_IN_PROGRESS',
            Timestamp: at(10),
          },
          {
            StackId: stackId,
            EventId: 'e1',
            StackName: 'DTH-S3EC2-0badf00d',
            LogicalResourceId: 'DTH-S3EC2-0badf00d',
            ResourceType: 'AWS::CloudFormation::Stack',
            ResourceStatus: 'CREATE_IN_PROGRESS',
            ResourceStatusReason: 'User Initiated',
            Timestamp: at(0),
          },
        ],
      });
      const id = `cfn-failed-${Date.now()}`;
      await tasks.put({
        id,
        type: 'S3EC2',
        scheduleType: 'ONE_TIME',
        parameters: [],
        createdAt: new Date().toISOString(),
        progress: 'ERROR',
        stackId,
        stackName: 'DTH-S3EC2-0badf00d',
        stackStatus: 'ROLLBACK_COMPLETE',
        errorCode: 'CFN_ERROR',
        errorMessage: 'stack ROLLBACK_COMPLETE: The following resource(s) failed to create: [WorkerAsg].',
      });
      const out = await gql(DOC.getErrorMessage, { id });
      expect(out.errors).toBeUndefined();
      expect(out.data.getErrorMessage).toEqual({
        errCode: 'CFN_ERROR',
        errMessage:
          'WorkerAsg (AWS::AutoScaling::AutoScalingGroup) CREATE_FAILED: You have requested more vCPU capacity than your current vCPU limit of 32 allows',
        __typename: 'GetErrorMessageResponse',
      });
      expect(cfnMock.commandCalls(DescribeStackEventsCommand)[0].args[0].input.StackName).toBe(stackId);
    } finally {
      cfnMock.restore();
    }
  });

  it('errors carry errorType and errorInfo.field through the AppSync resolver; the Lambda returns them as an envelope', async () => {
    const bad = { input: originalCreateInput('S3EC2', originalS3Parameters({ destBucket: 'no..such..bucket' })) };
    const out = await gql(DOC.createTask, bad);
    expect(out.data?.createTask).toBeNull();
    expect(out.errors).toEqual([
      expect.objectContaining({
        errorType: 'InvalidParameterError',
        errorInfo: { field: 'destBucket', code: 'INVALID_PARAMETER' },
        message: expect.stringMatching(/\(destBucket\): |^destBucket: /),
        path: ['createTask'],
      }),
    ]);
    // The handler's own answer: the envelope the resolver's response raises (a thrown error could not carry the field).
    expect(await handler({ info: { fieldName: 'createTask', parentTypeName: 'Mutation' }, arguments: bad })).toEqual({
      dthError: {
        message: expect.stringMatching(/\(destBucket\): |^destBucket: /),
        errorType: 'InvalidParameterError',
        errorInfo: { field: 'destBucket', code: 'INVALID_PARAMETER' },
      },
    });
    const unknown = await gql(DOC.getErrorMessage, { id: 'no-such-task' });
    expect(unknown.errors?.[0]).toMatchObject({
      errorType: 'TaskNotFoundError',
    });
    expect(unknown.errors?.[0].errorInfo).toEqual({ code: 'TASK_NOT_FOUND', field: 'id' });
    expect((await gql(DOC.getTask, { id: 'no-such-task' })).data.getTask).toBeNull();
    // A log group that is no task's is refused before any read.
    const foreign = await gql(DOC.listLogStreams, { logGroupName: '/aws/lambda/payroll' });
    expect(foreign.errors?.[0]).toMatchObject({
      errorType: 'LogGroupNotFoundError',
    });
    expect(foreign.errors?.[0].errorInfo).toEqual({ code: 'LOG_GROUP_NOT_FOUND', field: 'logGroupName' });
    // A variable of the wrong type is refused by validation, as AppSync does, before the Lambda.
    const typed = await gql('query($id: ID!) { getErrorMessage(id: $id) { errCode } }', { id: 'x' });
    expect(typed.errors?.[0]).toMatchObject({
      errorType: 'ValidationError',
      message: expect.stringContaining('"$id" of type "ID!" used in position expecting type "String!"'),
    });
    // An unexpected failure is an InternalError with a redacted message, not an envelope.
    await expect(handler({ info: { fieldName: 'dropAllTasks' }, arguments: {} })).rejects.toThrow(
      /fieldName: "dropAllTasks" has no resolver/,
    );
  });
});
