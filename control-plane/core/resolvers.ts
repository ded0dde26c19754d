import { fitListAnswer } from './list-answer-budget.js';
import { randomUUID } from 'node:crypto';
import { InvalidParameterError } from '../../worker/core/errors.js';
import { TaskNotFoundError } from './errors.js';
import { isGraphName, parseMetricTime } from './metric-history.js';
import { taskLogGroup } from './plugin-contract.js';
import type { ControlPlaneDeps } from './ports.js';
import { describeStackFailures } from './stack-failures.js';
import { apiErrorCode, type TaskProgress, type TaskRecord, type TaskType } from './task.js';
import { formEncode, URL_ENCODED_PARAMETERS } from '../../worker/params/index.js';
import { checkNamedSecretsExist, secretsWithKinds } from './task-secrets.js';
import { validateCreateTask, type CreateTaskInput } from './validate-task.js';

export { TaskNotFoundError };

const ACTIVE: TaskProgress[] = ['STARTING', 'IN_PROGRESS'];

/** Limits of the original API (its request templates), kept: pages and page sizes from 1 to 1000. */
export const MAX_PAGE_SIZE = 1000;
const DEFAULT_CHART_RANGE_MS = 3 * 3600_000;

/** A task whose engine may be moving: its counts are read live, with a rate and time left. */
const isRunning = (task: TaskRecord) => ACTIVE.includes(task.progress) || task.progress === 'STOPPING';

/**
 * A task that has ended (DONE, ERROR, STOPPED) shows its counts but no rate or time left: a record written before a
 * pass dropped them (or by another version) must not show the last pass's speed as if something still ran.
 */
function withoutSpeedOnceEnded(task: TaskRecord): TaskRecord {
  if (isRunning(task) || !task.progressInfo) return task;
  if (task.progressInfo.rate === undefined && task.progressInfo.etaSeconds === undefined) return task;
  const { rate: _rate, etaSeconds: _eta, ...counts } = task.progressInfo;
  return { ...task, progressInfo: counts };
}

/**
 * getTask answers as the original's did: description, srcPrefix and destPrefix form-encoded (its response template
 * ran $util.urlEncode on them); the console decodes them. Other answers carry them raw, as the original's Lambdas did.
 */
export function urlEncodedForGetTask(task: TaskRecord): TaskRecord {
  return {
    ...task,
    description: task.description === undefined ? undefined : formEncode(task.description),
    parameters: task.parameters.map((p) =>
      URL_ENCODED_PARAMETERS.has(p.ParameterKey) ? { ...p, ParameterValue: formEncode(p.ParameterValue) } : p,
    ),
  };
}

/** An optional whole-number argument within [min, max]; the error names the argument and the range. */
function boundedInt(value: unknown, field: string, fallback: number, max: number): number {
  if (value === undefined || value === null) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw new InvalidParameterError(field, `must be a whole number from 1 to ${max}`);
  return n;
}

function required(value: string | null | undefined, field: string, what: string): string {
  if (typeof value !== 'string' || value === '') throw new InvalidParameterError(field, `is required (${what})`);
  return value;
}

/**
 * The API's logic, written once: the AppSync Lambda handler and the local hub's GraphQL server both call these.
 * Each takes the operation's arguments (the original's names and types, plus ours) and returns the field's value.
 */
