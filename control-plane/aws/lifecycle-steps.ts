/**
 * The cloud orchestrator's steps as plain functions (the Step Functions Lambda handlers are thin adapters over these).
 * Each takes `{ taskId }`, records what it learns on the task, and returns `result`: WAIT (ask again later),
 * NEXT (go to the next step) or END (the task reached a final state, or was stopped).
 */
import {
  type CloudFormationClient,
  CreateStackCommand,
  DeleteStackCommand,
  DescribeStacksCommand,
  GetTemplateSummaryCommand,
  type Stack,
} from '@aws-sdk/client-cloudformation';
import type { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { type CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  DescribeTasksCommand,
  type ECSClient,
  ListTasksCommand,
  StopTaskCommand,
  type Task,
} from '@aws-sdk/client-ecs';
import {
  DescribeExecutionCommand,
  type ExecutionListItem,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  ListExecutionsCommand,
  type SFNClient,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { messagesIn, queueCounts, queueCountsRequest } from '../../worker/adapters/aws/sqs-job-queue.js';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { deleteTaskParams, TASK_PARAMS_POINTER, writeTaskParams } from '../../worker/adapters/aws/ssm-task-params.js';
import { FINDER_OUTCOME_PATTERN, readFinderOutcome } from '../../worker/core/events.js';
import type { StatusStore, StatusSummary } from '../../worker/ports/status-store.js';
import { eventBridgeExpression } from '../../worker/core/schedule.js';
import { canonicalParameters } from '../../worker/params/index.js';
import {
  errorPatch,
  incompleteMessage,
  isStoppedOrFinal,
  needsFirstFailure,
  passFailedOutcome,
  passOutcome,
  passState,
  progressInfoOf,
} from '../core/lifecycle.js';
import {
  CFN_PARAMETER_MAX_BYTES,
  INLINE_TASK_PARAMS_MAX_BYTES,
  PLUGIN_OPTIONAL_PARAMETERS,
  PLUGIN_OUTPUTS,
  PLUGIN_PARAMETERS,
  pluginStackName,
  stackOutput,
  taskParamsPath,
} from '../core/plugin-contract.js';
import { storedTaskSchedule } from '../core/validate-task.js';
import type { TaskStore } from '../core/ports.js';
import type { TaskRecord, TaskType } from '../core/task.js';

export type StepResult = 'WAIT' | 'NEXT' | 'END';
export interface StepEvent {
  taskId: string;
  [k: string]: unknown;
}
export type StepOutput = StepEvent & { result: StepResult };

export interface StepDeps {
  tasks: TaskStore;
  cfn?: CloudFormationClient;
  logs?: CloudWatchLogsClient;
  sqs?: SQSClient;
  sns?: SNSClient;
  /** SSM Parameter Store: task parameters too large for CloudFormation (plugins declaring TaskParamsPath). */
  ssm?: SSMClient;
  notifyTopicArn?: string;
  /** The status store of a task's status table (DynamoStatusStore in the cloud). */
  statusFor?: (tableName: string) => StatusStore;
  templates?: Partial<Record<TaskType, string>>;
  stackPrefix?: string;
  /** Service role CloudFormation uses for the plugin stack's resources (and keeps for its deletion). */
  stackRoleArn?: string;
  /**
   * Parameters the hub gives every plugin stack it creates: `defaults` (its shared task network, under the original's
   * parameter names; a task's own non-empty value wins) and `enforced` (the role boundary; never a task's value).
   */
  stackParameters?: { defaults?: Record<string, string>; enforced?: Record<string, string> };
  /** ECS: the plugin stack's running tasks are stopped before it is deleted; a silent finder's task is looked up. */
  ecs?: ECSClient;
  /** Step Functions: the plugin's own state machine (ECR) — its executions are stopped before the stack is deleted. */
  sfn?: SFNClient;
  /** Auto Scaling: a finished one-time task's worker fleet is scaled to zero (release-workers-step.ts). */
  autoScaling?: AutoScalingClient;
  now?: () => Date;
}

/** How long after the task started a finder may have neither finished nor be running before the task is an ERROR. */
export const FINDER_START_GRACE_MS = 20 * 60_000;

/**
 * How long the monitor keeps watching a FIXED_RATE task after a failed pass for a later pass to report. Each failed
 * pass starts it again; a day without any pass (a schedule that no longer runs the finder) ends the watch, the error
 * recorded. Without a bound a task whose passes had stopped was polled every minute for ever.
 */
export const FAILED_PASS_WATCH_MS = 24 * 3_600_000;
/** stopStack calls that wait for the stack's ECS tasks to stop before the stack is deleted regardless. */
export const STOP_TASKS_ATTEMPTS = 20;

const CREATE_FAILED = new Set([
  'CREATE_FAILED',
  'ROLLBACK_IN_PROGRESS',
  'ROLLBACK_COMPLETE',
  'ROLLBACK_FAILED',
  'DELETE_FAILED',
  'UPDATE_ROLLBACK_FAILED',
]);

function need<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`${what} is not configured for this step`);
  return value;
}

