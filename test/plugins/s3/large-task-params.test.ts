/**
 * An S3 task whose parameters are larger than a CloudFormation parameter (4,096 bytes: here a long exclude list)
 * starts and copies what it was asked to: the start step (CloudFormation, SSM and S3 on the AWS API emulator, the task
 * table on dynalite) creates the stack with every value within 4 KB and the whole set in SSM under TaskParamsPath;
 * `dth finder` and `dth worker` (real processes, with the environment the S3 plugin template gives them: TASK_PARAMS =
 * TaskParams, TASK_PARAMS_PATH = TaskParamsPath) read the set from SSM and honour the list — queue on fauxqs, status
 * table on dynalite, buckets on s3rver. test/cdk/app.test.ts checks that the synthesized template declares
 * TaskParamsPath, passes it to both roles and grants them the read; test/cloud/iam-grants.test.ts the grant's scope.
 */
import { describe, expect, it } from 'vitest';
import { stopStack } from '../../../control-plane/aws/lifecycle-steps.js';
import { CFN_PARAMETER_MAX_BYTES, taskParamsPath } from '../../../control-plane/core/plugin-contract.js';
import { parameterMap, type TaskRecord } from '../../../control-plane/core/task.js';
import { cfnParameterProps } from '../../../plugins/task-parameters.js';
import { DynamoStatusStore, ensureSqsQueue, ensureStatusTable } from '../../../worker/adapters/aws/index.js';
import { readTaskParams } from '../../../worker/adapters/aws/ssm-task-params.js';
import { S3_PARAMETERS } from '../../../worker/params/index.js';
import { localSqsClient } from '../../adapters/aws/clients.js';
import { bucketPair, putSource, readObject } from '../../s3/engine-fixtures.js';
import { useMoto } from '../../support/moto.js';
import { runCli } from '../../reliability/helpers.js';
import { localRoleEnv } from '../../support/cloud-role.js';
import { servers, uniqueName } from '../../support/servers.js';
import { stageTask, standInTemplate, startedStackParameters } from '../stage-task.js';

const REGION = 'us-east-1';
const moto = useMoto();
const client = <T>(C: new (config: object) => T): T => new C({ ...moto.clientConfig(REGION), forcePathStyle: true });

/**
 * The S3 plugin template's parameters, from the declarations the template is generated from (declareTaskParameters;
 * test/cdk checks the synthesized template declares them), on a stand-in resource: the emulator cannot create the real
 * stack (custom resources, instances).
 */
function pluginParametersTemplate(): string {
  return standInTemplate(
    Object.fromEntries(
      S3_PARAMETERS.flatMap((p) =>
        p.template === false
          ? []
          : [[p.name, { Type: 'String', Default: String(cfnParameterProps(p as never).default) }]],
      ),
    ),
    '',
  );
}

const lastJson = (text: string) =>
  JSON.parse(
    text
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .at(-1) ?? '{}',
  ) as Record<string, unknown>;

describe('S3 task parameters larger than a CloudFormation parameter', () => {
  it('travel through SSM: stack parameters within 4 KB, the finder and the worker read the whole set and honour it', async () => {
    const { src, dst } = await bucketPair();
    await putSource(src, 'keep/a.txt', 'copied');
    await putSource(src, 'keep/b.tmp', 'excluded by the last pattern of the list');
    await putSource(src, 'archive-0199/c.txt', 'excluded by a pattern in the middle of the list');
    // 300 patterns, ~6 KB: more than one CloudFormation parameter holds.
    const exclude = [
      ...Array.from({ length: 300 }, (_, i) => `archive-${String(i).padStart(4, '0')}/**`),
      '**/*.tmp',
    ].join(',');
    expect(Buffer.byteLength(exclude)).toBeGreaterThan(CFN_PARAMETER_MAX_BYTES);
    const task: TaskRecord = {
      id: `task-${uniqueName('s3big')}`.slice(0, 40),
      type: 'S3EC2',
      scheduleType: 'ONE_TIME',
      createdAt: new Date().toISOString(),
      progress: 'STARTING',
      // No credential names: both sides use the default chain (s3rver's keys, from the roles' environment below).
      parameters: Object.entries({
        srcType: 'Amazon_S3',
        srcEndpoint: servers.s3Source,
        srcBucket: src,
        destEndpoint: servers.s3Dest,
        destBucket: dst,
        destRegion: REGION,
        exclude,
      }).map(([ParameterKey, ParameterValue]) => ({ ParameterKey, ParameterValue })),
    };

    const { dynamo, deps } = await stageTask(client, task, pluginParametersTemplate());
    const { ssm } = deps;
    const stackParams = await startedStackParameters(deps, task.id);
    expect(stackParams).toMatchObject({
      TaskParams: JSON.stringify({ taskParamsPath: taskParamsPath(task.id) }),
      TaskParamsPath: taskParamsPath(task.id),
      exclude: '',
      srcBucket: src,
    });
    expect(JSON.parse(await readTaskParams(ssm, taskParamsPath(task.id)))).toEqual(parameterMap(task));

    // The roles, with what the template gives them (engineEnv): TaskParams as TASK_PARAMS, TaskParamsPath as TASK_PARAMS_PATH.
    const name = uniqueName('s3big');
    const { queueUrl, dlqUrl } = await ensureSqsQueue(localSqsClient(), name, {
      maxReceiveCount: 3,
      visibilityTimeoutSec: 60,
    });
    await ensureStatusTable(dynamo, name);
    const roleEnv = {
      ...localRoleEnv({ queueUrl, dlqUrl, statusTable: name }),
      TASK_PARAMS: stackParams.TaskParams,
      TASK_PARAMS_PATH: stackParams.TaskParamsPath,
      AWS_REGION: REGION,
      SSM_ENDPOINT: moto.endpoint,
    };
    const dth = (args: string[]) => runCli(args, { env: roleEnv });
    const found = await dth(['finder']);
    expect(found.code, found.stderr).toBe(0);
    expect(lastJson(found.stdout)).toMatchObject({ event: 'finder.report', toTransfer: 1 });
    const worked = await dth(['worker', '--once']);
    expect(worked.code, worked.stderr).toBe(0);
    expect(lastJson(worked.stdout)).toMatchObject({ event: 'worker.report', copied: 1, failed: 0 });
    expect((await readObject(servers.s3Dest, dst, 'keep/a.txt')).toString()).toBe('copied');
    const status = new DynamoStatusStore({ client: dynamo, tableName: name });
    expect(await status.summary()).toMatchObject({ total: 1, done: 1, verified: 1 });
    await expect(readObject(servers.s3Dest, dst, 'keep/b.tmp')).rejects.toThrow();

    // Stopping the task deletes the set with the stack; a role that still points there fails, naming where it looked.
    await stopStack(deps, { taskId: task.id });
    const orphan = await dth(['finder']);
    expect(orphan.code).not.toBe(0);
    expect(orphan.stderr).toContain(`SSM ${taskParamsPath(task.id)}: no complete set of task parameters`);
  }, 120_000);
});
