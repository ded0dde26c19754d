/** Which panel (and so which wizard step) shows each field, in display order. */
import type { TaskType } from '../../api/types.js';
import type { EcrForm, S3Form } from './types.js';

export const STEP = { engine: 0, source: 1, destination: 2, settings: 3, review: 4 } as const;

export const S3_SOURCE_KEYS = [
  'sourceKind',
  'srcEndpoint',
  'srcRegion',
  'srcBucket',
  'transferType',
  'srcPrefix',
  'srcPrefixsListFile',
  'srcPrefixListBucket',
  'srcInCurrentAccount',
  'srcCredentials',
  'isPayerRequest',
  'srcEvent',
  'srcSkipCompare',
] as const satisfies readonly (keyof S3Form)[];

export const S3_DESTINATION_KEYS = [
  'destBucket',
  'destPrefix',
  'destRegion',
  'destEndpoint',
  'destInCurrentAccount',
  'destCredentials',
  'destStorageClass',
  'destAcl',
  'destPutObjectSSEType',
  'destPutObjectSSEKmsKeyId',
  'includeMetadata',
] as const satisfies readonly (keyof S3Form)[];

export const S3_ENGINE_KEYS = [
  'maxCapacity',
  'minCapacity',
  'desiredCapacity',
  'workerNumber',
  'bandwidthLimit',
  'finderDepth',
  'finderNumber',
  'finderEc2Memory',
] as const satisfies readonly (keyof S3Form)[];

export const S3_FILTER_KEYS = ['include', 'exclude'] as const satisfies readonly (keyof S3Form)[];

export const ECR_SOURCE_KEYS = [
  'sourceType',
  'srcRegistry',
  'srcRegion',
  'srcInCurrentAccount',
  'srcAccountId',
  'srcCredential',
  'srcList',
  'srcImageList',
  'includeUntagged',
  'insecure',
] as const satisfies readonly (keyof EcrForm)[];

export const ECR_DESTINATION_KEYS = [
  'destKind',
  'destRegion',
  'destInCurrentAccount',
  'destAccountId',
  'destRegistry',
  'destCredential',
  'destPrefix',
] as const satisfies readonly (keyof EcrForm)[];

/** Parameter names the API may report that are edited through a differently named field. */
const FIELD_OF_PARAMETER: Record<string, string> = {
  srcType: 'sourceKind',
  ec2CronExpression: 'schedule',
  scheduleExpression: 'schedule',
  scheduleType: 'schedule',
  destSSE: 'destPutObjectSSEType',
  destKMSKey: 'destPutObjectSSEKmsKeyId',
};

/** The form field and the wizard step where an error about `parameter` shows. */
export function locate(type: TaskType, parameter: string): { field: string; step: number } {
  const field = FIELD_OF_PARAMETER[parameter] ?? parameter;
  const has = (keys: readonly string[]) => keys.includes(field);
  if (type === 'S3EC2') {
    if (has(S3_SOURCE_KEYS)) return { field, step: STEP.source };
    if (has(S3_DESTINATION_KEYS)) return { field, step: STEP.destination };
  } else {
    if (has(ECR_SOURCE_KEYS)) return { field, step: STEP.source };
    if (has(ECR_DESTINATION_KEYS)) return { field, step: STEP.destination };
    if (field === 'destRegistry' || field === 'destAccountId') return { field, step: STEP.destination };
  }
  if (field === 'type') return { field, step: STEP.engine };
  return { field, step: STEP.settings };
}
