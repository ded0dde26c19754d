/** The TaskStore contract, run against the local hub's task table (SqliteTaskStore) in a fresh SQLite file. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SqliteTaskStore } from '../../../control-plane/local/sqlite-task-store.js';
import { openSqliteDatabase } from '../../../worker/adapters/embedded/index.js';
import { task, taskStoreContract } from '../contract/task-store-contract.js';

taskStoreContract(
  'SqliteTaskStore',
  async () => new SqliteTaskStore(openSqliteDatabase(join(mkdtempSync(join(tmpdir(), 'dth-tasks-')), 'hub.db'))),
);

describe('SqliteTaskStore file', () => {
  it('keeps tasks across a reopen of the file, and lists the unfinished ones for the hub to resume', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'dth-tasks-')), 'hub.db');
    const first = openSqliteDatabase(file);
    const s = new SqliteTaskStore(first);
    await s.put(task('running', '2026-11-25T08:00:00.000Z', 'IN_PROGRESS'));
    await s.put(task('done', '2026-11-25T08:01:00.000Z', 'DONE'));
    await s.put(task('stopping', '2026-11-25T08:02:00.000Z', 'STOPPING'));
    first.close();
    const reopened = new SqliteTaskStore(openSqliteDatabase(file));
    expect(await reopened.get('done')).toEqual(task('done', '2026-11-25T08:01:00.000Z', 'DONE'));
    expect((await reopened.unfinished()).map((t) => t.id).sort()).toEqual(['running', 'stopping']);
  });
});
