/**
 * Configuration and wiring shared by the long-running cloud roles (`dth finder` on Fargate, `dth worker` on EC2):
 * read once from the environment, validated here (errors name the variable), then plain objects below.
 */
import { envUrl, envValue, type Env } from '../../core/env-values.js';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SSMClient } from '@aws-sdk/client-ssm';
import { InvalidParameterError } from '../../core/errors.js';
import type { LogLevel } from '../../core/log.js';
import { parseS3TaskParams, type S3TaskParams } from '../../s3/params.js';
import type { TransferJob } from '../../s3/transfer-job.js';
import { DynamoStatusStore } from './dynamo-status-store.js';
import { SecretsManagerStore } from './secrets-manager-store.js';
import { taskParamsFromEnv } from './ssm-task-params.js';
import { SqsJobQueue } from './sqs-job-queue.js';
import { sdkProxySettings } from './sdk-proxy.js';

export interface CloudRoleConfig {
  params: S3TaskParams;
  region: string;
  queueUrl: string;
  dlqUrl?: string;
  statusTable: string;
  sqsEndpoint?: string;
  dynamodbEndpoint?: string;
  secretsEndpoint?: string;
  /** This account's S3 endpoint (srcPrefixListBucket); only for local testing, AWS's own endpoint otherwise. */
  s3Endpoint?: string;
  /** Worker only: return once the queue is drained instead of polling forever. */
  exitWhenDrained: boolean;
  logLevel: LogLevel;
}

function requiredValue(env: Env, name: string, hint: string): string {
  const v = envValue(env, name);
  if (!v) throw new InvalidParameterError(name, `is required (${hint})`);
  return v;
}

function bool(env: Env, name: string): boolean {
  const v = envValue(env, name)?.toLowerCase();
  if (v === undefined || v === 'false' || v === '0' || v === 'no') return false;
  if (v === 'true' || v === '1' || v === 'yes') return true;
  throw new InvalidParameterError(name, `"${v}" is not true or false`);
}

/**
 * The S3 task parameters: TASK_PARAMS (JSON object or CloudFormation's [{ParameterKey, ParameterValue}] list),
 * TASK_PARAMS_FILE, or — a set too large for a CloudFormation parameter — SSM under TASK_PARAMS_PATH (or the path a
 * TASK_PARAMS pointer names), where the control plane put it. Errors name the variable, then the parameter.
 */
async function taskParams(env: Env, region: string): Promise<S3TaskParams> {
  let ssm: SSMClient | undefined;
  let raw: Record<string, unknown>;
  try {
    raw = await taskParamsFromEnv(
      env,
      () => (ssm ??= new SSMClient({ ...sdkProxySettings(), region, endpoint: envUrl(env, 'SSM_ENDPOINT') })),
    );
  } finally {
    ssm?.destroy();
  }
  const source = envValue(env, 'TASK_PARAMS_PATH')
    ? 'TASK_PARAMS_PATH'
    : envValue(env, 'TASK_PARAMS')
      ? 'TASK_PARAMS'
      : 'TASK_PARAMS_FILE';
  try {
    // Blank regions are the stack's, as the original's engines read them from the environment.
    return parseS3TaskParams(raw, { homeRegion: region });
  } catch (err) {
    if (err instanceof InvalidParameterError) {
      // Its message already names the field and side ("Source bucket (srcBucket): is required").
      throw new InvalidParameterError(`${source}.${err.field}`, err.message);
    }
    throw err;
  }
}

const LOG_LEVELS: LogLevel[] = ['debug', 'info', 'warn', 'error'];

/** What a cloud role reads from its environment besides its task: region, endpoint overrides, log level. */
export type CloudRoleEnvironment = Omit<CloudRoleConfig, 'params' | 'queueUrl' | 'dlqUrl' | 'statusTable'>;

/** The environment's part of a role's configuration, however its task, queue and table are named. */
export function cloudRoleEnvironment(env: Env): CloudRoleEnvironment {
  const logLevel = (envValue(env, 'LOG_LEVEL')?.toLowerCase() ?? 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel))
    throw new InvalidParameterError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}`);
  const region = envValue(env, 'AWS_REGION') ?? envValue(env, 'AWS_DEFAULT_REGION');
  if (!region)
    throw new InvalidParameterError('AWS_REGION', 'is required (the region of the queue and the status table)');
  return {
    region,
    sqsEndpoint: envUrl(env, 'SQS_ENDPOINT'),
    dynamodbEndpoint: envUrl(env, 'DYNAMODB_ENDPOINT'),
    secretsEndpoint: envUrl(env, 'SECRETS_ENDPOINT'),
    s3Endpoint: envUrl(env, 'S3_ENDPOINT'),
    exitWhenDrained: bool(env, 'WORKER_EXIT_WHEN_DRAINED'),
    logLevel,
  };
}

/** The role's configuration; the task parameters may be read from SSM (TASK_PARAMS_PATH), hence async. */
export async function loadCloudRoleConfig(env: Env): Promise<CloudRoleConfig> {
  const environment = cloudRoleEnvironment(env);
  return {
    ...environment,
    params: await taskParams(env, environment.region),
    queueUrl: envUrl(env, 'QUEUE_URL') ?? requiredValue(env, 'QUEUE_URL', "the URL of the task's SQS queue"),
    dlqUrl: envUrl(env, 'DLQ_URL'),
    statusTable: requiredValue(env, 'STATUS_TABLE', "the name of the task's DynamoDB status table"),
  };
}

/** The ports a cloud role works on: SQS queue, DynamoDB status table, Secrets Manager (credentials from the default chain). */
export function openCloudRole(config: CloudRoleConfig): {
  queue: SqsJobQueue<TransferJob>;
  status: DynamoStatusStore;
  secrets: SecretsManagerStore;
  close(): void;
} {
  const sqs = new SQSClient({ ...sdkProxySettings(), region: config.region, endpoint: config.sqsEndpoint });
  const ddb = new DynamoDBClient({ ...sdkProxySettings(), region: config.region, endpoint: config.dynamodbEndpoint });
  const sm = new SecretsManagerClient({
    ...sdkProxySettings(),
    region: config.region,
    endpoint: config.secretsEndpoint,
  });
  return {
    queue: new SqsJobQueue<TransferJob>({ client: sqs, queueUrl: config.queueUrl, dlqUrl: config.dlqUrl }),
    status: new DynamoStatusStore({ client: ddb, tableName: config.statusTable }),
    secrets: new SecretsManagerStore(sm),
    close() {
      sqs.destroy();
      ddb.destroy();
      sm.destroy();
    },
  };
}
