import { setTimeout as sleep } from 'node:timers/promises';

/** Exponential backoff with full jitter, capped: attempt 1 → up to base, attempt n → up to base·2^(n-1). */
export function backoffMs(attempt: number, baseMs = 200, capMs = 20_000): number {
  return Math.random() * Math.min(capMs, baseMs * 2 ** (attempt - 1));
}

/** Runs `fn` until it succeeds, the error is not retryable, or attempts run out. */
export async function withRetry<T>(
  fn: (attempt: number) => Promise<T>,
  options: { attempts: number; isRetryable: (err: unknown) => boolean; signal?: AbortSignal; baseMs?: number },
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (attempt >= options.attempts || !options.isRetryable(err) || options.signal?.aborted) throw err;
      await sleep(backoffMs(attempt, options.baseMs), undefined, { signal: options.signal }).catch(() => {});
    }
  }
}
