/**
 * ECR plugin state machine, first step: the images of the task (see listTaskImages in ./image-lister.ts).
 * Composition only: parameters (SSM when large), Secrets Manager for the task's secrets, the ECR API adapter for ECR
 * sides, DynamoDB status, the S3 list. Endpoint overrides (local testing): SSM_ENDPOINT, SECRETS_ENDPOINT,
 * DYNAMODB_ENDPOINT, S3_ENDPOINT; the SDK clients also honour AWS_ENDPOINT_URL.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SSMClient } from '@aws-sdk/client-ssm';
import { DynamoStatusStore } from '../../../worker/adapters/aws/dynamo-status-store.js';
import { SecretsManagerStore } from '../../../worker/adapters/aws/secrets-manager-store.js';
import { taskParamsFromEnv } from '../../../worker/adapters/aws/ssm-task-params.js';
import { SdkEcrApi } from '../../../worker/adapters/ecr/ecr-registry.js';
import { S3ObjectStore } from '../../../worker/adapters/s3/s3-object-store.js';
import { envUrl, envValue } from '../../../worker/core/env-values.js';
import { InvalidParameterError } from '../../../worker/core/errors.js';
import { LOG_EVENTS, logContractEvent } from '../../../worker/core/events.js';
import { createLogger } from '../../../worker/core/log.js';
import { parseEcrTaskParams } from '../../../worker/ecr/params.js';
import { needsEcrApi, resolveRegistries, type TaskRegistries } from '../../../worker/ecr/registries.js';
import { parsePlatform } from '../../../worker/ecr/image-session.js';
import { listTaskImages, publishImageList, type PublishedImageList } from './image-lister.js';
import { recordImageFailure } from '../../../worker/ecr/image-failure.js';
import { sdkProxySettings } from '../../../worker/adapters/aws/sdk-proxy.js';

/** The copy task's platform when the template does not say (its task definition runs X86_64). */
const DEFAULT_COPY_PLATFORM = 'linux/amd64';

/** What the copy flow's MarkFailed state passes: the image whose copy task failed, and the ECS failure's cause. */
export interface CopyFailedEvent {
  failedImage: string;
  cause?: string;
}

/**
 * The state machine passes its execution name, so each run's list has its own key. Its MarkFailed state passes a
 * failed image instead: recorded FAILED through the status store, so the task's counts say so.
 */
export async function handler(event?: { executionName?: string }): Promise<PublishedImageList>;
export async function handler(event: CopyFailedEvent): Promise<{ recorded: string }>;
export async function handler(
  event: { executionName?: string } | CopyFailedEvent = {},
): Promise<PublishedImageList | { recorded: string }> {
  const env = process.env;
  const table = envValue(env, 'STATUS_TABLE');
  if (!table) throw new InvalidParameterError('STATUS_TABLE', 'is required (the task status table)');
  const region = envValue(env, 'AWS_REGION') ?? 'us-east-1';
  const statusStore = () =>
    new DynamoStatusStore({
      client: new DynamoDBClient({ ...sdkProxySettings(), region, endpoint: envUrl(env, 'DYNAMODB_ENDPOINT') }),
      tableName: table,
    });
  if ('failedImage' in event) {
    const cause = event.cause?.trim() || 'the copy task failed without saying why';
    await recordImageFailure(statusStore(), event.failedImage, `copy task failed: ${cause}`, { keepRecorded: true });
    // The image failed for good (the state machine's retries are spent): the ECR plugin's FailedObjects counts it.
    logContractEvent(listerLogger(env), LOG_EVENTS.imageFailed, {
      image: event.failedImage,
      error: `copy task failed: ${cause}`,
    });
    return { recorded: event.failedImage };
  }
  const listBucket = envValue(env, 'IMAGE_LIST_BUCKET');
  if (!listBucket)
    throw new InvalidParameterError('IMAGE_LIST_BUCKET', 'is required (the bucket the image list is written to)');
  // A long image list reaches the lister through SSM (TASK_PARAMS_PATH), never a 4 KB environment value.
  const params = parseEcrTaskParams(
    await taskParamsFromEnv(
      env,
      () => new SSMClient({ ...sdkProxySettings(), region, endpoint: envUrl(env, 'SSM_ENDPOINT') }),
    ),
  );
  const platform = parsePlatform(envValue(env, 'COPY_PLATFORM') ?? DEFAULT_COPY_PLATFORM, 'COPY_PLATFORM');
  const logger = listerLogger(env);
  const secrets = new SecretsManagerStore(
    new SecretsManagerClient({ ...sdkProxySettings(), region, endpoint: envUrl(env, 'SECRETS_ENDPOINT') }),
  );
  let registries: TaskRegistries;
  try {
    registries = await resolveRegistries(params, {
      secrets,
      ecr: needsEcrApi(params) ? new SdkEcrApi() : undefined,
      logger,
    });
    await registries.checkLogins();
  } catch (err) {
    // The control plane's checkFinder step waits for finder.done or finder.failed.
    logContractEvent(logger, LOG_EVENTS.finderFailed, { error: err instanceof Error ? err.message : String(err) });
    throw err;
  }
  const status = statusStore();
  const listed = await listTaskImages({
    params,
    catalogFor: registries.catalogFor,
    status,
    logger,
    registries,
    platform,
  });
  const lists = new S3ObjectStore({ bucket: listBucket, region, endpoint: envUrl(env, 'S3_ENDPOINT') });
  return publishImageList(lists, `image-lists/${event.executionName ?? Date.now().toString(36)}.json`, listed);
}

/** The lister's log lines, on stdout: raw JSON lines in its log group, where check-finder and the metric filters read them. */
function listerLogger(env: NodeJS.ProcessEnv) {
  return createLogger(
    { command: 'ecr list', taskId: env.TASK_ID },
    { write: (line) => process.stdout.write(`${line}\n`) },
  );
}
