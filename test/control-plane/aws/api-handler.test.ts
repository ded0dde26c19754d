/**
 * The AppSync Lambda handler (control-plane/aws/handlers/api.ts) as deployed: configuration from the environment, the task table
 * on dynalite, Step Functions / Secrets Manager / CloudWatch / Logs mocked (no local server) with their calls asserted.
 */
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient, DescribeLogStreamsCommand, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { ListSecretsCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoTaskStore, ensureTaskTable } from '../../../control-plane/aws/dynamo-task-store.js';
import { loadLambdaConfig } from '../../../control-plane/aws/config.js';
import { DynamoStatusStore, ensureStatusTable } from '../../../worker/adapters/aws/index.js';
import { localDynamoClient } from '../../adapters/aws/clients.js';
import { servers, uniqueName } from '../../support/servers.js';

const sfnMock = mockClient(SFNClient);
const secretsMock = mockClient(SecretsManagerClient);
const cwMock = mockClient(CloudWatchClient);
const logsMock = mockClient(CloudWatchLogsClient);
const MACHINE = 'arn:aws:states:us-east-1:123456789012:stateMachine:dth-lifecycle';
const table = uniqueName('api-tasks');
let handler: (event: unknown) => Promise<any>;
let tasks: DynamoTaskStore;

const call = (fieldName: string, args: Record<string, unknown> = {}) => handler({ info: { fieldName, parentTypeName: 'Query' }, arguments: args });
const params = (o: Record<string, string>) => Object.entries(o).map(([ParameterKey, ParameterValue]) => ({ ParameterKey, ParameterValue }));
const S3_PARAMS = { srcType: 'Amazon_S3', srcBucket: 'source-bucket', srcRegion: 'eu-west-1', destBucket: 'dest-bucket', destRegion: 'us-east-1' };

beforeAll(async () => {
  Object.assign(process.env, {
    TASK_TABLE: table, STATE_MACHINE_ARN: MACHINE, S3_PLUGIN_TEMPLATE_URL: 'https://s3.amazonaws.com/t/s3.json',
    ECR_PLUGIN_TEMPLATE_URL: 'https://s3.amazonaws.com/t/ecr.json', DYNAMODB_ENDPOINT: servers.dynamodb, SECRET_NAME_PREFIX: 'dth/',
    AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local',
  });
  await ensureTaskTable(localDynamoClient(), table);
  tasks = new DynamoTaskStore(localDynamoClient(), table);
  handler = (await import('../../../control-plane/aws/handlers/api.js')).handler as (event: unknown) => Promise<any>;
});

beforeEach(() => {
  sfnMock.reset();
  secretsMock.reset();
  cwMock.reset();
  logsMock.reset();
});

