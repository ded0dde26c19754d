/**
 * The lifecycle steps where they meet a plugin stack's own resources, against moto (the
 * AWS API emulator: CloudFormation, S3, ECS, Step Functions, CloudWatch Logs; test/support/moto.ts) and the task table on dynalite:
 * - startStack fills in the hub's shared network unless the task names its own, and always passes the role boundary;
 * - stopStack stops the stack's ECS tasks and its state machine's executions before it deletes the stack;
 * - checkFinder ends a task whose finder will never report (stopped, never started) with FINDER_ERROR, and leaves a
 *   running or just-started finder alone; FIXED_RATE tasks leave the monitor once their first pass is listed.
 */
import { randomUUID } from 'node:crypto';
import { CloudFormationClient, CreateStackCommand, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  PutLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import {
  CreateClusterCommand,
  DescribeTasksCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
  StopTaskCommand,
} from '@aws-sdk/client-ecs';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoTaskStore, ensureTaskTable } from '../../../control-plane/aws/dynamo-task-store.js';
import {
  checkFinder,
  FINDER_START_GRACE_MS,
  startStack,
  STOP_TASKS_ATTEMPTS,
  stopStack,
  type StepDeps,
} from '../../../control-plane/aws/lifecycle-steps.js';
import { PLUGIN_OUTPUTS, PLUGIN_PARAMETERS } from '../../../control-plane/core/plugin-contract.js';
import type { TaskRecord } from '../../../control-plane/core/task.js';
import { localDynamoClient } from '../../adapters/aws/clients.js';
import { useMoto } from '../../support/moto.js';
import { uniqueName } from '../../support/servers.js';

const REGION = 'us-east-1';
const BOUNDARY = 'arn:aws:iam::123456789012:policy/DataTransferHub-TaskRoleBoundary';
const moto = useMoto();
let tasks: DynamoTaskStore;
let deps: StepDeps;
let clients: { cfn: CloudFormationClient; ecs: ECSClient; sfn: SFNClient; logs: CloudWatchLogsClient; s3: S3Client };

/** A plugin template with the network, boundary and contract parameters, and one resource the emulator creates. */
const TEMPLATE = JSON.stringify({
  AWSTemplateFormatVersion: '2010-09-09',
  Parameters: Object.fromEntries(
    [
      'TaskId',
      'TaskParams',
      'FinderScheduleExpression',
      'srcBucket',
      'ec2VpcId',
      'ec2Subnets',
      PLUGIN_PARAMETERS.permissionsBoundary,
    ].map((p) => [p, { Type: 'String', Default: '' }]),
  ),
  Resources: { Logs: { Type: 'AWS::Logs::LogGroup', Properties: { RetentionInDays: 1 } } },
});

beforeAll(async () => {
  const aws = moto.clientConfig(REGION);
  clients = {
    cfn: new CloudFormationClient(aws),
    ecs: new ECSClient(aws),
    sfn: new SFNClient(aws),
    logs: new CloudWatchLogsClient(aws),
    s3: new S3Client({ ...aws, forcePathStyle: true }),
  };
  const table = uniqueName('plugin-resources-tasks');
  const templates = uniqueName('hub-templates');
  const dynamo = localDynamoClient();
  await ensureTaskTable(dynamo, table);
  tasks = new DynamoTaskStore(dynamo, table);
  await clients.s3.send(new CreateBucketCommand({ Bucket: templates }));
  await clients.s3.send(new PutObjectCommand({ Bucket: templates, Key: 's3-plugin.template.json', Body: TEMPLATE }));
  deps = {
    tasks,
    cfn: clients.cfn,
    ecs: clients.ecs,
    sfn: clients.sfn,
    logs: clients.logs,
    // moto reads a TemplateURL only in this S3 form (notes: aws-emulator.md).
    templates: {
      S3EC2: `https://s3.us-east-1.amazonaws.com/${templates}/s3-plugin.template.json`,
      ECR: `https://s3.us-east-1.amazonaws.com/${templates}/s3-plugin.template.json`,
    },
    stackPrefix: 'DTH',
    stackParameters: {
      defaults: { ec2VpcId: 'vpc-hub', ec2Subnets: 'subnet-hub-a,subnet-hub-b' },
      enforced: { [PLUGIN_PARAMETERS.permissionsBoundary]: BOUNDARY },
    },
  };
}, 120_000);

async function newTask(patch: Partial<TaskRecord> = {}): Promise<TaskRecord> {
  const t: TaskRecord = {
    // A UUID as createTask gives: the stack name keeps the id's first 8 characters, so ids made from the clock named
    // two tasks started within 36 ms the same stack, and the second CreateStack failed (AlreadyExists).
    id: randomUUID(),
    type: 'S3EC2',
    scheduleType: 'ONE_TIME',
    createdAt: new Date(Date.now() - 60_000).toISOString(),
    progress: 'IN_PROGRESS',
    parameters: [{ ParameterKey: 'srcBucket', ParameterValue: 'src' }],
    ...patch,
  };
  await tasks.put(t);
  return t;
}

