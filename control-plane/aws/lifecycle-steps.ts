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
} from '@aws-sdk/client-cloudformation';
import { type CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { StatusStore, StatusSummary } from '../../worker/ports/status-store.js';
import { isComplete } from '../../worker/s3/run-transfer.js';
import {
  CFN_PARAMETER_MAX_BYTES, INLINE_TASK_PARAMS_MAX_BYTES, PLUGIN_OPTIONAL_PARAMETERS, PLUGIN_OUTPUTS, PLUGIN_PARAMETERS, pluginStackName, stackOutput, taskParamsPath,
} from '../core/plugin-contract.js';
import { deleteTaskParams, writeTaskParams } from '../../worker/adapters/aws/ssm-task-params.js';
import type { TaskStore } from '../core/ports.js';
import { parameterMap, type ProgressInfo, type TaskRecord, type TaskType } from '../core/task.js';

export type StepResult = 'WAIT' | 'NEXT' | 'END';
export interface StepEvent { taskId: string; [k: string]: unknown }
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
  now?: () => Date;
}

const FINAL = new Set(['DONE', 'STOPPED', 'ERROR']);
const STOPPED_OR_FINAL = new Set(['STOPPING', 'STOPPED', 'DONE', 'ERROR']);
const CREATE_FAILED = new Set(['CREATE_FAILED', 'ROLLBACK_IN_PROGRESS', 'ROLLBACK_COMPLETE', 'ROLLBACK_FAILED', 'DELETE_FAILED', 'UPDATE_ROLLBACK_FAILED']);

function need<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`${what} is not configured for this step`);
  return value;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

async function mustGet(deps: StepDeps, taskId: string): Promise<TaskRecord> {
  if (typeof taskId !== 'string' || !taskId) throw new Error('taskId: the step input needs the task id');
  const task = await deps.tasks.get(taskId);
  if (!task) throw new Error(`taskId: task "${taskId}" does not exist`);
  return task;
}

export function toProgressInfo(s: StatusSummary): ProgressInfo {
  return {
    total: s.total, replicated: s.done, failed: s.failed, skipped: s.skipped, verified: s.verified,
    bytesTotal: s.bytesTotal, bytesDone: s.bytesDone,
  };
}

/** CreateStack of the task's plugin template, passing only the parameters the template declares. */
export async function startStack(deps: StepDeps, event: StepEvent): Promise<StepOutput> {
  const task = await mustGet(deps, event.taskId);
  if (task.stackId) return { ...event, stackId: task.stackId, result: 'WAIT' };
  if (STOPPED_OR_FINAL.has(task.progress)) return { ...event, result: 'END' };
  const cfn = need(deps.cfn, 'CloudFormation');
  const templateUrl = deps.templates?.[task.type];
  try {
    if (!templateUrl) throw new Error(`no plugin template is configured for ${task.type} tasks`);
    const summary = await cfn.send(new GetTemplateSummaryCommand({ TemplateURL: templateUrl }));
    const declared = new Set((summary.Parameters ?? []).map((p) => p.ParameterKey));
    const raw = parameterMap(task);
    const values: Record<string, string> = await pluginParameterValues(deps, task, raw, declared);
    const stackName = pluginStackName(deps.stackPrefix ?? 'DTH', task.type, task.id);
    const out = await cfn.send(new CreateStackCommand({
      StackName: stackName,
      TemplateURL: templateUrl,
      Parameters: Object.entries(values).filter(([k]) => declared.has(k)).map(([ParameterKey, ParameterValue]) => ({ ParameterKey, ParameterValue })),
      Capabilities: ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM'],
      RoleARN: deps.stackRoleArn,
      Tags: [{ Key: 'dth:task-id', Value: task.id }],
    }));
    const updated = await deps.tasks.update(task.id, { stackId: out.StackId, stackName, templateUrl, stackStatus: 'CREATE_IN_PROGRESS' });
    if (updated.progress === 'STOPPING' || updated.progress === 'STOPPED') {
      // stopTask ran while the stack was being requested: it saw no stack to delete, so delete it here.
      await cfn.send(new DeleteStackCommand({ StackName: out.StackId }));
      await deps.tasks.update(task.id, { progress: 'STOPPING', stackStatus: 'DELETE_IN_PROGRESS' });
    }
    return { ...event, stackId: out.StackId, result: 'WAIT' };
  } catch (err) {
    await deps.tasks.update(task.id, { progress: 'ERROR', errorCode: 'CFN_ERROR', errorMessage: message(err), stoppedAt: (deps.now?.() ?? new Date()).toISOString() });
    return { ...event, result: 'END' };
  }
}

