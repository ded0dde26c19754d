import { chmodSync, mkdirSync, statSync } from 'node:fs';
import type { Logger } from '../../worker/core/log.js';

/** The hub's data directory holds task parameters, per-object status and task logs: the owner's only. */
const PRIVATE_DIR = 0o700;

/**
 * Creates the data directory 0700, or tightens one an earlier version left readable by others (its files are
 * tightened as they are opened: sqlite-database.ts). The secrets file is the user's: a warning, not a chmod.
 */
export function prepareDataDir(dataDir: string, secretsFile: string, logger: Logger): void {
  mkdirSync(dataDir, { recursive: true, mode: PRIVATE_DIR });
  const mode = statSync(dataDir).mode & 0o777;
  if (mode & 0o077) {
    chmodSync(dataDir, PRIVATE_DIR);
    logger.warn('hub.data_dir_tightened', { dataDir, was: mode.toString(8), now: PRIVATE_DIR.toString(8) });
  }
  try {
    if (statSync(secretsFile).mode & 0o077) {
      logger.warn('hub.secrets_file_exposed', {
        file: secretsFile,
        problem: 'readable by other local users',
        hint: `chmod 600 ${secretsFile}`,
      });
    }
  } catch {
    // No secrets file: nothing to protect yet.
  }
}