const clock = (deps: StepDeps): Date => deps.now?.() ?? new Date();

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The task a step's input names; a missing id or task is an error naming `taskId`. */
export async function mustGet(deps: StepDeps, taskId: string): Promise<TaskRecord> {
  if (typeof taskId !== 'string' || !taskId) throw new Error('taskId: the step input needs the task id');
  const task = await deps.tasks.get(taskId);
  if (!task) throw new Error(`taskId: task "${taskId}" does not exist`);
  return task;
}

/**
 * The CreateStack parameters of a task: every task parameter under its schema name (older aliases resolved), plus
 * TaskId, TaskParams and FinderScheduleExpression. A parameter the template does not declare is an error naming it —
 * never dropped (createTask already refuses them in the cloud; this catches a template that disagrees with the schema).
 * The hub's own values (`hub`, StepDeps.stackParameters) go to the templates that declare them: its shared network
 * where the task left the parameter blank, the role boundary always.
 */
export function stackParameters(
  task: TaskRecord,
  declared: ReadonlySet<string>,
  hub: StepDeps['stackParameters'] = {},
): { ParameterKey: string; ParameterValue: string }[] {
  const { parameters, unknown } = canonicalParameters(task.type, task.parameters);
  if (unknown.length) throw new Error(`${unknown.join(', ')}: not a parameter of ${task.type} tasks`);
  const schedule = storedTaskSchedule(task);
  // A blank value is an unset one (the engines read it so): the template's default stands. Sent as "", an enum, yes/no
  // or number parameter failed its AllowedValues and CreateStack refused the task (the console sends blanks).
  const values = new Map(
    parameters.filter((p) => p.ParameterValue.trim()).map((p) => [p.ParameterKey, p.ParameterValue]),
  );
  // ONE_TIME: a blank cron overrides the template's default schedule (the original's console sent "" too).
  if (!schedule && declared.has('ec2CronExpression')) values.set('ec2CronExpression', '');
  const missing = [...values.keys()].filter((k) => !declared.has(k));
  if (missing.length)
    throw new Error(`${missing.join(', ')}: not declared by the plugin template, so the task cannot run as asked`);
  values.set(PLUGIN_PARAMETERS.taskId, task.id);
  values.set(
    PLUGIN_PARAMETERS.taskParams,
    JSON.stringify(Object.fromEntries(parameters.map((p) => [p.ParameterKey, p.ParameterValue]))),
  );
  values.set(PLUGIN_PARAMETERS.schedule, schedule ? eventBridgeExpression(schedule) : '');
  for (const [k, v] of Object.entries(hub.defaults ?? {})) if (!values.get(k)) values.set(k, v);
  for (const [k, v] of Object.entries(hub.enforced ?? {})) values.set(k, v);
  return [...values]
    .filter(([k]) => declared.has(k))
    .map(([ParameterKey, ParameterValue]) => ({ ParameterKey, ParameterValue }));
}

