import type { GraphName, MetricHistory } from './metric-history.js';
import type { ProgressInfo, TaskProgress, TaskRecord, TaskType } from './task.js';
import type { SelectionSlip } from '../../worker/s3/nothing-selected.js';

export type { MetricHistory };

/** Task records: DynamoDB in the cloud, SQLite in the local hub. */
export interface TaskStore {
  put(task: TaskRecord): Promise<void>;
  get(id: string): Promise<TaskRecord | undefined>;
  update(id: string, patch: Partial<Omit<TaskRecord, 'id'>>): Promise<TaskRecord>;
  /**
   * Newest first (createdAt). `progress`: only tasks in it; `exceptProgress`: all but those in it (listTasksV2 without
   * a filter leaves out STOPPED tasks). `total` counts every matching task, not only the page.
   */
  list(options: TaskListOptions): Promise<{ items: TaskRecord[]; total: number }>;
}

export interface TaskListOptions {
  progress?: TaskProgress;
  exceptProgress?: TaskProgress;
  page: number;
  count: number;
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
  /**
   * The names of the fields a secret fills (never its values), to check its kind at creation; undefined where this
   * role may not read it (the cloud API reads only secrets tagged for it) or there is no such reader.
   */
  fieldsOf?(name: string): Promise<string[] | undefined>;
}

/** Chart data of a task (control-plane/core/metric-history.ts: series names, units, gaps). */
export interface Metrics {
  /** `periodSec` as asked; the adapter lengthens it to what its store can answer for the range. */
  history(
    task: TaskRecord,
    graphName: GraphName,
    startTime: Date,
    endTime: Date,
    periodSec: number,
  ): Promise<MetricHistory>;
}

/** A log stream as CloudWatch Logs describes it; times are epoch milliseconds as strings (the original's shape). */
export interface LogStreamInfo {
  logStreamName: string;
  creationTime?: string;
  firstEventTimestamp?: string;
  lastEventTimestamp?: string;
  lastIngestionTime?: string;
  uploadSequenceToken?: string;
  arn?: string;
  storedBytes?: number;
}

export interface LogEventsPage {
  logEvents: { timestamp: string; message: string; ingestionTime?: string }[];
  /** Newer events; given back unchanged when there are none yet (poll it to follow a stream). */
  nextForwardToken?: string;
  /** Older events. */
  nextBackwardToken?: string;
}

/**
 * Task logs by log group, as the original API read them: CloudWatch Logs in the cloud (the plugin stack's finder and
 * worker log groups), the hub's own log table locally. A log group that is not a task's is an error naming
 * `logGroupName` — never a read of anything else.
 */
export interface TaskLogs {
  /** Streams newest first (by last event), `logStreamNamePrefix` filtering; `total` counts the streams found. */
  streams(
    logGroupName: string,
    options: { prefix?: string; page: number; count: number },
  ): Promise<{ logStreams: LogStreamInfo[]; total: number }>;
  /** Without a token: the newest `limit` events, or the oldest with `startFromHead`; tokens page from there. */
  events(
    logGroupName: string,
    logStreamName: string,
    options: { limit: number; nextToken?: string; startFromHead?: boolean },
  ): Promise<LogEventsPage>;
}

/** A failed resource of a plugin stack, from its stack events (oldest first). */
export interface StackFailure {
  logicalResourceId: string;
  resourceType?: string;
  status: string;
  reason?: string;
  time?: string;
}

/** Why a task's CloudFormation stack failed (the cloud only: the local hub has no stacks). */
export interface StackDiagnostics {
  failures(stackId: string): Promise<StackFailure[]>;
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
  estimate(
    type: TaskType,
    parameters: Record<string, string>,
  ): Promise<{
    scanned: number;
    objects: number;
    bytes: number;
    skippedArchived: number;
    /** Image tasks: images whose destination digest already equals the source's, and images that cannot be read. */
    unchanged?: number;
    unreadable?: number;
    /** Image tasks: the first images that cannot be read, each with its reason (UNREADABLE_IMAGES_SHOWN at most). */
    unreadableImages?: { image: string; error: string }[];
    /** Null where no price applies (image tasks). */
    estimatedRequestCostUsd: number | null;
    estimatedTransferCostUsd: number | null;
    /** False when the listing was cut short by the time limit: the numbers cover what was listed. */
    complete: boolean;
    /** S3 tasks: a narrowed selection matched no source object, and the likely slips. */
    nothingSelected?: boolean;
    selectionSlips?: SelectionSlip[];
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
  /** getErrorMessage reads the failed resources of a task's stack (cloud); absent locally. */
  stacks?: StackDiagnostics;
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
  /**
   * S3 event notifications reach this deployment's tasks (the cloud: the plugin subscribes the source bucket). The
   * local hub has none, so createTask refuses srcEvent there instead of accepting and ignoring it.
   */
  s3EventNotifications?: boolean;
  /** The region tasks run in (the cloud's): a blank srcRegion/destRegion of an S3 task means it. Undefined locally. */
  homeRegion?: string;
  newId?: () => string;
  now?: () => Date;
}
