/** The SQLite counters of a state file written before they existed: filled from its records once, then kept. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openSqliteDatabase, SqliteStatusStore } from '../../../worker/adapters/embedded/index.js';
import { emptySummary } from '../../../worker/ports/status-store.js';

describe('SQLite status counters', () => {
  it('fill themselves from the records of an older state file once, whichever connection opens it first', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'dth-counters-')), 'state.db');
    const old = openSqliteDatabase(file);
    // The table as the previous version created it, with records of two tasks and no counters.
    old.exec(`CREATE TABLE object_status (
        task_id TEXT NOT NULL, key TEXT NOT NULL, size INTEGER NOT NULL, etag TEXT, status TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0, error TEXT, checksum TEXT, verified INTEGER, bytes_done INTEGER,
        started_at TEXT, finished_at TEXT, upload_id TEXT, part_size INTEGER, PRIMARY KEY (task_id, key));
      INSERT INTO object_status (task_id, key, size, status, verified, bytes_done) VALUES
        ('a', 'x', 10, 'DONE', 1, 10), ('a', 'y', 20, 'IN_PROGRESS', 0, 5), ('a', 'z', 30, 'PENDING', NULL, NULL),
        ('b', 'x', 7, 'FAILED', 0, NULL);`);
    old.close();

    const first = openSqliteDatabase(file);
    const second = openSqliteDatabase(file);
    const a = new SqliteStatusStore(first, 'a');
    const b = new SqliteStatusStore(second, 'b');
    new SqliteStatusStore(second, 'a');
    return (async () => {
      expect(await a.summary()).toEqual({
        ...emptySummary(),
        total: 3,
        done: 1,
        inProgress: 1,
        pending: 1,
        verified: 1,
        bytesTotal: 60,
        bytesDone: 15,
      });
      expect(await b.summary()).toEqual({ ...emptySummary(), total: 1, failed: 1, bytesTotal: 7 });
      await a.update('z', { status: 'DONE', verified: true });
      expect(await new SqliteStatusStore(second, 'a').summary()).toMatchObject({
        total: 3,
        done: 2,
        pending: 0,
        verified: 2,
        bytesDone: 45,
      });
      a.clear();
      expect(await new SqliteStatusStore(second, 'a').summary()).toEqual(emptySummary());
      expect((await b.summary()).total).toBe(1);
    })();
  });
});
