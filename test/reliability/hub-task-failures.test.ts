/**
 * One bad task never takes the hub down, and never does so again at the next start (real `dth serve` processes):
 * - a 1 GiB prefix list without a line break (it crashed the hub with RangeError, and again at every restart as the
 *   task resumed): the task goes to ERROR naming srcPrefixsListFile and the line limit, estimateTask says the same,
 *   and a restart leaves it in ERROR;
 * - an exception thrown outside any await in a task's code (a timer, an unawaited rejection): that task goes to
 *   ERROR with the error, the hub and the other tasks go on (a hub whose S3 engine injects these faults: see fixtures/);
 * - a task the hub dies under (kill -9, as a crash or the OOM killer would) is resumed, but not a third time in a row:
 *   then it goes to ERROR saying why, and the hub serves; but a task each of whose cut runs finished objects goes on,
 *   however often the hub dies under it (a long pass on a host that keeps going down), and ends DONE;
 * - a FIXED_RATE task whose passes fail (its destination bucket not there yet) is resumed however often the hub dies
 *   while it waits for its next pass: waiting is no run the hub died under (before: ERROR after three restarts), and
 *   it waits on for that pass (before: every start ran one).
 */
import { fileURLToPath } from 'node:url';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, describe, expect, it } from 'vitest';
import { CREATE, createTaskId, params, TEST_SECRET_VALUE } from '../control-plane/local/hub-process.js';
import { MAX_INTERRUPTED_RUNS } from '../../control-plane/local/task-runs.js';
import { baseParams, bucketPair } from '../s3/engine-fixtures.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { s3Client, servers } from '../support/servers.js';
import { seedObjects } from './helpers.js';
import { mustStartServe, type HubChild } from './hub-child.js';

const GiB = 1024 ** 3;
const work = mkdtempSync(join(tmpdir(), 'dth-rel-taskfail-'));
const hubs: HubChild[] = [];
let proxy: FaultProxy | undefined;
/** The 1 GiB object, removed afterwards (s3rver keeps it on disk). */
let huge: { bucket: string; key: string } | undefined;
afterAll(async () => {
  if (huge)
    await s3Client(servers.s3Source)
      .send(new DeleteObjectCommand({ Bucket: huge.bucket, Key: huge.key }))
      .catch(() => {});
  for (const h of hubs) await h.stop('SIGKILL');
  await proxy?.close();
  rmSync(work, { recursive: true, force: true });
});

async function start(dataDir: string, options: Parameters<typeof mustStartServe>[1] = {}): Promise<HubChild> {
  const { writeFileSync, mkdirSync } = await import('node:fs');
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  writeFileSync(
    join(dataDir, 'secrets.json'),
    JSON.stringify({ s3rver: { access_key_id: 'S3RVER', secret_access_key: TEST_SECRET_VALUE } }),
    { mode: 0o600 },
  );
  const h = await mustStartServe(dataDir, options);
  hubs.push(h);
  return h;
}

async function taskOf(hub: HubChild, id: string): Promise<any> {
  if (hub.hasExited()) throw new Error(`the hub exited:\n${hub.output().slice(-3000)}`);
  return (
    await hub.gql(
      `query($id: ID!) { getTask(id: $id) { id progress errorCode errorMessage progressInfo { replicated } } }`,
      { id },
    )
  ).body.data?.getTask;
}

async function until(hub: HubChild, id: string, ok: (t: any) => boolean, timeoutMs = 60_000): Promise<any> {
  const end = Date.now() + timeoutMs;
  let last: any;
  while (Date.now() < end) {
    last = await taskOf(hub, id).catch(async (err) => {
      await sleep(300);
      if (hub.hasExited()) throw new Error(`the hub exited:\n${hub.output().slice(-3000)}`);
      throw err;
    });
    if (last && ok(last)) return last;
    await sleep(200);
  }
  throw new Error(`task ${id} did not get there; last: ${JSON.stringify(last)}\n${hub.output().slice(-2000)}`);
}

const ended = (t: any) => ['DONE', 'ERROR', 'STOPPED'].includes(t.progress);

