import { InvalidParameterError, SecretNotFoundError } from '../../core/errors.js';
import { S3_PARAMETERS } from '../../params/index.js';
import { redactValue } from '../../core/log.js';
import type { ObjectStore } from '../../ports/object-store.js';
import type { AccessKeys, SecretStore } from '../../ports/secret-store.js';
import type { S3TaskParams } from '../../s3/params.js';
import { S3ObjectStore } from './s3-object-store.js';

/**
 * Reads access keys from a named secret (`access_key_id`, `secret_access_key`, optional `session_token`). A missing
 * or misshapen secret is an error of the parameter that names it, in words ("Source credentials (srcCredentials)").
 */
export async function accessKeysFromSecret(secrets: SecretStore, name: string, field: string): Promise<AccessKeys> {
  const label = S3_PARAMETERS.find((p) => p.name === field)?.label.en;
  const s = await secrets.get(name).catch((err: unknown) => {
    throw err instanceof SecretNotFoundError ? new InvalidParameterError(field, err.message, label) : err;
  });
  const accessKeyId = s.access_key_id ?? s.accessKeyId;
  const secretAccessKey = s.secret_access_key ?? s.secretAccessKey;
  if (!accessKeyId || !secretAccessKey) {
    throw new InvalidParameterError(field, `secret "${name}" must hold access_key_id and secret_access_key`, label);
  }
  redactValue(secretAccessKey);
  return { accessKeyId, secretAccessKey, sessionToken: s.session_token };
}

/** Opens the task's source and destination buckets with credentials from the secret store. */
export async function openTaskBuckets(params: S3TaskParams, secrets: SecretStore, maxSockets?: number): Promise<{ source: ObjectStore; dest: ObjectStore }> {
  // anonymous (unsigned) sides are signed with the default chain until the S3 adapter learns unsigned requests.
  const srcKeys = params.srcAuth.kind === 'secret' ? await accessKeysFromSecret(secrets, params.srcAuth.secretName, 'srcCredentials') : undefined;
  const dstKeys = params.destAuth.kind === 'secret' ? await accessKeysFromSecret(secrets, params.destAuth.secretName, 'destCredentials') : undefined;
  return {
    source: new S3ObjectStore({
      bucket: params.srcBucket, region: params.srcRegion, endpoint: params.srcEndpoint, credentials: srcKeys,
      requesterPays: params.isPayerRequest, maxSockets, side: 'source',
      credentialsName: params.srcAuth.kind === 'secret' ? params.srcAuth.secretName : undefined,
    }),
    dest: new S3ObjectStore({
      bucket: params.destBucket, region: params.destRegion, endpoint: params.destEndpoint, credentials: dstKeys, maxSockets, side: 'destination',
      credentialsName: params.destAuth.kind === 'secret' ? params.destAuth.secretName : undefined,
    }),
  };
}
