/**
 * Whether another attempt at a failed operation may succeed. Set by the adapter that mapped the failure (it alone
 * knows its service's codes); engines read it with `retryAdviceOf` and never look at service codes or message text.
 */
export interface RetryAdvice {
  retryable: boolean;
  /** The service asked to slow down (HTTP 429/503 SlowDown, throttling exceptions): back off longer. */
  throttled?: boolean;
  /** The service said when to try again (Retry-After), in ms. */
  retryAfterMs?: number;
  /**
   * The service is down or out of reach, maybe for minutes: no answer came at all (refused, unresolvable, timed out),
   * or the gateway in front of it answered that it could not reach it (502, 504, a 503 that is not the service's own).
   */
  unreachable?: boolean;
  /** The connection broke (reset, cut, timed out) before or during the answer: once is a hiccup; again, an outage. */
  broken?: boolean;
}

const RETRY_ADVICE = Symbol.for('dth.retryAdvice');

/** Attaches retry advice to any error object (e.g. a socket error an adapter saw) and returns it. */
export function withRetryAdvice<E>(err: E, advice: RetryAdvice): E {
  if (err !== null && typeof err === 'object') {
    Object.defineProperty(err, RETRY_ADVICE, { value: advice, enumerable: false, configurable: true, writable: true });
  }
  return err;
}

/** The advice an error carries; undefined when no adapter classified it (treat as not retryable). */
export function retryAdviceOf(err: unknown): RetryAdvice | undefined {
  if (err === null || typeof err !== 'object') return undefined;
  return (err as { [RETRY_ADVICE]?: RetryAdvice })[RETRY_ADVICE];
}

/** True when the error says another attempt may succeed. */
export function isRetryableError(err: unknown): boolean {
  return retryAdviceOf(err)?.retryable === true;
}

/** Errors a user can act on; each message says what is wrong and what to do, never a secret value. */
export class DthError extends Error {
  /** The request argument or parameter the error is about, when it is one (APIs answer it as `errorInfo.field`). */
  readonly field?: string;

  constructor(
    readonly code: string,
    message: string,
    options?: { retry?: RetryAdvice; cause?: unknown; field?: string },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    if (options?.retry) withRetryAdvice(this, options.retry);
    if (options?.field !== undefined) this.field = options.field;
  }
}

/** Which end of a transfer an error concerns. */
export type TransferSide = 'source' | 'destination';

/** The parameter that names a side's secret of access keys. */
export function credentialsParam(side: TransferSide): 'srcCredentials' | 'destCredentials' {
  return side === 'source' ? 'srcCredentials' : 'destCredentials';
}

/** The parameter naming a side's bucket. */
export function bucketParam(side: TransferSide | undefined): 'srcBucket' | 'destBucket' | undefined {
  return side && (side === 'source' ? 'srcBucket' : 'destBucket');
}

/**
 * The parameter that decides where a side's requests go: its endpoint where one is set (given, or a provider's from
 * its region), else its region (Amazon S3's endpoint).
 */
export function addressParam(side: TransferSide | undefined, endpointSet: boolean): string | undefined {
  if (!side) return undefined;
  if (endpointSet) return side === 'source' ? 'srcEndpoint' : 'destEndpoint';
  return side === 'source' ? 'srcRegion' : 'destRegion';
}

/** Where a storage request failed: side, bucket, operation (and key), the prefix of every such message. */
export interface RequestContext {
  side?: TransferSide;
  bucket: string;
  /** The service's operation name, e.g. ListObjectsV2, PutObject. */
  operation: string;
  key?: string;
}

export function describeRequest(c: RequestContext): string {
  return `${c.side ? `${c.side} ` : ''}bucket ${c.bucket}: ${c.operation}${c.key === undefined ? '' : ` "${c.key}"`}`;
}

/**
 * A task parameter or input field is missing or malformed; `field` names it. With a label the message names it in
 * human words too: "Source bucket (srcBucket): is required"; `side` is said when the label does not say it:
 * "Storage class (destStorageClass, destination side): …".
 */
