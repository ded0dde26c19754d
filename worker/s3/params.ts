/**
 * S3 task parameters → S3TaskParams (worker/params/parsed.ts), read against the schema (worker/params/s3-schema.ts):
 * the original Data Transfer Hub's names, values and defaults, plus ours. Pure (no I/O) so the API, the console and
 * the CLI share it.
 */
import { ParamReader, byteSize, type RawParams } from '../core/param-values.js';
import { InvalidParameterError } from '../core/errors.js';
import { compileKeyGlob } from './key-filter.js';
import {
  NETWORK_ID,
  EMAIL_ADDRESS,
  ENDPOINT_HOST,
  endpointExtra,
  fieldLabel,
  fieldSide,
  S3_PARAMETERS,
  STORE_REGION,
  type Acl,
  type DestinationSse,
  type S3TaskParams,
  type SideAuth,
  type SourceType,
  type SrcEvent,
  type SseType,
  type StorageClass,
} from '../params/index.js';

export type { S3TaskParams, SourceType } from '../params/index.js';
export { SOURCE_TYPES, STORAGE_CLASSES, ACLS, SRC_EVENTS } from '../params/index.js';

const MiB = 1024 * 1024;
export const MAX_PARTS = 10_000;
export const MIN_PART_SIZE = 5 * MiB;
export const MAX_PART_SIZE = 5 * 1024 * MiB;
export const MAX_OBJECT_SIZE = 5 * 1024 * 1024 * MiB;

/** Bytes as an integer or with a binary suffix: 8388608, "8MiB", "8M". */
export function parseByteSize(field: string, value: string): number {
  const n = byteSize(value);
  if (n === undefined) throw new InvalidParameterError(field, `"${value}" is not a size (e.g. 8388608 or 8MiB)`);
  return n;
}

// Bucket names as the stores accept them. Modern S3, OSS, COS and Kodo: 3-63 lowercase letters, digits, dots,
// hyphens. Legacy S3 buckets (us-east-1, before March 2018) may also hold upper case and '_' and run to 255
// characters; GCS allows '_' and dotted names up to 222 characters (63 per dot-separated part).
const BUCKET_MODERN = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const BUCKET_LEGACY_S3 = /^[A-Za-z0-9][A-Za-z0-9._-]{1,253}[A-Za-z0-9]$/;
const BUCKET_GCS = /^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/;
const IP_LIKE = /^\d+\.\d+\.\d+\.\d+$/;

/**
 * Whose naming rules a bucket follows: GCS's, AWS S3's (legacy names allowed), OSS's, COS's and Kodo's (the modern S3
 * rule alone: `strict`), or another S3-compatible store's.
 */
export type BucketStore = 'gcs' | 's3' | 'strict' | 'other';

/** The store of a side's bucket: its type, and whether an endpoint names another store (a destination: Amazon_S3). */
export function bucketStoreOf(type: SourceType, endpointGiven: boolean): BucketStore {
  if (type === 'Aliyun_OSS' || type === 'Tencent_COS' || type === 'Qiniu_Kodo') return 'strict';
  if (endpointGiven) return 'other';
  return type === 'Google_GCS' ? 'gcs' : type === 'Amazon_S3' ? 's3' : 'other';
}

