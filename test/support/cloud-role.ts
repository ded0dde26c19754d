import { servers } from './servers.js';

/** One task's cloud resources as its stack hands them to `dth finder` / `dth worker`. */
export interface RoleTask {
  /** The S3 task parameters (TASK_PARAMS); absent when the caller gives them its own way (TASK_PARAMS_PATH). */
  params?: Record<string, string>;
  queueUrl: string;
  dlqUrl: string;
  statusTable: string;
}

/**
 * The environment a task stack gives its cloud roles, pointed at the local SQS (fauxqs) and DynamoDB (dynalite), with
 * s3rver's key as the default credential chain's (buckets without a named secret are read with it).
 */
export function localRoleEnv(task: RoleTask): Record<string, string> {
  return {
    ...(task.params ? { TASK_PARAMS: JSON.stringify(task.params) } : {}),
    QUEUE_URL: task.queueUrl,
    DLQ_URL: task.dlqUrl,
    STATUS_TABLE: task.statusTable,
    AWS_REGION: 'us-east-1',
    SQS_ENDPOINT: servers.sqs,
    DYNAMODB_ENDPOINT: servers.dynamodb,
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
  };
}
