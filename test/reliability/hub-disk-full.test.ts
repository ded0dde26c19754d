/**
 * Disk full under a real `dth serve --data` on a small tmpfs (root mounts it; the test fails rather than skips when
 * it cannot): a task that runs out of space goes to ERROR saying "disk full" while the hub stays up and keeps
 * answering; once space returns, the hub takes a new task through to DONE. Before, the hub exited 1 on the first
 * SQLite error raised while writing a task's log.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CREATE, params, TEST_SECRET_VALUE } from '../control-plane/local/hub-process.js';
import { baseParams, bucketPair } from '../s3/engine-fixtures.js';
import { s3Client, servers } from '../support/servers.js';
import { seedObjects } from './helpers.js';
import { mustStartServe, type HubChild } from './hub-child.js';

const work = mkdtempSync(join(tmpdir(), 'dth-rel-disk-'));
const disk = join(work, 'disk');
const filler = join(disk, 'filler');
let mounted = false;
let hub: HubChild | undefined;

beforeAll(() => {
  mkdirSync(disk);
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=24m,mode=0700', 'tmpfs', disk], { stdio: 'pipe' });
  } catch (err) {
    throw new Error(`this test mounts a 24 MiB tmpfs to fill it, which needs root: ${(err as Error).message}`);
  }
  mounted = true;
});
afterAll(async () => {
  await hub?.stop('SIGKILL');
  if (mounted) execFileSync('umount', [disk]);
  rmSync(work, { recursive: true, force: true });
});

/** Fills the filesystem, then frees `leave` bytes: the next writes of any size soon fail with ENOSPC. */
function fillDisk(leave: number): void {
  const fd = openSync(filler, 'w');
  const chunk = Buffer.alloc(64 * 1024, 7);
  let written = 0;
  try {
    for (;;) written += writeSync(fd, chunk);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    closeSync(fd);
  }
  execFileSync('truncate', ['-s', String(Math.max(0, written - leave)), filler]);
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}\n${hub?.output().slice(-3000)}`);
    await sleep(250);
  }
}

async function task(id: string): Promise<any> {
  if (hub!.hasExited()) throw new Error(`the hub exited:\n${hub!.output().slice(-3000)}`);
  const r = await hub!.gql(
    `query($id: ID!) { getTask(id: $id) { id progress errorCode errorMessage progressInfo { total replicated verified } } }`,
    { id },
  );
  return r.body.data?.getTask;
}

describe('hub on a full disk', () => {
  it('a task that runs out of space goes to ERROR "disk full"; the hub stays up and, with space back, runs the next task to DONE', async () => {
    const dataDir = join(disk, 'dth');
    mkdirSync(dataDir, { mode: 0o700 });
    const secrets = join(work, 'secrets.json');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(
      secrets,
      JSON.stringify({ s3rver: { access_key_id: 'S3RVER', secret_access_key: TEST_SECRET_VALUE } }),
      { mode: 0o600 },
    );
    hub = await mustStartServe(dataDir, { args: ['--secrets', secrets] });

    const { src, dst } = await bucketPair();
    await seedObjects(
      s3Client(servers.s3Source),
      src,
      Array.from({ length: 400 }, (_, i) => ({ key: `o/${i}`, size: 1024 })),
    );

    fillDisk(96 * 1024);
    const created = await hub.gql(CREATE, {
      input: { type: 'S3EC2', scheduleType: 'ONE_TIME', parameters: params(baseParams(src, dst)) },
    });
    expect(created.body.errors, JSON.stringify(created.body)).toBeUndefined();
    const id = created.body.data.createTask.id;

    const failed = await waitFor('the task to end', async () => {
      const t = await task(id).catch(async (err) => {
        await sleep(200); // a dying hub: let its exit be seen, then report its output
        if (hub!.hasExited()) throw new Error(`the hub exited:\n${hub!.output().slice(-3000)}`);
        throw err;
      });
      return t && ['DONE', 'ERROR', 'STOPPED'].includes(t.progress) ? t : undefined;
    });
    expect(failed.progress, JSON.stringify(failed)).toBe('ERROR');
    expect(failed.errorMessage).toMatch(/disk full/i);
    expect(failed.errorMessage).toContain(dataDir);

    // Still up, still answering, while the disk is still full; and it stops and starts again on that full disk.
    await sleep(1000);
    expect(hub.hasExited()).toBe(false);
    expect((await hub.gql('{ listTasksV2 { total } }')).body.data.listTasksV2.total).toBe(1);
    expect(await hub.stop()).toBe(0);
    hub = await mustStartServe(dataDir, { args: ['--secrets', secrets] });
    expect(await task(id)).toMatchObject({ progress: 'ERROR', errorMessage: failed.errorMessage });

    // Space returns: a new task over the same objects runs to DONE, on the same hub process.
    unlinkSync(filler);
    const dst2 = (await bucketPair()).dst;
    const again = await hub.gql(CREATE, {
      input: { type: 'S3EC2', scheduleType: 'ONE_TIME', parameters: params(baseParams(src, dst2)) },
    });
    expect(again.body.errors, JSON.stringify(again.body)).toBeUndefined();
    const done = await waitFor('the second task to end', async () => {
      const t = await task(again.body.data.createTask.id);
      return t && ['DONE', 'ERROR', 'STOPPED'].includes(t.progress) ? t : undefined;
    });
    expect(done.progress, JSON.stringify(done)).toBe('DONE');
    expect(done.progressInfo).toMatchObject({ total: 400, replicated: 400, verified: 400 });
    // The space kept back for the next disk-full error is taken again.
    await waitFor(
      'the disk reserve to be restored',
      async () => (existsSync(join(dataDir, 'hub.db.reserve')) ? true : undefined),
      20_000,
    );
    expect(await hub.stop()).toBe(0);
    hub = undefined;
  });
});
