/**
 * The S3 adapter's mapping of failures (pure: S3 error answers as the lean client and the SDK shape them, and Node's
 * socket errors, built here because a local server cannot be made to send each one): every error names side,
 * bucket and operation, and carries the retry advice the engine reads — the engine never sees S3's codes.
 */
import { describe, expect, it } from 'vitest';
import {
  markRetryableAfterRenewal,
  s3RetryAdvice,
  toActionableError,
  type S3ErrorContext,
} from '../../../worker/adapters/s3/s3-errors.js';
import { MalformedS3Answer, S3HttpError } from '../../../worker/adapters/s3/s3-wire.js';
import {
  AccessDeniedError,
  BucketNotFoundError,
  ContentMd5RequiredError,
  CredentialsError,
  EndpointNotTlsError,
  EndpointUnreachableError,
  isRetryableError,
  MalformedAnswerError,
  NoCredentialsError,
  retryAdviceOf,
  StorageRequestError,
  UploadGoneError,
} from '../../../worker/core/errors.js';

const put: S3ErrorContext = {
  side: 'destination',
  bucket: 'dstx',
  operation: 'PutObject',
  key: 'a/b.txt',
  endpoint: 'http://e',
  secretName: 'x',
};
const list: S3ErrorContext = {
  side: 'source',
  bucket: 'srcx',
  operation: 'ListObjectsV2',
  endpoint: 'http://e',
  secretName: 'x',
};
const socketError = (code: string, message: string) => Object.assign(new Error(message), { code });