const out = (outputs: Record<string, string>) =>
  Object.entries(outputs).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue }));

/**
 * An ECS cluster and a finder family of one plugin stack, with `running` tasks of it. Registered without Fargate's
 * awsvpc mode: moto 5.2.1's RunTask crashes on awsvpc task definitions (its ENI has no private_dns_name); the steps
 * under test only list, describe and stop tasks, which do not look at the network mode.
 */
async function stackCluster(
  stack: string,
  running: number,
): Promise<{ cluster: string; family: string; taskArns: string[] }> {
  const cluster = `${stack}-Cluster`;
  const family = `${stack}-Finder`;
  await clients.ecs.send(new CreateClusterCommand({ clusterName: cluster }));
  await clients.ecs.send(
    new RegisterTaskDefinitionCommand({
      family,
      networkMode: 'bridge',
      containerDefinitions: [{ name: 'finder', image: 'task-image', command: ['finder'], memory: 512 }],
    }),
  );
  const taskArns: string[] = [];
  for (let i = 0; i < running; i++) {
    const r = await clients.ecs.send(
      new RunTaskCommand({ cluster, taskDefinition: family, launchType: 'FARGATE', count: 1 }),
    );
    taskArns.push(...(r.tasks ?? []).map((t) => t.taskArn ?? ''));
  }
  return { cluster, family, taskArns };
}

async function pluginStack(name: string): Promise<string> {
  const r = await clients.cfn.send(new CreateStackCommand({ StackName: name, TemplateBody: TEMPLATE }));
  return r.StackId ?? '';
}

const stackExists = async (stackId: string) => {
  try {
    const s = (await clients.cfn.send(new DescribeStacksCommand({ StackName: stackId }))).Stacks?.[0];
    return s !== undefined && s.StackStatus !== 'DELETE_COMPLETE';
  } catch (err) {
    if (/does not exist/.test(String(err))) return false;
    throw err;
  }
};

describe('startStack: the parameters the hub gives every plugin stack', () => {
  it("fills in the hub's shared network when the task names none, and always passes the hub's role boundary", async () => {
    const t = await newTask({
      progress: 'STARTING',
      parameters: [
        { ParameterKey: 'srcBucket', ParameterValue: 'src' },
        { ParameterKey: 'ec2VpcId', ParameterValue: '' },
      ],
    });
    const r = await startStack(deps, { taskId: t.id });
    expect(r.result, JSON.stringify(await tasks.get(t.id))).toBe('WAIT');
    const params = Object.fromEntries(
      (
        (await clients.cfn.send(new DescribeStacksCommand({ StackName: r.stackId as string }))).Stacks?.[0]
          .Parameters ?? []
      ).map((p) => [p.ParameterKey, p.ParameterValue]),
    );
    expect(params).toMatchObject({
      ec2VpcId: 'vpc-hub',
      ec2Subnets: 'subnet-hub-a,subnet-hub-b',
      [PLUGIN_PARAMETERS.permissionsBoundary]: BOUNDARY,
      srcBucket: 'src',
      TaskId: t.id,
    });
  });

  it("keeps a task's own VPC and subnets (Direct Connect, existing VPC); a task that names a boundary is refused, naming it", async () => {
    const t = await newTask({
      progress: 'STARTING',
      parameters: [
        { ParameterKey: 'ec2VpcId', ParameterValue: 'vpc-own' },
        { ParameterKey: 'ec2Subnets', ParameterValue: 'subnet-own' },
      ],
    });
    const r = await startStack(deps, { taskId: t.id });
    expect(r.stackId, JSON.stringify(await tasks.get(t.id))).toBeDefined();
    const params = Object.fromEntries(
      (
        (await clients.cfn.send(new DescribeStacksCommand({ StackName: r.stackId as string }))).Stacks?.[0]
          .Parameters ?? []
      ).map((p) => [p.ParameterKey, p.ParameterValue]),
    );
    expect(params).toMatchObject({
      ec2VpcId: 'vpc-own',
      ec2Subnets: 'subnet-own',
      [PLUGIN_PARAMETERS.permissionsBoundary]: BOUNDARY,
    });

    const unbounded = await newTask({
      progress: 'STARTING',
      parameters: [{ ParameterKey: PLUGIN_PARAMETERS.permissionsBoundary, ParameterValue: '' }],
    });
    expect(await startStack(deps, { taskId: unbounded.id })).toMatchObject({ result: 'END' });
    const refused = await tasks.get(unbounded.id);
    expect(refused).toMatchObject({ progress: 'ERROR', errorCode: 'CFN_ERROR' });
    expect(refused?.errorMessage).toMatch(/^PermissionsBoundaryArn: not a parameter of S3EC2 tasks/);
    expect(refused?.stackId).toBeUndefined();
  });

  it("runs a FIXED_RATE image task daily when it names no schedule, an S3 task on the original's hourly cron", async () => {
    const image = await newTask({ type: 'ECR', scheduleType: 'FIXED_RATE', progress: 'STARTING', parameters: [] });
    const files = await newTask({ scheduleType: 'FIXED_RATE', progress: 'STARTING', parameters: [] });
    const schedule = async (t: TaskRecord) => {
      const r = await startStack(deps, { taskId: t.id });
      expect(r.stackId, JSON.stringify(await tasks.get(t.id))).toBeDefined();
      return (
        await clients.cfn.send(new DescribeStacksCommand({ StackName: r.stackId as string }))
      ).Stacks?.[0].Parameters?.find((p) => p.ParameterKey === PLUGIN_PARAMETERS.schedule)?.ParameterValue;
    };
    expect(await schedule(image)).toBe('rate(1 day)');
    expect(await schedule(files)).toBe('cron(0/60 * * * ? *)');
  });
});

