/**
 * A damaged or lost hub.db under a real `dth serve`: the hub checks its database before serving and refuses to start
 * on one it cannot trust — exit code non-zero, the file named, what is wrong and what to do — instead of answering
 * errors call by call (damaged) or coming up as an empty hub that silently forgot every task (emptied or deleted).
 * Following the hint starts it again.
 */
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readdirSync,
  rmSync,
  statSync,
  truncateSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { CREATE, params } from '../control-plane/local/hub-process.js';
import { mustStartServe, startServe, type HubChild, type HubStartFailure } from './hub-child.js';

const work = mkdtempSync(join(tmpdir(), 'dth-rel-db-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const TASKS = 40;

/** A data directory whose hub.db holds TASKS tasks (with their logs), left by a clean stop. */
async function hubWithTasks(name: string): Promise<string> {
  const dataDir = join(work, name);
  const hub = await mustStartServe(dataDir);
  const input = (i: number) => ({
    type: 'S3EC2',
    scheduleType: 'ONE_TIME',
    description: `task ${i} `.padEnd(200, 'x'),
    // Fails at once without leaving the machine: nothing listens on port 9.
    parameters: params({
      srcType: 'S3_Compatible',
      srcEndpoint: 'http://127.0.0.1:9',
      srcBucket: `src-${i}`,
      destEndpoint: 'http://127.0.0.1:9',
      destBucket: 'dst',
      destRegion: 'us-east-1',
    }),
  });
  for (let i = 0; i < TASKS; i++) expect((await hub.gql(CREATE, { input: input(i) })).body.errors).toBeUndefined();
  expect((await hub.gql('{ listTasksV2 { total } }')).body.data.listTasksV2.total).toBe(TASKS);
  expect(await hub.stop()).toBe(0);
  return dataDir;
}

function refusedStart(result: HubChild | HubStartFailure): HubStartFailure {
  if ('url' in result) {
    void result.stop('SIGKILL');
    throw new Error(`dth serve started (${result.url}) on a database it should have refused:\n${result.output()}`);
  }
  return result;
}

/** What SQLite itself says of the file (the damage must be real for the test to mean anything). */
function sqliteQuickCheck(path: string): string {
  try {
    const db = new Database(path, { readonly: true });
    try {
      return (db.pragma('quick_check') as { quick_check: string }[]).map((r) => r.quick_check).join('; ');
    } finally {
      db.close();
    }
  } catch (err) {
    return (err as Error).message;
  }
}

describe('hub database integrity at start', () => {
  it('a hub.db with random bytes in the middle: refuses to start, names the file, says what is wrong and what to do', async () => {
    const dataDir = await hubWithTasks('damaged');
    const dbPath = join(dataDir, 'hub.db');
    expect(existsSync(`${dbPath}-wal`) ? statSync(`${dbPath}-wal`).size : 0).toBe(0); // a clean stop checkpointed everything
    const size = statSync(dbPath).size;
    const pageSize = 4096;
    expect(size / pageSize).toBeGreaterThan(8);
    // Random bytes over two pages in the middle (not page 1, where SQLite's own header check would catch it).
    const fd = openSync(dbPath, 'r+');
    writeSync(fd, randomBytes(2 * pageSize), 0, 2 * pageSize, Math.floor(size / pageSize / 2) * pageSize);
    closeSync(fd);
    expect(sqliteQuickCheck(dbPath)).not.toBe('ok');

    const started = performance.now();
    const refused = refusedStart(await startServe(dataDir));
    expect(refused.code).not.toBe(0);
    expect(performance.now() - started).toBeLessThan(20_000);
    expect(refused.output).toContain(dbPath);
    expect(refused.output).toMatch(/damaged|corrupt|integrity/i);
    expect(refused.output).toMatch(/backup/i);
    expect(refused.output).not.toMatch(/^\s+at /m); // a message, not a stack trace
    // The damaged file is left as it was, for recovery.
    expect(statSync(dbPath).size).toBe(size);
  });

  it('an emptied hub.db, or a deleted one, is not taken for a new hub; moving the marker aside starts an empty one', async () => {
    const dataDir = await hubWithTasks('emptied');
    const dbPath = join(dataDir, 'hub.db');
    truncateSync(dbPath, 0);
    const refused = refusedStart(await startServe(dataDir));
    expect(refused.code).not.toBe(0);
    expect(refused.output).toContain(dbPath);
    expect(refused.output).toMatch(/empty|not the database/i);
    expect(refused.output).toContain(String(TASKS)); // what it held
    expect(refused.output).toMatch(/backup/i);
    // Still refused: nothing was written over the evidence.
    expect(statSync(dbPath).size).toBe(0);

    unlinkSync(dbPath);
    const gone = refusedStart(await startServe(dataDir));
    expect(gone.code).not.toBe(0);
    expect(gone.output).toMatch(/missing|empty|not the database/i);

    // The hint: to start empty on purpose, remove the marker the message names.
    const marker = /remove (\S+\.marker\.json)/.exec(refused.output)?.[1];
    expect(marker, refused.output).toBeDefined();
    expect(readdirSync(dataDir)).toContain(marker!.split('/').pop());
    unlinkSync(marker!);
    const fresh = await mustStartServe(dataDir);
    expect((await fresh.gql('{ listTasksV2 { total } }')).body.data.listTasksV2.total).toBe(0);
    await fresh.stop();
  });

  it('a sound hub.db starts, and a hub restarted on it keeps every task', async () => {
    const dataDir = await hubWithTasks('sound');
    const hub = await mustStartServe(dataDir);
    expect((await hub.gql('{ listTasksV2 { total } }')).body.data.listTasksV2.total).toBe(TASKS);
    await hub.stop();
  });
});
