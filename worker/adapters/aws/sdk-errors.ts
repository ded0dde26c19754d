/**
 * Retry advice for AWS SDK v3 errors (DynamoDB, SQS), attached where the adapter sees them: the SDK has already
 * retried with its own backoff, so what arrives here is a throttle or an outage that outlasted those tries, worth a
 * later attempt, or a client error that is not.
 */
import { withRetryAdvice } from '../../core/errors.js';

const THROTTLING = new Set([
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'RequestThrottled',
  'RequestThrottledException',
  'LimitExceededException',
]);
const TRANSIENT = new Set([
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'TimeoutError',
]);

interface SdkError {
  name?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number };
  $retryable?: { throttling?: boolean };
}

/** Attaches retry advice to an SDK failure and returns it. */
export function adviseSdkError<E>(err: E): E {
  const e = (err ?? {}) as SdkError;
  const name = e.name ?? '';
  const status = e.$metadata?.httpStatusCode;
  const throttled = THROTTLING.has(name) || status === 429 || e.$retryable?.throttling === true;
  const networkFailure = TRANSIENT.has(name) || TRANSIENT.has(e.code ?? '');
  // No HTTP answer at all: the SDK's own retries (about a second) did not outlast the outage.
  const unreachable = status === undefined && networkFailure;
  const retryable =
    throttled || (status !== undefined && status >= 500) || e.$retryable !== undefined || networkFailure;
  return withRetryAdvice(err, { retryable, throttled, ...(unreachable ? { unreachable } : {}) });
}

/** Awaits an SDK call; its failure leaves with retry advice. */
export async function sdkCall<T>(call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (err) {
    throw adviseSdkError(err);
  }
}
