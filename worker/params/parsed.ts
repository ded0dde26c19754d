/**
 * What the engines consume: the task parameters after parsing (worker/s3/params.ts, worker/ecr/params.ts).
 * Values are checked, defaults applied, older names and values resolved, and the original's combinations turned
 * into explicit fields (who signs a side's requests, where the prefix list is, which SSE header to send).
 */
import type { Acl, EcrSourceType, SourceType, SrcEvent, SrcList, StorageClass } from './values.js';

/**
 * How one side's requests are authorised (the original's xInCurrentAccount + xCredentials):
 * - `currentAccount`: the default credential chain (instance/task role in the cloud, the environment or profile locally);
 * - `secret`: the access key in the named secret (access_key_id, secret_access_key);
 * - `anonymous`: unsigned requests — not in this account and no secret (public and open-data buckets).
 */
export type SideAuth =
  /** `ignoredSecret`: a secret named as well, which xInCurrentAccount=true leaves unused (named in errors). */
  { kind: 'currentAccount'; ignoredSecret?: string } | { kind: 'secret'; secretName: string } | { kind: 'anonymous' };

/** The SSE header sent on every destination PUT and multipart start (destPutObjectSSEType). */
export type DestinationSse =
  | { type: 'AES256' }
  /** kmsKeyId undefined: the AWS managed key (aws/s3). */
  | { type: 'aws:kms'; kmsKeyId?: string };

/**
 * The prefix list (srcPrefixsListFile): an object KEY, never a local path. `bucket` undefined: the object is in the
 * source bucket, read with the source's credentials; set (srcPrefixListBucket): read with this account's role.
 * One prefix per non-blank line, streamed.
 */
export interface PrefixListRef {
  key: string;
  bucket?: string;
}

/** Parameters the original accepted that have no effect here (kept so its parameter lists are accepted as is). */
export interface UnusedParams {
  /** name → value as given (only those given). */
  [name: string]: string;
}

export interface S3TaskParams {
  /** The store type; our older `S3_Compatible` arrives as Amazon_S3 with srcEndpoint set. */
  srcType: SourceType;
  srcBucket: string;
  /** Decoded, as given; '' = the whole bucket. */
  srcPrefix: string;
  prefixList?: PrefixListRef;
  /** srcSkipCompare=true: queue every source object without listing the destination (the original's direct send). */
  skipCompare: boolean;
  /** The signing region ('us-east-1' for an S3-compatible endpoint given without a region). */
  srcRegion: string;
  /** Resolved endpoint origin; undefined = the AWS default for srcRegion. */
  srcEndpoint?: string;
  srcAuth: SideAuth;
  isPayerRequest: boolean;
  srcEvent: SrcEvent;
  destBucket: string;
  /** As given ("/" alone = ''). The destination key is destPrefix + '/' + source key (destPrefix '' = the key itself). */
  destPrefix: string;
  destRegion: string;
  destEndpoint?: string;
  destAuth: SideAuth;
  /** undefined: none sent (the store's default) — only for a destEndpoint without destStorageClass. */
  destStorageClass?: StorageClass;
  /** undefined: no ACL header — only for a destEndpoint without destAcl. */
  destAcl?: Acl;
  sse?: DestinationSse;
  includeMetadata: boolean;
  include: string[];
  exclude: string[];
  /** Objects larger than this (bytes) are copied in parts. */
  multipartThreshold: number;
  /** Part size (bytes). */
  chunkSize: number;
  /** Parts of one object uploaded at once; parts of giant objects a worker of the fleet holds at once. */
  partConcurrency: number;
  /** Objects of this size (bytes) or larger are copied as one queue job per part, by any worker (fan-out). */
  giantFileThreshold: number;
  /** Objects copied at once by one worker (workerNumber). */
  workerConcurrency: number;
  /** Folder depth ("/") at which the finder splits its listings to compare them in parallel; 0: one listing. */
  finderDepth: number;
  /** Folders compared at once when finderDepth is above 0. */
  finderNumber: number;
  /** Deliveries of one job before it is dead-lettered and marked FAILED. */
  maxAttempts: number;
  /** Bytes per second one worker reads from the source (bandwidthLimit); undefined: no limit. */
  bandwidthLimit?: number;
  /** The worker fleet (cloud plugin): min/max/desired instances and the alarm address. */
  fleet: { minCapacity: number; maxCapacity: number; desiredCapacity: number; alarmEmail?: string };
  unused: UnusedParams;
}

export interface ImageRef {
  /** Registry host[:port] written in front of the image (Public sources: `quay.io/org/img`); undefined = the task's source registry. */
  registry?: string;
  repository: string;
  /** A tag, 'ALL_TAGS' to expand from the registry, or a digest `sha256:<hex>` (an image by digest; isDigestReference). */
  tag: string;
}

export interface EcrTaskParams {
  sourceType: EcrSourceType;
  srcList: SrcList;
  srcImageList: ImageRef[];
  srcRegion?: string;
  /** undefined: this account (the role's ECR). */
  srcAccountId?: string;
  srcCredential?: string;
  /**
   * Registry host[:port]: Public sources (default docker.io), or an explicit ECR host. undefined for an Amazon_ECR
   * source: the ECR of srcAccountId (blank: the account of the credentials, STS) in srcRegion, found at run time.
   */
  srcRegistry?: string;
  destRegion?: string;
  destAccountId?: string;
  destCredential?: string;
  /** A non-ECR (or explicit ECR) destination; undefined = the ECR of destAccountId (blank: STS) in destRegion, found at run time. */
  destRegistry?: string;
  destPrefix: string;
  /**
   * The original's meaning (its multiArchOption): true = every platform of a multi-arch image and its index
   * (skopeo --all); false = only the image for the copying machine's platform ("system").
   */
  includeUntagged: boolean;
  /** ECR source listed with ALL: also copy images without a tag, each by digest (listed as `repo@sha256:<hex>`). */
  includeUntaggedByDigest: boolean;
  /** Both registries without TLS verification (skopeo's --tls-verify=false): any certificate, else plain HTTP. */
  insecure: boolean;
  concurrency: number;
  maxAttempts: number;
  alarmEmail?: string;
  unused: UnusedParams;
}
