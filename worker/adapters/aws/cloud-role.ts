/**
 * Configuration and wiring shared by the long-running cloud roles (`dth finder` on Fargate, `dth worker` on EC2):
 * read once from the environment, validated here (errors name the variable), then plain objects below.
 */
import { readFileSync } from 'node:fs';
import { envUrl, envValue, type Env } from '../../core/env-values.js';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { InvalidParameterError } from '../../core/errors.js';
import type { LogLevel } from '../../core/log.js';
import { parseS3TaskParams, type S3TaskParams } from '../../s3/params.js';
import type { TransferJob } from '../../s3/transfer-job.js';
import { DynamoStatusStore } from './dynamo-status-store.js';
import { SecretsManagerStore } from './secrets-manager-store.js';
import { SqsJobQueue } from './sqs-job-queue.js';

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

/** TASK_PARAMS: a JSON object of S3 task parameters, or CloudFormation's [{ParameterKey, ParameterValue}] list. */
function parseParamsJson(text: string, name: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new InvalidParameterError(name, `is not valid JSON: ${(err as Error).message}`);
  }
  if (Array.isArray(parsed)) {
    const out: Record<string, unknown> = {};
    parsed.forEach((p, i) => {
      const key = (p as { ParameterKey?: unknown } | null)?.ParameterKey;
      if (typeof key !== 'string') throw new InvalidParameterError(name, `entry ${i} has no ParameterKey`);
      out[key] = (p as { ParameterValue?: unknown }).ParameterValue;
    });
    return out;
  }
  if (!parsed || typeof parsed !== 'object') throw new InvalidParameterError(name, 'must hold a JSON object of task parameters');
  return parsed as Record<string, unknown>;
}

function taskParams(env: Env): S3TaskParams {
  const inline = envValue(env, 'TASK_PARAMS');
  const file = envValue(env, 'TASK_PARAMS_FILE');
  if (inline && file) throw new InvalidParameterError('TASK_PARAMS', 'set either TASK_PARAMS or TASK_PARAMS_FILE, not both');
  let raw: Record<string, unknown>;
  if (inline) raw = parseParamsJson(inline, 'TASK_PARAMS');
  else if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new InvalidParameterError('TASK_PARAMS_FILE', `cannot read "${file}" (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    raw = parseParamsJson(text, 'TASK_PARAMS_FILE');
  } else {
    throw new InvalidParameterError('TASK_PARAMS', 'is required: a JSON object of S3 task parameters (or set TASK_PARAMS_FILE)');
  }
  try {
    return parseS3TaskParams(raw);
  } catch (err) {
    if (err instanceof InvalidParameterError) {
      throw new InvalidParameterError(`${inline ? 'TASK_PARAMS' : 'TASK_PARAMS_FILE'}.${err.field}`, err.message.slice(err.field.length + 2));
    }
    throw err;
  }
}

const LOG_LEVELS: LogLevel[] = ['debug', 'info', 'warn', 'error'];

export function loadCloudRoleConfig(env: Env): CloudRoleConfig {
  const logLevel = (envValue(env, 'LOG_LEVEL')?.toLowerCase() ?? 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) throw new InvalidParameterError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}`);
  const region = envValue(env, 'AWS_REGION') ?? envValue(env, 'AWS_DEFAULT_REGION');
  if (!region) throw new InvalidParameterError('AWS_REGION', 'is required (the region of the queue and the status table)');
  return {
    params: taskParams(env),
    region,
    queueUrl: envUrl(env, 'QUEUE_URL') ?? requiredValue(env, 'QUEUE_URL', 'the URL of the task\'s SQS queue'),
    dlqUrl: envUrl(env, 'DLQ_URL'),
    statusTable: requiredValue(env, 'STATUS_TABLE', 'the name of the task\'s DynamoDB status table'),
    sqsEndpoint: envUrl(env, 'SQS_ENDPOINT'),
    dynamodbEndpoint: envUrl(env, 'DYNAMODB_ENDPOINT'),
    secretsEndpoint: envUrl(env, 'SECRETS_ENDPOINT'),
    s3Endpoint: envUrl(env, 'S3_ENDPOINT'),
    exitWhenDrained: bool(env, 'WORKER_EXIT_WHEN_DRAINED'),
    logLevel,
  };
}

/** The ports a cloud role works on: SQS queue, DynamoDB status table, Secrets Manager (credentials from the default chain). */
export function openCloudRole(config: CloudRoleConfig): {
  queue: SqsJobQueue<TransferJob>;
  status: DynamoStatusStore;
  secrets: SecretsManagerStore;
  close(): void;
} {
  const sqs = new SQSClient({ region: config.region, endpoint: config.sqsEndpoint });
  const ddb = new DynamoDBClient({ region: config.region, endpoint: config.dynamodbEndpoint });
  const sm = new SecretsManagerClient({ region: config.region, endpoint: config.secretsEndpoint });
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
