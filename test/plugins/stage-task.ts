/**
 * What the SSM long-parameter tests of both plugins share: a task in a task table on dynalite, a stand-in plugin
 * template in the emulator's S3 (the emulator cannot create the real stacks), and the start step's CreateStack
 * parameters read back — every one within what a CloudFormation parameter holds.
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SSMClient } from '@aws-sdk/client-ssm';
import { expect } from 'vitest';
import { DynamoTaskStore, ensureTaskTable } from '../../control-plane/aws/dynamo-task-store.js';
import { type StepDeps, startStack } from '../../control-plane/aws/lifecycle-steps.js';
import {
  CFN_PARAMETER_MAX_BYTES,
  PLUGIN_OPTIONAL_PARAMETERS,
  PLUGIN_PARAMETERS,
} from '../../control-plane/core/plugin-contract.js';
import type { TaskRecord } from '../../control-plane/core/task.js';
import { localDynamoClient } from '../adapters/aws/clients.js';
import { uniqueName } from '../support/servers.js';

/** An SDK client of the emulator. */
export type EmulatorClient = <T>(C: new (config: object) => T) => T;

/** A plugin template with the plugin contract's parameters and `typeParameters`, on one stand-in resource. */
export function standInTemplate(typeParameters: Record<string, object>, scheduleDefault: string): string {
  return JSON.stringify({
    AWSTemplateFormatVersion: '2010-09-09',
    Parameters: {
      [PLUGIN_PARAMETERS.taskId]: { Type: 'String', Default: 'standalone' },
      [PLUGIN_PARAMETERS.taskParams]: { Type: 'String', Default: '' },
      [PLUGIN_PARAMETERS.schedule]: { Type: 'String', Default: scheduleDefault },
      [PLUGIN_OPTIONAL_PARAMETERS.taskParamsPath]: { Type: 'String', Default: '' },
      ...typeParameters,
    },
    Resources: { Marker: { Type: 'AWS::SNS::Topic' } },
  });
}

/** The task stored in a new task table and `template` uploaded as its type's plugin template: the start step's deps. */
export async function stageTask(client: EmulatorClient, task: TaskRecord, template: string) {
  const dynamo = localDynamoClient();
  const taskTable = uniqueName('big-tasks');
  await ensureTaskTable(dynamo, taskTable);
  const tasks = new DynamoTaskStore(dynamo, taskTable);
  await tasks.put(task);
  const s3 = client(S3Client);
  const bucket = uniqueName('templates');
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'plugin.json', Body: template }));
  const deps = {
    tasks,
    cfn: client(CloudFormationClient),
    ssm: client(SSMClient),
    templates: { [task.type]: `https://s3.us-east-1.amazonaws.com/${bucket}/plugin.json` },
    stackPrefix: 'DTH',
  } satisfies StepDeps;
  return { dynamo, s3, deps };
}

/** Starts the staged task's stack and reads back its parameters, each checked to fit a CloudFormation parameter. */
export async function startedStackParameters(deps: Awaited<ReturnType<typeof stageTask>>['deps'], taskId: string) {
  const started = await startStack(deps, { taskId });
  expect(started.result, (await deps.tasks.get(taskId))?.errorMessage).toBe('WAIT');
  const [stack] =
    (await deps.cfn.send(new DescribeStacksCommand({ StackName: started.stackId as string }))).Stacks ?? [];
  const stackParams = Object.fromEntries(
    (stack?.Parameters ?? []).map((p) => [p.ParameterKey ?? '', p.ParameterValue ?? '']),
  );
  for (const [name, value] of Object.entries(stackParams))
    expect(Buffer.byteLength(value), name).toBeLessThanOrEqual(CFN_PARAMETER_MAX_BYTES);
  return stackParams;
}
