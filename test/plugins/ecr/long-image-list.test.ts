/**
 * An image list longer than a CloudFormation parameter (4,096 bytes) or a Lambda environment (4 KB) reaches the lister
 * and the copy task: the start step (CloudFormation, SSM, S3 and Secrets Manager on the AWS API emulator, the task table
 * on dynalite) creates the stack with the ECR plugin template's own parameter set, every value within 4 KB and the
 * parameters in SSM; the lister handler lists every image from there into the S3 list; `dth ecr copy-one` (a real
 * process) reads its parameters from SSM and its registry login from Secrets Manager — never from a local secrets file.
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CreateBucketCommand, GetObjectCommand } from '@aws-sdk/client-s3';
import { CreateSecretCommand, PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, stopStack } from '../../../control-plane/aws/lifecycle-steps.js';
import {
  CFN_PARAMETER_MAX_BYTES,
  pluginStackName,
  taskParamsPath,
} from '../../../control-plane/core/plugin-contract.js';
import { parameterMap, type TaskRecord } from '../../../control-plane/core/task.js';
import { handler as listImages } from '../../../plugins/ecr/runtime/list-images.js';
import { DynamoStatusStore, ensureStatusTable } from '../../../worker/adapters/aws/index.js';
import { readTaskParams } from '../../../worker/adapters/aws/ssm-task-params.js';
import { IMAGE_METRICS } from '../../../worker/core/events.js';
import { ECR_PARAMETERS } from '../../../worker/params/index.js';
import { startAwsEmulator, type AwsEmulator } from '../../ecr/aws-emulator.js';
import { registryDigest, seedImages } from '../../ecr/image-fixtures.js';
import { jsonLines, metricSum } from '../../support/metric-lines.js';
import { servers, uniqueName } from '../../support/servers.js';
import { stageTask, standInTemplate, startedStackParameters } from '../stage-task.js';

const REGION = 'us-east-1';
let aws: AwsEmulator;
beforeAll(async () => {
  aws = await startAwsEmulator();
}, 60_000);
afterAll(async () => {
  await aws?.stop();
});

const client = <T>(C: new (config: object) => T): T =>
  new C({ region: REGION, endpoint: aws.endpoint, credentials: aws.defaultKeys, forcePathStyle: true });

/**
 * The ECR plugin template's parameters, from the declarations the template is generated from (test/cdk checks the
 * synthesized template declares exactly these), on a stand-in resource: the emulator cannot create the real stack.
 */
function pluginParametersTemplate(): string {
  return standInTemplate(
    {
      ...Object.fromEntries(
        ECR_PARAMETERS.filter((p) => p.template !== false).map((p) => [
          p.name,
          {
            Type: 'String',
            Default: p.default ?? '',
            ...('values' in p && p.values ? { AllowedValues: [...p.values] } : {}),
          },
        ]),
      ),
      // The local registries speak plain HTTP: the stand-in also declares `insecure`, which the real template leaves out.
      insecure: { Type: 'String', Default: 'false' },
    },
    'rate(1 hour)',
  );
}

/** What an in-process handler wrote to stdout (a Lambda's stdout lines are its log group's events). */
async function stdoutOf(fn: () => Promise<unknown>): Promise<string> {
  const write = process.stdout.write;
  let out = '';
  process.stdout.write = ((chunk: string | Uint8Array) => {
    out += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return true;
  }) as typeof process.stdout.write;
  try {
    await fn();
  } finally {
    process.stdout.write = write;
  }
  return out;
}