export function createResolvers(deps: ControlPlaneDeps) {
  const now = () => deps.now?.() ?? new Date();
  const newId = deps.newId ?? (() => randomUUID());

  async function mustGet(id: string): Promise<TaskRecord> {
    const task = await deps.tasks.get(id);
    if (!task) throw new TaskNotFoundError(id);
    return task;
  }

  /** Live counts while a task runs; the stored snapshot otherwise. */
  async function withProgress(task: TaskRecord): Promise<TaskRecord> {
    if (!isRunning(task)) return withoutSpeedOnceEnded(task);
    const live = await deps.orchestrator.progress(task).catch(() => undefined);
    return live ? { ...task, progressInfo: live } : task;
  }

  /**
   * The log group a log call reads: `logGroupName` as the original took it (the adapter refuses a group that is not a
   * task's), or ours, `id`: that task's worker log group (undefined while the task has none yet).
   */
  async function logGroupOf(args: { logGroupName?: string | null; id?: string | null }): Promise<string | undefined> {
    if (args.logGroupName) return args.logGroupName;
    if (args.id) return taskLogGroup((await mustGet(args.id)).stackOutputs, 'worker');
    throw new InvalidParameterError(
      'logGroupName',
      'is required (the "Finder Log Group Name" or "Worker Log Group Name" of the task\'s stackOutputs)',
    );
  }

  return {
    async listTasksV2(args: { progress?: TaskProgress | null; page?: number | null; count?: number | null }) {
      const page = boundedInt(args.page, 'page', 1, 100_000);
      const count = boundedInt(args.count, 'count', 20, MAX_PAGE_SIZE);
      // As the original: no filter means every task that is not STOPPED ("Activated"); STOPPED ones are asked for.
      const progress = args.progress ?? undefined;
      const { items, total } = await deps.tasks.list({
        progress,
        exceptProgress: progress ? undefined : 'STOPPED',
        page,
        count,
      });
      const answered = deps.liveProgressInLists
        ? await Promise.all(items.map(withProgress))
        : items.map(withoutSpeedOnceEnded);
      return { items: fitListAnswer(answered), total };
    },

    async getTask(args: { id: string }) {
      const task = await deps.tasks.get(args.id);
      return task ? urlEncodedForGetTask(await withProgress(task)) : null;
    },

    async listSecrets() {
      // Names, ARNs and kinds only: values never leave the secret store.
      return secretsWithKinds(deps.secrets);
    },

    async listLogStreams(args: {
      logGroupName?: string | null;
      logStreamNamePrefix?: string | null;
      page?: number | null;
      count?: number | null;
      id?: string | null;
    }) {
      const page = boundedInt(args.page, 'page', 1, MAX_PAGE_SIZE);
      const count = boundedInt(args.count, 'count', 20, MAX_PAGE_SIZE);
      const group = await logGroupOf(args);
      if (!group) return { logStreams: [], total: 0 };
      return deps.logs.streams(group, { prefix: args.logStreamNamePrefix || undefined, page, count });
    },

    async getLogEvents(args: {
      limit?: number | null;
      logGroupName?: string | null;
      logStreamName?: string | null;
      nextToken?: string | null;
      id?: string | null;
      startFromHead?: boolean | null;
    }) {
      const limit = boundedInt(args.limit, 'limit', 100, 10_000);
      const stream = required(args.logStreamName, 'logStreamName', 'a stream of listLogStreams');
      const group = await logGroupOf(args);
      if (!group) return { logEvents: [] };
      return deps.logs.events(group, stream, {
        limit,
        nextToken: args.nextToken || undefined,
        startFromHead: args.startFromHead ?? undefined,
      });
    },

    async getMetricHistoryData(args: {
      id: string;
      graphName: string;
      startTime?: string | null;
      endTime?: string | null;
      period?: number | null;
    }) {
      const task = await mustGet(required(args.id, 'id', 'the task id'));
      if (!isGraphName(args.graphName))
        throw new InvalidParameterError('graphName', `"${args.graphName}" is not a chart of this API`);
      const end = parseMetricTime(args.endTime, 'endTime') ?? now();
      const start = parseMetricTime(args.startTime, 'startTime') ?? new Date(end.getTime() - DEFAULT_CHART_RANGE_MS);
      if (start.getTime() > end.getTime()) throw new InvalidParameterError('startTime', 'is after endTime');
      return deps.metrics.history(task, args.graphName, start, end, boundedInt(args.period, 'period', 60, 7 * 86_400));
    },

    async getErrorMessage(args: { id: string }) {
      const task = await mustGet(required(args.id, 'id', 'the task id'));
      // As the original: a failed or rolled-back plugin stack is a CFN_ERROR told by its failed resources' events.
      const { stackId } = task;
      const stackFailed =
        !!stackId && (/FAILED|ROLLBACK/.test(task.stackStatus ?? '') || task.errorCode === 'CFN_ERROR');
      if (stackFailed) {
        const failures = deps.stacks ? await deps.stacks.failures(stackId).catch(() => []) : [];
        return {
          errCode: 'CFN_ERROR',
          errMessage:
            describeStackFailures(failures, task.stackName) ?? task.errorMessage ?? task.stackStatusReason ?? null,
        };
      }
      return { errCode: apiErrorCode(task.errorCode), errMessage: task.errorMessage ?? null };
    },

    async estimateTask(args: {
      type: TaskType;
      parameters: ({ ParameterKey: string; ParameterValue?: string } | null)[];
    }) {
      const v = validateCreateTask(
        {
          type: args.type,
          scheduleType: 'ONE_TIME',
          // A null entry (the schema allows it) stays, for the validation to name as createTask does.
          parameters: args.parameters.filter(
            (p) => p === null || !/^(ec2CronExpression|scheduleExpression)$/.test(p.ParameterKey),
          ),
        },
        { s3EventNotifications: deps.s3EventNotifications, homeRegion: deps.homeRegion },
      );
      await checkNamedSecretsExist(v, deps.secrets);
      return deps.estimator.estimate(
        v.type,
        Object.fromEntries(v.parameters.map((p) => [p.ParameterKey, p.ParameterValue])),
      );
    },

    async listTaskObjects(args: { id: string; status?: string; limit?: number; after?: string }) {
      const task = await mustGet(args.id);
      return deps.objects.list(task, {
        status: args.status ?? undefined,
        limit: boundedInt(args.limit, 'limit', 50, 1000),
        after: args.after ?? undefined,
      });
    },

    /** What the hub mailed (cloud) or recorded (local) about task outcomes, newest first. */
    async listNotifications(args: { count?: number | null }) {
      const count = boundedInt(args.count, 'count', 50, MAX_PAGE_SIZE);
      const { items } = await deps.tasks.list({ page: 1, count: MAX_PAGE_SIZE });
      return items
        .flatMap((t) => (t.notifications ?? []).map((n) => ({ ...n, taskId: t.id, taskName: t.stackName ?? t.id })))
        .sort((a, b) => (a.time < b.time ? 1 : a.time > b.time ? -1 : 0))
        .slice(0, count);
    },

    async createTask(args: { input: CreateTaskInput }) {
      const valid = validateCreateTask(args.input ?? {}, {
        templateDeclares: deps.templateDeclares,
        s3EventNotifications: deps.s3EventNotifications,
        homeRegion: deps.homeRegion,
      });
      await checkNamedSecretsExist(valid, deps.secrets);
      const task: TaskRecord = {
        id: newId(),
        description: valid.description,
        type: valid.type,
        scheduleType: valid.scheduleType,
        parameters: valid.parameters,
        createdAt: now().toISOString(),
        progress: 'STARTING',
      };
      await deps.tasks.put(task);
      try {
        const started = await deps.orchestrator.start(task);
        return await deps.tasks.update(task.id, started);
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        return deps.tasks.update(task.id, {
          progress: 'ERROR',
          errorCode: 'CFN_ERROR',
          errorMessage: message,
          stoppedAt: now().toISOString(),
        });
      }
    },

    /**
     * Stops a task from any state and deletes what it runs on (its plugin stack; locally its run): a DONE or ERROR
     * task is deleted this way too, as the original console's "Delete Task" did. A STOPPED task has nothing left.
     */
    async stopTask(args: { id?: string | null }) {
      const task = await mustGet(required(args.id, 'id', 'the task to stop'));
      if (task.progress === 'STOPPED') return task;
      const stopping = await deps.tasks.update(task.id, { progress: 'STOPPING' });
      let patch: Partial<TaskRecord>;
      try {
        patch = await deps.orchestrator.stop(stopping);
      } catch (err) {
        // Nothing was asked to stop: the task stays as it was, and the caller sees why.
        await deps.tasks.update(task.id, { progress: task.progress });
        throw err;
      }
      return deps.tasks.update(task.id, patch);
    },
  };
}

export type Resolvers = ReturnType<typeof createResolvers>;
