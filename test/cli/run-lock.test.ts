/**
 * One run at a time per task and state file: a second `dth s3 sync` of a task that is running (a cron job overlapping
 * its last run) stops at once, naming the run that holds it, and touches nothing — before, it emptied the first run's
 * queue and queued everything again, so every object was copied twice. A holder that died (kill -9) is taken over.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lockTaskRun, openSqliteDatabase } from '../../worker/adapters/embedded/index.js';
import { runCli, seedObjects, spawnCli } from '../reliability/helpers.js';
import { publicTaskParams, registrySecrets } from '../ecr/image-fixtures.js';
import { baseParams, bucketPair, secretsFile } from '../s3/engine-fixtures.js';
import { type FaultProxy, startFaultProxy } from '../support/fault-proxy.js';
import { s3Client, servers } from '../support/servers.js';

let proxy: FaultProxy | undefined;
afterAll(async () => proxy?.close());

function summaryOf(stdout: string): Record<string, unknown> {
  const line = stdout.split('\n').find((l) => l.includes('"event":"summary"'));
  return line ? JSON.parse(line) : {};
}

describe('dth s3 sync: one run per task and state file', () => {
  it('a second run of a running task stops naming the first; the first copies each object once; a dead holder is taken over', async () => {
    const { src, dst } = await bucketPair();
    const count = 60;
    await seedObjects(
      s3Client(servers.s3Source),
      src,
      Array.from({ length: count }, (_, i) => ({ key: `k/${i}`, size: 2048 })),
    );
    // Every source GET answers after 300 ms, two at a time (workerNumber 1): the first run lasts ~9 s, well past the
    // second's start even on a loaded machine.
    proxy = await startFaultProxy({
      target: servers.s3Source,
      rates: { slow: 1 },
      slowMs: 300,
      faultOps: ['GetObject'],
    });
    const dir = mkdtempSync(join(tmpdir(), 'dth-run-lock-'));
    const params = join(dir, 'task.json');
    writeFileSync(params, JSON.stringify(baseParams(src, dst, { srcEndpoint: proxy.endpoint, workerNumber: '1' })));
    const state = join(dir, 'state.db');
    const args = ['s3', 'sync', '--params', params, '--state', state, '--secrets', secretsFile(), '--json'];

    const first = spawnCli(args);
    await new Promise((started) => first.child.stdout!.once('data', started)); // its first progress line: it is copying
    const second = await runCli(args);
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`is already running with this state file: process ${first.child.pid} on `);
    const firstDone = await first.done;
    expect(firstDone.code).toBe(0);
    expect(summaryOf(firstDone.stdout)).toMatchObject({ complete: true, copied: count, queued: count });
    expect(proxy.stats.requests.GetObject).toBe(count); // each object read once: the second run copied nothing

    // A holder that no longer runs (its process ended without releasing the lock) does not block the task.
    const gone = spawnSync(process.execPath, ['-e', '0']).pid;
    const db = openSqliteDatabase(state);
    const taskId = summaryOf(firstDone.stdout).taskId as string;
    db.prepare('INSERT OR REPLACE INTO run_lock (task_id, pid, host, started_at) VALUES (?, ?, ?, ?)').run(
      taskId,
      gone,
      hostname(),
      new Date().toISOString(),
    );
    db.close();
    const third = await runCli(args);
    expect(third.code, third.stderr).toBe(0);
    expect(summaryOf(third.stdout)).toMatchObject({ complete: true, copied: 0, queued: 0 });
  });

  it('dth ecr sync too: a task another live process holds is refused before any image is read', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dth-run-lock-'));
    const state = join(dir, 'images.db');
    const db = openSqliteDatabase(state);
    const release = lockTaskRun(db, 'held-images'); // this test's process is the live holder
    try {
      const params = join(dir, 'task.json');
      writeFileSync(params, JSON.stringify(publicTaskParams({ srcImageList: 'never/read:v1' })));
      const args = ['--params', params, '--state', state, '--secrets', registrySecrets(), '--task-id', 'held-images'];
      const refused = await runCli(['ecr', 'sync', ...args, '--json']);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(
        `task held-images is already running with this state file: process ${process.pid} on`,
      );
      expect(refused.stdout).not.toContain('"event":"summary"');
    } finally {
      release();
      db.close();
    }
  });

  it('holds per task: another task in the same state file runs; a live holder with a reused id is not mistaken', () => {
    const db = openSqliteDatabase(join(mkdtempSync(join(tmpdir(), 'dth-run-lock-')), 'state.db'));
    const release = lockTaskRun(db, 'task-a');
    expect(() => lockTaskRun(db, 'task-b')()).not.toThrow();
    // This process holds task-a: taking it again from the same process is allowed (a rerun in one process).
    expect(() => lockTaskRun(db, 'task-a')).not.toThrow();
    // A row naming a live process of another start (a reused id) is stale: taken over.
    db.prepare("UPDATE run_lock SET pid = ?, start = '1' WHERE task_id = 'task-a'").run(process.ppid);
    expect(() => lockTaskRun(db, 'task-a')).not.toThrow();
    // The same live process with its own start time holds it.
    db.prepare('UPDATE run_lock SET pid = ?, start = NULL WHERE task_id = ?').run(process.ppid, 'task-a');
    expect(() => lockTaskRun(db, 'task-a')).toThrow(/task task-a is already running with this state file: process/);
    release();
    db.close();
  });
});
