/**
 * An image task whose copy flow (the ECR plugin's own state machine, `<stack>-ECRReplicationSM`) ends without finishing
 * its pass is ended by the monitor, ERROR with the execution's cause, instead of being waited for forever. The
 * lifecycle steps run against moto (the AWS API emulator: Step Functions, CloudWatch Logs; test/support/moto.ts) and
 * the status table on dynalite. Two moto servers: moto records executions without running them, RUNNING by default;
 * started with SF_EXECUTION_HISTORY_TYPE=FAILURE it records them FAILED, with a failure (error "AnError", cause "An
 * error occurred!") as the last event of their history, and a stopped one ABORTED. Not reproducible there: TIMED_OUT
 * (handled as FAILED and ABORTED are; the cause comes from the same DescribeExecution / history fields), nor SUCCEEDED:
 * that one test answers ListExecutions itself (a stand-in that says so).
 */
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  PutLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import {
  CreateStateMachineCommand,
  ListExecutionsCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoTaskStore, ensureTaskTable } from '../../../control-plane/aws/dynamo-task-store.js';
import { checkComplete, checkFinder, type StepDeps } from '../../../control-plane/aws/lifecycle-steps.js';
import { PLUGIN_OUTPUTS } from '../../../control-plane/core/plugin-contract.js';
import type { TaskRecord } from '../../../control-plane/core/task.js';
import { DynamoStatusStore, ensureStatusTable } from '../../../worker/adapters/aws/index.js';
import { LOG_EVENTS } from '../../../worker/core/events.js';
import { localDynamoClient } from '../../adapters/aws/clients.js';
import { startMoto, type Moto, motoClientConfig } from '../../support/moto.js';
import { uniqueName } from '../../support/servers.js';

const REGION = 'us-east-1';
const dynamo = localDynamoClient();
let running: Moto;
let failing: Moto;
let tasks: DynamoTaskStore;

beforeAll(async () => {
  [running, failing] = await Promise.all([startMoto(), startMoto({ env: { SF_EXECUTION_HISTORY_TYPE: 'FAILURE' } })]);
  const table = uniqueName('copy-flow-tasks');
  await ensureTaskTable(dynamo, table);
  tasks = new DynamoTaskStore(dynamo, table);
}, 120_000);

afterAll(async () => {
  await Promise.all([running?.stop(), failing?.stop()]);
});

/** An ECR plugin stack's monitored resources in `moto`: its copy flow, lister log group and status table with `images`. */
async function imageTask(moto: Moto, images: { key: string; status: 'PENDING' | 'DONE' }[], listed: boolean) {
  const aws = motoClientConfig(moto.endpoint, REGION);
  const sfn = new SFNClient(aws);
  const logs = new CloudWatchLogsClient(aws);
  const stack = `DTH-ECR-${uniqueName('f')
    .replace(/[^A-Za-z0-9]/g, '')
    .slice(-8)}`;
  const machine = (
    await sfn.send(
      new CreateStateMachineCommand({
        name: `${stack}-ECRReplicationSM`,
        roleArn: 'arn:aws:iam::123456789012:role/DTH-sm',
        definition: JSON.stringify({ StartAt: 'P', States: { P: { Type: 'Pass', End: true } } }),
      }),
    )
  ).stateMachineArn!;
  const logGroupName = `${stack}-ListerLogs`;
  await logs.send(new CreateLogGroupCommand({ logGroupName }));
  if (listed) {
    await logs.send(new CreateLogStreamCommand({ logGroupName, logStreamName: 'lister' }));
    await logs.send(
      new PutLogEventsCommand({
        logGroupName,
        logStreamName: 'lister',
        logEvents: [
          {
            timestamp: Date.now(),
            message: JSON.stringify({ level: 'info', event: LOG_EVENTS.finderDone, images: images.length }),
          },
        ],
      }),
    );
  }
  const statusTable = uniqueName('copy-flow-status');
  await ensureStatusTable(dynamo, statusTable);
  const status = new DynamoStatusStore({ client: dynamo, tableName: statusTable });
  for (const i of images)
    await status.put({
      key: i.key,
      size: 0,
      status: i.status,
      attempts: 0,
      ...(i.status === 'DONE' ? { verified: true } : {}),
    });
  const task: TaskRecord = {
    id: uniqueName('img'),
    type: 'ECR',
    scheduleType: 'ONE_TIME',
    createdAt: new Date(Date.now() - 60_000).toISOString(),
    progress: 'IN_PROGRESS',
    parameters: [],
    stackOutputs: Object.entries({
      [PLUGIN_OUTPUTS.stateMachine]: machine,
      [PLUGIN_OUTPUTS.finderLogGroup]: logGroupName,
      [PLUGIN_OUTPUTS.statusTable]: statusTable,
    }).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })),
  };
  await tasks.put(task);
  const deps: StepDeps = {
    tasks,
    sfn,
    logs,
    statusFor: (tableName) => new DynamoStatusStore({ client: dynamo, tableName }),
  };
  const start = async () =>
    (await sfn.send(new StartExecutionCommand({ stateMachineArn: machine, name: `run-${Date.now()}`, input: '{}' })))
      .executionArn!;
  return { task, deps, sfn, start };
}

