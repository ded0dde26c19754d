/** The Step Functions handler files as deployed: configuration from the environment, clients created at cold start. */
import { CloudFormationClient, CreateStackCommand, GetTemplateSummaryCommand } from '@aws-sdk/client-cloudformation';
import { CreateQueueCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoTaskStore, ensureTaskTable } from '../../../control-plane/aws/dynamo-task-store.js';
import type { StepEvent, StepOutput } from '../../../control-plane/aws/lifecycle-steps.js';
import { DynamoStatusStore, ensureStatusTable } from '../../../worker/adapters/aws/index.js';
import { localDynamoClient, localSqsClient } from '../../adapters/aws/clients.js';
import { servers, uniqueName } from '../../support/servers.js';

const cfnMock = mockClient(CloudFormationClient);
const table = uniqueName('handler-tasks');
let tasks: DynamoTaskStore;
type Handler = (e: StepEvent) => Promise<StepOutput>;
const load = async (name: string): Promise<Handler> =>
  (await import(`../../../control-plane/aws/handlers/${name}.ts`)).handler as Handler;

beforeAll(async () => {
  Object.assign(process.env, {
    TASK_TABLE: table,
    DYNAMODB_ENDPOINT: servers.dynamodb,
    SQS_ENDPOINT: servers.sqs,
    S3_PLUGIN_TEMPLATE_URL: 'https://s3.amazonaws.com/t/s3.json',
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

    cfnMock.on(GetTemplateSummaryCommand).resolves({ Parameters: [{ ParameterKey: 'TaskId' }] });
    cfnMock
      .on(CreateStackCommand)
      .resolves({ StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/HubTest/1' });
    expect(await (await load('start-stack'))({ taskId: id })).toMatchObject({ taskId: id, result: 'WAIT' });
    expect(cfnMock.commandCalls(CreateStackCommand)[0].args[0].input).toMatchObject({
      StackName: expect.stringMatching(/^HubTest-S3EC2-/),
      RoleARN: 'arn:aws:iam::123456789012:role/HubTest-PluginStackRole',
    });

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
