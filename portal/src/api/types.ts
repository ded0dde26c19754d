/** Shapes of the API's answers as the console reads them (field names as the original's schema, plus ours). */
import type { SecretKind } from '../../../worker/core/secret-shape.js';
import type { SelectionSlip } from '../../../worker/s3/nothing-selected.js';

export type TaskType = 'S3EC2' | 'ECR';
export type TaskProgress = 'STARTING' | 'STOPPING' | 'ERROR' | 'IN_PROGRESS' | 'DONE' | 'STOPPED';
export type ScheduleType = 'ONE_TIME' | 'FIXED_RATE';

export interface TaskParameter {
  ParameterKey: string;
  ParameterValue: string;
}

export interface ProgressInfo {
  total?: number | null;
  replicated?: number | null;
  failed?: number | null;
  skipped?: number | null;
  verified?: number | null;
  bytesTotal?: number | null;
  bytesDone?: number | null;
  /** Bytes per second over the current run. */
  rate?: number | null;
  etaSeconds?: number | null;
}

export interface StackOutput {
  OutputKey?: string | null;
  OutputValue?: string | null;
  Description?: string | null;
}

/** What the hub mailed (cloud: SNS) or recorded (local) about a task's outcome. */
export interface TaskNotification {
  time?: string | null;
  progress?: TaskProgress | null;
  subject?: string | null;
  message?: string | null;
  channel?: string | null;
}

export interface Task {
  id: string;
  description?: string | null;
  type: TaskType;
  scheduleType?: ScheduleType | null;
  createdAt?: string | null;
  stoppedAt?: string | null;
  progress?: TaskProgress | null;
  stackName?: string | null;
  stackStatus?: string | null;
  stackOutputs?: StackOutput[] | null;
  errorCode?: string | null;
  errorMessage?: string | null;
  parameters?: TaskParameter[] | null;
  progressInfo?: ProgressInfo | null;
  notifications?: TaskNotification[] | null;
}

export interface LogStream {
  logStreamName: string;
  creationTime?: string | null;
  lastEventTimestamp?: string | null;
}

export interface LogEvent {
  timestamp?: string | null;
  message?: string | null;
}

export interface LogEventsPage {
  logEvents: LogEvent[];
  nextForwardToken?: string | null;
  nextBackwardToken?: string | null;
}

export interface MetricHistory {
  series: { name: string; data: number[] }[];
  /** Unix seconds of each point. */
  xaxis: { categories: (number | string)[] };
}

export interface Secret {
  name: string;
  description?: string | null;
  /** What it holds, by its fields' names (null where the API may not read it). */
  kind?: SecretKind | null;
}

export interface Estimate {
  scanned: number;
  objects: number;
  bytes: number;
  /** Image tasks: images already at the destination with the same digest, images that cannot be read. */
  unchanged?: number | null;
  unreadable?: number | null;
  /** The first images that cannot be read, with the reason. */
  unreadableImages?: { image: string; error: string }[] | null;
  /** Null for image tasks. */
  estimatedRequestCostUsd: number | null;
  estimatedTransferCostUsd: number | null;
  complete?: boolean | null;
  /** S3 tasks: a narrowed selection matched no source object, and the likely slips. */
  nothingSelected?: boolean | null;
  selectionSlips?: SelectionSlip[] | null;
}

export interface FailedObject {
  key: string;
  error?: string | null;
  attempts?: number | null;
}
