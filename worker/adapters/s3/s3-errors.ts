/**
 * The one place that knows S3's failure codes: maps an S3 error answer, an SDK error or a socket error to an error that
 * names the side, bucket and operation, says what to do, and carries its retry advice (worker/core/errors.ts) for the
 * engine to read.
 */
import {
  AccessDeniedError,
  BucketNotFoundError,
  ContentMd5RequiredError,
  CredentialsError,
  DthError,
  addressParam,
  bucketParam,
  EndpointNotTlsError,
  EndpointSilentError,
  EndpointUnreachableError,
  MalformedAnswerError,
  NoCredentialsError,
  StorageRequestError,
  UploadGoneError,
  describeRequest,
  retryAdviceOf,
  withRetryAdvice,
  type RequestContext,
  type RetryAdvice,
} from '../../core/errors.js';
import { UNREACHABLE_CODES } from '../unreachable-codes.js';
import { MalformedS3Answer } from './s3-wire.js';

export interface S3ErrorContext extends RequestContext {
  endpoint: string;
  /** An endpoint is set for the side (given, or a provider's from its region); else Amazon S3's, from the region. */
  endpointSet?: boolean;
  /** Name of the secret the keys came from; undefined: the default chain (instance role, environment). */
  secretName?: string;
  /** A secret named for this side but unused, as xInCurrentAccount=true says. */
  ignoredSecretName?: string;
  /** The requests are unsigned (a side not in this account and without credentials). */
  anonymous?: boolean;
  /** Requests carry x-amz-request-payer (isPayerRequest=true). */
  requesterPays?: boolean;
  /** The permission a refusal names, where this request needs another than its operation's (a write with tags). */
  permission?: string;
}

/** The store did not accept the keys themselves; anything else answered 403 is a missing permission. */
const KEY_CODES = new Set([
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'InvalidToken',
  'TokenRefreshRequired',
]);
/** The signature's date is more than 15 minutes from the store's clock (403): this machine's clock, not the keys. */
const CLOCK_SKEW = 'RequestTimeTooSkewed';
/** The SDK's default chain found no credentials at all (no keys, profile or role): nothing reached the store. */
const NO_CREDENTIALS = 'CredentialsProviderError';
const THROTTLE_CODES = new Set([
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'RequestLimitExceeded',
  'TooManyRequests',
  'RequestThrottled',
]);
/** Client-side (4xx) codes that still deserve another try: a timeout, or a body that arrived damaged. */
const RETRY_CODES = new Set(['RequestTimeout', 'BadDigest', 'InternalError', 'OperationAborted', 'IncompleteBody']);
/** The endpoint cannot be reached at all (a wrong endpoint or region, or a server restarting). */
const UNREACHABLE = UNREACHABLE_CODES;
/**
 * The TLS handshake read something that is not TLS: an https:// endpoint served in plain HTTP. Node names it
 * ERR_SSL_WRONG_VERSION_NUMBER, or EPROTO with OpenSSL's reason in the message (EPROTO alone also means other
 * handshake failures, so its reason is read).
 */
