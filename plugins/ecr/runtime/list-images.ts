/** ECR plugin state machine, first step: the images of the task (see listTaskImages in ../aws/image-lister.ts). */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ECRClient } from '@aws-sdk/client-ecr';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoStatusStore } from '../../../worker/adapters/aws/dynamo-status-store.js';
import { SecretsManagerStore } from '../../../worker/adapters/aws/secrets-manager-store.js';
import { EcrCatalog } from '../../../worker/adapters/ecr/ecr-registry.js';
import { S3ObjectStore } from '../../../worker/adapters/s3/s3-object-store.js';
import { envUrl } from '../../../worker/core/env-values.js';
import { InvalidParameterError } from '../../../worker/core/errors.js';
import { createLogger } from '../../../worker/core/log.js';
import { RegistryV2Catalog } from '../../../worker/ecr/catalog.js';
import { parseEcrTaskParams } from '../../../worker/ecr/params.js';
import { RegistryClient } from '../../../worker/ecr/registry-client.js';
import { registryEndpoints } from '../../../worker/ecr/run-image-sync.js';
import { listTaskImages, publishImageList, type PublishedImageList } from './image-lister.js';

/** The state machine passes its execution name, so each run's list has its own key. */
export async function handler(event: { executionName?: string } = {}): Promise<PublishedImageList> {
  const env = process.env;
  const table = env.STATUS_TABLE;
  if (!table) throw new InvalidParameterError('STATUS_TABLE', 'is required (the task status table)');
  const listBucket = env.IMAGE_LIST_BUCKET;
  if (!listBucket) throw new InvalidParameterError('IMAGE_LIST_BUCKET', 'is required (the bucket the image list is written to)');
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(env.TASK_PARAMS ?? '') as Record<string, unknown>;
  } catch {
    throw new InvalidParameterError('TASK_PARAMS', 'must be the task parameters as a JSON object');
  }
  const params = parseEcrTaskParams(raw);
  const region = env.AWS_REGION ?? 'us-east-1';
  const logger = createLogger({ command: 'ecr list', taskId: env.TASK_ID }, { write: (line) => process.stdout.write(line + '\n') });
  const { src, dest } = await registryEndpoints(params, new SecretsManagerStore(new SecretsManagerClient({ region })));
  const catalog = params.sourceType === 'Amazon_ECR' && !params.srcCredential
    ? new EcrCatalog(new ECRClient({ region: params.srcRegion ?? region }), { registryId: params.srcAccountId, includeUntagged: params.includeUntagged })
    : new RegistryV2Catalog(src);
  const status = new DynamoStatusStore({ client: new DynamoDBClient({ region }), tableName: table });
  const listed = await listTaskImages({ params, catalog, status, logger, registries: { source: new RegistryClient(src), dest: new RegistryClient(dest) } });
  const lists = new S3ObjectStore({ bucket: listBucket, region, endpoint: envUrl(env, 'S3_ENDPOINT') });
  return publishImageList(lists, `image-lists/${event.executionName ?? Date.now().toString(36)}.json`, listed);
}
