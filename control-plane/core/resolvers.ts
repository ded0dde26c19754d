import { randomUUID } from 'node:crypto';
import { DthError, InvalidParameterError } from '../../worker/core/errors.js';
import type { ControlPlaneDeps } from './ports.js';
import type { TaskProgress, TaskRecord, TaskType } from './task.js';
import { formEncode, URL_ENCODED_PARAMETERS } from '../../worker/params/index.js';
import { validateCreateTask, type CreateTaskInput } from './validate-task.js';

/** A task-not-found error the API reports as such. */
export class TaskNotFoundError extends DthError {
  constructor(id: string) {
    super('TASK_NOT_FOUND', `id: task "${id}" does not exist`);
  }
}

const ACTIVE: TaskProgress[] = ['STARTING', 'IN_PROGRESS'];

/**
 * getTask answers as the original's did: description, srcPrefix and destPrefix form-encoded (its response template
 * ran $util.urlEncode on them); the console decodes them. Other answers carry them raw, as the original's Lambdas did.
 */
export function urlEncodedForGetTask(task: TaskRecord): TaskRecord {
  return {
    ...task,
    description: task.description === undefined ? undefined : formEncode(task.description),
    parameters: task.parameters.map((p) => (task.type === 'S3EC2' && URL_ENCODED_PARAMETERS.has(p.ParameterKey)
      ? { ...p, ParameterValue: formEncode(p.ParameterValue) } : p)),
  };
}

function positiveInt(value: unknown, field: string, fallback: number, max: number): number {
  if (value === undefined || value === null) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new InvalidParameterError(field, `must be a whole number from 1 to ${max}`);
  return n;
}

/**
 * The API's logic, written once: the AppSync Lambda handler and the local hub's GraphQL server both call these.
 * Each takes the operation's arguments and returns the field's value.
 */
export function createResolvers(deps: ControlPlaneDeps) {
  const now = () => (deps.now?.() ?? new Date()).toISOString();
  const newId = deps.newId ?? (() => randomUUID());

  async function mustGet(id: string): Promise<TaskRecord> {
    const task = await deps.tasks.get(id);
    if (!task) throw new TaskNotFoundError(id);
    return task;
  }

  /** Live counts while a task runs; the stored snapshot otherwise. */
  async function withProgress(task: TaskRecord): Promise<TaskRecord> {
    if (!ACTIVE.includes(task.progress) && task.progress !== 'STOPPING') return task;
    const live = await deps.orchestrator.progress(task).catch(() => undefined);
    return live ? { ...task, progressInfo: live } : task;
  }

  return {
    async listTasksV2(args: { progress?: TaskProgress; page?: number; count?: number }) {
      const page = positiveInt(args.page, 'page', 1, 100_000);
      const count = positiveInt(args.count, 'count', 10, 100);
      const { items, total } = await deps.tasks.list({ progress: args.progress ?? undefined, page, count });
      return { items: deps.liveProgressInLists ? await Promise.all(items.map(withProgress)) : items, total };
    },

    async getTask(args: { id: string }) {
      const task = await deps.tasks.get(args.id);
      return task ? urlEncodedForGetTask(await withProgress(task)) : null;
    },

    async listSecrets() {
      // Names (and ARNs) only: values never leave the secret store.
      return (await deps.secrets.list()).map((s) => ({ name: s.name, arn: s.arn, description: s.description }));
    },

    async listLogStreams(args: { id: string; page?: number; count?: number }) {
      await mustGet(args.id);
      return deps.logs.streams(args.id, positiveInt(args.page, 'page', 1, 100_000), positiveInt(args.count, 'count', 20, 100));
    },

    async getLogEvents(args: { id: string; logStreamName: string; limit?: number; nextToken?: string }) {
      await mustGet(args.id);
      return deps.logs.events(args.id, args.logStreamName, positiveInt(args.limit, 'limit', 100, 10_000), args.nextToken ?? undefined);
    },

    async getMetricHistoryData(args: { id: string; graphName: string; startTime?: string; endTime?: string; period?: number }) {
      await mustGet(args.id);
      const end = args.endTime ? new Date(Number(args.endTime) || args.endTime) : new Date();
      const start = args.startTime ? new Date(Number(args.startTime) || args.startTime) : new Date(end.getTime() - 3600_000);
      if (Number.isNaN(start.getTime())) throw new InvalidParameterError('startTime', 'is not a time');
      if (Number.isNaN(end.getTime())) throw new InvalidParameterError('endTime', 'is not a time');
      return deps.metrics.history(args.id, args.graphName, start, end, positiveInt(args.period, 'period', 60, 86_400));
    },

    async getErrorMessage(args: { id: string }) {
      const task = await mustGet(args.id);
      return { errorCode: task.errorCode ?? null, errMessage: task.errorMessage ?? task.stackStatusReason ?? null };
    },

    async estimateTask(args: { type: TaskType; parameters: { ParameterKey: string; ParameterValue?: string }[] }) {
      const v = validateCreateTask({ type: args.type, scheduleType: 'ONE_TIME', parameters: args.parameters.filter((p) => !/^(ec2CronExpression|scheduleExpression)$/.test(p.ParameterKey)) });
      return deps.estimator.estimate(v.type, Object.fromEntries(v.parameters.map((p) => [p.ParameterKey, p.ParameterValue])));
    },

    async listTaskObjects(args: { id: string; status?: string; limit?: number; after?: string }) {
      const task = await mustGet(args.id);
      return deps.objects.list(task, { status: args.status ?? undefined, limit: positiveInt(args.limit, 'limit', 50, 1000), after: args.after ?? undefined });
    },

    async createTask(args: { input: CreateTaskInput }) {
      const valid = validateCreateTask(args.input ?? {}, { templateDeclares: deps.templateDeclares });
      const task: TaskRecord = {
        id: newId(),
        description: valid.description,
        type: valid.type,
        scheduleType: valid.scheduleType,
        parameters: valid.parameters,
        createdAt: now(),
        progress: 'STARTING',
      };
      await deps.tasks.put(task);
      try {
        const started = await deps.orchestrator.start(task);
        return await deps.tasks.update(task.id, started);
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        return deps.tasks.update(task.id, { progress: 'ERROR', errorCode: 'CFN_ERROR', errorMessage: message });
      }
    },

    async stopTask(args: { id: string }) {
      const task = await mustGet(args.id);
      // A DONE or failed task still holds its resources (the plugin stack): stopping it deletes them, as in the original.
      if (task.progress === 'STOPPING' || task.progress === 'STOPPED') return task;
      const stopping = await deps.tasks.update(task.id, { progress: 'STOPPING' });
      const patch = await deps.orchestrator.stop(stopping);
      return deps.tasks.update(task.id, patch);
    },
  };
}

export type Resolvers = ReturnType<typeof createResolvers>;