/** The task ended ERROR COMPLETE_CHECK_ERROR, its message as `message` says, and its counts `progressInfo` when given. */
async function expectNeverCopied(
  taskId: string,
  message: RegExp,
  progressInfo?: { total: number; replicated: number },
) {
  const after = await tasks.get(taskId);
  expect(after).toMatchObject({
    progress: 'ERROR',
    errorCode: 'COMPLETE_CHECK_ERROR',
    ...(progressInfo && { progressInfo }),
  });
  expect(after?.errorMessage).toMatch(message);
}

describe('the monitor sees an image copy flow that ended without finishing the pass', () => {
  it("a FAILED execution after the images were listed: ERROR COMPLETE_CHECK_ERROR with the execution's error and cause", async () => {
    const { task, deps, start } = await imageTask(
      failing,
      [
        { key: 'app:v1', status: 'DONE' },
        { key: 'app:v2', status: 'PENDING' },
        { key: 'web:v1', status: 'PENDING' },
      ],
      true,
    );
    await start();
    expect((await checkFinder(deps, { taskId: task.id })).result).toBe('NEXT'); // the lister reported
    expect((await checkComplete(deps, { taskId: task.id })).result).toBe('END');
    // moto's recorded failure, as the history's ExecutionFailed event carries it.
    await expectNeverCopied(
      task.id,
      /^2 of 3 were never copied: the image copy flow's execution run-\d+ ended FAILED \(AnError: An error occurred!\)/,
      { total: 3, replicated: 1 },
    );
  });

  it('a FAILED execution before the lister reported: FINDER_ERROR at once, without waiting out the start grace', async () => {
    const { task, deps, start } = await imageTask(failing, [], false);
    await start();
    expect((await checkFinder(deps, { taskId: task.id })).result).toBe('END');
    const after = await tasks.get(task.id);
    expect(after).toMatchObject({ progress: 'ERROR', errorCode: 'FINDER_ERROR' });
    expect(after?.errorMessage).toMatch(
      /^The image lister did not report: the image copy flow's execution run-\d+ ended FAILED \(AnError: An error occurred!\)/,
    );
  });

  it('an ABORTED execution (stopped outside the hub): ERROR naming how it ended', async () => {
    const { task, deps, sfn, start } = await imageTask(failing, [{ key: 'app:v1', status: 'PENDING' }], true);
    await sfn.send(
      new StopExecutionCommand({ executionArn: await start(), error: 'Operator', cause: 'stopped in the console' }),
    );
    expect((await checkComplete(deps, { taskId: task.id })).result).toBe('END');
    await expectNeverCopied(
      task.id,
      /^1 of 1 were never copied: the image copy flow's execution run-\d+ ended ABORTED/,
    );
  });

  it('a RUNNING execution is waited for, and a finished pass is judged by its counts whatever the execution says', async () => {
    const waiting = await imageTask(
      running,
      [
        { key: 'app:v1', status: 'DONE' },
        { key: 'app:v2', status: 'PENDING' },
      ],
      true,
    );
    await waiting.start();
    expect((await checkComplete(waiting.deps, { taskId: waiting.task.id })).result).toBe('WAIT');
    expect(await tasks.get(waiting.task.id)).toMatchObject({
      progress: 'IN_PROGRESS',
      progressInfo: { total: 2, replicated: 1 },
    });

    // Every image copied before the execution failed (e.g. its last state): DONE, as the counts say.
    const copied = await imageTask(failing, [{ key: 'app:v1', status: 'DONE' }], true);
    await copied.start();
    expect((await checkComplete(copied.deps, { taskId: copied.task.id })).result).toBe('END');
    expect(await tasks.get(copied.task.id)).toMatchObject({ progress: 'DONE' });
  });

  it('a SUCCEEDED execution that left images pending (copy tasks that died before writing): ERROR naming them, not a wait for ever', async () => {
    const { task, deps, start } = await imageTask(
      running,
      [
        { key: 'app:v1', status: 'DONE' },
        { key: 'app:v2', status: 'PENDING' },
      ],
      true,
    );
    const arn = await start();
    // A stand-in for ListExecutions alone: moto records executions RUNNING (or FAILED), never SUCCEEDED.
    const sfn = deps.sfn!;
    const succeeded = {
      send: (command: unknown) =>
        command instanceof ListExecutionsCommand
          ? Promise.resolve({
              executions: [{ executionArn: arn, name: 'run-ok', status: 'SUCCEEDED', startDate: new Date() }],
            })
          : sfn.send(command as never),
    } as unknown as SFNClient;
    expect((await checkComplete({ ...deps, sfn: succeeded }, { taskId: task.id })).result).toBe('END');
    await expectNeverCopied(
      task.id,
      /^1 of 2 were never copied: the image copy flow's execution run-ok ended SUCCEEDED with them not copied: their copy tasks failed before recording an outcome/,
      { total: 2, replicated: 1 },
    );
  });
});