describe('stopStack: what the plugin stack still runs is stopped before the stack is deleted', () => {
  it("stops the stack's running ECS tasks and waits for them, then deletes the stack", async () => {
    const stack = `DTH-S3EC2-${Date.now().toString(36)}`;
    const stackId = await pluginStack(stack);
    const { cluster, family, taskArns } = await stackCluster(stack, 2);
    const t = await newTask({
      stackId,
      stackOutputs: out({ [PLUGIN_OUTPUTS.ecsCluster]: cluster, [PLUGIN_OUTPUTS.ecsTaskFamilies]: family }),
    });

    const first = await stopStack(deps, { taskId: t.id });
    expect(first).toMatchObject({ result: 'WAIT', tasksStopping: true, stopAttempts: 1 });
    expect(await stackExists(stackId)).toBe(true); // not deleted while its tasks run
    const described = (await clients.ecs.send(new DescribeTasksCommand({ cluster, tasks: taskArns }))).tasks ?? [];
    expect(described.map((d) => d.desiredStatus)).toEqual(['STOPPED', 'STOPPED']);
    expect(described[0].stoppedReason).toContain(t.id);
    expect((await tasks.get(t.id))?.progress).toBe('STOPPING');

    const second = await stopStack(deps, first);
    expect(second).toMatchObject({ result: 'WAIT', tasksStopping: false });
    expect(await stackExists(stackId)).toBe(false);
  });

  it('deletes the stack anyway after STOP_TASKS_ATTEMPTS calls (a task that never stops does not keep the stack forever)', async () => {
    const stack = `DTH-S3EC2-${Date.now().toString(36)}x`;
    const stackId = await pluginStack(stack);
    const { cluster, family } = await stackCluster(stack, 1);
    const t = await newTask({
      stackId,
      stackOutputs: out({ [PLUGIN_OUTPUTS.ecsCluster]: cluster, [PLUGIN_OUTPUTS.ecsTaskFamilies]: family }),
    });
    const r = await stopStack(deps, { taskId: t.id, stopAttempts: STOP_TASKS_ATTEMPTS });
    expect(r).toMatchObject({ result: 'WAIT', tasksStopping: false });
    expect(await stackExists(stackId)).toBe(false);
  });

  it("stops the running executions of the plugin's own state machine (the ECR copy flow)", async () => {
    const stack = `DTH-ECR-${Date.now().toString(36)}`;
    const stackId = await pluginStack(stack);
    const machine = await clients.sfn.send(
      new CreateStateMachineCommand({
        name: `${stack}-ECRReplicationSM`,
        roleArn: 'arn:aws:iam::123456789012:role/DTH-sm',
        definition: JSON.stringify({ StartAt: 'P', States: { P: { Type: 'Pass', End: true } } }),
      }),
    );
    const execution = await clients.sfn.send(
      new StartExecutionCommand({ stateMachineArn: machine.stateMachineArn, input: '{}' }),
    );
    const t = await newTask({
      type: 'ECR',
      stackId,
      stackOutputs: out({ [PLUGIN_OUTPUTS.stateMachine]: machine.stateMachineArn ?? '' }),
    });
    const r = await stopStack(deps, { taskId: t.id });
    expect(r).toMatchObject({ result: 'WAIT', tasksStopping: false });
    expect(
      (await clients.sfn.send(new DescribeExecutionCommand({ executionArn: execution.executionArn }))).status,
    ).toBe('ABORTED');
    expect(await stackExists(stackId)).toBe(false);
  });
});