/** CreateStack of the task's plugin template with stackParameters. */
/**
 * CloudFormation holds 4 KB a parameter value. A template declaring TaskParamsPath takes a larger set (a long image
 * list) through SSM: written under the task's path, TaskParams passed as a pointer to it, an oversized value empty. Without
 * it, an oversized value is an error naming the parameter, before any stack exists.
 */
async function fitParameters(
  deps: StepDeps,
  task: TaskRecord,
  parameters: { ParameterKey: string; ParameterValue: string }[],
  declared: ReadonlySet<string>,
) {
  const tooLarge = parameters
    .filter((p) => Buffer.byteLength(p.ParameterValue) > CFN_PARAMETER_MAX_BYTES)
    .map((p) => p.ParameterKey);
  const taskParams = parameters.find((p) => p.ParameterKey === PLUGIN_PARAMETERS.taskParams)?.ParameterValue ?? '';
  if (!declared.has(PLUGIN_OPTIONAL_PARAMETERS.taskParamsPath)) {
    const first = parameters.find((p) => Buffer.byteLength(p.ParameterValue) > CFN_PARAMETER_MAX_BYTES);
    if (first) {
      const size = Buffer.byteLength(first.ParameterValue);
      throw new Error(
        `${first.ParameterKey}: ${size} bytes, more than a CloudFormation parameter holds (${CFN_PARAMETER_MAX_BYTES}), and the ${task.type} plugin template takes parameters no other way`,
      );
    }
    return parameters;
  }
  // The plugin also puts TaskParams into a Lambda's environment (4 KB in all): SSM well before that.
  if (tooLarge.length === 0 && Buffer.byteLength(taskParams) <= INLINE_TASK_PARAMS_MAX_BYTES) return parameters;
  const path = taskParamsPath(task.id);
  await writeTaskParams(need(deps.ssm, 'SSM'), path, taskParams);
  // TaskParams stays non-empty (an empty one means a standalone deploy to the template): it names where the set is.
  const pointer = JSON.stringify({ [TASK_PARAMS_POINTER]: path });
  return [
    ...parameters.map((p) =>
      p.ParameterKey === PLUGIN_PARAMETERS.taskParams
        ? { ...p, ParameterValue: pointer }
        : tooLarge.includes(p.ParameterKey)
          ? { ...p, ParameterValue: '' }
          : p,
    ),
    { ParameterKey: PLUGIN_OPTIONAL_PARAMETERS.taskParamsPath, ParameterValue: path },
  ];
}

export async function startStack(deps: StepDeps, event: StepEvent): Promise<StepOutput> {
  const task = await mustGet(deps, event.taskId);
  if (task.stackId) return { ...event, stackId: task.stackId, result: 'WAIT' };
  if (isStoppedOrFinal(task.progress)) return { ...event, result: 'END' };
  const cfn = need(deps.cfn, 'CloudFormation');
  const templateUrl = deps.templates?.[task.type];
  try {
    if (!templateUrl) throw new Error(`no plugin template is configured for ${task.type} tasks`);
    const summary = await cfn.send(new GetTemplateSummaryCommand({ TemplateURL: templateUrl }));
    const declared = new Set((summary.Parameters ?? []).flatMap((p) => (p.ParameterKey ? [p.ParameterKey] : [])));
    const parameters = await fitParameters(deps, task, stackParameters(task, declared, deps.stackParameters), declared);
    const stackName = pluginStackName(deps.stackPrefix ?? 'DTH', task.type, task.id);
    const out = await cfn.send(
      new CreateStackCommand({
        StackName: stackName,
        TemplateURL: templateUrl,
        Parameters: parameters,
        Capabilities: ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM'],
        RoleARN: deps.stackRoleArn,
        Tags: [{ Key: 'dth:task-id', Value: task.id }],
      }),
    );
    const updated = await deps.tasks.update(task.id, {
      stackId: out.StackId,
      stackName,
      templateUrl,
      stackStatus: 'CREATE_IN_PROGRESS',
    });
    if (updated.progress === 'STOPPING' || updated.progress === 'STOPPED') {
      // stopTask ran while the stack was being requested: it saw no stack to delete, so delete it here.
      await cfn.send(new DeleteStackCommand({ StackName: out.StackId }));
      await deps.tasks.update(task.id, { progress: 'STOPPING', stackStatus: 'DELETE_IN_PROGRESS' });
    }
    return { ...event, stackId: out.StackId, result: 'WAIT' };
  } catch (err) {
    await deps.tasks.update(task.id, errorPatch('CFN_ERROR', message(err), clock(deps)));
    return { ...event, result: 'END' };
  }
}

