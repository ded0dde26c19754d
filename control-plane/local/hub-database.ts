import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  damageOf,
  isStorageFull,
  openSqliteDatabase,
  type SqliteDatabase,
} from '../../worker/adapters/embedded/sqlite-database.js';
import { DthError } from '../../worker/core/errors.js';

/** The hub cannot trust its database: nothing is served, nothing is written over it. */
export class HubDatabaseError extends DthError {
  constructor(message: string) {
    super('HUB_DATABASE', message);
  }
}

/**
 * Written next to hub.db, outside it: which database this data directory holds (an id also stored inside it) and how
 * many tasks it held. An emptied, deleted or swapped hub.db then cannot pass for a new, empty hub.
 */
interface Marker {
  databaseId: string;
  tasks: number;
  updatedAt: string;
}

export const HUB_DB_FILE = 'hub.db';
export const MARKER_FILE = 'hub.db.marker.json';

export interface HubDatabase {
  db: SqliteDatabase;
  /** Records the task count in the marker (at start and at a clean stop), then closes the database. */
  close(): void;
}

function readMarker(path: string): Marker | undefined {
  if (!existsSync(path)) return undefined;
  try {
    const m = JSON.parse(readFileSync(path, 'utf8')) as Marker;
    if (typeof m.databaseId === 'string' && m.databaseId) return m;
  } catch {
    // Unreadable: as if absent — the marker guards against losing the database, it must never be the thing that stops
    // a sound one from opening. The database's own id is written back below.
  }
  return undefined;
}

function writeMarker(path: string, marker: Marker): void {
  // Written aside then renamed: a crash mid-write never leaves half a marker.
  writeFileSync(`${path}.tmp`, `${JSON.stringify(marker, null, 2)}\n`, { mode: 0o600 });
  renameSync(`${path}.tmp`, path);
}

function databaseIdOf(db: SqliteDatabase): string | undefined {
  const table = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'hub_meta'").get();
  if (!table) return undefined;
  return (db.prepare("SELECT value FROM hub_meta WHERE key = 'database_id'").get() as { value: string } | undefined)
    ?.value;
}

function taskCount(db: SqliteDatabase): number {
  const table = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'tasks'").get();
  return table ? (db.prepare('SELECT COUNT(*) AS n FROM tasks').get() as { n: number }).n : 0;
}

/**
 * Opens DATA/hub.db only when it can be trusted: SQLite's quick_check passes (a damaged file is refused, not served
 * error by error), and it is the database this directory had (an emptied, deleted or swapped file is refused, not
 * taken for a new hub). Every refusal names the file, what is wrong and what to do, and changes nothing on disk.
 */
export function openHubDatabase(dataDir: string): HubDatabase {
  const path = join(dataDir, HUB_DB_FILE);
  const markerPath = join(dataDir, MARKER_FILE);
  const marker = readMarker(markerPath);
  const startEmpty = `to start with an empty hub instead, move ${path} aside and remove ${markerPath}`;
  if (marker && (!existsSync(path) || statSync(path).size === 0)) {
    throw new HubDatabaseError(
      `${path} is ${existsSync(path) ? 'empty' : 'missing'}, but this data directory had a database: ${marker.tasks} task(s) ` +
        `when last recorded (${MARKER_FILE}, ${marker.updatedAt}). The hub did not start, so that it does not come up as an empty hub that forgot its tasks. ` +
        `Restore ${path} from a backup; ${startEmpty}.`,
    );
  }
  let db: SqliteDatabase | undefined;
  let damage: string | undefined;
  try {
    db = openSqliteDatabase(path);
    damage = damageOf(db);
  } catch (err) {
    damage = (err as Error).message;
  }
  if (damage || !db) {
    db?.close();
    throw new HubDatabaseError(
      `${path} is damaged (SQLite integrity check: ${damage || 'unreadable'}). The hub did not start and changed nothing. ` +
        `Restore ${path} from a backup; or save what SQLite can still read: \`sqlite3 ${path} .recover | sqlite3 ${join(dataDir, 'hub-recovered.db')}\`, ` +
        `then replace ${path} (and remove ${path}-wal, ${path}-shm) with it; ${startEmpty}.`,
    );
  }
  const sound = db;
  let id = databaseIdOf(sound);
  if (marker && id !== marker.databaseId) {
    sound.close();
    throw new HubDatabaseError(
      `${path} is not the database this data directory had (id ${id ?? 'none'}, expected ${marker.databaseId} with ${marker.tasks} task(s), ` +
        `${MARKER_FILE}). The hub did not start. Restore the right ${path} from a backup; ${startEmpty}.`,
    );
  }
  if (!id) {
    // A new database, or one from before the marker existed.
    id = randomUUID();
    sound.exec('CREATE TABLE IF NOT EXISTS hub_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)');
    sound.prepare("INSERT INTO hub_meta (key, value) VALUES ('database_id', ?)").run(id);
  }
  const databaseId = id;
  const record = () =>
    writeMarker(markerPath, { databaseId, tasks: taskCount(sound), updatedAt: new Date().toISOString() });
  try {
    record();
  } catch (err) {
    // A full disk must not keep a sound hub from starting; the marker is written again at a clean stop.
    if (!isStorageFull(err) || !marker) throw err;
  }
  return {
    db: sound,
    close: () => {
      try {
        record();
      } finally {
        sound.close();
      }
    },
  };
}