function notTls(code: string, message: string): boolean {
  return (
    code === 'ERR_SSL_WRONG_VERSION_NUMBER' ||
    code === 'ERR_SSL_PACKET_LENGTH_TOO_LONG' ||
    (code === 'EPROTO' && /wrong version number|packet length too long|http request/i.test(message))
  );
}
/** A connection that broke or stalled mid-request: the request may be sent again. */
const BROKEN = new Set([
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ECONNABORTED',
  'ERR_STREAM_PREMATURE_CLOSE',
  'UND_ERR_SOCKET',
  'ECONNREFUSED',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/**
 * Answers of a gateway (proxy, load balancer, CDN) that could not reach the store behind it: the store is down or
 * restarting. A 503 is S3's own throttling (SlowDown, often without a body) unless it came with another service's page.
 */
const GATEWAY_DOWN = new Set([502, 504]);

/** The IAM action each operation needs, for an AccessDenied message a user can act on. */
const PERMISSION: Record<string, string> = {
  ListObjectsV2: 's3:ListBucket',
  HeadBucket: 's3:ListBucket',
  HeadObject: 's3:GetObject',
  GetObject: 's3:GetObject',
  GetObjectTagging: 's3:GetObjectTagging',
  PutObject: 's3:PutObject',
  CreateMultipartUpload: 's3:PutObject',
  UploadPart: 's3:PutObject',
  CompleteMultipartUpload: 's3:PutObject',
  AbortMultipartUpload: 's3:AbortMultipartUpload',
  CopyObject: 's3:PutObject (and s3:GetObject on the source)',
  DeleteObject: 's3:DeleteObject',
};

interface SdkLikeError {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $retryable?: { throttling?: boolean };
  retryAfterMs?: number;
  foreignBody?: boolean;
}

/** How a raw failure of an S3 request should be retried (advice already attached by this adapter wins). */
export function s3RetryAdvice(err: unknown): RetryAdvice {
  const known = retryAdviceOf(err);
  if (known) return known;
  if (err instanceof MalformedS3Answer) return { retryable: true };
  const e = (err ?? {}) as SdkLikeError;
  const status = e.$metadata?.httpStatusCode;
  const name = e.name ?? '';
  if (status !== undefined) {
    const throttled = status === 429 || status === 503 || THROTTLE_CODES.has(name) || e.$retryable?.throttling === true;
    const gatewayDown = GATEWAY_DOWN.has(status) || (status === 503 && e.foreignBody === true);
    return {
      // 501 NotImplemented is the store saying it has no such operation (s3rver's ListMultipartUploads): asked again,
      // it says so again.
      retryable: (throttled || status >= 500 || RETRY_CODES.has(name) || e.$retryable !== undefined) && status !== 501,
      throttled,
      retryAfterMs: e.retryAfterMs,
      ...(gatewayDown ? { unreachable: true } : {}),
    };
  }
  if (BROKEN.has(e.code ?? '') || BROKEN.has(name)) return { retryable: true, broken: true };
  if (name === 'TimeoutError' || e.$retryable !== undefined) return { retryable: true };
  return { retryable: false };
}

/** The store refused the credentials a request was signed with, or what they may do (403, or an invalid/expired key). */
export function isCredentialRejection(err: unknown): boolean {
  const e = (err ?? {}) as SdkLikeError;
  if (e.name === CLOCK_SKEW) return false;
  return e.$metadata?.httpStatusCode === 403 || KEY_CODES.has(e.name ?? '');
}

/** Failures that another attempt may fix because the credentials were renewed since (see S3HttpConfig.renewCredentials). */
const renewedCredentials = new WeakSet<object>();

/** Marks a rejection answered before the credentials were renewed: retryable, and still so after mapping. */
export function markRetryableAfterRenewal<E>(err: E): E {
  if (err !== null && typeof err === 'object') renewedCredentials.add(err);
  return withRetryAdvice(err, { retryable: true });
}

/** Classifies `err` in place (the S3 client's own retries read the advice) and says whether to try again. */
export function adviseRetry(err: unknown): boolean {
  const advice = s3RetryAdvice(err);
  withRetryAdvice(err, advice);
  return advice.retryable;
}

/** Body errors already named by annotateBodyErrors: the failure of the request that opened the body, not of a later one. */
const bodyErrors = new WeakSet<object>();

/**
 * Maps a failed S3 request to the error a user can act on. Errors that are already classified (the engine's own,
 * or a failure of the source body a destination upload was reading) pass through unchanged: they are not this
 * request's fault.
 */
export function toActionableError(err: unknown, ctx: S3ErrorContext): unknown {
  if (err instanceof DthError) return err;
  const where = describeRequest(ctx);
  // Where the side's requests go: its endpoint where one is set, else its region.
  const address = addressParam(ctx.side, ctx.endpointSet ?? false);
  if (err instanceof MalformedS3Answer) return new MalformedAnswerError(where, err.detail, address);
  if (err !== null && typeof err === 'object' && bodyErrors.has(err)) return err;
  const e = (err ?? {}) as SdkLikeError;
  const name = e.name ?? '';
  // System errors' codes (ECONNRESET); a DOMException's number (23 for a timeout) says nothing to a reader.
  const code = typeof e.code === 'string' ? e.code : '';
  const status = e.$metadata?.httpStatusCode;
  const answered = status === undefined ? name : `${status} ${name}`;
  if (name === 'NoSuchBucket' || (status === 404 && ctx.key === undefined))
    return new BucketNotFoundError(where, ctx.bucket, bucketParam(ctx.side));
  if (name === 'NoSuchUpload') return new UploadGoneError(where, answered);
  if (renewedCredentials.has(err as object)) {
    return withRetryAdvice(
      new CredentialsError(where, `${answered}, before they were renewed`, ctx.secretName, ctx.side),
      { retryable: true },
    );
  }
  if (name === CLOCK_SKEW) {
    const skew = (err as { clockSkewMs?: number }).clockSkewMs;
    const off =
      skew === undefined ? '' : ` by ${Math.round(Math.abs(skew) / 1000)} s (${skew > 0 ? 'behind' : 'ahead'})`;
    return new StorageRequestError(
      where,
      `this machine's clock differs from the store's${off} (${answered}); ` +
        (skew === undefined ? "set this machine's clock (NTP)" : "requests are now dated by the store's clock"),
      { retryable: skew !== undefined },
      err,
    );
  }
  if (name === NO_CREDENTIALS && ctx.secretName === undefined)
    return new NoCredentialsError(where, ctx.side, ctx.ignoredSecretName);
  if (KEY_CODES.has(name) || name === NO_CREDENTIALS)
    return new CredentialsError(where, answered, ctx.secretName, ctx.side);
  const { endpointRegion, bucketRegion: answeredRegion } = err as { endpointRegion?: unknown; bucketRegion?: unknown };
  // OSS answers a bucket asked at another region's endpoint with 403 AccessDenied naming the right endpoint.
  const ossEndpoint = name === 'AccessDenied' && typeof endpointRegion === 'string';
  const bucketRegion = ossEndpoint ? endpointRegion : answeredRegion;
  if (
    typeof bucketRegion === 'string' &&
    (ossEndpoint || status === 301 || name === 'PermanentRedirect' || name === 'AuthorizationHeaderMalformed')
  ) {
    // The most common setup mistake: the bucket lives in another region than the task says.
    const field = ctx.side === 'destination' ? 'destRegion' : ctx.side === 'source' ? 'srcRegion' : 'the region';
    return new DthError(
      'WRONG_REGION',
      `${where}: the bucket is in region ${bucketRegion} (${answered}): set ${field} to ${bucketRegion}`,
      { retry: { retryable: false } },
    );
  }
  if (name === 'AccessControlListNotSupported') {
    // The default for buckets created since April 2023: an ACL other than bucket-owner-full-control is refused.
    return new DthError(
      'ACL_NOT_SUPPORTED',
      `${where}: the bucket has ACLs disabled (Object Ownership: bucket owner enforced) and refuses the object ACL ` +
        `(${answered}): set destAcl to bucket-owner-full-control (the default)`,
      { retry: { retryable: false } },
    );
  }
  if (name === 'MissingContentMD5' || (name === 'InvalidRequest' && /content-md5/i.test(e.message ?? ''))) {
    // Object Lock with a default retention: AWS refuses writes whose bytes it cannot check before storing them.
    return new ContentMd5RequiredError(where, `${answered}: ${e.message}`);
  }
  if (ctx.anonymous && (status === 403 || name === 'AccessDenied')) {
    const [secret, inAccount] =
      ctx.side === 'destination'
        ? ['destCredentials', 'destInCurrentAccount']
        : ['srcCredentials', 'srcInCurrentAccount'];
    return new DthError(
      'ACCESS_DENIED',
      `${where}: anonymous (unsigned) requests were refused (${answered}): the bucket does not allow public ` +
        `${PERMISSION[ctx.operation] ?? ctx.operation}; name a secret in ${secret}, or set ${inAccount}=true`,
    );
  }
  if (status === 403 || name === 'AccessDenied' || name === 'AllAccessDisabled') {
    // S3's own words when they say more than "Access Denied" (a KMS key the role may not use, an explicit deny).
    const said = e.message && !/^access denied\.?$/i.test(e.message) && e.message !== name ? `: ${e.message}` : '';
    // A requester-pays bucket answers a bare "Access Denied" to requests without x-amz-request-payer.
    const payer =
      ctx.side === 'source' && !ctx.requesterPays && !said
        ? 'the bucket is requester-pays: set isPayerRequest=true'
        : undefined;
    const permission = ctx.permission ?? PERMISSION[ctx.operation] ?? ctx.operation;
    return new AccessDeniedError(where, permission, `${answered}${said}`, payer);
  }
  if (status === 407) {
    return new DthError(
      'PROXY_FAILED',
      `${where}: the proxy (HTTPS_PROXY/HTTP_PROXY) requires a login (407): give user:password in the proxy URL`,
    );
  }
  const proxy = (err as { viaProxy?: string }).viaProxy;
  if (proxy !== undefined) {
    // The proxy (HTTPS_PROXY/HTTP_PROXY) failed, not the endpoint: say so, or the user checks the wrong address.
    return new DthError('PROXY_FAILED', `${where}: through the proxy (HTTPS_PROXY/HTTP_PROXY): ${e.message}`, {
      retry: { retryable: code !== 'EPROXYAUTH' && code !== 'EPROXY' },
    });
  }
  if (notTls(code, e.message ?? '')) return new EndpointNotTlsError(where, ctx.side, ctx.endpoint, code);
  if (UNREACHABLE.has(code) || UNREACHABLE.has(name))
    return new EndpointUnreachableError(where, ctx.endpoint, code || name, { retryable: true }, address);
  const silentMs = (err as { silentMs?: number }).silentMs;
  if (silentMs !== undefined) return new EndpointSilentError(where, ctx.endpoint, Math.round(silentMs / 1000), address);
  const advice = s3RetryAdvice(err);
  const message = e.message && e.message !== name ? `: ${e.message}` : '';
  const detail = status === undefined ? `${code || name || 'failed'}${message}` : `answered ${answered}${message}`;
  return new StorageRequestError(where, detail, advice, err);
}

/**
 * Marks errors of an object body the engine is reading (a reset or cut mid-download): they name the request and
 * carry retry advice, as if the adapter had thrown them. Emitted errors cannot be replaced, so they are annotated.
 */
export function annotateBodyErrors(body: NodeJS.EventEmitter, ctx: S3ErrorContext): void {
  body.prependListener('error', (err: unknown) => {
    if (err instanceof DthError || err === null || typeof err !== 'object' || bodyErrors.has(err)) return;
    bodyErrors.add(err);
    withRetryAdvice(err, s3RetryAdvice(err));
    if (err instanceof Error) err.message = `${describeRequest(ctx)}: reading the body: ${err.message}`;
  });
}