describe('hub: one bad task', () => {
  it('a 1 GiB prefix list without a line break: the task goes to ERROR, the hub stays up, a restart does not resume it', async () => {
    const { src, dst } = await bucketPair();
    // One line of 1 GiB ('a' bytes, no line break), streamed to the source bucket.
    let left = GiB;
    const chunk = Buffer.alloc(1024 * 1024, 0x61);
    const body = Readable.from(
      (function* () {
        for (; left > 0; left -= chunk.length) yield chunk;
      })(),
    );
    huge = { bucket: src, key: 'lists/huge.txt' };
    await s3Client(servers.s3Source).send(
      new PutObjectCommand({ Bucket: src, Key: huge.key, Body: body, ContentLength: GiB }),
    );
    const dataDir = join(work, 'prefix');
    const hub = await start(dataDir);
    const parameters = params(baseParams(src, dst, { srcPrefixsListFile: 'lists/huge.txt' }));

    const estimate = await hub.gql(
      'query($p: [TaskParameterInput]!) { estimateTask(type: S3EC2, parameters: $p) { objects } }',
      { p: parameters },
    );
    expect(estimate.body.errors?.[0]?.message, JSON.stringify(estimate.body)).toMatch(
      /srcPrefixsListFile.*line 1 is longer than 4096 bytes/,
    );

    const created = await hub.gql(CREATE, { input: { type: 'S3EC2', scheduleType: 'ONE_TIME', parameters } });
    const id = created.body.data.createTask.id;
    const failed = await until(hub, id, ended);
    expect(failed.progress).toBe('ERROR');
    expect(failed.errorMessage).toMatch(/srcPrefixsListFile.*lists\/huge\.txt.*line 1 is longer than 4096 bytes/);
    expect((await hub.gql('{ listTasksV2 { total } }')).body.data.listTasksV2.total).toBe(1);

    expect(await hub.stop()).toBe(0);
    const again = await start(dataDir);
    await sleep(1500); // were it resumed, it would be running now
    expect(await taskOf(again, id)).toMatchObject({ progress: 'ERROR', errorMessage: failed.errorMessage });
    expect(again.output()).not.toMatch(/resume_task/);
  }, 120_000);

  it('an exception outside any await ends only its own task: ERROR with the error, the hub and other tasks go on', async () => {
    const hub = await start(join(work, 'faulty'), {
      script: fileURLToPath(new URL('./fixtures/hub-with-faulty-engine.ts', import.meta.url)),
    });
    const input = (description: string) => ({
      type: 'S3EC2',
      scheduleType: 'ONE_TIME',
      description,
      parameters: params({
        srcType: 'S3_Compatible',
        srcEndpoint: 'http://127.0.0.1:9',
        srcBucket: 'aaa',
        destEndpoint: 'http://127.0.0.1:9',
        destBucket: 'bbb',
        destRegion: 'us-east-1',
      }),
    });
    const thrown = (await hub.gql(CREATE, { input: input('throw-in-timer') })).body.data.createTask.id;
    const rejected = (await hub.gql(CREATE, { input: input('reject-unhandled') })).body.data.createTask.id;
    expect(await until(hub, thrown, ended)).toMatchObject({
      progress: 'ERROR',
      errorMessage: expect.stringMatching(/Invalid string length \(injected/),
    });
    expect(await until(hub, rejected, ended)).toMatchObject({
      progress: 'ERROR',
      errorMessage: expect.stringMatching(/injected: a rejected promise/),
    });
    // Still serving, and a sound task still runs.
    const fine = (await hub.gql(CREATE, { input: input('ok') })).body.data.createTask.id;
    expect(await until(hub, fine, ended)).toMatchObject({ progress: 'DONE' });
    expect(hub.hasExited()).toBe(false);
  });

  it('a task the hub dies under is resumed twice, then goes to ERROR instead of a third crash', async () => {
    const { src, dst } = await bucketPair();
    await seedObjects(
      s3Client(servers.s3Source),
      src,
      Array.from({ length: 60 }, (_, i) => ({ key: `slow/${i}`, size: 1000 })),
    );
    // Every source request answered after 1 s: the task is still running when the hub is killed.
    proxy = await startFaultProxy({
      target: servers.s3Source,
      seed: 1,
      rates: { slow: 1 },
      slowMs: 1000,
      faultOps: ['ListObjects', 'HeadObject', 'GetObject', 'GetObjectTagging'],
    });
    const dataDir = join(work, 'crashes');
    let hub = await start(dataDir);
    const id = await createTaskId(hub, 'S3EC2', baseParams(src, dst, { srcEndpoint: proxy.endpoint }));
    for (let crash = 1; crash <= 3; crash++) {
      await until(hub, id, (t) => t.progress === 'IN_PROGRESS');
      await sleep(500);
      expect(await hub.stop('SIGKILL')).toBe('SIGKILL');
      hub = await start(dataDir);
      if (crash < 3) expect(hub.output()).toMatch(/hub\.resume_task/);
    }
    const t = await until(hub, id, ended, 10_000);
    expect(t.progress).toBe('ERROR');
    expect(t.errorMessage).toMatch(/stopped unexpectedly 3 times in a row/);
    expect(hub.output()).not.toMatch(/hub\.resume_task/);
    // The start that did not resume it does not say it did, and the ended task keeps what its runs did (before: no
    // progress at all, and its mail said 0 objects).
    expect(hub.output()).not.toMatch(/Resumed \d+ unfinished/);
    const answer = await hub.gql('query($id: ID!) { getTask(id: $id) { progressInfo { total } } }', { id });
    expect(answer.body.data.getTask.progressInfo).not.toBeNull();
    expect((await hub.gql('{ listTasksV2 { total } }')).body.data.listTasksV2.total).toBe(1);
  }, 120_000);

  it('a FIXED_RATE task whose passes fail is resumed after every hub death while it waits for its next pass, and waits on', async () => {
    const src = (await bucketPair()).src;
    await seedObjects(s3Client(servers.s3Source), src, [{ key: 'waiting/0', size: 100 }]);
    const dataDir = join(work, 'waiting');
    let hub = await start(dataDir);
    const parameters = { ...baseParams(src, 'dst-not-there-yet'), ec2CronExpression: 'rate(30 minutes)' };
    const id = await createTaskId(hub, 'S3EC2', parameters, 'FIXED_RATE');
    /** This hub's pass of the task has failed (FINDER_ERROR): the task now waits 30 minutes for its next one. */
    const passFailed = async () => {
      const end = Date.now() + 30_000;
      while (!/task\.run_failed/.test(hub.output())) {
        if (Date.now() > end || hub.hasExited()) throw new Error(`no failed pass:\n${hub.output().slice(-2000)}`);
        await sleep(100);
      }
    };
    await passFailed();
    for (let death = 1; death <= MAX_INTERRUPTED_RUNS + 1; death++) {
      expect(await hub.stop('SIGKILL')).toBe('SIGKILL');
      hub = await start(dataDir);
      expect(hub.output()).toMatch(/hub\.resume_task/);
      expect(hub.output()).not.toMatch(/interruptedRuns|hub\.task_not_resumed/);
      // It waits on for its next pass, 30 minutes after the last: a restart runs no pass out of its schedule.
      const end = Date.now() + 10_000;
      while (!/hub\.task_waits_for_next_pass/.test(hub.output()) && Date.now() < end) await sleep(100);
      expect(hub.output()).toMatch(/hub\.task_waits_for_next_pass/);
      await sleep(1500);
      expect(hub.output()).not.toMatch(/task\.run_failed/);
    }
    const t = await taskOf(hub, id);
    expect(t).toMatchObject({ progress: 'IN_PROGRESS', errorCode: 'FINDER_ERROR' });
    expect(t.errorMessage).toMatch(/dst-not-there-yet/);
  }, 120_000);

  it('a task the hub dies under is resumed again and again while each run finishes objects, and ends DONE', async () => {
    const { src, dst } = await bucketPair();
    const objects = Array.from({ length: 40 }, (_, i) => ({ key: `steady/${i}`, size: 1000 }));
    await seedObjects(s3Client(servers.s3Source), src, objects);
    // One object at a time, each read answered after 300 ms: every run finishes a few before the kill.
    const slowReads = await startFaultProxy({
      target: servers.s3Source,
      seed: 2,
      rates: { slow: 1 },
      slowMs: 300,
      faultOps: ['GetObject'],
    });
    const replicated = (t: any): number => t.progressInfo?.replicated ?? 0;
    const dataDir = join(work, 'steady');
    let hub = await start(dataDir);
    const id = await createTaskId(
      hub,
      'S3EC2',
      baseParams(src, dst, { srcEndpoint: slowReads.endpoint, workerNumber: '1' }),
    );
    try {
      let before = 0;
      for (let crash = 1; crash <= MAX_INTERRUPTED_RUNS + 1; crash++) {
        await until(hub, id, (t) => replicated(t) > before);
        expect(await hub.stop('SIGKILL')).toBe('SIGKILL');
        hub = await start(dataDir);
        expect(hub.output()).toMatch(/hub\.resume_task/);
        before = replicated(await taskOf(hub, id));
      }
      const t = await until(hub, id, ended, 60_000);
      expect(t, t.errorMessage).toMatchObject({ progress: 'DONE' });
      const answer = await hub.gql(
        'query($id: ID!) { getTask(id: $id) { progressInfo { total replicated verified } } }',
        {
          id,
        },
      );
      expect(answer.body.data.getTask.progressInfo).toMatchObject({ total: 40, replicated: 40, verified: 40 });
    } finally {
      await slowReads.close();
    }
  }, 180_000);
});