/** Why a bucket name cannot be right for this store, or undefined. */
export function bucketNameProblem(name: string, store: BucketStore): string | undefined {
  if (IP_LIKE.test(name)) return 'must not look like an IP address';
  if (name.includes('..')) return 'must not contain ".."';
  if (store === 'gcs') {
    if (!BUCKET_GCS.test(name) || name.split('.').some((part) => part.length > 63)) {
      return '3-222 lowercase letters, digits, dots, hyphens and underscores, starting and ending with a letter or digit (GCS)';
    }
    return undefined;
  }
  if (BUCKET_MODERN.test(name)) return undefined;
  // OSS, COS and Kodo take lowercase names only: a name they refuse would only fail later, as an unreachable host.
  if (store === 'strict') return '3-63 lowercase letters, digits, dots and hyphens (OSS, COS, Kodo)';
  // Legacy S3 names exist only on AWS; other S3-compatible stores vary, so be as lenient as S3's legacy rule.
  if (BUCKET_LEGACY_S3.test(name)) return undefined;
  return store === 's3'
    ? '3-63 lowercase letters, digits, dots and hyphens (legacy buckets: up to 255 letters, digits, ".", "-", "_")'
    : '3-255 letters, digits, dots, hyphens and underscores';
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

/**
 * Link-local hosts: IPv4 169.254.0.0/16 and IPv6 fe80::/10 (as URL.hostname writes them, bracketed), and EC2's IPv6
 * metadata address. No S3 store lives there, but a cloud machine's metadata service does: an endpoint there would
 * send the store's requests, and quote its answers in task errors, to it.
 */
const LINK_LOCAL_HOST = /^(169\.254\.\d{1,3}\.\d{1,3}|\[fe[89ab][0-9a-f]:[0-9a-f:.]*\]|\[fd00:ec2::254\])$/i;

function endpoint(r: ParamReader, name: string): string | undefined {
  const v = r.text(name);
  if (v === undefined) return undefined;
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(v) ? v : `https://${v}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw r.error(name, `"${v}" is not a URL`);
  }
  // The scheme first: file:///etc/passwd has no host, and "not a URL" would hide what is wrong with it.
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw r.error(name, 'must be an http(s) URL');
  if (!ENDPOINT_HOST.test(url.hostname)) throw r.error(name, `"${v}" is not a URL`);
  if (url.username || url.password) throw r.error(name, 'must not carry credentials; use a secret');
  if (LINK_LOCAL_HOST.test(url.hostname))
    throw r.error(
      name,
      `"${v}" is a link-local address (an instance metadata service, never a store): give the store's endpoint`,
    );
  const extra = endpointExtra(url);
  if (extra !== undefined)
    throw r.error(
      name,
      `"${v}" goes on after the store's address (${extra}): give the address alone, ${url.origin}, and the bucket in ${name === 'srcEndpoint' ? 'srcBucket' : 'destBucket'}`,
    );
  return url.origin;
}

/** Stores that address a bucket as a subdomain of their endpoint: `<bucket>.<endpoint>` is a bucket's own domain. */
const BUCKET_DOMAIN_STORES = /\.(aliyuncs\.com|myqcloud\.com|amazonaws\.com(\.cn)?|qiniucs\.com|googleapis\.com)$/;

/**
 * Refuses an endpoint that is the bucket's own domain (the OSS and COS consoles show `https://<bucket>.oss-….com`):
 * the bucket would be put in front of it again, and the error would name a host nobody typed.
 */
function refuseBucketDomain(r: ParamReader, field: string, endpointUrl: string | undefined, bucketName: string) {
  if (endpointUrl === undefined) return;
  const url = new URL(endpointUrl);
  if (!(url.hostname.startsWith(`${bucketName}.`) && BUCKET_DOMAIN_STORES.test(url.hostname))) return;
  const bucketField = field === 'srcEndpoint' ? 'srcBucket' : 'destBucket';
  throw r.error(
    field,
    `"${endpointUrl}" is the bucket's own domain (it starts with ${bucketField} "${bucketName}"): give the store's endpoint, ${url.protocol}//${url.host.slice(bucketName.length + 1)}`,
  );
}

function region(r: ParamReader, name: string, fallback: string | undefined, why: string): string {
  const v = r.text(name) ?? fallback;
  if (v === undefined) throw r.error(name, `is required ${why}`);
  if (!STORE_REGION.test(v))
    throw r.error(name, `"${v}" is not a region name (e.g. us-west-2, cn-north-1, cn-hangzhou)`);
  return v;
}

/**
 * GCS ignores the signing region of its S3 interface: blank or `Auto` (the original console's value) sign as us-east-1,
 * and a GCS location as users write it (`US`, `EU`, `ASIA`, `NAM4`, `europe-west1`) is taken in lower case.
 */
function gcsRegion(r: ParamReader): string {
  const given = r.text('srcRegion');
  if (given === undefined || /^auto$/i.test(given)) return 'us-east-1';
  const location = given.toLowerCase();
  if (!STORE_REGION.test(location) && !/^[a-z]{2,4}\d?$/.test(location))
    throw r.error('srcRegion', `"${given}" is not a Google Cloud Storage location (e.g. US, EU, europe-west1) or Auto`);
  return location;
}

