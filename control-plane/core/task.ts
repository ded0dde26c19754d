/** The task record as the API returns it (field names follow the original Data Transfer Hub). */
export type TaskType = 'S3EC2' | 'ECR';
export type ScheduleType = 'ONE_TIME' | 'FIXED_RATE';
export type TaskProgress = 'STARTING' | 'STOPPING' | 'ERROR' | 'IN_PROGRESS' | 'DONE' | 'STOPPED';
export type TaskErrorCode = 'CFN_ERROR' | 'FINDER_ERROR' | 'COMPLETE_CHECK_ERROR' | 'ENGINE_ERROR';

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
}

export function parameterMap(task: Pick<TaskRecord, 'parameters'>): Record<string, string> {
  return Object.fromEntries(task.parameters.map((p) => [p.ParameterKey, p.ParameterValue]));
}
