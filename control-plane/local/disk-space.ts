import { chmodSync, existsSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isStorageFull } from '../../worker/adapters/embedded/sqlite-database.js';
import { DthError } from '../../worker/core/errors.js';
import type { Logger } from '../../worker/core/log.js';

export { isStorageFull };

/** A task stopped because the hub's data directory is full. */
export class DiskFullError extends DthError {
  constructor(dataDir: string, detail: string) {
    super(
      'DISK_FULL',
      `disk full: the hub's data directory ${dataDir} has no space left (${detail}); free space there, then create the task again`,
    );
  }
}

const RESERVE_FILE = 'hub.db.reserve';
/** Room for a few task-state writes (each a handful of 4 KiB WAL frames) once the disk is full. */
const RESERVE_BYTES = 2 * 1024 * 1024;
const RESTORE_EVERY_MS = 5_000;

/**
 * Space kept back in the data directory so that the hub can still record why a task stopped when the disk fills:
 * on a full disk every SQLite write fails, the one saying "ERROR: disk full" too. `release()` deletes the reserve to
 * make that write possible; the reserve is taken again once the disk has room (checked every 5 s).
 */
export class DiskReserve {
  private readonly path: string;
  private timer?: NodeJS.Timeout;

  constructor(
    readonly dataDir: string,
    private readonly logger: Logger,
    private readonly bytes = RESERVE_BYTES,
  ) {
    this.path = join(dataDir, RESERVE_FILE);
  }

  /** Takes the reserve if it is not held; false when the disk has no room for it yet. */
  take(): boolean {
    if (existsSync(this.path)) {
      if (statSync(this.path).mode & 0o077) chmodSync(this.path, 0o600);
      return true;
    }
    try {
      // Written, not sparse: the blocks must really be allocated to be worth freeing later.
      writeFileSync(this.path, Buffer.alloc(this.bytes), { mode: 0o600 });
      return true;
    } catch (err) {
      try {
        unlinkSync(this.path);
      } catch {
        // Nothing was written.
      }
      if (!isStorageFull(err)) this.logger.warn('hub.disk_reserve_failed', { path: this.path, error: err });
      return false;
    }
  }

  /** Frees the reserve (the disk is full), then takes it again as soon as there is room. */
  release(): void {
    try {
      unlinkSync(this.path);
      this.logger.warn('hub.disk_full', {
        dataDir: this.dataDir,
        hint: `free space in ${this.dataDir}`,
        released: this.bytes,
      });
    } catch {
      // Already released.
    }
    this.restoreLater();
  }

  private restoreLater(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      if (!this.take()) return;
      clearInterval(this.timer);
      this.timer = undefined;
      this.logger.info('hub.disk_space_returned', { dataDir: this.dataDir });
    }, RESTORE_EVERY_MS);
    this.timer.unref();
  }

  /** Starts holding the reserve (at hub start); a full disk at start is logged and retried, not fatal. */
  start(): void {
    if (!this.take()) {
      this.logger.warn('hub.disk_full', { dataDir: this.dataDir, hint: `free space in ${this.dataDir}` });
      this.restoreLater();
    }
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