describe('checkFinder: a finder that will never report ends the task; one that may still report is waited for', () => {
  const old = () => new Date(Date.now() - FINDER_START_GRACE_MS - 60_000).toISOString();

  async function emptyLogGroup(): Promise<string> {
    const name = uniqueName('DTH-finder-logs');
    await clients.logs.send(new CreateLogGroupCommand({ logGroupName: name }));
    return name;
  }

  it("waits while the finder task runs, and ends the task FINDER_ERROR with ECS's reason once it stopped without reporting", async () => {
    const stack = `DTH-S3EC2-${Date.now().toString(36)}f`;
    const { cluster, family, taskArns } = await stackCluster(stack, 1);
    const logs = await emptyLogGroup();
    const t = await newTask({
      createdAt: old(),
      stackOutputs: out({
        [PLUGIN_OUTPUTS.finderLogGroup]: logs,
        [PLUGIN_OUTPUTS.ecsCluster]: cluster,
        [PLUGIN_OUTPUTS.finderTaskFamily]: family,
      }),
    });
    expect((await checkFinder(deps, { taskId: t.id })).result).toBe('WAIT');
    await clients.ecs.send(
      new StopTaskCommand({
        cluster,
        task: taskArns[0],
        reason: 'OutOfMemoryError: Container killed due to memory usage',
      }),
    );
    expect((await checkFinder(deps, { taskId: t.id })).result).toBe('END');
    const after = await tasks.get(t.id);
    expect(after).toMatchObject({ progress: 'ERROR', errorCode: 'FINDER_ERROR' });
    expect(after?.errorMessage).toContain(
      'The finder stopped without finishing its pass (OutOfMemoryError: Container killed due to memory usage',
    );
    expect(after?.errorMessage).toContain(logs);
  });

  it('ends a task whose finder never ran, but only after the start grace', async () => {
    const stack = `DTH-S3EC2-${Date.now().toString(36)}n`;
    const { cluster, family } = await stackCluster(stack, 0);
    const logs = await emptyLogGroup();
    const outputs = out({
      [PLUGIN_OUTPUTS.finderLogGroup]: logs,
      [PLUGIN_OUTPUTS.ecsCluster]: cluster,
      [PLUGIN_OUTPUTS.finderTaskFamily]: family,
    });
    const young = await newTask({ stackOutputs: outputs });
    expect((await checkFinder(deps, { taskId: young.id })).result).toBe('WAIT');
    const stale = await newTask({ createdAt: old(), stackOutputs: outputs });
    expect((await checkFinder(deps, { taskId: stale.id })).result).toBe('END');
    expect((await tasks.get(stale.id))?.errorMessage).toMatch(
      /^No finder ran: none is running and none finished a pass within 20 minutes/,
    );
  });

  it('ends an image task whose lister has no running execution and never reported; waits while one runs', async () => {
    const stack = `DTH-ECR-${Date.now().toString(36)}l`;
    const machine = await clients.sfn.send(
      new CreateStateMachineCommand({
        name: `${stack}-ECRReplicationSM`,
        roleArn: 'arn:aws:iam::123456789012:role/DTH-sm',
        definition: JSON.stringify({ StartAt: 'P', States: { P: { Type: 'Pass', End: true } } }),
      }),
    );
    const logs = await emptyLogGroup();
    const outputs = out({
      [PLUGIN_OUTPUTS.finderLogGroup]: logs,
      [PLUGIN_OUTPUTS.stateMachine]: machine.stateMachineArn ?? '',
    });
    const silent = await newTask({ type: 'ECR', createdAt: old(), stackOutputs: outputs });
    expect((await checkFinder(deps, { taskId: silent.id })).result).toBe('END');
    expect((await tasks.get(silent.id))?.errorMessage).toContain('The image lister did not finish');
    await clients.sfn.send(new StartExecutionCommand({ stateMachineArn: machine.stateMachineArn, input: '{}' }));
    const running = await newTask({ type: 'ECR', createdAt: old(), stackOutputs: outputs });
    expect((await checkFinder(deps, { taskId: running.id })).result).toBe('WAIT');
  });

  it('tells the state machine the schedule type once the pass is listed (FIXED_RATE tasks then leave the monitor)', async () => {
    const logs = await emptyLogGroup();
    await clients.logs.send(new CreateLogStreamCommand({ logGroupName: logs, logStreamName: 'finder/1' }));
    await clients.logs.send(
      new PutLogEventsCommand({
        logGroupName: logs,
        logStreamName: 'finder/1',
        logEvents: [{ timestamp: Date.now(), message: JSON.stringify({ event: 'finder.done', found: 3 }) }],
      }),
    );
    const t = await newTask({
      scheduleType: 'FIXED_RATE',
      stackOutputs: out({ [PLUGIN_OUTPUTS.finderLogGroup]: logs }),
    });
    expect(await checkFinder(deps, { taskId: t.id })).toMatchObject({ result: 'NEXT', scheduleType: 'FIXED_RATE' });
  });
});
