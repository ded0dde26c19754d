/**
 * Every GraphQL operation the console sends, named and shaped as the original console's (listTasksV2, getTask, …),
 * with this project's additions (live progress counts, errorCode/errorMessage, estimateTask, listTaskObjects).
 */
import type { Api } from './client.js';
import { decodeGetTask, encodeDescription, encodeParameters } from './wire.js';
import type {
  Estimate,
  FailedObject,
  LogEventsPage,
  LogStream,
  MetricHistory,
  Secret,
  Task,
  TaskParameter,
  TaskProgress,
  TaskType,
  ScheduleType,
} from './types.js';

const TASK = `id description type scheduleType createdAt stoppedAt progress stackName stackStatus errorCode errorMessage
  parameters { ParameterKey ParameterValue }
  stackOutputs { Description OutputKey OutputValue }
  progressInfo { total replicated failed skipped verified bytesTotal bytesDone rate etaSeconds }`;

/** The graphs the original's Monitoring tab draws (names as its GraphName enum). */
export const GRAPHS = [
  'Network',
  'TransferredFailedObjects',
  'RunningWaitingJobHistory',
  'DesiredInServiceInstances',
] as const;
export type GraphName = (typeof GRAPHS)[number];

export function taskOperations(api: Api) {
  return {
    async listTasks(
      progress: TaskProgress | undefined,
      page: number,
      count: number,
    ): Promise<{ items: Task[]; total: number }> {
      const d = await api.call<{ listTasksV2: { items: Task[]; total: number } }>(
        `query ListTasksV2($progress: TaskProgress, $page: Int, $count: Int) { listTasksV2(progress: $progress, page: $page, count: $count) { items { ${TASK} } total } }`,
        { progress: progress ?? null, page, count },
      );
      return d.listTasksV2;
    },

    async getTask(id: string): Promise<Task | null> {
      const task = (
        await api.call<{ getTask: Task | null }>(
          `query GetTask($id: ID!) { getTask(id: $id) { ${TASK} notifications { time progress subject message channel } } }`,
          { id },
        )
      ).getTask;
      return task ? decodeGetTask(task) : null;
    },

    async createTask(input: {
      type: TaskType;
      description: string;
      scheduleType: ScheduleType;
      parameters: TaskParameter[];
    }): Promise<Task> {
      const wire = {
        ...input,
        description: encodeDescription(input.description),
        parameters: encodeParameters(input.parameters),
      };
      return (
        await api.call<{ createTask: Task }>(
          `mutation CreateTask($input: CreateTaskInput!) { createTask(input: $input) { ${TASK} } }`,
          { input: wire },
        )
      ).createTask;
    },

    /** Stops a task and deletes its stack; also how a finished task is deleted. */
    async stopTask(id: string): Promise<Task> {
      return (
        await api.call<{ stopTask: Task }>(`mutation StopTask($id: String!) { stopTask(id: $id) { ${TASK} } }`, { id })
      ).stopTask;
    },

    async listSecrets(): Promise<Secret[]> {
      return (
        (
          await api.call<{ listSecrets: Secret[] | null }>(
            'query ListSecrets { listSecrets { name description kind } }',
          )
        ).listSecrets ?? []
      );
    },

    async getErrorMessage(id: string): Promise<{ errMessage?: string | null; errCode?: string | null }> {
      return (
        await api.call<{ getErrorMessage: { errMessage?: string | null; errCode?: string | null } }>(
          'query GetErrorMessage($id: String!) { getErrorMessage(id: $id) { errMessage errCode } }',
          { id },
        )
      ).getErrorMessage;
    },

    async listLogStreams(
      logGroupName: string,
      prefix: string | undefined,
      page: number,
      count: number,
    ): Promise<{ logStreams: LogStream[]; total: number }> {
      return await api
        .call<{ listLogStreams: { logStreams: LogStream[] | null; total: number } }>(
          `query ListLogStreams($logGroupName: String, $logStreamNamePrefix: String, $page: Int, $count: Int) {
          listLogStreams(logGroupName: $logGroupName, logStreamNamePrefix: $logStreamNamePrefix, page: $page, count: $count) {
            logStreams { logStreamName creationTime lastEventTimestamp } total } }`,
          { logGroupName, logStreamNamePrefix: prefix || null, page, count },
        )
        .then((d) => ({ logStreams: d.listLogStreams.logStreams ?? [], total: d.listLogStreams.total }));
    },

    /** One page of events; `nextToken` is a forward token for newer events or a backward token for older ones. */
    async getLogEvents(
      logGroupName: string,
      logStreamName: string,
      limit: number,
      nextToken?: string,
    ): Promise<LogEventsPage> {
      const d = await api.call<{ getLogEvents: LogEventsPage }>(
        `query GetLogEvents($limit: Int, $logGroupName: String, $logStreamName: String, $nextToken: String) {
          getLogEvents(limit: $limit, logGroupName: $logGroupName, logStreamName: $logStreamName, nextToken: $nextToken) {
            logEvents { timestamp message } nextForwardToken nextBackwardToken } }`,
        { limit, logGroupName, logStreamName, nextToken: nextToken ?? null },
      );
      return { ...d.getLogEvents, logEvents: d.getLogEvents.logEvents ?? [] };
    },

    /** A graph over [start, end] (unix seconds), one point per `period` seconds. */
    async getMetricHistory(
      id: string,
      graphName: GraphName,
      startTime: number,
      endTime: number,
      period: number,
    ): Promise<MetricHistory> {
      return (
        await api.call<{ getMetricHistoryData: MetricHistory }>(
          `query GetMetricHistoryData($id: String!, $graphName: GraphName!, $startTime: String, $endTime: String, $period: Int) {
          getMetricHistoryData(id: $id, graphName: $graphName, startTime: $startTime, endTime: $endTime, period: $period) {
            series { name data } xaxis { categories } } }`,
          { id, graphName, startTime: String(startTime), endTime: String(endTime), period },
        )
      ).getMetricHistoryData;
    },

    async listFailedObjects(id: string, limit: number): Promise<FailedObject[]> {
      return (
        (
          await api.call<{ listTaskObjects: FailedObject[] | null }>(
            'query ListFailedObjects($id: ID!, $limit: Int) { listTaskObjects(id: $id, status: FAILED, limit: $limit) { key error attempts } }',
            { id, limit },
          )
        ).listTaskObjects ?? []
      );
    },

    async estimate(type: TaskType, parameters: TaskParameter[]): Promise<Estimate> {
      return (
        await api.call<{ estimateTask: Estimate }>(
          `query EstimateTask($type: TaskType!, $parameters: [TaskParameterInput]!) {
          estimateTask(type: $type, parameters: $parameters) { scanned objects bytes unchanged unreadable unreadableImages { image error } estimatedRequestCostUsd estimatedTransferCostUsd complete nothingSelected selectionSlips } }`,
          { type, parameters: encodeParameters(parameters) },
        )
      ).estimateTask;
    },
  };
}

export type TaskOperations = ReturnType<typeof taskOperations>;
