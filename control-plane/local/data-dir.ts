import { chmodSync, mkdirSync, type Stats, statSync } from 'node:fs';
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
 * Why an existing directory is not the hub's to tighten, or undefined when it is. The chmod is for a data directory an
 * earlier version left readable by others; a directory others may write to (shared like /tmp, sticky or not; a group
 * folder) or someone else's is refused instead: locking it 0700 would shut its other users out of their files.
 */
function notOurs(dataDir: string, stat: Stats): string | undefined {
  const uid = process.getuid?.();
  if (uid !== undefined && stat.uid !== uid)
    return `"${dataDir}" belongs to another user (uid ${stat.uid}): choose a directory of your own, e.g. ~/.dth`;
  if (stat.mode & (0o1000 | 0o002))
    return `"${dataDir}" is shared with every user (mode ${modeOf(stat)}): choose a directory of its own, e.g. ~/.dth`;
  // Group-writable by the user's own private group (umask 002) is the earlier version's directory; another group's is shared.
  if (stat.mode & 0o020 && stat.gid !== process.getgid?.())
    return `"${dataDir}" is writable by its group (gid ${stat.gid}, mode ${modeOf(stat)}): choose a directory of its own, e.g. ~/.dth`;
  return undefined;
}

const modeOf = (stat: Stats) => (stat.mode & 0o7777).toString(8).padStart(4, '0');

/**
 * Creates the data directory 0700, or tightens one an earlier version left readable by others (its files are
 * tightened as they are opened: sqlite-database.ts); a directory that is not the hub's own is refused (notOurs).
 * The secrets file is the user's: a warning, not a chmod.
 */
export function prepareDataDir(dataDir: string, secretsFile: string, logger: Logger): void {
  makeDataDir(dataDir);
  const stat = statSync(dataDir);
  if (stat.mode & 0o7077) {
    const refused = notOurs(dataDir, stat);
    if (refused) throw new InvalidParameterError('--data', refused);
    try {
      chmodSync(dataDir, PRIVATE_DIR);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? String(err);
      throw new InvalidParameterError(
        '--data',
        `cannot make "${dataDir}" private to you (${code}): choose a directory of your own`,
      );
    }
    logger.warn('hub.data_dir_tightened', { dataDir, was: modeOf(stat), now: PRIVATE_DIR.toString(8) });
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
