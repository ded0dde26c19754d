import { credentialsParam, InvalidParameterError, SecretNotFoundError } from '../../core/errors.js';
import { S3_PARAMETERS } from '../../params/index.js';
import { redactValue } from '../../core/log.js';
import { accessKeysIn } from '../../core/secret-shape.js';
import type { BucketPair } from '../../ports/object-store.js';
import type { AccessKeys, SecretStore } from '../../ports/secret-store.js';
import type { SideAuth } from '../../params/index.js';
import type { S3TaskParams } from '../../s3/params.js';
import { BandwidthLimit } from '../../core/bandwidth-limit.js';
import { limitedSource } from './limited-source.js';
import { RotatingAccessKeys } from './rotating-keys.js';
import { S3ObjectStore, type S3BucketConfig } from './s3-object-store.js';

/**
 * Reads access keys from a named secret (`access_key_id`, `secret_access_key`, optional `session_token`). A missing
 * or misshapen secret is an error of the parameter that names it, in words ("Source credentials (srcCredentials)").
 */
export async function accessKeysFromSecret(secrets: SecretStore, name: string, field: string): Promise<AccessKeys> {
  const label = S3_PARAMETERS.find((p) => p.name === field)?.label.en;
  const s = await secrets.get(name).catch((err: unknown) => {
    throw err instanceof SecretNotFoundError ? new InvalidParameterError(field, err.message, label) : err;
  });
  const keys = accessKeysIn(s);
  if (!keys) {
    throw new InvalidParameterError(field, `secret "${name}" must hold access_key_id and secret_access_key`, label);
  }
  redactValue(keys.secretAccessKey);
  if (keys.sessionToken) redactValue(keys.sessionToken);
  return keys;
}

export interface OpenBucketsOptions {
  /**
   * This account's S3, where srcPrefixListBucket lives (the original: same account and region as the solution):
   * the region of the stack or hub (default: AWS_REGION / AWS_DEFAULT_REGION as the SDK reads them, else the source
   * region); an endpoint only for local tests.
   */
  home?: { region: string; endpoint?: string };
  /** How often keys from a secret are re-read while in use (default 10 minutes); a rejection re-reads them at once. */
  credentialsRefreshMs?: number;
  /** A stop of the task's run: every request of its buckets under way ends (copies are cut, not waited for). */
  stopSignal?: AbortSignal;
}

type Side = 'source' | 'destination';

/** How one side signs: this account's role (default chain), the keys of a secret (kept current), or not at all. */
async function sideSigning(
  auth: SideAuth,
  side: Side,
  secrets: SecretStore,
  options: OpenBucketsOptions,
): Promise<Partial<S3BucketConfig>> {
  if (auth.kind === 'anonymous') return { anonymous: true };
  if (auth.kind === 'currentAccount') return { ignoredCredentialsName: auth.ignoredSecret };
  const field = credentialsParam(side);
  const rotatingCredentials = await RotatingAccessKeys.open(
    () => accessKeysFromSecret(secrets, auth.secretName, field),
    { refreshMs: options.credentialsRefreshMs },
  );
  return { rotatingCredentials, credentialsName: auth.secretName };
}

/**
 * Opens the task's source and destination buckets (and the prefix list's bucket when srcPrefixListBucket names one),
 * each signed as its side's parameters say: srcInCurrentAccount/destInCurrentAccount → this account's role; a secret
 * → its keys, re-read periodically and when rejected; neither → unsigned requests.
 */
export async function openTaskBuckets(
  params: S3TaskParams,
  secrets: SecretStore,
  maxSockets?: number,
  options: OpenBucketsOptions = {},
): Promise<BucketPair> {
  const [srcSigning, dstSigning] = await Promise.all([
    sideSigning(params.srcAuth, 'source', secrets, options),
    sideSigning(params.destAuth, 'destination', secrets, options),
  ]);
  const listBucket = params.prefixList?.bucket;
  const source = new S3ObjectStore({
    bucket: params.srcBucket,
    region: params.srcRegion,
    endpoint: params.srcEndpoint,
    requesterPays: params.isPayerRequest,
    readsStoredEncoding: params.srcType === 'Google_GCS',
    maxSockets,
    side: 'source',
    stopSignal: options.stopSignal,
    ...srcSigning,
  });
  return {
    source: params.bandwidthLimit ? limitedSource(source, new BandwidthLimit(params.bandwidthLimit)) : source,
    dest: new S3ObjectStore({
      bucket: params.destBucket,
      region: params.destRegion,
      endpoint: params.destEndpoint,
      maxSockets,
      side: 'destination',
      stopSignal: options.stopSignal,
      ...dstSigning,
    }),
    // Read with this account's role, as the original's finder did: no side, so its errors name this account's
    // credentials, not the source's (whose srcCredentials cannot help here).
    prefixListBucket:
      listBucket === undefined
        ? undefined
        : new S3ObjectStore({
            bucket: listBucket,
            region:
              options.home?.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? params.srcRegion,
            endpoint: options.home?.endpoint,
            stopSignal: options.stopSignal,
          }),
  };
}