/**
 * The CreateStack values: each task parameter, TaskId, TaskParams and the schedule. Parameters too large for
 * CloudFormation (4 KB a value) go to SSM when the template declares TaskParamsPath; otherwise they are an error
 * naming the parameter, before any stack exists.
 */
async function pluginParameterValues(deps: StepDeps, task: TaskRecord, raw: Record<string, string>, declared: Set<string | undefined>): Promise<Record<string, string>> {
  const json = JSON.stringify(raw);
  const values: Record<string, string> = {
    ...raw,
    [PLUGIN_PARAMETERS.taskId]: task.id,
    [PLUGIN_PARAMETERS.taskParams]: json,
    [PLUGIN_PARAMETERS.schedule]: task.scheduleType === 'FIXED_RATE' ? raw.scheduleExpression || 'rate(1 hour)' : '',
  };
  const tooLarge = Object.entries(values).filter(([k, v]) => declared.has(k) && Buffer.byteLength(v) > CFN_PARAMETER_MAX_BYTES).map(([k]) => k);
  if (!declared.has(PLUGIN_OPTIONAL_PARAMETERS.taskParamsPath)) {
    if (tooLarge.length) {
      throw new Error(`${tooLarge[0]}: ${Buffer.byteLength(values[tooLarge[0]])} bytes, more than a CloudFormation parameter holds (${CFN_PARAMETER_MAX_BYTES}), and the ${task.type} plugin template takes parameters no other way`);
    }
    return values;
  }
  if (tooLarge.length === 0 && Buffer.byteLength(json) <= INLINE_TASK_PARAMS_MAX_BYTES) return values;
  const path = taskParamsPath(task.id);
  await writeTaskParams(need(deps.ssm, 'SSM'), path, json);
  // The full set travels through SSM; a value CloudFormation cannot hold is passed empty.
  for (const k of tooLarge) values[k] = '';
  return { ...values, [PLUGIN_PARAMETERS.taskParams]: '', [PLUGIN_OPTIONAL_PARAMETERS.taskParamsPath]: path };
}

/** DeleteStack of the task's plugin stack (stopTask). */
export async function stopStack(deps: StepDeps, event: StepEvent): Promise<StepOutput> {
  const task = await mustGet(deps, event.taskId);
  const now = (deps.now?.() ?? new Date()).toISOString();
  if (!task.stackId) {
    await deps.tasks.update(task.id, { progress: 'STOPPED', stoppedAt: now });
    return { ...event, result: 'END' };
  }
  try {
    await need(deps.cfn, 'CloudFormation').send(new DeleteStackCommand({ StackName: task.stackId }));
    await deps.tasks.update(task.id, { progress: 'STOPPING', stackStatus: 'DELETE_IN_PROGRESS' });
    // Parameters kept in SSM for the stack go with it (none for most tasks: one empty read).
    if (deps.ssm) await deleteTaskParams(deps.ssm, taskParamsPath(task.id)).catch(() => undefined);
    return { ...event, result: 'WAIT' };
  } catch (err) {
    await deps.tasks.update(task.id, { progress: 'ERROR', errorCode: 'CFN_ERROR', errorMessage: message(err), stoppedAt: now });
    return { ...event, result: 'END' };
  }
}