describe('AppSync handler (control-plane/aws/handlers/api.ts)', () => {
  it('createTask stores the task and starts the lifecycle state machine; stopTask starts a STOP execution', async () => {
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: `${MACHINE}:start-x`, startDate: new Date() });
    const created = await call('createTask', { input: { type: 'S3EC2', description: 'eu → us', scheduleType: 'ONE_TIME', parameters: params(S3_PARAMS) } });
    expect(created).toMatchObject({ progress: 'STARTING', type: 'S3EC2', executionArn: `${MACHINE}:start-x`, templateUrl: 'https://s3.amazonaws.com/t/s3.json' });
    expect(created.stackName).toMatch(/^DTH-S3EC2-/);
    const start = sfnMock.commandCalls(StartExecutionCommand)[0].args[0].input;
    expect(start.stateMachineArn).toBe(MACHINE);
    expect(JSON.parse(start.input!)).toEqual({ taskId: created.id, action: 'START' });
    expect(await tasks.get(created.id)).toMatchObject({ progress: 'STARTING', description: 'eu → us', executionArn: `${MACHINE}:start-x` });

    const got = await call('getTask', { id: created.id });
    expect(got.parameters).toEqual(params(S3_PARAMS));
    const stopping = await call('stopTask', { id: created.id });
    expect(stopping.progress).toBe('STOPPING');
    const stop = sfnMock.commandCalls(StartExecutionCommand)[1].args[0].input;
    expect(JSON.parse(stop.input!)).toEqual({ taskId: created.id, action: 'STOP' });
  });

  it('rejects invalid input naming the field, stores nothing and starts nothing', async () => {
    const before = (await call('listTasksV2', { count: 100 })).total;
    const cases: [Record<string, unknown>, string][] = [
      [{ type: 'S3EC2', scheduleType: 'ONE_TIME', parameters: params({ ...S3_PARAMS, destBucket: 'no..such..format' }) }, 'destBucket'],
      // Names the plugin template does not declare: an unknown one, and a local-hub-only engine setting.
      [{ type: 'S3EC2', scheduleType: 'ONE_TIME', parameters: params({ ...S3_PARAMS, WorkerMinCapacity: '1' }) }, 'WorkerMinCapacity'],
      [{ type: 'ECR', scheduleType: 'ONE_TIME', parameters: params({ sourceType: 'Public', srcImageList: 'nginx:1', destRegion: 'us-east-1', destAccountId: '123456789012', insecure: 'true' }) }, 'insecure'],
      [{ type: 'S3EC2', scheduleType: 'ONE_TIME', parameters: params({ ...S3_PARAMS, srcRegion: 'US East (Ohio)' }) }, 'srcRegion'],
      [{ type: 'S3EC2', scheduleType: 'FIXED_RATE', parameters: params({ ...S3_PARAMS, scheduleExpression: 'hourly' }) }, 'scheduleExpression'],
      [{ type: 'FTP', scheduleType: 'ONE_TIME', parameters: [] }, 'type'],
    ];
    for (const [input, field] of cases) {
      const err = await call('createTask', { input }).then(() => undefined, (e: Error) => e);
      expect(err, field).toBeInstanceOf(Error);
      expect(err!.name).toBe('InvalidParameterError');
      expect(err!.message.startsWith(`${field}:`) || err!.message.includes(`(${field}): `), err!.message).toBe(true);
    }
    expect((await call('listTasksV2', { count: 100 })).total).toBe(before);
    expect(sfnMock.calls()).toHaveLength(0);
  });

  it('a state machine that cannot be started leaves the task in ERROR, not STARTING', async () => {
    sfnMock.on(StartExecutionCommand).rejects(new Error('AccessDeniedException: not authorized to perform states:StartExecution'));
    const t = await call('createTask', { input: { type: 'S3EC2', scheduleType: 'ONE_TIME', parameters: params(S3_PARAMS) } });
    expect(t).toMatchObject({ progress: 'ERROR', errorCode: 'CFN_ERROR' });
    expect(await call('getErrorMessage', { id: t.id })).toEqual({ errorCode: 'CFN_ERROR', errMessage: expect.stringContaining('states:StartExecution') });
  });

  it('getTask reads live progress from the task status table; listTaskObjects lists its failures', async () => {
    const statusTable = uniqueName('api-status');
    await ensureStatusTable(localDynamoClient(), statusTable);
    const status = new DynamoStatusStore({ client: localDynamoClient(), tableName: statusTable });
    await status.put({ key: 'a', size: 100, status: 'DONE', attempts: 1, verified: true, bytesDone: 100 });
    await status.put({ key: 'b', size: 300, status: 'FAILED', attempts: 3, error: 'SlowDown' });
    await status.put({ key: 'c', size: 100, status: 'PENDING', attempts: 0 });
    const id = `live-${Date.now()}`;
    await tasks.put({ id, type: 'S3EC2', scheduleType: 'ONE_TIME', parameters: params(S3_PARAMS), createdAt: new Date(Date.now() - 10_000).toISOString(),
      progress: 'IN_PROGRESS', stackOutputs: [{ OutputKey: 'StatusTableName', OutputValue: statusTable }] });
    const t = await call('getTask', { id });
    expect(t.progressInfo).toMatchObject({ total: 3, replicated: 1, failed: 1, verified: 1, bytesTotal: 500, bytesDone: 100 });
    expect(t.progressInfo.rate).toBeGreaterThan(0);
    expect(t.progressInfo.etaSeconds).toBeGreaterThan(0);
    // Lists show the monitor's stored snapshot: no status-table Scan per listed task.
    const listed = (await call('listTasksV2', { progress: 'IN_PROGRESS', count: 100 })).items.find((x: { id: string }) => x.id === id);
    expect(listed.progressInfo).toBeUndefined();
    expect(await call('listTaskObjects', { id, status: 'FAILED' })).toEqual([expect.objectContaining({ key: 'b', status: 'FAILED', attempts: 3, error: 'SlowDown' })]);
    expect(await call('getTask', { id: 'nope' })).toBeNull();
    await expect(call('listTaskObjects', { id: 'nope' })).rejects.toThrow(/id: task "nope" does not exist/);
  });

  it('listSecrets returns names only, filtered by SECRET_NAME_PREFIX', async () => {
    secretsMock.on(ListSecretsCommand).resolves({ SecretList: [
      { Name: 'dth/src-keys', ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:dth/src-keys-a1' },
      { Name: 'other-app/db', ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:other-app/db-b2' },
    ] });
    expect(await call('listSecrets')).toEqual([{ name: 'dth/src-keys', arn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:dth/src-keys-a1', description: undefined }]);
  });

  it('getMetricHistoryData queries CloudWatch for the task; log calls read the stack log group', async () => {
    const id = `metrics-${Date.now()}`;
    await tasks.put({ id, type: 'S3EC2', scheduleType: 'ONE_TIME', parameters: [], createdAt: new Date().toISOString(), progress: 'DONE', stackName: 'DTH-S3EC2-abcd1234',
      stackOutputs: [{ OutputKey: 'WorkerLogGroup', OutputValue: '/dth/worker/x' }, { OutputKey: 'QueueUrl', OutputValue: 'https://sqs.us-east-1.amazonaws.com/123456789012/dth-q' }] });
    const t0 = new Date('2026-11-25T08:00:00Z');
    const t1 = new Date('2026-11-25T08:01:00Z');
    cwMock.on(GetMetricDataCommand).resolves({ MetricDataResults: [
      { Id: 'completed', Timestamps: [t0, t1], Values: [5, 7] }, { Id: 'failed', Timestamps: [t1], Values: [1] },
    ] });
    const m = await call('getMetricHistoryData', { id, graphName: 'TransferredFailedObjects', startTime: String(t0.getTime()), endTime: String(t1.getTime()), period: 60 });
    expect(m).toEqual({ series: [{ name: 'Completed', data: [5, 7] }, { name: 'Failed', data: [0, 1] }], xaxis: { categories: [t0.toISOString(), t1.toISOString()] } });
    const q = cwMock.commandCalls(GetMetricDataCommand)[0].args[0].input;
    expect(q.MetricDataQueries?.[0].MetricStat?.Metric).toEqual({ Namespace: 'DataTransferHub/DTH-S3EC2-abcd1234', MetricName: 'CompletedObjects' });
    expect(q.StartTime).toEqual(t0);

    await call('getMetricHistoryData', { id, graphName: 'RunningWaitingJobHistory', period: 300 });
    expect(cwMock.commandCalls(GetMetricDataCommand)[1].args[0].input.MetricDataQueries?.[0].MetricStat?.Metric?.Dimensions).toEqual([{ Name: 'QueueName', Value: 'dth-q' }]);

    logsMock.on(DescribeLogStreamsCommand).resolves({ logStreams: [{ logStreamName: 'worker/i-1', creationTime: 1, lastEventTimestamp: 2 }] });
    logsMock.on(GetLogEventsCommand).resolves({ events: [{ timestamp: 3, message: '{"event":"object.copied"}' }], nextForwardToken: 'f/1' });
    expect(await call('listLogStreams', { id })).toEqual({ logStreams: [{ logStreamName: 'worker/i-1', creationTime: '1', lastEventTimestamp: '2' }], total: 1 });
    expect(await call('getLogEvents', { id, logStreamName: 'worker/i-1', limit: 10 })).toEqual({ logEvents: [{ timestamp: '3', message: '{"event":"object.copied"}' }], nextForwardToken: 'f/1' });
    expect(logsMock.commandCalls(GetLogEventsCommand)[0].args[0].input).toMatchObject({ logGroupName: '/dth/worker/x', logStreamName: 'worker/i-1', limit: 10, startFromHead: true });
  });

  it('an unknown field is an error', async () => {
    await expect(call('dropAllTasks')).rejects.toThrow(/fieldName: "dropAllTasks" has no resolver/);
  });
});

describe('Lambda configuration', () => {
  it('names the missing or malformed variable', () => {
    expect(() => loadLambdaConfig({})).toThrow(/^TASK_TABLE: is required/);
    expect(() => loadLambdaConfig({ TASK_TABLE: 't' }, { stateMachine: true })).toThrow(/^STATE_MACHINE_ARN: is required/);
    expect(() => loadLambdaConfig({ TASK_TABLE: 't', STATE_MACHINE_ARN: 'arn:nope' })).toThrow(/^STATE_MACHINE_ARN: "arn:nope" is not/);
    expect(() => loadLambdaConfig({ TASK_TABLE: 't' }, { templates: true })).toThrow(/^S3_PLUGIN_TEMPLATE_URL: is required/);
    expect(() => loadLambdaConfig({ TASK_TABLE: 't', S3_PLUGIN_TEMPLATE_URL: 'not a url' })).toThrow(/^S3_PLUGIN_TEMPLATE_URL:/);
    expect(() => loadLambdaConfig({ TASK_TABLE: 't', NOTIFY_TOPIC_ARN: 'topic' })).toThrow(/^NOTIFY_TOPIC_ARN:/);
    expect(() => loadLambdaConfig({ TASK_TABLE: 't', PLUGIN_STACK_ROLE_ARN: 'arn:aws:iam::1:user/x' })).toThrow(/^PLUGIN_STACK_ROLE_ARN: .* is not an IAM role ARN/);
    expect(loadLambdaConfig({ TASK_TABLE: 't', PLUGIN_STACK_ROLE_ARN: 'arn:aws-cn:iam::123456789012:role/DTH-PluginStackRole-AB12' }).pluginStackRoleArn)
      .toBe('arn:aws-cn:iam::123456789012:role/DTH-PluginStackRole-AB12');
    expect(loadLambdaConfig({ TASK_TABLE: 't', AWS_REGION: 'eu-west-1' })).toMatchObject({ taskTable: 't', region: 'eu-west-1', stackPrefix: 'DTH', metricsNamespace: 'DataTransferHub' });
  });
});
