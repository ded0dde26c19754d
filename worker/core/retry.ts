import { setTimeout as sleep } from 'node:timers/promises';
import { EndpointUnreachableError, isRetryableError, retryAdviceOf } from './errors.js';

/** Exponential backoff with full jitter, capped: attempt 1 → up to base, attempt n → up to base·2^(n-1). */
export function backoffMs(attempt: number, baseMs = 200, capMs = 20_000): number {
  return Math.random() * Math.min(capMs, baseMs * 2 ** (attempt - 1));
}

/** A Retry-After header's value (seconds, or an HTTP date) in ms; undefined when absent or unreadable. */
export function retryAfterMs(value: string | null | undefined): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/** Throttling answers back off from a base this many times longer: the service asked for fewer requests. */
const THROTTLED_FACTOR = 4;

/** The wait before another attempt after `err`: its advice (throttled, Retry-After) stretches the plain backoff. */
export function retryDelayMs(err: unknown, attempt: number, baseMs = 200, capMs = 20_000): number {
  const advice = retryAdviceOf(err);
  const delay = backoffMs(attempt, advice?.throttled ? baseMs * THROTTLED_FACTOR : baseMs, capMs);
  return Math.min(capMs, Math.max(delay, advice?.retryAfterMs ?? 0));
}

/**
 * Deliveries of a queued object are spaced wider when its store — or the task's status table — could not be reached
 * at all (down, restarting, the network gone, a gateway answering 502/504 for it): 7.5–15 s, then 15–30, 30–60,
 * 60–120 s (half fixed, half random), so an outage of a few minutes does not use up its attempts (a 15 s DynamoDB
 * outage used up all five, ~1 s apart). Other failures keep the request backoff of 1 s doubling up to a minute. Before,
 * every failure got the latter, and 5 attempts fitted in ~15 s: a destination restarting for 15 s failed objects for good.
 */
export const UNREACHABLE_REDELIVERY = { baseMs: 15_000, capMs: 300_000 } as const;

/**
 * An object whose connection broke (reset, cut) is delivered again soon once (a hiccup); when its next delivery breaks
 * too, the breaks are taken for an outage (a load balancer resetting connections while its servers restart) and
 * spaced as one, from this attempt on.
 */
const BROKEN_IS_OUTAGE_FROM = 2;

export function redeliveryDelayMs(err: unknown, attempt: number): number {
  const advice = retryAdviceOf(err);
  const outageStep =
    err instanceof EndpointUnreachableError || advice?.unreachable
      ? attempt
      : advice?.broken && attempt >= BROKEN_IS_OUTAGE_FROM
        ? attempt - BROKEN_IS_OUTAGE_FROM + 1
        : undefined;
  if (outageStep !== undefined) {
    const step = Math.min(UNREACHABLE_REDELIVERY.capMs, UNREACHABLE_REDELIVERY.baseMs * 2 ** (outageStep - 1));
    return step / 2 + Math.random() * (step / 2);
  }
  return retryDelayMs(err, attempt, 1000, 60_000);
}

/**
 * `work`'s outcome, or the signal's reason as soon as it aborts (what of the work does not see the signal itself — a
 * connection being opened — ends on its own; its late outcome is ignored).
 */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  work.catch(() => {});
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
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
