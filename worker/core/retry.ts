import { setTimeout as sleep } from 'node:timers/promises';
import { isRetryableError, retryAdviceOf } from './errors.js';

/** Exponential backoff with full jitter, capped: attempt 1 → up to base, attempt n → up to base·2^(n-1). */
export function backoffMs(attempt: number, baseMs = 200, capMs = 20_000): number {
  return Math.random() * Math.min(capMs, baseMs * 2 ** (attempt - 1));
}

/** Throttling answers back off from a base this many times longer: the service asked for fewer requests. */
const THROTTLED_FACTOR = 4;

/** The wait before another attempt after `err`: its advice (throttled, Retry-After) stretches the plain backoff. */
export function retryDelayMs(err: unknown, attempt: number, baseMs = 200, capMs = 20_000): number {
  const advice = retryAdviceOf(err);
  const delay = backoffMs(attempt, advice?.throttled ? baseMs * THROTTLED_FACTOR : baseMs, capMs);
  return Math.min(capMs, Math.max(delay, advice?.retryAfterMs ?? 0));
}

/** Runs `fn` until it succeeds, the error is not retryable (by default: as the error itself says), or attempts run out. */
export async function withRetry<T>(
  fn: (attempt: number) => Promise<T>,
  options: { attempts: number; isRetryable?: (err: unknown) => boolean; signal?: AbortSignal; baseMs?: number },
): Promise<T> {
  const isRetryable = options.isRetryable ?? isRetryableError;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (attempt >= options.attempts || !isRetryable(err) || options.signal?.aborted) throw err;
      await sleep(retryDelayMs(err, attempt, options.baseMs), undefined, { signal: options.signal }).catch(() => {});
    }
  }
}