/** DescribeStacks: records status, reason and outputs; moves the task on when the stack settles. */
export async function queryStackStatus(deps: StepDeps, event: StepEvent): Promise<StepOutput> {
  const task = await mustGet(deps, event.taskId);
  const now = (deps.now?.() ?? new Date()).toISOString();
  if (!task.stackId) return { ...event, result: task.progress === 'STARTING' ? 'WAIT' : 'END' };
  let stack;
  try {
    stack = (await need(deps.cfn, 'CloudFormation').send(new DescribeStacksCommand({ StackName: task.stackId }))).Stacks?.[0];
  } catch (err) {
    // A deleted stack looked up by name no longer exists.
    if (task.progress === 'STOPPING' && /does not exist/.test(message(err))) stack = { StackStatus: 'DELETE_COMPLETE' as const };
    else throw err;
  }
  const status = stack?.StackStatus ?? 'UNKNOWN';
  const reason = stack && 'StackStatusReason' in stack ? stack.StackStatusReason : undefined;
  const outputs = stack && 'Outputs' in stack && stack.Outputs
    ? stack.Outputs.map((o) => ({ OutputKey: o.OutputKey ?? '', OutputValue: o.OutputValue ?? '', Description: o.Description }))
    : undefined;
  const base = { stackStatus: status, stackStatusReason: reason, ...(outputs ? { stackOutputs: outputs } : {}) };
  const out = (result: StepResult): StepOutput => ({ ...event, stackStatus: status, result });
  if (status === 'DELETE_COMPLETE') {
    await deps.tasks.update(task.id, { ...base, progress: task.progress === 'ERROR' ? 'ERROR' : 'STOPPED', stoppedAt: task.stoppedAt ?? now });
    return out('END');
  }
  if (CREATE_FAILED.has(status)) {
    await deps.tasks.update(task.id, {
      ...base, progress: 'ERROR', errorCode: 'CFN_ERROR', errorMessage: `stack ${status}${reason ? `: ${reason}` : ''}`, stoppedAt: now,
    });
    return out('END');
  }
  if (status === 'CREATE_COMPLETE' || status === 'UPDATE_COMPLETE') {
    if (STOPPED_OR_FINAL.has(task.progress)) {
      await deps.tasks.update(task.id, base);
      return out('END');
    }
    await deps.tasks.update(task.id, { ...base, progress: 'IN_PROGRESS' });
    return out('NEXT');
  }
  await deps.tasks.update(task.id, base);
  return out('WAIT');
}

/** Waits for the finder's pass: its structured log lines `finder.done` / `finder.failed` since the task started. */
export async function checkFinder(deps: StepDeps, event: StepEvent): Promise<StepOutput> {
  const task = await mustGet(deps, event.taskId);
  if (STOPPED_OR_FINAL.has(task.progress)) return { ...event, result: 'END' };
  const logGroupName = stackOutput(task.stackOutputs, PLUGIN_OUTPUTS.finderLogGroup);
  if (!logGroupName) return { ...event, result: 'NEXT' };
  const logs = need(deps.logs, 'CloudWatch Logs');
  let nextToken: string | undefined;
  let last: { message?: string; timestamp?: number } | undefined;
  do {
    const page = await logs.send(new FilterLogEventsCommand({
      logGroupName, startTime: Date.parse(task.createdAt), filterPattern: '?"finder.done" ?"finder.failed"', nextToken,
    }));
    for (const e of page.events ?? []) if (!last || (e.timestamp ?? 0) >= (last.timestamp ?? 0)) last = e;
    nextToken = page.nextToken;
  } while (nextToken);
  if (!last?.message) return { ...event, result: 'WAIT' };
  if (last.message.includes('finder.failed')) {
    let detail = last.message;
    try {
      const parsed = JSON.parse(last.message) as { error?: unknown };
      if (parsed.error) detail = typeof parsed.error === 'string' ? parsed.error : JSON.stringify(parsed.error);
    } catch { /* not JSON: keep the line */ }
    await deps.tasks.update(task.id, { progress: 'ERROR', errorCode: 'FINDER_ERROR', errorMessage: detail, stoppedAt: (deps.now?.() ?? new Date()).toISOString() });
    return { ...event, result: 'END' };
  }
  return { ...event, result: 'NEXT' };
}

