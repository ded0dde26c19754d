/**
 * A rate of bytes per second shared by every stream of one worker (bandwidthLimit): a token bucket holding at most
 * one second of the rate, so a pause is made up by one second's burst, no more, and the rate holds over any longer
 * span whatever the number of streams drawing on it.
 */
import { Transform, type TransformCallback } from 'node:stream';

export class BandwidthLimit {
  private tokens: number;
  private last = performance.now();

  constructor(readonly bytesPerSecond: number) {
    if (!(bytesPerSecond > 0)) throw new RangeError(`bytesPerSecond must be above 0, got ${bytesPerSecond}`);
    this.tokens = bytesPerSecond;
  }

  /** Takes `bytes`; how long (ms) they must wait before they pass. What they overdraw is owed by the next ones. */
  take(bytes: number): number {
    const now = performance.now();
    this.tokens = Math.min(this.bytesPerSecond, this.tokens + ((now - this.last) / 1000) * this.bytesPerSecond);
    this.last = now;
    this.tokens -= bytes;
    return this.tokens >= 0 ? 0 : (-this.tokens / this.bytesPerSecond) * 1000;
  }
}

/** Passes chunks on as the limit allows; the same Buffers (no copy), one waiting chunk at a time. */
export class LimitedStream extends Transform {
  private timer?: NodeJS.Timeout;

  constructor(private readonly limit: BandwidthLimit) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    const wait = this.limit.take(chunk.length);
    if (wait <= 0) {
      done(null, chunk);
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      done(null, chunk);
    }, wait);
  }

  override _destroy(err: Error | null, done: (err: Error | null) => void): void {
    clearTimeout(this.timer);
    done(err);
  }
}