/**
 * stopTask: stops what the plugin stack still runs — its state machine's executions (ECR) and its ECS tasks (a
 * cluster or a security group in use cannot be deleted: the stack would end DELETE_FAILED) — then DeleteStack.
 * While tasks are stopping it answers `tasksStopping: true` (the state machine calls it again after a wait); after
 * STOP_TASKS_ATTEMPTS calls it deletes the stack regardless.
 */
export async function stopStack(deps: StepDeps, event: StepEvent): Promise<StepOutput> {
  const task = await mustGet(deps, event.taskId);
  const now = clock(deps).toISOString();
  if (!task.stackId) {
    await deps.tasks.update(task.id, { progress: 'STOPPED', stoppedAt: now });
    return { ...event, result: 'END' };
  }
  try {
    const attempts = Number(event.stopAttempts ?? 0);
    if (attempts < STOP_TASKS_ATTEMPTS && (await stopRunningWork(deps, task)) > 0) {
      await deps.tasks.update(task.id, { progress: 'STOPPING' });
      return { ...event, stopAttempts: attempts + 1, tasksStopping: true, result: 'WAIT' };
    }
    await need(deps.cfn, 'CloudFormation').send(new DeleteStackCommand({ StackName: task.stackId }));
    await deps.tasks.update(task.id, { progress: 'STOPPING', stackStatus: 'DELETE_IN_PROGRESS' });
    // Parameters kept in SSM for the stack go with it (none for most tasks: one empty read).
    if (deps.ssm) await deleteTaskParams(deps.ssm, taskParamsPath(task.id)).catch(() => undefined);
    return { ...event, tasksStopping: false, result: 'WAIT' };
  } catch (err) {
    await deps.tasks.update(task.id, errorPatch('CFN_ERROR', message(err), clock(deps)));
    return { ...event, result: 'END' };
  }
}

/** Stops the plugin stack's running executions and ECS tasks; returns how many ECS tasks have not stopped yet. */
async function stopRunningWork(deps: StepDeps, task: TaskRecord): Promise<number> {
  const machine = stackOutput(task.stackOutputs, PLUGIN_OUTPUTS.stateMachine);
  if (machine) {
    const sfn = need(deps.sfn, 'Step Functions');
    for (const executionArn of await runningExecutions(sfn, machine)) {
      await sfn.send(
        new StopExecutionCommand({
          executionArn,
          error: 'TaskStopped',
          cause: `Data Transfer Hub task ${task.id} was stopped`,
        }),
      );
    }
  }
  let notStopped = 0;
  for (const t of await stackEcsTasks(deps, task, stackOutput(task.stackOutputs, PLUGIN_OUTPUTS.ecsTaskFamilies))) {
    if (t.lastStatus === 'STOPPED') continue;
    notStopped++;
    if (t.desiredStatus !== 'STOPPED' && t.taskArn) {
      await need(deps.ecs, 'ECS').send(
        new StopTaskCommand({
          cluster: t.clusterArn,
          task: t.taskArn,
          reason: `Data Transfer Hub task ${task.id} was stopped`,
        }),
      );
    }
  }
  return notStopped;
}

