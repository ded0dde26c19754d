/**
 * The Step Functions handler files as deployed: configuration from the environment, clients created at cold start.
 * CloudFormation is a moto server (the plugin stack is really created from a template in its S3), the task table
 * dynalite, the job queue fauxqs.
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoTaskStore, ensureTaskTable } from '../../../control-plane/aws/dynamo-task-store.js';
import type { StepEvent, StepOutput } from '../../../control-plane/aws/lifecycle-steps.js';
import { DynamoStatusStore, ensureStatusTable } from '../../../worker/adapters/aws/index.js';
import { localDynamoClient, localSqsClient } from '../../adapters/aws/clients.js';
import { useMoto } from '../../support/moto.js';
import { servers, uniqueName } from '../../support/servers.js';

const moto = useMoto();
const TEMPLATE_BUCKET = 'dth-handler-templates';
const table = uniqueName('handler-tasks');
let tasks: DynamoTaskStore;
type Handler = (e: StepEvent) => Promise<StepOutput>;
const load = async (name: string): Promise<Handler> =>
  (await import(`../../../control-plane/aws/handlers/${name}.ts`)).handler as Handler;

beforeAll(async () => {
  // A plugin template declaring what start-stack passes; moto reads it from its S3 by this URL form (aws-emulator.md).
  const s3 = new S3Client({ ...moto.clientConfig(), forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: TEMPLATE_BUCKET }));
  const declared = ['TaskId', 'TaskParams', 'FinderScheduleExpression', 'ec2CronExpression'];
  await s3.send(
    new PutObjectCommand({
      Bucket: TEMPLATE_BUCKET,
      Key: 's3.json',
      Body: JSON.stringify({
        AWSTemplateFormatVersion: '2010-09-09',
        Parameters: Object.fromEntries(declared.map((k) => [k, { Type: 'String', Default: '' }])),
        Resources: { FinderLogs: { Type: 'AWS::Logs::LogGroup' } },
        Outputs: { FinderLogGroup: { Value: { Ref: 'FinderLogs' } } },
      }),
    }),
  );
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: moto.endpoint,
    TASK_TABLE: table,
    DYNAMODB_ENDPOINT: servers.dynamodb,
    SQS_ENDPOINT: servers.sqs,
    S3_PLUGIN_TEMPLATE_URL: `https://s3.us-east-1.amazonaws.com/${TEMPLATE_BUCKET}/s3.json`,
    STACK_NAME_PREFIX: 'HubTest',
    PLUGIN_STACK_ROLE_ARN: 'arn:aws:iam::123456789012:role/HubTest-PluginStackRole',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
  });
  await ensureTaskTable(localDynamoClient(), table);
  tasks = new DynamoTaskStore(localDynamoClient(), table);
});

describe('step handler files', () => {
  it('start-stack → check-queue-empty → check-complete move a task to DONE', async () => {
    const sqs = localSqsClient();
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: uniqueName('handler-q') }));
    const statusTable = uniqueName('handler-status');
    await ensureStatusTable(localDynamoClient(), statusTable);
    const id = `h-${Date.now()}`;
    await tasks.put({
      id,
      type: 'S3EC2',
      scheduleType: 'ONE_TIME',
      parameters: [],
      createdAt: new Date().toISOString(),
      progress: 'STARTING',
    });

    expect(await (await load('start-stack'))({ taskId: id })).toMatchObject({ taskId: id, result: 'WAIT' });
    const { stackId } = (await tasks.get(id))!;
    const cfn = new CloudFormationClient(moto.clientConfig());
    const [stack] = (await cfn.send(new DescribeStacksCommand({ StackName: stackId }))).Stacks ?? [];
    expect(stack).toMatchObject({
      StackName: expect.stringMatching(/^HubTest-S3EC2-/),
      RoleARN: 'arn:aws:iam::123456789012:role/HubTest-PluginStackRole',
      Parameters: expect.arrayContaining([{ ParameterKey: 'TaskId', ParameterValue: id }]),
    });
    // The next step reads the created stack's state and outputs from CloudFormation.
    expect(await (await load('query-stack-status'))({ taskId: id })).toMatchObject({ result: 'NEXT' });
    expect((await tasks.get(id))?.stackOutputs).toEqual([
      { OutputKey: 'FinderLogGroup', OutputValue: expect.stringContaining('FinderLogs') },
    ]);

    await tasks.update(id, {
      progress: 'IN_PROGRESS',
      stackOutputs: [
        { OutputKey: 'QueueUrl', OutputValue: QueueUrl! },
        { OutputKey: 'StatusTableName', OutputValue: statusTable },
      ],
    });
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'x' }));
    const checkQueue = await load('check-queue-empty');
    expect((await checkQueue({ taskId: id })).result).toBe('WAIT');

    const status = new DynamoStatusStore({ client: localDynamoClient(), tableName: statusTable });
    await status.put({ key: 'k', size: 4, status: 'DONE', attempts: 1, verified: true, bytesDone: 4 });
    expect((await (await load('check-complete'))({ taskId: id })).result).toBe('END');
    expect(await tasks.get(id)).toMatchObject({
      progress: 'DONE',
      progressInfo: { total: 1, replicated: 1, verified: 1 },
    });
    expect(await (await load('notify'))({ taskId: id })).toMatchObject({ result: 'END', notified: false }); // no topic configured
  });
});
