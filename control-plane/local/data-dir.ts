import { chmodSync, mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { InvalidParameterError } from '../../worker/core/errors.js';
import type { Logger } from '../../worker/core/log.js';

/** The hub's data directory holds task parameters, per-object status and task logs: the owner's only. */
const PRIVATE_DIR = 0o700;

/**
 * Makes the directory and its missing parents, one level at a time: Node's recursive mkdir never returned under
 * /proc (`--data /proc/x` hung the hub), and its EEXIST for a file in the way named no option.
 */
function makeDataDir(dir: string): void {
  let kind: 'dir' | 'other' | 'none';
  try {
    kind = statSync(dir).isDirectory() ? 'dir' : 'other';
  } catch {
    kind = 'none';
  }
  if (kind === 'dir') return;
  if (kind === 'other') throw new InvalidParameterError('--data', `"${dir}" is a file, not a directory`);
  const parent = dirname(dir);
  if (parent !== dir) makeDataDir(parent);
  try {
    mkdirSync(dir, { mode: PRIVATE_DIR });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' && statSync(dir).isDirectory()) return; // made meanwhile
    throw new InvalidParameterError('--data', `cannot create the directory "${dir}" (${code ?? String(err)})`);
  }
}

/**
 * Creates the data directory 0700, or tightens one an earlier version left readable by others (its files are
 * tightened as they are opened: sqlite-database.ts). The secrets file is the user's: a warning, not a chmod.
 */
export function prepareDataDir(dataDir: string, secretsFile: string, logger: Logger): void {
  makeDataDir(dataDir);
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
    // No secrets file: nothing to protect, but said, so a mistyped --secrets path is not met later as "no secret named".
    logger.warn('hub.secrets_file_missing', {
      file: secretsFile,
      hint: "tasks can only use this machine's credentials or anonymous access until it exists",
    });
  }
}
