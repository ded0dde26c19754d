/**
 * Access keys read from a secret, kept current without restarting the worker: re-read every `refreshMs`, and at once
 * when the store rejects them (a key rotated in the secret store, the old one already revoked). The original
 * re-read them daily and after any error mentioning 403.
 */
import type { AccessKeys } from '../../ports/secret-store.js';

export interface RotatingKeysOptions {
  /** Re-read this often while in use (default 10 minutes). */
  refreshMs?: number;
  /**
   * After a rejection whose re-read found the same keys (a missing permission, not a rotation), rejections within
   * this long reuse that answer instead of reading the secret again (default 5 s): a policy error on every object
   * must not become a secret read per object.
   */
  unchangedBackoffMs?: number;
  now?: () => number;
}

function sameKeys(a: AccessKeys, b: AccessKeys): boolean {
  return (
    a.accessKeyId === b.accessKeyId && a.secretAccessKey === b.secretAccessKey && a.sessionToken === b.sessionToken
  );
}

export class RotatingAccessKeys {
  private keys: AccessKeys;
  private readAt: number;
  private reading?: Promise<AccessKeys>;
  /** Until when a rejection of the current keys is answered "unchanged" without a read. */
  private unchangedUntil = 0;
  private readonly refreshMs: number;
  private readonly backoffMs: number;
  private readonly now: () => number;

  private constructor(
    private readonly read: () => Promise<AccessKeys>,
    first: AccessKeys,
    options: RotatingKeysOptions,
  ) {
    this.refreshMs = options.refreshMs ?? 10 * 60_000;
    this.backoffMs = options.unchangedBackoffMs ?? 5_000;
    this.now = options.now ?? Date.now;
    this.keys = first;
    this.readAt = this.now();
  }

  /** Reads the keys once (a missing or malformed secret fails here, naming it) and returns the provider. */
  static async open(read: () => Promise<AccessKeys>, options: RotatingKeysOptions = {}): Promise<RotatingAccessKeys> {
    return new RotatingAccessKeys(read, await read(), options);
  }

  /** One read at a time; the keys object changes only when the secret's keys did (callers compare by identity). */
  private reread(): Promise<AccessKeys> {
    this.reading ??= this.read()
      .then((fresh) => {
        if (!sameKeys(fresh, this.keys)) this.keys = fresh;
        this.readAt = this.now();
        return this.keys;
      })
      .finally(() => {
        this.reading = undefined;
      });
    return this.reading;
  }

  /** The keys to sign with; re-read when older than `refreshMs` (a failed re-read keeps the old keys and is tried again later). */
  async current(): Promise<AccessKeys> {
    if (this.now() - this.readAt >= this.refreshMs) {
      await this.reread().catch(() => {
        this.readAt = this.now() - this.refreshMs + Math.min(this.refreshMs, 30_000);
      });
    }
    return this.keys;
  }

  /**
   * The store rejected a request signed with `rejected`: true when other keys are now current (the request is worth
   * sending again), after re-reading the secret unless a read since then already answered.
   */
  async renew(rejected: AccessKeys): Promise<boolean> {
    if (this.keys !== rejected) return !sameKeys(this.keys, rejected);
    if (this.now() < this.unchangedUntil) return false;
    let fresh: AccessKeys;
    try {
      fresh = await this.reread();
    } catch {
      return false;
    }
    const changed = !sameKeys(fresh, rejected);
    if (!changed) this.unchangedUntil = this.now() + this.backoffMs;
    return changed;
  }
}