async function runningExecutions(sfn: SFNClient, stateMachineArn: string): Promise<string[]> {
  const arns: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(new ListExecutionsCommand({ stateMachineArn, statusFilter: 'RUNNING', nextToken }));
    arns.push(...(page.executions ?? []).flatMap((e) => (e.executionArn ? [e.executionArn] : [])));
    nextToken = page.nextToken;
  } while (nextToken);
  return arns;
}

/** The ECS tasks (running, stopping, and recently stopped) of the given comma-separated families in the stack's cluster. */
async function stackEcsTasks(deps: StepDeps, task: TaskRecord, familyList: string | undefined): Promise<Task[]> {
  const cluster = stackOutput(task.stackOutputs, PLUGIN_OUTPUTS.ecsCluster);
  const families = (familyList ?? '')
    .split(',')
    .map((f) => f.trim())
    .filter(Boolean);
  if (!cluster || families.length === 0) return [];
  const ecs = need(deps.ecs, 'ECS');
  const arns = new Set<string>();
  for (const family of families) {
    for (const desiredStatus of ['RUNNING', 'STOPPED'] as const) {
      let nextToken: string | undefined;
      do {
        const page = await ecs.send(new ListTasksCommand({ cluster, family, desiredStatus, nextToken }));
        for (const arn of page.taskArns ?? []) arns.add(arn);
        nextToken = page.nextToken;
      } while (nextToken);
    }
  }
  const all = [...arns];
  const described: Task[] = [];
  for (let i = 0; i < all.length; i += 100) {
    described.push(
      ...((await ecs.send(new DescribeTasksCommand({ cluster, tasks: all.slice(i, i + 100) }))).tasks ?? []),
    );
  }
  return described;
}

/** DescribeStacks: records status, reason and outputs; moves the task on when the stack settles. */
export async function queryStackStatus(deps: StepDeps, event: StepEvent): Promise<StepOutput> {
  const task = await mustGet(deps, event.taskId);
  const now = clock(deps).toISOString();
  if (!task.stackId) return { ...event, result: task.progress === 'STARTING' ? 'WAIT' : 'END' };
  let stack: Pick<Stack, 'StackStatus' | 'StackStatusReason' | 'Outputs'> | undefined;
  try {
    stack = (await need(deps.cfn, 'CloudFormation').send(new DescribeStacksCommand({ StackName: task.stackId })))
      .Stacks?.[0];
  } catch (err) {
    // A deleted stack looked up by name no longer exists.
    if (task.progress === 'STOPPING' && /does not exist/.test(message(err))) stack = { StackStatus: 'DELETE_COMPLETE' };
    else throw err;
  }
  const status = stack?.StackStatus ?? 'UNKNOWN';
  const reason = stack && 'StackStatusReason' in stack ? stack.StackStatusReason : undefined;
  const outputs =
    stack && 'Outputs' in stack && stack.Outputs
      ? stack.Outputs.map((o) => ({
          OutputKey: o.OutputKey ?? '',
          OutputValue: o.OutputValue ?? '',
          Description: o.Description,
        }))
      : undefined;
  const base = { stackStatus: status, stackStatusReason: reason, ...(outputs ? { stackOutputs: outputs } : {}) };
  const out = (result: StepResult): StepOutput => ({ ...event, stackStatus: status, result });
  if (status === 'DELETE_COMPLETE') {
    await deps.tasks.update(task.id, {
      ...base,
      progress: task.progress === 'ERROR' ? 'ERROR' : 'STOPPED',
      stoppedAt: task.stoppedAt ?? now,
    });
    return out('END');
  }
  if (CREATE_FAILED.has(status)) {
    await deps.tasks.update(task.id, {
      ...base,
      ...errorPatch('CFN_ERROR', `stack ${status}${reason ? `: ${reason}` : ''}`, clock(deps)),
    });
    return out('END');
  }
  if (status === 'CREATE_COMPLETE' || status === 'UPDATE_COMPLETE') {
    if (isStoppedOrFinal(task.progress)) {
      await deps.tasks.update(task.id, base);
      return out('END');
    }
    await deps.tasks.update(task.id, { ...base, progress: 'IN_PROGRESS' });
    return out('NEXT');
  }
  await deps.tasks.update(task.id, base);
  return out('WAIT');
}