export class InvalidParameterError extends DthError {
  constructor(
    readonly field: string,
    message: string,
    label?: string,
    side?: TransferSide,
  ) {
    super('INVALID_PARAMETER', `${label ? `${label} (${field}${side ? `, ${side} side` : ''})` : field}: ${message}`);
  }
}

/** One parameter's problem within an InvalidParametersError. */
export interface ParameterProblem {
  field: string;
  message: string;
}

/**
 * Several parameters refused at once, each with its own field and message (`field` is the first's), so a script or a
 * params file is mended in one round instead of one per bad value. The same error type as one refused parameter.
 */
export class InvalidParametersError extends InvalidParameterError {
  readonly problems: readonly ParameterProblem[];

  constructor(errors: readonly ParameterProblem[]) {
    super(errors[0].field, '');
    this.name = 'InvalidParameterError';
    this.problems = errors.map((e) => ({ field: e.field, message: e.message }));
    this.message = `${errors.length} parameters are invalid:\n${this.problems.map((p) => `  ${p.message}`).join('\n')}`;
  }
}

/** What refuses `first` and `others` together: one problem as itself, several as one InvalidParametersError. */
export function refusalOf(first: InvalidParameterError, others: readonly ParameterProblem[]): InvalidParameterError {
  return others.length === 0 ? first : new InvalidParametersError([first, ...others]);
}

/**
 * What an answer says of a user error besides its message — the API's `errorInfo`/`extensions`, the CLI's JSON error
 * line: its code, the field it names, and each parameter refused with it.
 */
export function errorDetails(err: DthError): { code: string; field?: string; problems?: readonly ParameterProblem[] } {
  return {
    code: err.code,
    ...(err.field ? { field: err.field } : {}),
    ...(err instanceof InvalidParametersError ? { problems: err.problems } : {}),
  };
}

export class SecretNotFoundError extends DthError {
  /** `where`: what the store knows of why, e.g. that its file does not exist. */
  constructor(
    readonly secretName: string,
    where?: string,
  ) {
    super('SECRET_NOT_FOUND', `secret "${secretName}" was not found or is not readable${where ? ` (${where})` : ''}`);
  }
}

/** The store did not accept the keys themselves (unknown key id, wrong secret, expired token). */
export class CredentialsError extends DthError {
  /** The parameter naming the rejected secret (srcCredentials, destCredentials), where secret and side are known. */
  override readonly field?: string;

  /**
   * `secretName` undefined: the keys came from this machine's default chain (xInCurrentAccount=true), which no task
   * parameter holds — so no field is marked, and the message says where the chain's keys come from.
   */
  constructor(where: string, detail: string, secretName?: string, side?: TransferSide) {
    super(
      'CREDENTIALS',
      secretName === undefined
        ? `${where}: the credentials of this machine's default chain were rejected (${detail}); check ` +
            'AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, the profile (AWS_PROFILE) or the instance role they come from'
        : `${where}: credentials of secret "${secretName}" were rejected (${detail}); check its access_key_id/secret_access_key`,
    );
    this.field = side === undefined || secretName === undefined ? undefined : credentialsParam(side);
  }
}

/**
 * A side signed with this machine's default credential chain (xInCurrentAccount=true) found no credentials in it:
 * nothing was rejected, so the message says where the chain looks and which secret parameter would do instead — or,
 * when that secret is named already, that xInCurrentAccount=true is what leaves it unused.
 */
export class NoCredentialsError extends DthError {
  constructor(where: string, side?: TransferSide, ignoredSecret?: string) {
    const inAccount = side === 'destination' ? 'destInCurrentAccount' : 'srcInCurrentAccount';
    const secret = credentialsParam(side ?? 'source');
    const instead = !side
      ? ''
      : ignoredSecret === undefined
        ? `; or name a secret in ${secret}`
        : `; ${secret} ("${ignoredSecret}") is not used while ${inAccount}=true: set ${inAccount} to false to sign with that secret`;
    super(
      'NO_CREDENTIALS',
      `${where}: no AWS credentials found (${side ? `${inAccount}=true` : 'this account'} uses this machine's default chain: ` +
        `AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, a profile (AWS_PROFILE) or an instance role)${instead}`,
    );
  }
}