/**
 * A prefix as given, leading "/" included (a key may begin with one; the original lists with the prefix unchanged).
 * A destPrefix of "/" alone is none, as the original's.
 */
function prefix(r: ParamReader, name: 'srcPrefix' | 'destPrefix'): string {
  const given = r.text(name) ?? '';
  const p = name === 'destPrefix' && given === '/' ? '' : given;
  // TextEncoder, not Buffer: the console runs this parser in the browser.
  if (new TextEncoder().encode(p).length > 1024) throw r.error(name, 'is longer than 1024 bytes');
  return p;
}

function bucket(r: ParamReader, name: 'srcBucket' | 'destBucket', store: BucketStore): string {
  const v = r.required(name);
  const problem = bucketNameProblem(v, store);
  if (!problem) return v;
  const prefixField = name === 'srcBucket' ? 'srcPrefix' : 'destPrefix';
  const pasted = pastedLocation(v, store, prefixField);
  if (pasted) {
    const rest = pasted.path ? `, and ${pasted.path} in ${prefixField}` : '';
    throw r.error(name, `"${v}" is not a bucket name: give the bucket alone, ${pasted.bucket}${rest}`);
  }
  throw r.error(name, `"${v}" is not a valid bucket name: ${problem}`);
}

/**
 * A location pasted whole (`s3://bucket/path`, `bucket/path`) whose first part is a good bucket name: the bucket, and
 * the path as that side's prefix (a destination's without its trailing "/", which the engine puts there itself).
 */
export function pastedLocation(
  v: string,
  store: BucketStore,
  prefixField: 'srcPrefix' | 'destPrefix',
): { bucket: string; path: string } | undefined {
  const [bucketPart, ...rest] = v.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').split('/');
  if (bucketPart === v || bucketNameProblem(bucketPart, store)) return undefined;
  const path = rest.join('/');
  return { bucket: bucketPart, path: prefixField === 'destPrefix' ? path.replace(/\/+$/, '') : path };
}

/**
 * The original's xInCurrentAccount + xCredentials: in this account → the role (a secret given as well is ignored,
 * as the original did); else the secret; else unsigned requests. A secret given without xInCurrentAccount uses it.
 */
function sideAuth(r: ParamReader, inAccount: string, credentials: string): SideAuth {
  const secretName = r.text(credentials);
  const explicitlyInAccount = r.given(inAccount) !== undefined && r.bool(inAccount);
  if (explicitlyInAccount)
    return secretName ? { kind: 'currentAccount', ignoredSecret: secretName } : { kind: 'currentAccount' };
  if (secretName) return { kind: 'secret', secretName };
  return r.bool(inAccount) ? { kind: 'currentAccount' } : { kind: 'anonymous' };
}

export interface S3ParseOptions {
  /**
   * The region the task runs in (a plugin stack's, the cloud API's): a blank srcRegion (Amazon S3) or destRegion means
   * it, as the original's engines left the region to the environment. Undefined locally, where there is no such
   * region: srcRegion is then required for Amazon S3, and a blank destRegion is the source's.
   */
  homeRegion?: string;
}

export function parseS3TaskParams(raw: RawParams, options: S3ParseOptions = {}): S3TaskParams {
  return ParamReader.parse(S3_PARAMETERS, raw, 'S3 tasks', (r) => readS3TaskParams(r, options));
}

