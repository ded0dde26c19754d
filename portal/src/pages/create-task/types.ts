/**
 * The create-task wizard's form state. Form keys are the task parameter names of the original Data Transfer Hub
 * (what createTask sends), plus a few console-only choices (marked) that decide which parameters are sent.
 */
import type { ScheduleType, TaskType } from '../../api/types.js';

export type YesNo = 'true' | 'false';

/** Console-only S3 source choice: the original's "Amazon S3 Compatible Storage" is srcType Amazon_S3 + an endpoint. */
export type S3SourceKind =
  | 'Amazon_S3'
  | 'Amazon_S3_Compatible'
  | 'Aliyun_OSS'
  | 'Tencent_COS'
  | 'Qiniu_Kodo'
  | 'Google_GCS';

export interface S3Form {
  /** Console-only: what the source is. */
  sourceKind: S3SourceKind;
  /** Console-only: FullBucket, SinglePrefix (srcPrefix) or MultiplePrefix (srcPrefixsListFile). */
  transferType: 'FullBucket' | 'SinglePrefix' | 'MultiplePrefix';
  srcBucket: string;
  srcPrefix: string;
  srcPrefixsListFile: string;
  /** Where the prefix list is, when not in the source bucket (a bucket of this account, as the original's). */
  srcPrefixListBucket: string;
  srcRegion: string;
  srcEndpoint: string;
  srcInCurrentAccount: YesNo;
  srcCredentials: string;
  srcEvent: 'No' | 'Create' | 'CreateAndDelete';
  srcSkipCompare: YesNo;
  isPayerRequest: YesNo;
  destBucket: string;
  destPrefix: string;
  destRegion: string;
  destEndpoint: string;
  destInCurrentAccount: YesNo;
  destCredentials: string;
  destStorageClass: string;
  destAcl: string;
  destPutObjectSSEType: 'None' | 'AES256' | 'AWS_KMS';
  destPutObjectSSEKmsKeyId: string;
  includeMetadata: YesNo;
  include: string;
  exclude: string;
  maxCapacity: string;
  minCapacity: string;
  desiredCapacity: string;
  workerNumber: string;
  bandwidthLimit: string;
  finderDepth: string;
  finderNumber: string;
  finderEc2Memory: string;
}

export interface EcrForm {
  sourceType: 'Amazon_ECR' | 'Public';
  srcRegion: string;
  /** Console-only: Yes leaves srcAccountId and srcCredential blank (the deploying account). */
  srcInCurrentAccount: YesNo;
  srcAccountId: string;
  srcCredential: string;
  /** Ours: any registry host (blank = Docker Hub for a public source). */
  srcRegistry: string;
  srcList: 'ALL' | 'SELECTED';
  srcImageList: string;
  includeUntagged: YesNo;
  /** Console-only: Amazon ECR or another registry (ours) as the destination. */
  destKind: 'Amazon_ECR' | 'Registry';
  destRegion: string;
  destInCurrentAccount: YesNo;
  destAccountId: string;
  destCredential: string;
  destRegistry: string;
  destPrefix: string;
  /** Ours, local hub: both registries without TLS verification (any certificate, else plain HTTP). */
  insecure: YesNo;
}

/** The schedule builder's state (original: One time / Fixed rate every n minutes|hours|days / cron expression). */
export interface ScheduleForm {
  kind: 'ONE_TIME' | 'FIXED_RATE' | 'CRON';
  every: string;
  unit: 'minutes' | 'hours' | 'days';
  cron: string;
}

export interface CommonForm {
  description: string;
  alarmEmail: string;
  schedule: ScheduleForm;
}

export interface WizardState {
  type: TaskType;
  s3: S3Form;
  ecr: EcrForm;
  common: CommonForm;
}

export interface CreateTaskInput {
  type: TaskType;
  description: string;
  scheduleType: ScheduleType;
  parameters: { ParameterKey: string; ParameterValue: string }[];
}

export type FieldErrors = Record<string, string>;
