import type { ProgressInfo, TaskProgress, TaskRecord, TaskType } from './task.js';

/** Task records: DynamoDB in the cloud, SQLite in the local hub. */
export interface TaskStore {
  put(task: TaskRecord): Promise<void>;
  get(id: string): Promise<TaskRecord | undefined>;
  update(id: string, patch: Partial<Omit<TaskRecord, 'id'>>): Promise<TaskRecord>;
  list(options: { progress?: TaskProgress; page: number; count: number }): Promise<{ items: TaskRecord[]; total: number }>;
}

/** Starts and stops the engines of a task: Step Functions + CloudFormation in the cloud, in-process locally. */
export interface Orchestrator {
  /** Returns what to record on the task (stack name, execution ARN, progress). */
  start(task: TaskRecord): Promise<Partial<TaskRecord>>;
  stop(task: TaskRecord): Promise<Partial<TaskRecord>>;
  /** Live progress from the task's per-object status store, when the task has one. */
  progress(task: TaskRecord): Promise<ProgressInfo | undefined>;
}

export interface SecretLister {
  list(): Promise<{ name: string; arn?: string; description?: string }[]>;
}

export interface MetricHistory {
  series: { name: string; data: number[] }[];
  xaxis: { categories: string[] };
}

export interface Metrics {
  history(taskId: string, graphName: string, startTime: Date, endTime: Date, periodSec: number): Promise<MetricHistory>;
}

export interface TaskLogs {
  streams(taskId: string, page: number, count: number): Promise<{ logStreams: { logStreamName: string; creationTime?: string; lastEventTimestamp?: string }[]; total: number }>;
  events(taskId: string, stream: string, limit: number, nextToken?: string): Promise<{ logEvents: { timestamp: string; message: string }[]; nextForwardToken?: string }>;
}

export interface TaskObjectRecord {
  key: string;
  size?: number;
  status?: string;
  attempts?: number;
  error?: string;
  checksum?: string;
  verified?: boolean;
  finishedAt?: string;
}

/** Per-object records of a task (its status store). */
export interface TaskObjects {
  list(task: TaskRecord, options: { status?: string; limit: number; after?: string }): Promise<TaskObjectRecord[]>;
}

export interface Estimator {
  estimate(type: TaskType, parameters: Record<string, string>): Promise<{
    scanned: number; objects: number; bytes: number; skippedArchived: number; estimatedRequestCostUsd: number; estimatedTransferCostUsd: number;
    /** False when the listing was cut short by the time limit: the numbers cover what was listed. */
    complete: boolean;
  }>;
}

export interface ControlPlaneDeps {
  tasks: TaskStore;
  orchestrator: Orchestrator;
  secrets: SecretLister;
  metrics: Metrics;
  logs: TaskLogs;
  objects: TaskObjects;
  estimator: Estimator;
  /**
   * listTasksV2 shows live progress for running tasks (cheap locally). In the cloud a live count Scans the task's
   * status table, so lists show the monitor's last snapshot and only getTask counts live.
   */
  liveProgressInLists?: boolean;
  /**
   * The parameters each plugin template declares (the cloud: createTask refuses any other, naming it). Undefined:
   * the local hub, whose engines take every schema parameter.
   */
  templateDeclares?: (type: TaskType) => ReadonlySet<string>;
  newId?: () => string;
  now?: () => Date;
}