function readS3TaskParams(r: ParamReader, options: S3ParseOptions): S3TaskParams {
  const typeGiven = r.given('srcType');
  const srcType = r.oneOf<SourceType>('srcType');
  const srcEndpointGiven = endpoint(r, 'srcEndpoint');
  if (typeGiven === 'S3_Compatible' && !srcEndpointGiven)
    throw r.error('srcEndpoint', 'is required for an S3-compatible source');
  // Checked in the console's order, so the first error is on the first field at fault.
  const srcBucket = bucket(r, 'srcBucket', bucketStoreOf(srcType, srcEndpointGiven !== undefined));
  refuseBucketDomain(r, 'srcEndpoint', srcEndpointGiven, srcBucket);
  // Amazon_S3 + srcEndpoint + blank srcRegion is the original console's "S3 compatible": signed for the stack's region,
  // as the original's worker (its SDK's AWS_DEFAULT_REGION); GCS ignores the region (the original's console sent "Auto").
  const regionOptional = srcEndpointGiven !== undefined || srcType === 'Google_GCS';
  const srcRegion =
    srcType === 'Google_GCS'
      ? gcsRegion(r)
      : region(
          r,
          'srcRegion',
          regionOptional
            ? (options.homeRegion ?? 'us-east-1')
            : srcType === 'Amazon_S3'
              ? options.homeRegion
              : undefined,
          srcType === 'Amazon_S3' ? 'for Amazon S3 without srcEndpoint' : `for ${srcType} without srcEndpoint`,
        );
  const srcEndpoint = srcEndpointGiven ?? endpointForRegion(srcType, srcRegion);
  const destEndpoint = endpoint(r, 'destEndpoint');

  const sseType = r.oneOf<SseType>('destPutObjectSSEType');
  const kmsKeyId = r.text('destPutObjectSSEKmsKeyId');
  if (kmsKeyId && sseType !== 'AWS_KMS')
    throw r.error('destPutObjectSSEKmsKeyId', 'is only used with destPutObjectSSEType=AWS_KMS');
  const sse: DestinationSse | undefined =
    sseType === 'AES256' ? { type: 'AES256' } : sseType === 'AWS_KMS' ? { type: 'aws:kms', kmsKeyId } : undefined;

  const listKey = r.text('srcPrefixsListFile');
  const listBucket = r.text('srcPrefixListBucket');
  if (listBucket && !listKey)
    throw r.error('srcPrefixListBucket', 'needs srcPrefixsListFile (the key of the list in this bucket)');
  if (listBucket) {
    const problem = bucketNameProblem(listBucket, 's3');
    if (problem) throw r.error('srcPrefixListBucket', `"${listBucket}" is not a valid bucket name: ${problem}`);
  }

  const alarmEmail = r.shaped('alarmEmail', EMAIL_ADDRESS, 'an email address');
  const fleet = {
    minCapacity: r.int('minCapacity'),
    maxCapacity: r.int('maxCapacity'),
    desiredCapacity: r.int('desiredCapacity'),
    alarmEmail,
  };
  if (fleet.minCapacity > fleet.maxCapacity)
    throw r.error('maxCapacity', `must be at least minCapacity (${fleet.minCapacity})`);
  if (fleet.desiredCapacity < fleet.minCapacity || fleet.desiredCapacity > fleet.maxCapacity) {
    throw r.error(
      'desiredCapacity',
      `must be between minCapacity (${fleet.minCapacity}) and maxCapacity (${fleet.maxCapacity})`,
    );
  }
  // The cloud plugin's finder size (the template maps it to the Fargate task's CPU and memory); checked here too.
  r.oneOf('finderEc2Memory');
  // The cloud's schedule, checked here too: a params file the CLI took was refused by createTask.
  r.schedule('ec2CronExpression');
  r.oneOf('workerInstanceType');
  for (const name of ['ec2VpcId', 'ec2Subnets']) {
    const v = r.text(name);
    if (v && !v.split(',').every((id) => NETWORK_ID.test(id.trim())))
      throw r.error(name, `"${v}" is not a comma-separated list of ids`);
  }

  // With a custom destination endpoint, the original's AWS defaults (INTELLIGENT_TIERING, bucket-owner-full-control)
  // are sent only when asked for: many S3-compatible stores refuse them.
  const destStorageClass =
    destEndpoint && r.given('destStorageClass') === undefined ? undefined : r.oneOf<StorageClass>('destStorageClass');
  const destAcl = destEndpoint && r.given('destAcl') === undefined ? undefined : r.oneOf<Acl>('destAcl');

  const params: S3TaskParams = {
    srcType,
    srcBucket,
    srcPrefix: prefix(r, 'srcPrefix'),
    prefixList: listKey ? { key: listKey, bucket: listBucket } : undefined,
    skipCompare: r.bool('srcSkipCompare'),
    srcRegion,
    srcEndpoint,
    srcAuth: sideAuth(r, 'srcInCurrentAccount', 'srcCredentials'),
    isPayerRequest: r.bool('isPayerRequest'),
    srcEvent: r.oneOf<SrcEvent>('srcEvent'),
    destBucket: bucket(r, 'destBucket', bucketStoreOf('Amazon_S3', destEndpoint !== undefined)),
    destPrefix: prefix(r, 'destPrefix'),
    destRegion: region(
      r,
      'destRegion',
      options.homeRegion ??
        (srcType === 'Amazon_S3' && !srcEndpointGiven ? srcRegion : destEndpoint ? 'us-east-1' : undefined),
      `when the source is not Amazon S3 (${srcType === 'Amazon_S3' ? 'srcEndpoint' : `srcType ${srcType}`}: its region is another store's)`,
    ),
    destEndpoint,
    destAuth: sideAuth(r, 'destInCurrentAccount', 'destCredentials'),
    destStorageClass,
    destAcl,
    sse,
    includeMetadata: r.bool('includeMetadata'),
    include: r.patterns('include', compileKeyGlob),
    exclude: r.patterns('exclude', compileKeyGlob),
    multipartThreshold: r.bytes('multipartThreshold'),
    chunkSize: r.bytes('chunkSize'),
    partConcurrency: r.int('partConcurrency'),
    giantFileThreshold: r.bytes('giantFileThreshold'),
    workerConcurrency: r.int('workerNumber'),
    finderDepth: r.int('finderDepth'),
    finderNumber: r.int('finderNumber'),
    maxAttempts: r.int('maxAttempts'),
    bandwidthLimit: r.given('bandwidthLimit') === undefined ? undefined : r.bytes('bandwidthLimit'),
    fleet,
    unused: r.unused(),
  };
  refuseBucketDomain(r, 'destEndpoint', params.destEndpoint, params.destBucket);
  // A key's copy is <destPrefix>/<key>: into the source bucket itself without a destPrefix, every object is its own
  // copy (nothing to do, or with srcSkipCompare each object copied onto itself), whatever srcPrefix selects.
  if (
    params.srcBucket === params.destBucket &&
    !params.destPrefix &&
    (params.srcEndpoint ?? params.srcRegion) === (params.destEndpoint ?? params.destRegion)
  ) {
    throw r.error(
      'destBucket',
      'is the source bucket itself and destPrefix is blank: every object would be its own copy; set a destination prefix or another bucket',
    );
  }
  return params;
}

