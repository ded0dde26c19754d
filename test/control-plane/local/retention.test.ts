/**
 * The hub's retention (control-plane/local/retention.ts) on a real hub database: logs and chart samples older than
 * two weeks go, as the original's log groups keep them, and so do the object records of a task stopped (deleted) that
 * long ago; running tasks' records, recent lines and the tasks themselves stay.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LocalTelemetry } from '../../../control-plane/local/local-telemetry.js';
import { pruneExpired, RETENTION_DAYS } from '../../../control-plane/local/retention.js';
import { SqliteTaskStore } from '../../../control-plane/local/sqlite-task-store.js';
import type { TaskRecord } from '../../../control-plane/core/task.js';
import { openSqliteDatabase, SqliteStatusStore } from '../../../worker/adapters/embedded/index.js';

afterEach(() => {
  vi.useRealTimers();
});

const DAY = 86_400_000;

describe('hub retention', () => {
  it("removes logs, samples and stopped tasks' object records older than two weeks; keeps the rest", async () => {
    const db = openSqliteDatabase(join(mkdtempSync(join(tmpdir(), 'dth-retention-')), 'hub.db'));
    SqliteStatusStore.prepare(db);
    const tasks = new SqliteTaskStore(db);
    const telemetry = new LocalTelemetry(db);
    const now = Date.parse('2026-12-04T12:00:00Z');
    const task = (id: string, progress: TaskRecord['progress'], stoppedDaysAgo?: number) =>
      tasks.put({
        id,
        type: 'S3EC2',
        progress,
        createdAt: new Date(now - 30 * DAY).toISOString(),
        parameters: [],
        ...(stoppedDaysAgo === undefined ? {} : { stoppedAt: new Date(now - stoppedDaysAgo * DAY).toISOString() }),
        progressInfo: { total: 1, replicated: 1 },
      } as unknown as TaskRecord);
    await task('deleted-long-ago', 'STOPPED', RETENTION_DAYS + 1);
    await task('deleted-lately', 'STOPPED', 1);
    await task('running', 'IN_PROGRESS');
    for (const id of ['deleted-long-ago', 'deleted-lately', 'running'])
      await new SqliteStatusStore(db, id).put({ key: 'a', size: 1, status: 'DONE', attempts: 1, verified: true });
    vi.useFakeTimers({ toFake: ['Date'] });
    const at = (daysAgo: number) => vi.setSystemTime(now - daysAgo * DAY);
    at(RETENTION_DAYS + 2);
    telemetry.appendLog('running', 'run-1', '{"event":"old"}');
    telemetry.sample('running', { done: 1, failed: 0, pending: 0, inProgress: 0, bytesDone: 1, bytesPerSecond: 0 });
    at(2);
    telemetry.appendLog('running', 'run-2', '{"event":"recent"}');
    telemetry.sample('running', { done: 1, failed: 0, pending: 0, inProgress: 0, bytesDone: 1, bytesPerSecond: 0 });
    vi.useRealTimers();

    expect(pruneExpired(db, now)).toEqual({ logLines: 1, samples: 1, stoppedTasks: 1 });
    expect(await new SqliteStatusStore(db, 'deleted-long-ago').get('a')).toBeUndefined();
    expect(await new SqliteStatusStore(db, 'deleted-long-ago').summary()).toMatchObject({ total: 0 });
    expect(await new SqliteStatusStore(db, 'deleted-lately').get('a')).toMatchObject({ status: 'DONE' });
    expect(await new SqliteStatusStore(db, 'running').get('a')).toMatchObject({ status: 'DONE' });
    // The task stays listed with the counts it stopped with.
    expect(await tasks.get('deleted-long-ago')).toMatchObject({ progress: 'STOPPED', progressInfo: { replicated: 1 } });
    const lines = db.prepare('SELECT message FROM task_logs').all() as { message: string }[];
    expect(lines.map((l) => l.message)).toEqual(['{"event":"recent"}']);
    expect((db.prepare('SELECT COUNT(*) AS n FROM task_samples').get() as { n: number }).n).toBe(1);
    // Nothing more to remove: a second pass finds nothing.
    expect(pruneExpired(db, now)).toEqual({ logLines: 0, samples: 0, stoppedTasks: 0 });
  });
});
