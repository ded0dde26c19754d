/**
 * The MD5 of a whole object copied in parts, taken in part order while the parts are read in parallel: a part's bytes
 * wait here until the parts before it are hashed. It proves the ranged reads against a single-part source's ETag (its
 * MD5) where the destination answers a completion with the MD5 of the part MD5s (AWS, MinIO): that answer proves the
 * parts arrived as sent, not that they were read as the source holds them (a byte flipped on the way from the source
 * was copied and reported verified).
 */
import { createHash } from 'node:crypto';

export class OrderedMd5 {
  private readonly hash = createHash('md5');
  /** The first part not hashed yet. */
  private next = 1;
  private readonly read = new Map<number, Buffer[]>();
  private waiters: (() => void)[] = [];
  private abandoned = false;

  constructor(private readonly lastPart: number) {}

  /**
   * Resolves once part `partNumber` is fewer than `window` parts after the first not hashed, so that at most `window`
   * parts' bytes are held here; at once after `abandon`.
   */
  async room(partNumber: number, window: number): Promise<void> {
    while (!this.abandoned && partNumber >= this.next + window) await new Promise<void>((ok) => this.waiters.push(ok));
  }

  /** A part's bytes, once read whole (and sent): a failed attempt's bytes never come here. */
  partRead(partNumber: number, chunks: Buffer[]): void {
    this.read.set(partNumber, chunks);
    const before = this.next;
    for (let part = this.read.get(this.next); part; part = this.read.get(this.next)) {
      for (const chunk of part) this.hash.update(chunk);
      this.read.delete(this.next++);
    }
    if (this.next !== before) this.wake();
  }

  /** The copy failed: waiting parts go on (to fail or end), nothing more is held. */
  abandon(): void {
    this.abandoned = true;
    this.read.clear();
    this.wake();
  }

  /** The whole object's MD5 once every part is hashed; undefined before (or after `abandon`). */
  digestHex(): string | undefined {
    return !this.abandoned && this.next > this.lastPart ? this.hash.digest('hex') : undefined;
  }

  private wake(): void {
    const waiting = this.waiters;
    this.waiters = [];
    for (const ok of waiting) ok();
  }
}
