/**
 * Source objects copied without their tags because the source refused to read them (no s3:GetObjectTagging: the
 * original's documented minimum source policy is s3:GetObject and s3:ListBucket, and the original never read tags).
 * The copy goes on, as the original's did; the user is told which permission would carry the tags over. A bucket of
 * tagged objects must not write one warning per object: the first refusal is logged at once, later ones at most once
 * per interval, each line counting the objects copied without tags since the previous one, and the worker's end logs
 * what is left.
 */
import type { Logger } from '../core/log.js';

/** The event of those warnings. */
export const TAGS_REFUSED_EVENT = 'copy.tags_unreadable';

/** The permission a source needs for tags to be copied. */
export const TAGS_PERMISSION = 's3:GetObjectTagging';

export class TagsRefusedWarnings {
  private unreported = 0;
  private lastKey?: string;
  private lastError?: unknown;
  private loggedAt?: number;

  constructor(
    private readonly logger: Logger,
    /** One line at most this often (ms). */
    private readonly intervalMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Object `key` is being copied without its tags: reading them was refused with `error`. */
  note(key: string, error: unknown): void {
    this.unreported++;
    this.lastKey = key;
    this.lastError = error;
    if (this.loggedAt === undefined || this.now() - this.loggedAt >= this.intervalMs) this.flush();
  }

  /** Logs the refusals not yet reported (the worker calls it when it ends). */
  flush(): void {
    if (this.unreported === 0) return;
    this.logger.warn(TAGS_REFUSED_EVENT, {
      key: this.lastKey,
      objects: this.unreported,
      permission: TAGS_PERMISSION,
      message:
        `${this.unreported === 1 ? 'an object was' : `${this.unreported} objects were`} copied without ` +
        `${this.unreported === 1 ? 'its' : 'their'} tags (last: "${this.lastKey}"): the source refused to read ` +
        `them; grant ${TAGS_PERMISSION} on the source bucket to copy tags`,
      error: this.lastError,
    });
    this.unreported = 0;
    this.loggedAt = this.now();
  }
}
