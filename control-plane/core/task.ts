/** The task record as the API returns it (field names follow the original Data Transfer Hub). */
export type TaskType = 'S3EC2' | 'ECR';
export type ScheduleType = 'ONE_TIME' | 'FIXED_RATE';
export type TaskProgress = 'STARTING' | 'STOPPING' | 'ERROR' | 'IN_PROGRESS' | 'DONE' | 'STOPPED';
export type TaskErrorCode = 'CFN_ERROR' | 'FINDER_ERROR' | 'COMPLETE_CHECK_ERROR' | 'ENGINE_ERROR';

/**
 * The original API's `TaskErrorCode` enum (getErrorMessage's errCode). A task without a code, or with one of ours the
 * original does not have (ENGINE_ERROR: the local hub could not run the task), answers UN_KNOWN, as the original did
 * for a missing code.
 */
export const API_ERROR_CODES = ['CFN_ERROR', 'FINDER_ERROR', 'COMPLETE_CHECK_ERROR', 'UN_KNOWN'] as const;
export type ApiErrorCode = (typeof API_ERROR_CODES)[number];

export function apiErrorCode(code: string | undefined): ApiErrorCode {
  return (API_ERROR_CODES as readonly string[]).includes(code ?? '') ? (code as ApiErrorCode) : 'UN_KNOWN';
}

export interface TaskParameter {
  ParameterKey: string;
  ParameterValue: string;
}

export interface ProgressInfo {
  total: number;
  replicated: number;
  failed: number;
  skipped: number;
  verified: number;
  bytesTotal: number;
  bytesDone: number;
  rate?: number;
  etaSeconds?: number;
}

export interface TaskRecord {
  id: string;
  description?: string;
  type: TaskType;
  scheduleType: ScheduleType;
  parameters: TaskParameter[];
  createdAt: string;
  stoppedAt?: string;
  progress: TaskProgress;
  progressInfo?: ProgressInfo;
  templateUrl?: string;
  stackId?: string;
  stackName?: string;
  stackStatus?: string;
  stackStatusReason?: string;
  stackOutputs?: { OutputKey: string; OutputValue: string; Description?: string }[];
  executionArn?: string;
  errorCode?: TaskErrorCode;
  errorMessage?: string;
  /** What the hub told the admin about this task (task outcome mails), oldest first. */
  notifications?: TaskNotification[];
}

/** One outcome notification of a task: mailed through the hub's SNS topic in the cloud, recorded locally. */
export interface TaskNotification {
  time: string;
  progress: TaskProgress;
  subject: string;
  message: string;
  /** SNS (published to the hub's topic, which mails the admin) or LOCAL (recorded by `dth serve`; no mail). */
  channel: 'SNS' | 'LOCAL';
}

export function parameterMap(task: Pick<TaskRecord, 'parameters'>): Record<string, string> {
  return Object.fromEntries(task.parameters.map((p) => [p.ParameterKey, p.ParameterValue]));
}