/** Runs an in-process handler with these environment variables, restoring the previous ones afterwards. */
async function withEnv<T>(env: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  try {
    return await fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

function run(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

describe("an image list over 4 KB, from createTask's parameters to the lister and the copy task", () => {
  it('travels through SSM: stack parameters within 4 KB, every image listed, the copy task reads SSM and Secrets Manager', async () => {
    const [one, two] = [seedImages().repository, seedImages().repository];
    const others = Array.from({ length: 120 }, (_, i) => `${uniqueName('team')}/service-${i}:release-2026.12.${i}`);
    const list = [`${one}:v1`, ...others, `${two}:multi`];
    const secretName = uniqueName('dest-login');
    const prefix = uniqueName('long');
    const task: TaskRecord = {
      id: `task-${uniqueName('long')}`.slice(0, 40),
      type: 'ECR',
      scheduleType: 'ONE_TIME',
      createdAt: new Date().toISOString(),
      progress: 'STARTING',
      parameters: Object.entries({
        sourceType: 'Public',
        srcImageList: list.join(','),
        srcRegistry: servers.registryOpen,
        destRegistry: servers.registryAuth,
        destCredential: secretName,
        destPrefix: prefix,
        insecure: 'true',
      }).map(([ParameterKey, ParameterValue]) => ({ ParameterKey, ParameterValue })),
    };
    expect(Buffer.byteLength(list.join(','))).toBeGreaterThan(CFN_PARAMETER_MAX_BYTES + 2048);

    // The hub's side: task table on dynalite, the ECR template's parameters in the emulator's S3.
    const { dynamo, s3, deps } = await stageTask(client, task, pluginParametersTemplate());
    const { ssm } = deps;
    const stackParams = await startedStackParameters(deps, task.id);
    // TaskParams points at SSM (never empty: that would be a standalone deploy to the template).
    expect(stackParams).toMatchObject({
      TaskParams: JSON.stringify({ taskParamsPath: taskParamsPath(task.id) }),
      TaskParamsPath: taskParamsPath(task.id),
      srcImageList: '',
      destPrefix: prefix,
    });
    expect(JSON.parse(await readTaskParams(ssm, taskParamsPath(task.id)))).toEqual(parameterMap(task));

    // The plugin's side, with what the template gives its functions: TaskParams as TASK_PARAMS, and the path.
    const taskParams = stackParams.TaskParams;
    const secrets = new SecretsManagerClient({ region: REGION, endpoint: aws.endpoint, credentials: aws.defaultKeys });
    await secrets.send(
      new CreateSecretCommand({
        Name: secretName,
        SecretString: JSON.stringify({ username: servers.registryUser, password: servers.registryPassword }),
      }),
    );
    const statusTable = uniqueName('long-status');
    await ensureStatusTable(dynamo, statusTable);
    const listBucket = uniqueName('image-lists');
    await s3.send(new CreateBucketCommand({ Bucket: listBucket }));
    const cloudEnv = {
      AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: aws.defaultKeys.accessKeyId,
      AWS_SECRET_ACCESS_KEY: aws.defaultKeys.secretAccessKey,
      TASK_PARAMS: taskParams,
      TASK_PARAMS_PATH: stackParams.TaskParamsPath,
      TASK_ID: task.id,
      STATUS_TABLE: statusTable,
      SSM_ENDPOINT: aws.endpoint,
      SECRETS_ENDPOINT: aws.endpoint,
      DYNAMODB_ENDPOINT: servers.dynamodb,
    };
    const published = await withEnv(
      { ...cloudEnv, IMAGE_LIST_BUCKET: listBucket, S3_ENDPOINT: aws.endpoint, COPY_PLATFORM: 'linux/amd64' },
      () => listImages({ executionName: 'run-1' }),
    );
    expect(published).toMatchObject({ listBucket, count: list.length });
    const listed = JSON.parse(
      await (
        await s3.send(new GetObjectCommand({ Bucket: listBucket, Key: published.listKey }))
      ).Body!.transformToString(),
    );
    expect(listed).toEqual(list.map((image) => ({ image })));

    // One Map item: the copy task as a process. Its HOME holds a secrets file with a wrong password under the same
    // name: the copy succeeds only by reading Secrets Manager.
    const home = mkdtempSync(join(tmpdir(), 'dth-home-'));
    mkdirSync(join(home, '.dth'));
    writeFileSync(
      join(home, '.dth', 'secrets.json'),
      JSON.stringify({ [secretName]: { username: servers.registryUser, password: 'wrong-wrong' } }),
      { mode: 0o600 },
    );
    // A copy task whose login the registry rejects (the password changed since the lister ran) records its image
    // FAILED with its own reason, in the counts the control plane reads. Before, it exited leaving the image PENDING
    // (or DONE from an earlier pass) there, and only the state machine's MarkFailed wrote FAILED beside the counts.
    const store = new DynamoStatusStore({ client: dynamo, tableName: statusTable });
    const setDestPassword = (password: string) =>
      secrets.send(
        new PutSecretValueCommand({
          SecretId: secretName,
          SecretString: JSON.stringify({ username: servers.registryUser, password }),
        }),
      );
    await setDestPassword('changed-since');
    const copyOne = (image: string) =>
      run(process.execPath, ['bin/dth.mjs', 'ecr', 'copy-one'], {
        ...process.env,
        ...cloudEnv,
        HOME: home,
        IMAGE: image,
      });
    const rejected = await copyOne(`${one}:v1`);
    expect(rejected.status, rejected.stderr + rejected.stdout).toBe(1);
    expect(await store.get(`${one}:v1`)).toMatchObject({
      status: 'FAILED',
      error: expect.stringMatching(/login|401|credential/i),
    });
    expect(await store.summary()).toMatchObject({ total: list.length, failed: 1, pending: list.length - 1 });
    // The state machine's MarkFailed, after the ECS task of each: through the lister function's status store. The
    // image its copy task recorded keeps that reason; one whose task died before writing (ECS stopped it) is counted
    // FAILED with the ECS cause (before: a DynamoDB update beside the store left it counted pending).
    const ecsCause = '{"StopCode":"EssentialContainerExited","StoppedReason":"OutOfMemoryError"}';
    // Each MarkFailed logs the image's failure for good in the lister's log group, which the plugin's FailedObjects
    // filter reads (test/cdk: filter and group); a copy task's failed attempt, in the copy group, is not counted.
    const listerLines = jsonLines(
      await stdoutOf(() => withEnv(cloudEnv, () => listImages({ failedImage: `${one}:v1`, cause: ecsCause }))),
    );
    expect(await store.get(`${one}:v1`)).toMatchObject({ error: expect.stringMatching(/login|401|credential/i) });
    listerLines.push(
      ...jsonLines(
        await stdoutOf(() => withEnv(cloudEnv, () => listImages({ failedImage: others[0], cause: ecsCause }))),
      ),
    );
    expect(await store.get(others[0])).toMatchObject({ status: 'FAILED', error: `copy task failed: ${ecsCause}` });
    expect(metricSum(listerLines, IMAGE_METRICS.failedObjects)).toBe(2);
    expect(listerLines.find((l) => l.event === IMAGE_METRICS.failedObjects.event)).toMatchObject({
      level: 'error',
      image: `${one}:v1`,
    });
    const rejectedLines = jsonLines(`${rejected.stdout}\n${rejected.stderr}`);
    expect(metricSum(rejectedLines, IMAGE_METRICS.completedObjects)).toBe(0);
    expect(await store.summary()).toMatchObject({ total: list.length, failed: 2, pending: list.length - 2 });
    await setDestPassword(servers.registryPassword);

    const copy = await copyOne(`${two}:multi`);
    expect(copy.status, copy.stderr + copy.stdout).toBe(0);
    expect(
      registryDigest(
        servers.registryAuth,
        `${prefix}/${two}:multi`,
        `${servers.registryUser}:${servers.registryPassword}`,
      ),
    ).toBe(registryDigest(servers.registryOpen, `${two}:multi`));
    const record = await store.get(`${two}:multi`);
    expect(record).toMatchObject({
      status: 'DONE',
      verified: true,
      checksum: registryDigest(servers.registryOpen, `${two}:multi`),
    });
    expect(record?.size).toBeGreaterThan(0);
    // The copy task's line the CompletedObjects and BytesTransferred filters read: one image, its bytes.
    const copyLines = jsonLines(`${copy.stdout}\n${copy.stderr}`);
    expect(metricSum(copyLines, IMAGE_METRICS.completedObjects)).toBe(1);
    expect(metricSum(copyLines, IMAGE_METRICS.bytesTransferred)).toBe(record?.size);

    // Stopping the task removes its parameters from SSM with the stack.
    await stopStack(deps, { taskId: task.id });
    await expect(readTaskParams(ssm, taskParamsPath(task.id))).rejects.toThrow(/no complete set/);
  }, 120_000);

  it('fails the start with the parameter named when a template without TaskParamsPath gets a value over 4 KB', async () => {
    const task: TaskRecord = {
      id: `task-${uniqueName('s3')}`.slice(0, 40),
      type: 'S3EC2',
      scheduleType: 'ONE_TIME',
      createdAt: new Date().toISOString(),
      progress: 'STARTING',
      parameters: [
        { ParameterKey: 'srcBucket', ParameterValue: 'src' },
        { ParameterKey: 'srcPrefix', ParameterValue: 'p/'.repeat(2100) },
      ],
    };
    // A template that declares the parameters but not TaskParamsPath.
    const { deps } = await stageTask(
      client,
      task,
      JSON.stringify({
        AWSTemplateFormatVersion: '2010-09-09',
        Parameters: {
          TaskId: { Type: 'String' },
          TaskParams: { Type: 'String', Default: '' },
          srcBucket: { Type: 'String' },
          srcPrefix: { Type: 'String', Default: '' },
        },
        Resources: { Marker: { Type: 'AWS::SNS::Topic' } },
      }),
    );
    const { tasks } = deps;
    const out = await startStack(deps, { taskId: task.id });
    expect(out.result).toBe('END');
    expect(await tasks.get(task.id)).toMatchObject({
      progress: 'ERROR',
      errorCode: 'CFN_ERROR',
      errorMessage:
        'srcPrefix: 4200 bytes, more than a CloudFormation parameter holds (4096), and the S3EC2 plugin template takes parameters no other way',
    });
    // Refused before any stack existed.
    await expect(
      client(CloudFormationClient).send(
        new DescribeStacksCommand({ StackName: pluginStackName('DTH', 'S3EC2', task.id) }),
      ),
    ).rejects.toThrow(/does not exist/);
  });
});