/** The keys are valid but lack a permission (403 AccessDenied): a policy to fix, not a secret. */
export class AccessDeniedError extends DthError {
  constructor(where: string, permission: string, detail: string, otherCause?: string) {
    super(
      'ACCESS_DENIED',
      `${where}: the role/keys lack permission ${permission} (${detail})${otherCause ? `; or ${otherCause}` : ''}`,
    );
  }
}

/**
 * The store refused the request for lack of permission (a policy, or a bucket closed to anonymous requests): the keys
 * themselves were accepted. Not a rejection of the keys, a server error or an answer that is not S3's.
 */
export function isAccessDenied(err: unknown): boolean {
  return err instanceof DthError && err.code === 'ACCESS_DENIED';
}

/**
 * The answer is not the well-formed document of the kind asked for (cut short, HTML or JSON, wrong root, a listing
 * truncated without a token…). Retryable: a proxy or a flaky link made it; if it persists the endpoint is wrong.
 */
export class MalformedAnswerError extends DthError {
  constructor(where: string, detail: string, field?: string) {
    super('MALFORMED_ANSWER', `${where}: the answer is not a valid S3 response (${detail})`, {
      retry: { retryable: true },
      field,
    });
  }
}

/** A storage request failed with a service or network error; the adapter's advice says whether to try again. */
export class StorageRequestError extends DthError {
  constructor(where: string, detail: string, retry: RetryAdvice, cause?: unknown) {
    super('STORAGE_REQUEST_FAILED', `${where}: ${detail}`, { retry, cause });
  }
}

/** The multipart upload being resumed or completed no longer exists: the object must be uploaded afresh. */
export class UploadGoneError extends DthError {
  constructor(where: string, detail: string) {
    super('UPLOAD_GONE', `${where}: the multipart upload no longer exists (${detail}); the object is uploaded again`, {
      retry: { retryable: true },
    });
  }
}

export class BucketNotFoundError extends DthError {
  constructor(where: string, bucket: string, field?: string) {
    super('BUCKET_NOT_FOUND', `${where}: bucket "${bucket}" does not exist or is not visible with these credentials`, {
      field,
    });
  }
}

export class EndpointUnreachableError extends DthError {
  constructor(where: string, endpoint: string, detail: string, retry?: RetryAdvice, field?: string) {
    super('ENDPOINT_UNREACHABLE', `${where}: cannot reach ${endpoint} (${detail}); check the endpoint/region`, {
      retry,
      field,
    });
  }
}

/**
 * The endpoint took the connection and then sent nothing while a request waited for its answer: a service that is
 * not S3 on that port, or a firewall or proxy holding the connection. Said in those words, not as a socket timeout.
 */
export class EndpointSilentError extends DthError {
  constructor(where: string, endpoint: string, seconds: number, field?: string) {
    super(
      'ENDPOINT_SILENT',
      `${where}: ${endpoint} took the connection but answered nothing in ${seconds} s — check the endpoint/region: ` +
        'is S3 served there, or does a firewall or proxy hold the connection?',
      { retry: { retryable: true }, field },
    );
  }
}

/**
 * An https:// endpoint answered in plain HTTP (the TLS handshake read an HTTP answer): usually an endpoint written
 * without a scheme, which the original took as https://, for a store that serves plain HTTP (MinIO on :9000, s3rver).
 */