/**
 * Waits for the finder's pass: its structured log lines `finder.done` / `finder.failed` (worker/core/events.ts) since
 * the task started; the latest decides.
 */
export async function checkFinder(deps: StepDeps, event: StepEvent): Promise<StepOutput> {
  const task = await mustGet(deps, event.taskId);
  if (isStoppedOrFinal(task.progress)) return { ...event, result: 'END' };
  const logGroupName = stackOutput(task.stackOutputs, PLUGIN_OUTPUTS.finderLogGroup);
  if (!logGroupName) return { ...event, result: 'NEXT' };
  const logs = need(deps.logs, 'CloudWatch Logs');
  let nextToken: string | undefined;
  let last: { outcome: NonNullable<ReturnType<typeof readFinderOutcome>>; timestamp: number } | undefined;
  do {
    const page = await logs.send(
      new FilterLogEventsCommand({
        logGroupName,
        startTime: Date.parse(task.createdAt),
        filterPattern: FINDER_OUTCOME_PATTERN,
        nextToken,
      }),
    );
    for (const e of page.events ?? []) {
      const outcome = e.message ? readFinderOutcome(e.message) : undefined;
      if (outcome && (!last || (e.timestamp ?? 0) >= last.timestamp)) last = { outcome, timestamp: e.timestamp ?? 0 };
    }
    nextToken = page.nextToken;
  } while (nextToken);
  if (!last) {
    // The image lister's execution ended without a word in its log (a Lambda timeout, a failed state): its cause.
    const failed = await copyFlowFailure(deps, task);
    if (failed) {
      await deps.tasks.update(
        task.id,
        errorPatch('FINDER_ERROR', `The image lister did not report: ${failed}`, clock(deps)),
      );
      return { ...event, result: 'END' };
    }
    const silence = await finderSilence(deps, task, logGroupName);
    if (!silence) return { ...event, result: 'WAIT' };
    await deps.tasks.update(task.id, errorPatch('FINDER_ERROR', silence, clock(deps)));
    return { ...event, result: 'END' };
  }
  if (last.outcome.outcome === 'failed') {
    // ONE_TIME: ERROR. FIXED_RATE: recorded on the task, which stays IN_PROGRESS while the plugin's schedule runs the
    // next pass; monitoring goes on until a pass lists, whose done clears the error (below).
    const outcome = passFailedOutcome(task, last.outcome.error, clock(deps));
    await deps.tasks.update(task.id, outcome.patch);
    const watched = clock(deps).getTime() - last.timestamp < FAILED_PASS_WATCH_MS;
    return { ...event, result: outcome.final || !watched ? 'END' : 'WAIT' };
  }
  // A later pass listed: a FIXED_RATE task's error recorded by an earlier one is history.
  if (task.errorCode === 'FINDER_ERROR')
    await deps.tasks.update(task.id, { errorCode: undefined, errorMessage: undefined });
  // scheduleType: FIXED_RATE tasks are monitored until a pass is listed (as the original: the first), then left running.
  return { ...event, scheduleType: task.scheduleType, result: 'NEXT' };
}

/**
 * Why a finder that logged neither `finder.done` nor `finder.failed` will never finish, or undefined while it may:
 * it is still running (ECS task of the finder family, or a running execution of the plugin's state machine), or the
 * task started less than FINDER_START_GRACE_MS ago. Without those outputs (older templates) it is never judged silent.
 */
