import { damageOf, SqliteMissingError, type SqliteDatabase } from '../worker/adapters/embedded/sqlite-database.js';
import { InvalidParameterError } from '../worker/core/errors.js';

/**
 * Opens a sync command's --state file. One that cannot serve (not a SQLite file, a directory, no permission) is bad
 * input naming --state and the path, exit 2, rather than SQLite's bare "file is not a database". So is one that opens
 * but is damaged (`damageOf`: SQLite's quick_check, ~0.2 s per million records): before, the damage surfaced at the
 * first query that met it, as SQLite's bare "database disk image is malformed" and exit 1 — or not at all, the run
 * going on with whatever the damaged pages held.
 */
export function openStateFile(open: (path: string) => SqliteDatabase, path: string): SqliteDatabase {
  let db: SqliteDatabase;
  try {
    db = open(path);
  } catch (err) {
    if (err instanceof SqliteMissingError) throw err;
    const why = err instanceof Error ? err.message : String(err);
    throw new InvalidParameterError(
      '--state',
      `"${path}" cannot be used as the run's state database (${why}); give the file an earlier run wrote, or a new file's path`,
    );
  }
  const damage = damageOf(db);
  if (damage === undefined) return db;
  db.close();
  throw new InvalidParameterError(
    '--state',
    `"${path}" is damaged (SQLite's check found: ${damage}); move it aside and run again with a new file — ` +
      'objects already at the destination are found by the comparison and not copied again — or give a copy of it ' +
      'that is sound',
  );
}
