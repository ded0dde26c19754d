/** Group commit of the SQLite adapters: concurrent writes share one transaction without losing their own outcome. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openSqliteDatabase, SqliteJobQueue, SqliteStatusStore } from '../../../worker/adapters/embedded/index.js';

/**
 * Commits in the WAL file: every committed transaction ends with one frame whose "database size after commit"
 * field is set. Counting them measures commits without looking inside the adapters.
 */
function walCommits(dbPath: string): number {
  if (!existsSync(`${dbPath}-wal`)) return 0;
  const wal = readFileSync(`${dbPath}-wal`);
  if (wal.length < 32) return 0;
  const pageSize = wal.readUInt32BE(8);
  const [salt1, salt2] = [wal.readUInt32BE(16), wal.readUInt32BE(20)];
  let commits = 0;
  for (let at = 32; at + 24 + pageSize <= wal.length; at += 24 + pageSize) {
    const current = wal.readUInt32BE(at + 8) === salt1 && wal.readUInt32BE(at + 12) === salt2;
    if (current && wal.readUInt32BE(at + 4) !== 0) commits++;
  }
  return commits;
}

function openFile() {
  const path = join(mkdtempSync(join(tmpdir(), 'dth-group-commit-')), 'state.db');
  const db = openSqliteDatabase(path);
  db.pragma('wal_autocheckpoint = 0'); // keep every commit in the WAL so walCommits can count them
  return {
    path,
    db,
    status: new SqliteStatusStore(db, 't'),
    queue: new SqliteJobQueue<{ key: string }>(db, 't', { maxReceiveCount: 5 }),
  };
}

const lanes = Array.from({ length: 64 }, (_, i) => `k${String(i).padStart(2, '0')}`);

