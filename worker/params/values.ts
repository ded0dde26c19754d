/**
 * Every value set of the task parameters, once. The parsers, the templates' AllowedValues, the console's options
 * and the README read these.
 */

export const BOOLEAN_VALUES = ['true', 'false'] as const;

/** A yes/no value as the engines read it (true|yes|1, false|no|0, any case); undefined when it is neither. */
export function booleanOf(value: string): boolean | undefined {
  if (/^(true|yes|1)$/i.test(value)) return true;
  if (/^(false|no|0)$/i.test(value)) return false;
  return undefined;
}

/** S3 source stores (the original's four, plus Google GCS through its S3 interoperability API). */
export const SOURCE_TYPES = ['Amazon_S3', 'Aliyun_OSS', 'Qiniu_Kodo', 'Tencent_COS', 'Google_GCS'] as const;
export type SourceType = (typeof SOURCE_TYPES)[number];

/** Older srcType values we still accept: our earlier `S3_Compatible` = the original's Amazon_S3 + srcEndpoint. */
export const SOURCE_TYPE_ALIASES = { S3_Compatible: 'Amazon_S3' } as const satisfies Record<string, SourceType>;

/** Destination storage classes: the original's four first, then the archive classes we also allow. */
export const STORAGE_CLASSES = [
  'STANDARD',
  'STANDARD_IA',
  'ONEZONE_IA',
  'INTELLIGENT_TIERING',
  'GLACIER_IR',
  'GLACIER',
  'DEEP_ARCHIVE',
  'REDUCED_REDUNDANCY',
] as const;
export type StorageClass = (typeof STORAGE_CLASSES)[number];

/** Canned ACLs, in the original template's order. */
export const ACLS = [
  'private',
  'public-read',
  'public-read-write',
  'authenticated-read',
  'aws-exec-read',
  'bucket-owner-read',
  'bucket-owner-full-control',
] as const;
export type Acl = (typeof ACLS)[number];

/** srcEvent: S3 event notifications from the source bucket (Amazon S3 source in this account). */
export const SRC_EVENTS = ['No', 'Create', 'CreateAndDelete'] as const;
export type SrcEvent = (typeof SRC_EVENTS)[number];

/** destPutObjectSSEType: server-side encryption header sent on every PUT and multipart start. */
export const SSE_TYPES = ['None', 'AES256', 'AWS_KMS'] as const;
export type SseType = (typeof SSE_TYPES)[number];
/** Our earlier destSSE values. */
export const SSE_TYPE_ALIASES = { KMS: 'AWS_KMS', 'aws:kms': 'AWS_KMS' } as const satisfies Record<string, SseType>;

/** finderEc2Memory (GiB) of the original's finder instance. */
export const FINDER_MEMORY_GIB = ['8', '16', '32', '64', '128', '256', '384', '512'] as const;

/** Graviton instance types of the JobWorker fleet. */
export const WORKER_INSTANCE_TYPES = [
  'c6g.large',
  'c6g.xlarge',
  'c7g.large',
  'c7g.xlarge',
  'm6g.large',
  'm7g.large',
  'c6gn.large',
  'c7gn.large',
  't4g.micro',
  't4g.small',
  't4g.medium',
] as const;

/** Image sources. */
export const ECR_SOURCE_TYPES = ['Amazon_ECR', 'Public'] as const;
export type EcrSourceType = (typeof ECR_SOURCE_TYPES)[number];

/** srcList: every repository and tag of a source ECR, or the images listed in srcImageList. */
export const SRC_LISTS = ['ALL', 'SELECTED'] as const;
export type SrcList = (typeof SRC_LISTS)[number];

/** The task types of createTask. */
export const TASK_TYPES = ['S3EC2', 'ECR'] as const;
export type TaskTypeName = (typeof TASK_TYPES)[number];