async function finderSilence(deps: StepDeps, task: TaskRecord, logGroupName: string): Promise<string | undefined> {
  if (clock(deps).getTime() - Date.parse(task.createdAt) < FINDER_START_GRACE_MS) return undefined;
  const minutes = Math.round(FINDER_START_GRACE_MS / 60_000);
  const family = stackOutput(task.stackOutputs, PLUGIN_OUTPUTS.finderTaskFamily);
  const machine = stackOutput(task.stackOutputs, PLUGIN_OUTPUTS.stateMachine);
  if (family && stackOutput(task.stackOutputs, PLUGIN_OUTPUTS.ecsCluster)) {
    const finders = await stackEcsTasks(deps, task, family);
    if (finders.some((t) => t.lastStatus !== 'STOPPED')) return undefined;
    const lastStopped = finders.sort((a, b) => (b.stoppedAt?.getTime() ?? 0) - (a.stoppedAt?.getTime() ?? 0))[0];
    if (!lastStopped)
      return `No finder ran: none is running and none finished a pass within ${minutes} minutes of the task's start (see the stack's events and the finder log group ${logGroupName})`;
    const container = lastStopped.containers?.[0];
    const why = [
      lastStopped.stoppedReason,
      container?.reason,
      container?.exitCode !== undefined ? `exit code ${container.exitCode}` : undefined,
    ]
      .filter(Boolean)
      .join('; ');
    return `The finder stopped without finishing its pass (${why || 'no reason given'}); see the finder log group ${logGroupName}`;
  }
  if (machine) {
    if ((await runningExecutions(need(deps.sfn, 'Step Functions'), machine)).length > 0) return undefined;
    return `The image lister did not finish: no execution of ${machine} is running and none logged finder.done within ${minutes} minutes of the task's start (see the log group ${logGroupName})`;
  }
  return undefined;
}

/** How a plugin's copy-flow execution can end without finishing its pass. */
const FLOW_FAILED = new Set(['FAILED', 'TIMED_OUT', 'ABORTED']);
/** History events that end an execution, and where their error and cause are. */
const ENDING_EVENTS: Record<string, (e: HistoryEvent) => { error?: string; cause?: string } | undefined> = {
  ExecutionFailed: (e) => e.executionFailedEventDetails,
  ExecutionTimedOut: (e) => e.executionTimedOutEventDetails,
  ExecutionAborted: (e) => e.executionAbortedEventDetails,
};

/**
 * How the plugin's own state machine (the ECR copy flow) ended its newest execution, once none runs; undefined while
 * one may still finish the pass, and for plugins without one (S3). `failed`: it ended FAILED, TIMED_OUT or ABORTED, and
 * `text` names the execution, how it ended, and its error and cause (DescribeExecution's, else those of the history's
 * ending event). An execution that SUCCEEDED has made every status write of its pass.
 */
async function copyFlowEnding(
  deps: StepDeps,
  task: TaskRecord,
): Promise<{ failed: boolean; text: string } | undefined> {
  const machine = stackOutput(task.stackOutputs, PLUGIN_OUTPUTS.stateMachine);
  if (!machine) return undefined;
  const sfn = need(deps.sfn, 'Step Functions');
  // Newest first (Step Functions lists by start date, descending); the first page holds the newest.
  const executions: ExecutionListItem[] =
    (await sfn.send(new ListExecutionsCommand({ stateMachineArn: machine, maxResults: 20 }))).executions ?? [];
  const newest = [...executions].sort((a, b) => (b.startDate?.getTime() ?? 0) - (a.startDate?.getTime() ?? 0))[0];
  if (!newest?.executionArn || executions.some((e) => e.status === 'RUNNING')) return undefined;
  const name = newest.name ?? newest.executionArn;
  if (newest.status === 'SUCCEEDED')
    return {
      failed: false,
      text:
        `the image copy flow's execution ${name} ended SUCCEEDED with them not copied: their copy tasks failed ` +
        'before recording an outcome (pulling the task image, memory, the 6-hour limit); see its execution history in Step Functions',
    };
  if (!FLOW_FAILED.has(newest.status ?? '')) return undefined;
  const described = await sfn.send(new DescribeExecutionCommand({ executionArn: newest.executionArn }));
  let { error, cause } = described;
  if (!error && !cause) {
    const history = await sfn.send(
      new GetExecutionHistoryCommand({ executionArn: newest.executionArn, reverseOrder: true, maxResults: 20 }),
    );
    const ending = (history.events ?? []).flatMap((e) =>
      e.type && ENDING_EVENTS[e.type] ? [ENDING_EVENTS[e.type](e)] : [],
    )[0];
    ({ error, cause } = ending ?? {});
  }
  const why = [error, cause].filter(Boolean).join(': ');
  return {
    failed: true,
    text: `the image copy flow's execution ${name} ended ${described.status ?? newest.status}${why ? ` (${why})` : ''}; see its execution history in Step Functions`,
  };
}