describe('Group commit of the SQLite adapters', () => {
  it('commits the writes of 64 concurrent callers in one transaction per round, not one per write', async () => {
    const { path, status, queue } = openFile();
    await queue.sendBatch(lanes.map((key) => ({ key })));
    const jobs = await queue.receive({ max: 64, visibilityTimeoutSec: 60 });
    expect(jobs).toHaveLength(64);
    const before = walCommits(path);
    // The worker's per-object writes, from 64 copies at once.
    await Promise.all(
      jobs.map(async (job) => {
        const key = job.body.key;
        await status.markStarted({ key, size: 10, attempts: 1, startedAt: 't0' });
        await status.update(key, { status: 'DONE', verified: true, bytesDone: 10 });
        await queue.delete(job);
      }),
    );
    expect(walCommits(path) - before).toBe(3);
    expect(await status.summary()).toMatchObject({ total: 64, done: 64, verified: 64 });
    expect(await queue.depth()).toEqual({ visible: 0, inFlight: 0, deadLettered: 0 });
  });

  it('spaces commits: writes issued in separate event-loop turns soon after a commit wait and share the next one', async () => {
    const { path, status } = openFile();
    await status.put({ key: 'first', size: 1, status: 'PENDING', attempts: 0 });
    const before = walCommits(path);
    // As copies finish at different moments: one write per turn, 20 turns (well under the 5 ms gap).
    const writes: Promise<void>[] = [];
    for (const key of lanes.slice(0, 20)) {
      writes.push(status.markStarted({ key, size: 1, attempts: 1, startedAt: 't' }));
      await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.all(writes);
    // One or two commits on a quiet machine; a few if the process is descheduled mid-loop (CI). Without the gap: 20.
    expect(walCommits(path) - before).toBeLessThanOrEqual(5);
    expect(await status.summary()).toMatchObject({ total: 21, inProgress: 20 });
  });

  it('claims for 64 concurrent receivers in one transaction, each message to exactly one of them', async () => {
    const { path, queue } = openFile();
    await queue.sendBatch(lanes.map((key) => ({ key })));
    const before = walCommits(path);
    const received = await Promise.all(lanes.map(() => queue.receive({ max: 1, visibilityTimeoutSec: 60 })));
    expect(walCommits(path) - before).toBe(1);
    expect(
      received
        .flat()
        .map((j) => j.body.key)
        .sort(),
    ).toEqual(lanes);
    expect(await queue.depth()).toMatchObject({ visible: 0, inFlight: 64 });
  });

  it('rejects only the caller whose write fails; its batch neighbours land exactly once', async () => {
    const { status, queue } = openFile();
    const [job] = await (async () => {
      await queue.sendBatch([{ key: 'done' }]);
      return queue.receive({ max: 1, visibilityTimeoutSec: 60 });
    })();
    const outcomes = await Promise.allSettled([
      status.put({ key: 'a', size: 1, status: 'PENDING', attempts: 0 }),
      // size is NOT NULL: this write fails inside the shared transaction.
      status.put({ key: 'bad', size: undefined as unknown as number, status: 'PENDING', attempts: 0 }),
      queue.sendBatch([{ key: 'x' }, { key: 'y' }]),
      status.addPart('a', 'u1', { partNumber: 1, etag: 'e1', size: 1 }),
      queue.delete(job),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled', 'fulfilled']);
    expect(String((outcomes[1] as PromiseRejectedResult).reason)).toMatch(/NOT NULL/);
    expect(await status.get('a')).toMatchObject({ status: 'PENDING' });
    expect(await status.get('bad')).toBeUndefined();
    expect(await status.listParts('a', 'u1')).toHaveLength(1);
    expect(await queue.depth()).toEqual({ visible: 2, inFlight: 0, deadLettered: 0 });
  });

  it('lets reads see writes issued before them, even before those writes resolved', async () => {
    const { status, queue } = openFile();
    await queue.sendBatch([{ key: 'a' }]);
    const [job] = await queue.receive({ max: 1, visibilityTimeoutSec: 60 });
    const writes = [
      status.put({ key: 'a', size: 5, status: 'PENDING', attempts: 0 }),
      status.update('a', { status: 'DONE', verified: true }),
      status.addPart('a', 'u1', { partNumber: 1, etag: 'e1', size: 5 }),
      queue.delete(job),
    ];
    expect(await status.get('a')).toMatchObject({ status: 'DONE', verified: true });
    expect((await status.list({ status: 'DONE', limit: 10 })).map((r) => r.key)).toEqual(['a']);
    expect(await status.summary()).toMatchObject({ total: 1, done: 1 });
    expect(await status.listParts('a', 'u1')).toEqual([{ partNumber: 1, etag: 'e1', size: 5 }]);
    expect(await queue.depth()).toEqual({ visible: 0, inFlight: 0, deadLettered: 0 });
    await Promise.all(writes);
  });

  it('keeps resolved writes when the process is killed without closing the database', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'dth-group-commit-')), 'state.db');
    const adapters = resolve('worker/adapters/embedded/index.ts');
    // A separate process writes, awaits, and dies by SIGKILL: no close(), no flush, no exit handlers.
    const child = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        `
      const { openSqliteDatabase, SqliteJobQueue, SqliteStatusStore } = await import(${JSON.stringify(adapters)});
      const db = openSqliteDatabase(${JSON.stringify(path)});
      const status = new SqliteStatusStore(db, 't');
      const queue = new SqliteJobQueue(db, 't', { maxReceiveCount: 5 });
      await queue.sendBatch([{ key: 'k0' }, { key: 'k1' }]);
      const jobs = await queue.receive({ max: 2, visibilityTimeoutSec: 600 });
      await Promise.all(Array.from({ length: 20 }, (_, i) => status.put({ key: 'k' + i, size: i, status: 'DONE', attempts: 1 })));
      await Promise.all([status.update('k0', { status: 'FAILED', error: 'boom' }), queue.delete(jobs[0])]);
      process.kill(process.pid, 'SIGKILL');
    `,
      ],
      { cwd: resolve('.'), encoding: 'utf8' },
    );
    expect(child.signal, child.stderr).toBe('SIGKILL');

    const db = openSqliteDatabase(path);
    const status = new SqliteStatusStore(db, 't');
    const queue = new SqliteJobQueue<{ key: string }>(db, 't', { maxReceiveCount: 5 });
    return (async () => {
      expect(await status.summary()).toMatchObject({ total: 20, done: 19, failed: 1 });
      expect(await status.get('k0')).toMatchObject({ status: 'FAILED', error: 'boom' });
      expect(await queue.depth()).toEqual({ visible: 0, inFlight: 1, deadLettered: 0 });
      db.close();
    })();
  });

  it('fails a batch at once when another process holds the lock, instead of waiting it out once per write', async () => {
    const { path, db, status } = openFile();
    db.pragma('busy_timeout = 400');
    const other = openSqliteDatabase(path);
    other.exec('BEGIN IMMEDIATE');
    const started = Date.now();
    const outcomes = await Promise.allSettled(
      ['a', 'b', 'c', 'd', 'e'].map((key) => status.put({ key, size: 1, status: 'PENDING', attempts: 0 })),
    );
    const waited = Date.now() - started;
    other.exec('ROLLBACK');
    expect(outcomes.map((o) => o.status === 'rejected' && (o.reason as { code?: string }).code)).toEqual(
      Array(5).fill('SQLITE_BUSY'),
    );
    // One wait of the busy timeout, not six (the batch, then each write alone).
    expect(waited).toBeLessThan(1600);
    await status.put({ key: 'a', size: 1, status: 'PENDING', attempts: 0 });
    expect(await status.get('a')).toMatchObject({ key: 'a' });
    other.close();
  });

  it('commits writes still pending when the database is closed', async () => {
    const { path, db, status } = openFile();
    const put = status.put({ key: 'late', size: 1, status: 'PENDING', attempts: 0 });
    db.close();
    await put;
    const reopened = openSqliteDatabase(path);
    expect(await new SqliteStatusStore(reopened, 't').get('late')).toMatchObject({ key: 'late' });
    reopened.close();
  });
});