export class EndpointNotTlsError extends DthError {
  constructor(where: string, side: TransferSide | undefined, endpoint: string, detail: string) {
    const plain = endpoint.replace(/^https:\/\//i, 'http://');
    super(
      'ENDPOINT_NOT_TLS',
      `${where}: ${side ? `${side} ` : ''}endpoint ${endpoint} does not speak TLS (${detail}): ` +
        `if the store is plain HTTP, write ${plain}`,
    );
  }
}

/**
 * The destination refused a write sent without Content-MD5: a bucket with Object Lock and a default retention requires
 * it (or a checksum header) on every PutObject and UploadPart. Retryable: the engine sends the write again with it.
 */
export class ContentMd5RequiredError extends DthError {
  constructor(where: string, detail: string) {
    super('CONTENT_MD5_REQUIRED', `${where}: the bucket requires Content-MD5 on every write (${detail})`, {
      retry: { retryable: true },
    });
  }
}

/** The source object changed while it was being copied; the copy is discarded and retried. */
export class ObjectChangedDuringCopyError extends DthError {
  constructor(key: string) {
    super('OBJECT_CHANGED', `source object "${key}" changed during the copy`, { retry: { retryable: true } });
  }
}

/** Bytes read and bytes written disagree: the destination object is not trusted. */
export class VerificationError extends DthError {
  constructor(key: string, detail: string) {
    super('VERIFICATION_FAILED', `"${key}" failed verification: ${detail}`);
  }
}

/**
 * The object was written, but nothing proves its bytes: the write's answer cannot (an SSE-KMS ETag is no MD5), and the
 * destination refused the HEAD that would have checked it for lack of permission. Not retryable: another attempt
 * writes it again and meets the same refusal. The object stays FAILED, never DONE as verified.
 */
export class UnverifiedCopyError extends DthError {
  constructor(key: string, refusal: unknown) {
    super(
      'UNVERIFIED_COPY',
      `"${key}" was written to the destination but could not be verified: its ETag does not prove the bytes ` +
        `(SSE-KMS, or a copy in other parts than its source) and reading it back was refused ` +
        `(${refusal instanceof Error ? refusal.message : String(refusal)}); grant s3:GetObject on the destination ` +
        'bucket to verify such copies',
      { retry: { retryable: false }, cause: refusal },
    );
  }
}

/** The destination stored (or would store) bytes whose MD5 differs from the source's: damaged on the way; retryable. */
export class CorruptedInTransitError extends DthError {
  constructor(key: string, storedMd5: string, sourceMd5: string) {
    super(
      'CORRUPTED_IN_TRANSIT',
      `"${key}": the bytes sent have MD5 ${storedMd5}, the source's is ${sourceMd5} (damaged on the way)`,
      { retry: { retryable: true } },
    );
  }
}

/**
 * The bytes read from the source do not hash to the MD5 its ETag names. The ETag is the read's own (or the read was
 * conditional on it), so the bytes were damaged on the way, or the store let the object change as it was read; nothing
 * is written from them, and the object is read again.
 */
export class SourceReadMismatchError extends DthError {
  constructor(key: string, readMd5: string, etagMd5: string) {
    super(
      'SOURCE_READ_MISMATCH',
      `source object "${key}": the bytes read have MD5 ${readMd5}, its ETag names ${etagMd5} (damaged on the way, or changed as it was read)`,
      { retry: { retryable: true } },
    );
  }
}

/** The source body ended before (or ran past) the size its headers announced: a cut connection; read it again. */
export class BodyLengthError extends DthError {
  constructor(detail: string) {
    super('BODY_LENGTH', detail, { retry: { retryable: true } });
  }
}

/**
 * The prefix list object was not read whole, or not as stored (a body cut short at a line's end reads as a shorter
 * list): the pass fails rather than scan part of the list and end complete. Another read may succeed.
 */
export class PrefixListReadError extends DthError {
  /**
   * `about`: the request that failed, which the message names with the parameter the list comes from (`field`) and
   * whose retry advice it keeps (a refused read stays refused).
   */
  constructor(where: string, detail: string, about?: { cause: unknown; field: string }) {
    super('PREFIX_LIST_UNREAD', `prefix list ${about ? `(${about.field}) ` : ''}${where}: ${detail}`, {
      retry: { retryable: about ? isRetryableError(about.cause) : true },
      cause: about?.cause,
      field: about?.field,
    });
  }
}