describe('toActionableError', () => {
  it('a missing permission is AccessDenied with the IAM action, not a credentials problem, and is not retried', () => {
    const err = toActionableError(new S3HttpError(403, 'AccessDenied', 'Access Denied'), put);
    expect(err).toBeInstanceOf(AccessDeniedError);
    expect((err as Error).message).toBe(
      'destination bucket dstx: PutObject "a/b.txt": the role/keys lack permission s3:PutObject (403 AccessDenied)',
    );
    expect(isRetryableError(err)).toBe(false);
  });

  it("keeps S3's words when they say more than Access Denied (a KMS key the role may not use)", () => {
    const get: S3ErrorContext = { ...list, operation: 'GetObject', key: 'k' };
    const kms = 'User: arn:aws:sts::1:assumed-role/r is not authorized to perform: kms:Decrypt on the resource';
    expect((toActionableError(new S3HttpError(403, 'AccessDenied', kms), get) as Error).message).toBe(
      `source bucket srcx: GetObject "k": the role/keys lack permission s3:GetObject (403 AccessDenied: ${kms})`,
    );
  });

  it('a bare Access Denied at the source also names isPayerRequest, unless requests already carry the payer header', () => {
    const denied = () => new S3HttpError(403, 'AccessDenied', 'Access Denied');
    expect((toActionableError(denied(), list) as Error).message).toBe(
      'source bucket srcx: ListObjectsV2: the role/keys lack permission s3:ListBucket (403 AccessDenied); ' +
        'or the bucket is requester-pays: set isPayerRequest=true',
    );
    expect((toActionableError(denied(), { ...list, requesterPays: true }) as Error).message).toBe(
      'source bucket srcx: ListObjectsV2: the role/keys lack permission s3:ListBucket (403 AccessDenied)',
    );
    expect((toActionableError(denied(), put) as Error).message).not.toMatch(/isPayerRequest/);
  });

  it('a write refused for want of Content-MD5 (Object Lock) is its own retryable error', () => {
    const lock =
      'Content-MD5 OR x-amz-checksum- HTTP header is required for Put Object requests with Object Lock parameters';
    for (const err of [
      new S3HttpError(400, 'InvalidRequest', lock),
      new S3HttpError(400, 'MissingContentMD5', 'Missing required header for this request: Content-MD5'),
    ]) {
      const mapped = toActionableError(err, put);
      expect(mapped).toBeInstanceOf(ContentMd5RequiredError);
      expect((mapped as Error).message).toMatch(
        /^destination bucket dstx: PutObject "a\/b.txt": the bucket requires Content-MD5 on every write \(400 /,
      );
      expect(isRetryableError(mapped)).toBe(true);
    }
    expect(toActionableError(new S3HttpError(400, 'InvalidRequest', 'Invalid part number'), put)).not.toBeInstanceOf(
      ContentMd5RequiredError,
    );
  });

  it("a bucket in another region names the region and the side's parameter; neither answer is retried", () => {
    const redirect = new S3HttpError(301, 'PermanentRedirect', 'must be addressed using the specified endpoint');
    redirect.bucketRegion = 'eu-west-1';
    const wrongSigning = new S3HttpError(400, 'AuthorizationHeaderMalformed', "the region 'us-east-1' is wrong");
    wrongSigning.bucketRegion = 'cn-north-1';
    const a = toActionableError(redirect, list);
    const b = toActionableError(wrongSigning, put);
    expect((a as Error).message).toBe(
      'source bucket srcx: ListObjectsV2: the bucket is in region eu-west-1 (301 PermanentRedirect): set srcRegion to eu-west-1',
    );
    expect((b as Error).message).toBe(
      'destination bucket dstx: PutObject "a/b.txt": the bucket is in region cn-north-1 (400 AuthorizationHeaderMalformed): set destRegion to cn-north-1',
    );
    expect(isRetryableError(a) || isRetryableError(b)).toBe(false);
  });

  it('rejected keys name the secret; only InvalidAccessKeyId, SignatureDoesNotMatch and token codes say so', () => {
    for (const code of ['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'ExpiredToken']) {
      const err = toActionableError(new S3HttpError(403, code, 'no'), list);
      expect(err).toBeInstanceOf(CredentialsError);
      expect((err as Error).message).toBe(
        `source bucket srcx: ListObjectsV2: credentials of secret "x" were rejected (403 ${code}); check its access_key_id/secret_access_key`,
      );
      // The parameter an API form marks (errorInfo.field); before, none.
      expect((err as CredentialsError).field).toBe('srcCredentials');
    }
  });

  it('keys rejected before they were renewed: retryable; the secret parameter is marked only when a secret is named', () => {
    const rejected = () => markRetryableAfterRenewal(new S3HttpError(403, 'InvalidAccessKeyId', 'no'));
    const named = toActionableError(rejected(), list);
    expect(named).toBeInstanceOf(CredentialsError);
    expect((named as Error).message).toBe(
      'source bucket srcx: ListObjectsV2: credentials of secret "x" were rejected (403 InvalidAccessKeyId, before they were renewed); check its access_key_id/secret_access_key',
    );
    expect((named as CredentialsError).field).toBe('srcCredentials');
    expect(isRetryableError(named)).toBe(true);
    // This account's role (no secret named): srcCredentials is not what to fix, so no form field is marked — as the
    // same rejection without a renewal marks none.
    const chain = toActionableError(rejected(), { ...list, secretName: undefined });
    expect((chain as Error).message).toBe(
      "source bucket srcx: ListObjectsV2: the credentials of this machine's default chain were rejected (403 " +
        'InvalidAccessKeyId, before they were renewed); check AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, the profile ' +
        '(AWS_PROFILE) or the instance role they come from',
    );
    expect((chain as CredentialsError).field).toBeUndefined();
    expect(
      (
        toActionableError(new S3HttpError(403, 'InvalidAccessKeyId', 'no'), {
          ...list,
          secretName: undefined,
        }) as CredentialsError
      ).field,
    ).toBeUndefined();
    expect(isRetryableError(chain)).toBe(true);
  });

  it("a request dated too far from the store's clock blames the clock, not the keys: retryable once the store said its time", () => {
    const learnt = Object.assign(new S3HttpError(403, 'RequestTimeTooSkewed', 'too large'), { clockSkewMs: 2_400_000 });
    const mapped = toActionableError(learnt, list);
    expect(mapped).toBeInstanceOf(StorageRequestError);
    expect((mapped as Error).message).toBe(
      "source bucket srcx: ListObjectsV2: this machine's clock differs from the store's by 2400 s (behind) " +
        "(403 RequestTimeTooSkewed); requests are now dated by the store's clock",
    );
    expect(isRetryableError(mapped)).toBe(true);
    const unknown = toActionableError(new S3HttpError(403, 'RequestTimeTooSkewed', 'too large'), list);
    expect((unknown as Error).message).toContain("(403 RequestTimeTooSkewed); set this machine's clock (NTP)");
    expect(isRetryableError(unknown)).toBe(false);
  });

  it('an empty default chain (the SDK found no keys, profile or role) is "no credentials found", not a rejection', () => {
    const noChain = Object.assign(new Error('Could not load credentials from any providers'), {
      name: 'CredentialsProviderError',
    });
    const src = toActionableError(noChain, { ...list, secretName: undefined });
    expect(src).toBeInstanceOf(NoCredentialsError);
    expect((src as Error).message).toBe(
      "source bucket srcx: ListObjectsV2: no AWS credentials found (srcInCurrentAccount=true uses this machine's " +
        'default chain: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, a profile (AWS_PROFILE) or an instance role); or name a secret in srcCredentials',
    );
    expect((toActionableError(noChain, { ...put, secretName: undefined }) as Error).message).toMatch(
      /destInCurrentAccount=true .*; or name a secret in destCredentials$/,
    );
    expect(isRetryableError(src)).toBe(false);
    const named = toActionableError(noChain, { ...put, secretName: undefined, ignoredSecretName: 'dst-keys' });
    expect((named as Error).message).toMatch(
      /destInCurrentAccount=true .*; destCredentials \("dst-keys"\) is not used while destInCurrentAccount=true: set destInCurrentAccount to false to sign with that secret$/,
    );
  });

  it('an https:// endpoint that answers in plain HTTP says "does not speak TLS" and the http:// to write, on either side', () => {
    // Node's two shapes of it: the code of a TLS socket, and EPROTO with OpenSSL's reason.
    const wrongVersion = socketError(
      'ERR_SSL_WRONG_VERSION_NUMBER',
      '80AC:error:0A00010B:SSL routines:ssl3_get_record:wrong version number',
    );
    const eproto = socketError(
      'EPROTO',
      'write EPROTO 809C:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:ssl3_record.c:350:',
    );
    const src = toActionableError(wrongVersion, { ...list, endpoint: 'https://127.0.0.1:5868' });
    expect(src).toBeInstanceOf(EndpointNotTlsError);
    expect((src as Error).message).toBe(
      'source bucket srcx: ListObjectsV2: source endpoint https://127.0.0.1:5868 does not speak TLS ' +
        '(ERR_SSL_WRONG_VERSION_NUMBER): if the store is plain HTTP, write http://127.0.0.1:5868',
    );
    expect(isRetryableError(src)).toBe(false);
    expect((toActionableError(eproto, { ...put, endpoint: 'https://minio.lan:9000' }) as Error).message).toMatch(
      /^destination bucket dstx: PutObject "a\/b.txt": destination endpoint https:\/\/minio.lan:9000 does not speak TLS \(EPROTO\): if the store is plain HTTP, write http:\/\/minio.lan:9000$/,
    );
    // Another handshake failure (a cipher refused) is not called plain HTTP.
    const handshake = socketError(
      'EPROTO',
      'write EPROTO 80:error:0A000410:SSL routines:ssl3_read_bytes:sslv3 alert handshake failure',
    );
    expect(toActionableError(handshake, list)).not.toBeInstanceOf(EndpointNotTlsError);
  });

  it('a missing bucket, a gone upload, an unreachable endpoint', () => {
    expect(toActionableError(new S3HttpError(404, 'NoSuchBucket', 'x'), put)).toBeInstanceOf(BucketNotFoundError);
    const gone = toActionableError(new S3HttpError(404, 'NoSuchUpload', 'x'), {
      ...put,
      operation: 'CompleteMultipartUpload',
    });
    expect(gone).toBeInstanceOf(UploadGoneError);
    expect(isRetryableError(gone)).toBe(true);
    const refused = toActionableError(socketError('ECONNREFUSED', 'connect ECONNREFUSED'), list);
    expect(refused).toBeInstanceOf(EndpointUnreachableError);
    expect((refused as Error).message).toBe(
      'source bucket srcx: ListObjectsV2: cannot reach http://e (ECONNREFUSED); check the endpoint/region',
    );
  });

  it('5xx, throttling and broken connections are retryable (throttling says so); other client errors are not', () => {
    const slow = toActionableError(new S3HttpError(503, 'SlowDown', 'Reduce', 2000), put);
    expect(slow).toBeInstanceOf(StorageRequestError);
    expect((slow as Error).message).toBe('destination bucket dstx: PutObject "a/b.txt": answered 503 SlowDown: Reduce');
    expect(retryAdviceOf(slow)).toEqual({ retryable: true, throttled: true, retryAfterMs: 2000 });
    expect(isRetryableError(toActionableError(new S3HttpError(500, 'InternalError', 'x'), put))).toBe(true);
    expect(isRetryableError(toActionableError(new S3HttpError(400, 'BadDigest', 'x'), put))).toBe(true);
    expect(isRetryableError(toActionableError(new S3HttpError(400, 'InvalidArgument', 'x'), put))).toBe(false);
    expect(isRetryableError(toActionableError(socketError('ECONNRESET', 'socket hang up'), put))).toBe(true);
    expect(isRetryableError(toActionableError(socketError('ERR_STREAM_PREMATURE_CLOSE', 'Premature close'), put))).toBe(
      true,
    );
  });

  it('decides by codes, not by message text: an uncoded error saying "socket hang up" is not retryable', () => {
    expect(s3RetryAdvice(new Error('socket hang up: timeout, aborted, ECONNRESET')).retryable).toBe(false);
  });

  it('a malformed answer is a retryable MalformedAnswerError naming where', () => {
    const err = toActionableError(new MalformedS3Answer('content type text/html where XML was expected'), list);
    expect(err).toBeInstanceOf(MalformedAnswerError);
    expect((err as Error).message).toBe(
      'source bucket srcx: ListObjectsV2: the answer is not a valid S3 response (content type text/html where XML was expected)',
    );
    expect(isRetryableError(err)).toBe(true);
  });

  it("the engine's own errors pass through (a source body that broke during a destination upload stays the source's)", () => {
    const own = new MalformedAnswerError('source bucket s: GetObject "k"', 'x');
    expect(toActionableError(own, put)).toBe(own);
  });
});
