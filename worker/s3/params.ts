/**
 * S3 task parameters, with the original Data Transfer Hub's names, parsed and validated in one place.
 * Pure (no I/O) so the API, the console and the CLI share it. Values may arrive as strings (CloudFormation
 * parameters, GraphQL ParameterValue) or as JSON values (a params file).
 */
import { InvalidParameterError } from '../core/errors.js';
import { paramBool, paramInt, paramText, type RawParams } from '../core/param-values.js';

export const SOURCE_TYPES = ['Amazon_S3', 'Aliyun_OSS', 'Qiniu_Kodo', 'Tencent_COS', 'Google_GCS', 'S3_Compatible'] as const;
export type SourceType = (typeof SOURCE_TYPES)[number];
export const STORAGE_CLASSES = [
  'STANDARD', 'STANDARD_IA', 'ONEZONE_IA', 'INTELLIGENT_TIERING', 'GLACIER', 'GLACIER_IR', 'DEEP_ARCHIVE', 'REDUCED_REDUNDANCY',
] as const;
export const ACLS = [
  'private', 'public-read', 'public-read-write', 'authenticated-read', 'aws-exec-read', 'bucket-owner-read', 'bucket-owner-full-control',
] as const;
export const SRC_EVENTS = ['No', 'Create', 'CreateAndDelete'] as const;

const MiB = 1024 * 1024;
export const MAX_PARTS = 10_000;
export const MIN_PART_SIZE = 5 * MiB;
export const MAX_OBJECT_SIZE = 5 * 1024 * 1024 * MiB;

export interface S3TaskParams {
  srcType: SourceType;
  srcBucket: string;
  srcPrefix: string;
  srcPrefixsListFile?: string;
  srcSkipCompare: boolean;
  srcRegion: string;
  /** Resolved endpoint URL; undefined means the AWS default for srcRegion. */
  srcEndpoint?: string;
  srcCredentials?: string;
  isPayerRequest: boolean;
  /** Near-real-time copies from S3 event messages: none, creations, or creations and deletions. */
  srcEvent: (typeof SRC_EVENTS)[number];
  destBucket: string;
  destPrefix: string;
  destRegion: string;
  destEndpoint?: string;
  destCredentials?: string;
  destStorageClass: (typeof STORAGE_CLASSES)[number];
  destAcl?: (typeof ACLS)[number];
  destSSE?: 'AES256' | 'aws:kms';
  destKMSKey?: string;
  includeMetadata: boolean;
  include: string[];
  exclude: string[];
  /** Objects larger than this are copied in parts. */
  multipartThreshold: number;
  chunkSize: number;
  /** Parts of one object uploaded at once. */
  partConcurrency: number;
  /** Objects copied at once by one worker. */
  workerConcurrency: number;
  /** Deliveries of one job before it is dead-lettered and marked FAILED. */
  maxAttempts: number;
}

type Raw = RawParams;

function required(raw: Raw, field: string): string {
  const v = paramText(raw, field);
  if (v === undefined) throw new InvalidParameterError(field, 'is required');
  return v;
}

function oneOf<T extends string>(raw: Raw, field: string, allowed: readonly T[], fallback?: T): T {
  const v = paramText(raw, field) ?? fallback;
  if (v === undefined) throw new InvalidParameterError(field, `is required (one of ${allowed.join(', ')})`);
  if (!allowed.includes(v as T)) throw new InvalidParameterError(field, `"${v}" is not one of ${allowed.join(', ')}`);
  return v as T;
}


const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, kb: 1024, kib: 1024, m: MiB, mb: MiB, mib: MiB, g: 1024 * MiB, gb: 1024 * MiB, gib: 1024 * MiB };

/** Bytes as an integer or with a binary suffix: 8388608, "8MiB", "8M". */
export function parseByteSize(field: string, value: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(value);
  const unit = m ? SIZE_UNITS[m[2].toLowerCase()] : undefined;
  if (!m || unit === undefined) throw new InvalidParameterError(field, `"${value}" is not a size (e.g. 8388608 or 8MiB)`);
  return Math.round(Number(m[1]) * unit);
}

function size(raw: Raw, field: string, fallback: number, min: number, max: number): number {
  const v = paramText(raw, field);
  const n = v === undefined ? fallback : parseByteSize(field, v);
  if (n < min || n > max) throw new InvalidParameterError(field, `must be between ${min} and ${max} bytes`);
  return n;
}


// S3 naming rules; OSS/COS/Kodo names fit the same pattern (COS appends -appid, still within it).
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const REGION = /^[a-z0-9][a-z0-9-]{1,30}[a-z0-9]$/;

function bucket(raw: Raw, field: string): string {
  const v = required(raw, field);
  if (!BUCKET.test(v) || v.includes('..')) {
    throw new InvalidParameterError(field, `"${v}" is not a valid bucket name (3-63 lowercase letters, digits, dots, hyphens)`);
  }
  return v;
}

function region(raw: Raw, field: string, fallback?: string): string {
  const v = paramText(raw, field) ?? fallback;
  if (v === undefined) throw new InvalidParameterError(field, 'is required');
  if (!REGION.test(v)) throw new InvalidParameterError(field, `"${v}" is not a region name (e.g. us-west-2, cn-north-1, oss-cn-hangzhou)`);
  return v;
}

function endpoint(raw: Raw, field: string): string | undefined {
  const v = paramText(raw, field);
  if (v === undefined) return undefined;
  const withScheme = /^[a-z]+:\/\//i.test(v) ? v : `https://${v}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new InvalidParameterError(field, `"${v}" is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InvalidParameterError(field, 'must be an http(s) URL');
  if (url.username || url.password) throw new InvalidParameterError(field, 'must not carry credentials; use a secret');
  return url.origin;
}