/** Why the plugin's copy flow will not finish this task's pass (it ended FAILED, TIMED_OUT or ABORTED), or undefined. */
async function copyFlowFailure(deps: StepDeps, task: TaskRecord): Promise<string | undefined> {
  const ending = await copyFlowEnding(deps, task);
  return ending?.failed ? ending.text : undefined;
}

/** Waits until the job queue holds no visible, in-flight or delayed messages. */
export async function checkQueueEmpty(deps: StepDeps, event: StepEvent): Promise<StepOutput> {
  const task = await mustGet(deps, event.taskId);
  if (isStoppedOrFinal(task.progress)) return { ...event, result: 'END' };
  const queueUrl = stackOutput(task.stackOutputs, PLUGIN_OUTPUTS.queueUrl);
  if (!queueUrl) return { ...event, result: 'NEXT' };
  const depth = messagesIn(queueCounts(await need(deps.sqs, 'SQS').send(queueCountsRequest(queueUrl))));
  return { ...event, queueDepth: depth, result: depth === 0 ? 'NEXT' : 'WAIT' };
}

/**
 * Counts from the status table decide (control-plane/core/lifecycle.ts): a ONE_TIME task is DONE only when every
 * object is transferred (or unchanged) and verified, ERROR COMPLETE_CHECK_ERROR once the counts settle short of that;
 * FIXED_RATE tasks record progress (and a settled pass's error) and keep going.
 */
export async function checkComplete(deps: StepDeps, event: StepEvent): Promise<StepOutput> {
  const task = await mustGet(deps, event.taskId);
  if (isStoppedOrFinal(task.progress)) return { ...event, result: 'END' };
  let summary: StatusSummary;
  let store: StatusStore;
  // Read before the counts: a copy flow seen ended has made its last status write, so counts still RUNNING after it stay
  // so — failed, or SUCCEEDED with images still pending (a copy task, and MarkFailed after it, that never wrote).
  const flowEnded = await copyFlowEnding(deps, task);
  try {
    const table = stackOutput(task.stackOutputs, PLUGIN_OUTPUTS.statusTable);
    if (!table) throw new Error(`the task's stack has no ${PLUGIN_OUTPUTS.statusTable} output`);
    store = need(deps.statusFor, 'status store')(table);
    summary = await store.summary();
  } catch (err) {
    await deps.tasks.update(task.id, errorPatch('COMPLETE_CHECK_ERROR', message(err), clock(deps)));
    return { ...event, result: 'END' };
  }
  const state = passState(summary);
  if (state === 'RUNNING' && flowEnded) {
    // Images still pending or in progress will never be copied: the execution that was to copy them is over.
    await deps.tasks.update(task.id, {
      progressInfo: progressInfoOf(summary),
      ...errorPatch(
        'COMPLETE_CHECK_ERROR',
        `${summary.total - summary.done - summary.skipped - summary.failed} of ${summary.total} were never copied: ${flowEnded.text}`,
        clock(deps),
      ),
    });
    return { ...event, result: 'END' };
  }
  const firstFailed = needsFirstFailure(state, summary)
    ? (await store.list({ status: 'FAILED', limit: 1 }))[0]
    : undefined;
  const { patch, final } = passOutcome(task, state, {
    progressInfo: progressInfoOf(summary),
    message: incompleteMessage(summary, firstFailed),
    now: clock(deps),
  });
  await deps.tasks.update(task.id, patch);
  return { ...event, result: final ? 'END' : 'WAIT' };
}
