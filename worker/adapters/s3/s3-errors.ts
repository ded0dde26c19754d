import { BucketNotFoundError, CredentialsError, EndpointUnreachableError } from '../../core/errors.js';

const CREDENTIAL_CODES = new Set([
  'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'AccessDenied', 'ExpiredToken', 'InvalidToken', 'Forbidden', 'CredentialsProviderError',
]);
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

interface SdkLikeError {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

/** Maps an SDK failure to the error a user can act on; anything else passes through unchanged. */
export function toActionableError(err: unknown, where: string, bucket: string, endpoint: string): unknown {
  const e = err as SdkLikeError;
  const name = e?.name ?? '';
  const code = e?.code ?? '';
  const status = e?.$metadata?.httpStatusCode;
  if (name === 'NoSuchBucket' || (status === 404 && name === 'NotFound' && where.endsWith('bucket'))) {
    return new BucketNotFoundError(where, bucket);
  }
  if (CREDENTIAL_CODES.has(name) || status === 403) return new CredentialsError(where, name || `HTTP ${status}`);
  if (NETWORK_CODES.has(code) || NETWORK_CODES.has(name)) return new EndpointUnreachableError(where, endpoint, code || name);
  return err;
}

/**
 * Throttling, server errors and dropped connections are worth another try; client errors are not,
 * except BadDigest: the body arrived different from its Content-MD5, i.e. damaged on the way.
 */
export function isRetryable(err: unknown): boolean {
  const e = err as SdkLikeError;
  const status = e?.$metadata?.httpStatusCode;
  if (status !== undefined) return status >= 500 || status === 429 || ['SlowDown', 'RequestTimeout', 'BadDigest'].includes(e.name ?? '');
  return ['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNREFUSED', 'ERR_STREAM_PREMATURE_CLOSE', 'UND_ERR_SOCKET'].includes(e?.code ?? '')
    || /socket hang up|premature close|aborted|ECONNRESET|timeout/i.test(e?.message ?? '');
}