/** Where each provider's S3-compatible API lives when no endpoint is given. */
export function endpointForRegion(type: SourceType, region: string): string | undefined {
  switch (type) {
    case 'Aliyun_OSS':
      return `https://${region.startsWith('oss-') ? region : `oss-${region}`}.aliyuncs.com`;
    case 'Tencent_COS':
      return `https://cos.${region}.myqcloud.com`;
    case 'Qiniu_Kodo':
      return `https://s3-${region}.qiniucs.com`;
    case 'Google_GCS':
      return 'https://storage.googleapis.com';
    default:
      return undefined;
  }
}

function prefix(raw: Raw, field: string): string {
  const v = paramText(raw, field) ?? '';
  const p = v.replace(/^\/+/, '');
  if (p.length > 1024) throw new InvalidParameterError(field, 'is longer than 1024 bytes');
  return p;
}

function patterns(raw: Raw, field: string): string[] {
  const v = raw[field];
  const list = Array.isArray(v) ? v.map(String) : (paramText(raw, field) ?? '').split(/[\n,]/);
  return list.map((s) => s.trim()).filter(Boolean);
}

export function parseS3TaskParams(raw: Raw): S3TaskParams {
  const srcType = oneOf(raw, 'srcType', SOURCE_TYPES, 'Amazon_S3');
  const srcRegion = region(raw, 'srcRegion', srcType === 'S3_Compatible' || srcType === 'Google_GCS' ? 'us-east-1' : undefined);
  const srcEndpoint = endpoint(raw, 'srcEndpoint') ?? endpointForRegion(srcType, srcRegion);
  if (srcType === 'S3_Compatible' && !srcEndpoint) throw new InvalidParameterError('srcEndpoint', 'is required for S3_Compatible sources');
  const sseRaw = paramText(raw, 'destSSE');
  let destSSE: S3TaskParams['destSSE'];
  if (sseRaw !== undefined && sseRaw !== 'None') {
    if (sseRaw === 'AES256') destSSE = 'AES256';
    else if (sseRaw === 'KMS' || sseRaw === 'aws:kms') destSSE = 'aws:kms';
    else throw new InvalidParameterError('destSSE', `"${sseRaw}" is not one of None, AES256, KMS`);
  }
  const destKMSKey = paramText(raw, 'destKMSKey');
  if (destKMSKey && destSSE !== 'aws:kms') throw new InvalidParameterError('destKMSKey', 'is only used with destSSE=KMS');
  const chunkSize = size(raw, 'chunkSize', 8 * MiB, MIN_PART_SIZE, 5 * 1024 * MiB);
  const params: S3TaskParams = {
    srcType,
    srcBucket: bucket(raw, 'srcBucket'),
    srcPrefix: prefix(raw, 'srcPrefix'),
    srcPrefixsListFile: paramText(raw, 'srcPrefixsListFile'),
    srcSkipCompare: paramBool(raw, 'srcSkipCompare', false),
    srcRegion,
    srcEndpoint,
    srcCredentials: paramText(raw, 'srcCredentials'),
    isPayerRequest: paramBool(raw, 'isPayerRequest', false),
    srcEvent: oneOf(raw, 'srcEvent', SRC_EVENTS, 'No'),
    destBucket: bucket(raw, 'destBucket'),
    destPrefix: prefix(raw, 'destPrefix'),
    destRegion: region(raw, 'destRegion', srcRegion),
    destEndpoint: endpoint(raw, 'destEndpoint'),
    destCredentials: paramText(raw, 'destCredentials'),
    destStorageClass: oneOf(raw, 'destStorageClass', STORAGE_CLASSES, 'STANDARD'),
    destAcl: paramText(raw, 'destAcl') === undefined ? undefined : oneOf(raw, 'destAcl', ACLS),
    destSSE,
    destKMSKey,
    includeMetadata: paramBool(raw, 'includeMetadata', true),
    include: patterns(raw, 'include'),
    exclude: patterns(raw, 'exclude'),
    multipartThreshold: size(raw, 'multipartThreshold', 16 * MiB, 1, 5 * 1024 * MiB),
    chunkSize,
    partConcurrency: paramInt(raw, 'partConcurrency', 4, 1, 64),
    workerConcurrency: paramInt(raw, 'workerConcurrency', 32, 1, 512),
    maxAttempts: paramInt(raw, 'maxAttempts', 5, 1, 100),
  };
  if (params.srcBucket === params.destBucket && params.srcPrefix === params.destPrefix
      && (params.srcEndpoint ?? params.srcRegion) === (params.destEndpoint ?? params.destRegion)) {
    throw new InvalidParameterError('destBucket', 'is the same bucket and prefix as the source');
  }
  return params;
}

/** Every parameter name parseS3TaskParams reads (for CLI flags and form fields). */
export const S3_PARAM_NAMES = [
  'srcType', 'srcBucket', 'srcPrefix', 'srcPrefixsListFile', 'srcSkipCompare', 'srcRegion', 'srcEndpoint', 'srcCredentials',
  'isPayerRequest', 'srcEvent', 'destBucket', 'destPrefix', 'destRegion', 'destEndpoint', 'destCredentials', 'destStorageClass',
  'destAcl', 'destSSE', 'destKMSKey', 'includeMetadata', 'include', 'exclude', 'multipartThreshold', 'chunkSize',
  'partConcurrency', 'workerConcurrency', 'maxAttempts',
] as const;