/**
 * Refuses srcEvent where no event can come, naming it: events come only from an Amazon S3 bucket of the cloud
 * deployment's account, whose notification the plugin's role sets (the original's note: "only applicable if source is
 * in Current account"; elsewhere its stack failed on it), and never to a local run (`eventsReachUs` false: the local
 * hub, `dth s3 sync`). The engine itself handles whatever event messages reach its queue.
 */
export function refuseUnreachableEvents(params: S3TaskParams, eventsReachUs: boolean, homeRegion?: string): void {
  if (params.srcEvent === 'No') return;
  const refuse = (why: string) => {
    throw new InvalidParameterError(
      'srcEvent',
      `${why}; choose No — a FIXED_RATE schedule picks up new objects`,
      fieldLabel(S3_PARAMETERS, 'srcEvent'),
      fieldSide(S3_PARAMETERS, 'srcEvent'),
    );
  };
  if (!eventsReachUs)
    refuse(
      `${params.srcEvent}: no S3 event notification reaches a local run (they reach the cloud deployment, from an Amazon S3 bucket of its account)`,
    );
  if (params.srcType !== 'Amazon_S3' || params.srcEndpoint || params.srcAuth.kind !== 'currentAccount')
    refuse(
      `${params.srcEvent} needs an Amazon S3 source in this account (srcInCurrentAccount=true, no srcEndpoint): only such a bucket sends this deployment its notifications`,
    );
  // S3 notifies only a queue in the bucket's own region; the task's queue is in the deployment's.
  if (homeRegion && params.srcRegion !== homeRegion)
    refuse(
      `${params.srcEvent}: the source bucket is in ${params.srcRegion} and this deployment's queue in ${homeRegion}, and S3 sends notifications only to a queue in the bucket's region`,
    );
}

/** Every parameter name parseS3TaskParams reads, in schema order. */
export const S3_PARAM_NAMES = S3_PARAMETERS.map((p) => p.name);