/** Waits until the job queue holds no visible, in-flight or delayed messages. */
export async function checkQueueEmpty(deps: StepDeps, event: StepEvent): Promise<StepOutput> {
  const task = await mustGet(deps, event.taskId);
  if (STOPPED_OR_FINAL.has(task.progress)) return { ...event, result: 'END' };
  const queueUrl = stackOutput(task.stackOutputs, PLUGIN_OUTPUTS.queueUrl);
  if (!queueUrl) return { ...event, result: 'NEXT' };
  const out = await need(deps.sqs, 'SQS').send(new GetQueueAttributesCommand({
    QueueUrl: queueUrl,
    AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
  }));
  const depth = Object.values(out.Attributes ?? {}).reduce((n, v) => n + Number(v ?? 0), 0);
  return { ...event, queueDepth: depth, result: depth === 0 ? 'NEXT' : 'WAIT' };
}

/**
 * Counts from the status table decide: a ONE_TIME task is DONE only when every object is transferred (or unchanged)
 * and verified, ERROR COMPLETE_CHECK_ERROR when objects failed; FIXED_RATE tasks record progress and keep going.
 */
export async function checkComplete(deps: StepDeps, event: StepEvent): Promise<StepOutput> {
  const task = await mustGet(deps, event.taskId);
  if (STOPPED_OR_FINAL.has(task.progress)) return { ...event, result: 'END' };
  const now = (deps.now?.() ?? new Date()).toISOString();
  let summary: StatusSummary;
  let store: StatusStore;
  try {
    const table = stackOutput(task.stackOutputs, PLUGIN_OUTPUTS.statusTable);
    if (!table) throw new Error(`the task's stack has no ${PLUGIN_OUTPUTS.statusTable} output`);
    store = need(deps.statusFor, 'status store')(table);
    summary = await store.summary();
  } catch (err) {
    await deps.tasks.update(task.id, { progress: 'ERROR', errorCode: 'COMPLETE_CHECK_ERROR', errorMessage: message(err), stoppedAt: now });
    return { ...event, result: 'END' };
  }
  const progressInfo = toProgressInfo(summary);
  const settled = summary.pending === 0 && summary.inProgress === 0;
  if (task.scheduleType === 'FIXED_RATE') {
    await deps.tasks.update(task.id, { progressInfo });
    return { ...event, result: 'WAIT' };
  }
  if (isComplete(summary)) {
    await deps.tasks.update(task.id, { progress: 'DONE', progressInfo, stoppedAt: now });
    return { ...event, result: 'END' };
  }
  if (settled) {
    const first = (await store.list({ status: 'FAILED', limit: 1 }))[0];
    const unverified = summary.done - summary.verified;
    const why = summary.failed > 0
      ? `${summary.failed} object(s) failed${first ? `; first: ${first.key}: ${first.error ?? 'unknown error'}` : ''}`
      : `${unverified > 0 ? unverified : summary.total - summary.done - summary.skipped} object(s) were not transferred and verified`;
    await deps.tasks.update(task.id, { progress: 'ERROR', progressInfo, errorCode: 'COMPLETE_CHECK_ERROR', errorMessage: why, stoppedAt: now });
    return { ...event, result: 'END' };
  }
  await deps.tasks.update(task.id, { progressInfo });
  return { ...event, result: 'WAIT' };
}

/** Publishes the task's outcome to the notification topic (when one is configured). */
export async function notify(deps: StepDeps, event: StepEvent): Promise<StepOutput> {
  const task = await mustGet(deps, event.taskId);
  if (deps.notifyTopicArn && FINAL.has(task.progress)) {
    const p = task.progressInfo;
    await need(deps.sns, 'SNS').send(new PublishCommand({
      TopicArn: deps.notifyTopicArn,
      Subject: `Data Transfer Hub task ${task.id.slice(0, 8)}: ${task.progress}`.slice(0, 100),
      Message: JSON.stringify({
        taskId: task.id, type: task.type, description: task.description, progress: task.progress,
        errorCode: task.errorCode, errorMessage: task.errorMessage,
        objects: p ? { total: p.total, transferred: p.replicated, failed: p.failed, verified: p.verified, skipped: p.skipped } : undefined,
      }),
    }));
    return { ...event, notified: true, result: 'END' };
  }
  return { ...event, notified: false, result: 'END' };
}
