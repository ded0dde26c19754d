import { SqliteMissingError } from '../worker/adapters/embedded/sqlite-database.js';
import { InvalidParameterError } from '../worker/core/errors.js';

/**
 * Opens a sync command's --state file. One that cannot serve (not a SQLite file, a directory, no permission) is bad
 * input naming --state and the path, exit 2, rather than SQLite's bare "file is not a database".
 */
export function openStateFile<Database>(open: (path: string) => Database, path: string): Database {
  try {
    return open(path);
  } catch (err) {
    if (err instanceof SqliteMissingError) throw err;
    const why = err instanceof Error ? err.message : String(err);
    throw new InvalidParameterError(
      '--state',
      `"${path}" cannot be used as the run's state database (${why}); give the file an earlier run wrote, or a new file's path`,
    );
  }
}
