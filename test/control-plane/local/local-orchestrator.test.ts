/**
 * The local orchestrator's lifecycle, in-process with stand-in engines (the real engines run end to end in
 * hub-s3-tasks / hub-ecr-task): schedule reruns, stop, and the ERROR codes.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { createResolvers } from '../../../control-plane/core/resolvers.js';
import type { TaskRecord } from '../../../control-plane/core/task.js';
import { FileSecretStore, openSqliteDatabase } from '../../../worker/adapters/embedded/index.js';
import { createLogger } from '../../../worker/core/log.js';
import { LocalOrchestrator, type EngineRunner } from '../../../control-plane/local/local-orchestrator.js';
import { LocalTelemetry } from '../../../control-plane/local/local-telemetry.js';
import { RunLedger } from '../../../control-plane/local/task-runs.js';
import { SqliteTaskStore } from '../../../control-plane/local/sqlite-task-store.js';

const S3_PARAMS = [
  ['srcType', 'S3_Compatible'],
  ['srcEndpoint', 'http://127.0.0.1:9'],
  ['srcBucket', 'src-bucket'],
  ['destBucket', 'dest-bucket'],
  ['destRegion', 'us-east-1'],
].map(([ParameterKey, ParameterValue]) => ({ ParameterKey, ParameterValue }));

/** A FIXED_RATE task run every minute (every 120 ms at the tests' schedule scale). */
const EVERY_MINUTE = {
  type: 'S3EC2',
  scheduleType: 'FIXED_RATE',
  parameters: [...S3_PARAMS, { ParameterKey: 'scheduleExpression', ParameterValue: 'rate(1 minute)' }],
} as const;

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((c) => c()));
});

/** The UTC hour twelve hours from now: a daily cron time that does not come while a test runs. */
function halfADayAway(): number {
  return (new Date().getUTCHours() + 12) % 24;
}

/** A hub's orchestrator and API on the data directory `dir` (a new one by default; the same one: a restarted hub). */
function setup(engine: EngineRunner, dir = mkdtempSync(join(tmpdir(), 'dth-orch-'))) {
  const db = openSqliteDatabase(join(dir, 'hub.db'));
  const tasks = new SqliteTaskStore(db);
  const telemetry = new LocalTelemetry(db);
  const secrets = new FileSecretStore(join(dir, 'secrets.json'));
  const logger = createLogger({ role: 'test' }, { write: () => {} });
  const orchestrator = new LocalOrchestrator({
    db,
    tasks,
    secrets,
    telemetry,
    logger,
    engines: { S3EC2: engine },
    scheduleScale: 0.002,
    sampleIntervalMs: 0,
  });
  const api = createResolvers({
    tasks,
    orchestrator,
    metrics: telemetry,
    logs: telemetry,
    secrets: { list: async () => [] },
    objects: { list: async () => [] },
    estimator: {
      estimate: async () => {
        throw new Error('not used');
      },
    },
  });
  let closed = false;
  /** A clean shutdown of this hub (SIGTERM). */
  const close = async () => {
    if (closed) return;
    closed = true;
    await orchestrator.shutdown();
    db.close();
  };
  cleanups.push(close);
  return { api, tasks, orchestrator, dir, db, close };
}

async function until(
  get: () => Promise<TaskRecord | null | undefined>,
  ok: (t: TaskRecord) => boolean,
): Promise<TaskRecord> {
  for (let i = 0; i < 200; i++) {
    const t = await get();
    if (t && ok(t)) return t;
    await sleep(50);
  }
  throw new Error(`not reached; last: ${JSON.stringify(await get())}`);
}

const progress = {
  total: 3,
  done: 3,
  skipped: 0,
  failed: 0,
  verified: 3,
  inProgress: 0,
  pending: 0,
  bytesTotal: 30,
  bytesDone: 30,
  bytesPerSecond: 10,
};

describe('LocalOrchestrator lifecycle', () => {
  it("ONE_TIME: STARTING → IN_PROGRESS → DONE with the engine's counts", async () => {
    let release!: () => void;
    const gate = new Promise<void>((ok) => {
      release = ok;
    });
    const { api } = setup(async (_t, ctx) => {
      ctx.onProgress(progress);
      await Promise.race([gate, new Promise((ok) => ctx.signal.addEventListener('abort', ok))]);
      return { complete: true, failed: 0 };
    });
    const t = await api.createTask({ input: { type: 'S3EC2', scheduleType: 'ONE_TIME', parameters: S3_PARAMS } });
    expect(t.progress).toBe('STARTING');
    expect(
      (
        await until(
          () => api.getTask({ id: t.id }),
          (x) => x.progress === 'IN_PROGRESS',
        )
      ).progressInfo,
    ).toMatchObject({ total: 3, replicated: 3 });
    release();
    const done = await until(
      () => api.getTask({ id: t.id }),
      (x) => x.progress === 'DONE',
    );
    expect(done.progressInfo).toMatchObject({ total: 3, replicated: 3, verified: 3, bytesDone: 30, failed: 0 });
    expect(done.stoppedAt).toBeTruthy();
    const chart = await api.getMetricHistoryData({ id: t.id, graphName: 'TransferredFailedObjects', period: 1 });
    // Objects per period (as CloudWatch sums them): the periods add up to the 3 transferred.
    expect(chart.series[0].name).toBe('TransferredObjects');
    expect(chart.series[0].data.filter((v) => v >= 0).reduce((a, b) => a + b, 0)).toBe(3);
  });

  it('FIXED_RATE reruns the engine on its schedule until stopped; nothing runs after STOPPED', async () => {
    let runs = 0;
    const { api } = setup(async () => {
      runs++;
      return { complete: true, failed: 0 };
    });
    const t = await api.createTask({ input: EVERY_MINUTE });
    for (let i = 0; i < 100 && runs < 3; i++) await sleep(50); // rate(1 minute) × 0.002 = 120 ms
    expect(runs).toBeGreaterThanOrEqual(3);
    const stopped = await api.stopTask({ id: t.id });
    expect(stopped.progress).toBe('STOPPED');
    const after = runs;
    await sleep(500);
    expect(runs).toBe(after);
    expect((await api.getTask({ id: t.id }))?.progress).toBe('STOPPED');
  });

  it("FIXED_RATE with the original's ec2CronExpression runs at the cron's times (every minute: again and again; once in 2099: not again)", async () => {
    let runs = 0;
    const { api } = setup(async () => {
      runs++;
      return { complete: true, failed: 0 };
    });
    const cron = (expr: string) =>
      api.createTask({
        input: {
          type: 'S3EC2',
          scheduleType: 'FIXED_RATE',
          parameters: [...S3_PARAMS, { ParameterKey: 'ec2CronExpression', ParameterValue: expr }],
        },
      });
    const every = await cron('* * * * ? *');
    for (let i = 0; i < 100 && runs < 3; i++) await sleep(50); // at most 60 s × 0.002 = 120 ms to the next minute
    expect(runs).toBeGreaterThanOrEqual(3);
    await api.stopTask({ id: every.id });
    runs = 0;
    const rare = await cron('0 0 1 1 ? 2099');
    await sleep(600);
    expect(runs).toBe(1);
    expect((await api.getTask({ id: rare.id }))?.progress).toBe('IN_PROGRESS');
    await api.stopTask({ id: rare.id });
  });

  it('a cron time comes once: the pass run at it waits for the next one, even when its timer fired before the clock got there', async () => {
    // The tests' scale makes every timer fire long before the wall clock reaches its time (as an early timer does on
    // a real hub, by a millisecond); before, each pass that ended then found the same time ahead and ran it again.
    let runs = 0;
    const { api } = setup(async () => {
      runs++;
      return { complete: true, failed: 0 };
    });
    const soon = new Date(Date.now() + 3 * 60_000); // its pass comes within 360 ms at the tests' scale
    const task = await api.createTask({
      input: {
        type: 'S3EC2',
        scheduleType: 'FIXED_RATE',
        parameters: [
          ...S3_PARAMS,
          {
            ParameterKey: 'ec2CronExpression',
            ParameterValue: `${soon.getUTCMinutes()} ${soon.getUTCHours()} * * ? *`,
          },
        ],
      },
    });
    await until(
      () => api.getTask({ id: task.id }),
      () => runs === 2, // the first at once (a new task), the second at the cron's time
    );
    await sleep(600); // the next is a day later: ~173 s at the tests' scale
    expect(runs).toBe(2);
    await api.stopTask({ id: task.id });
  });

  it('a FIXED_RATE task waiting for its next pass waits on when the hub restarts; a pass missed while it was down runs at start', async () => {
    // Before, every start of the hub ran a pass of every scheduled task at once, whatever their schedules said.
    let runs = 0;
    const engine: EngineRunner = async () => {
      runs++;
      return { complete: true, failed: 0 };
    };
    const first = setup(engine);
    // Half a day away, so its time does not come during the test (~86 s at the tests' scale), whenever it runs.
    const daily = await first.api.createTask({
      input: {
        type: 'S3EC2',
        scheduleType: 'FIXED_RATE',
        parameters: [
          ...S3_PARAMS,
          { ParameterKey: 'ec2CronExpression', ParameterValue: `0 ${halfADayAway()} * * ? *` },
        ],
      },
    });
    await until(
      () => first.api.getTask({ id: daily.id }),
      () => runs === 1,
    );
    await sleep(100); // the pass's end is recorded, the task waits for its hour
    await first.close();

    const second = setup(engine, first.dir);
    expect(await second.orchestrator.resumeUnfinished()).toBe(1);
    await sleep(600);
    expect(runs).toBe(1);
    expect((await second.api.getTask({ id: daily.id }))?.progress).toBe('IN_PROGRESS');
    // The hub stays down past the pass's time: the next start runs the one it missed, then waits again.
    new RunLedger(second.db).betweenPasses(daily.id, new Date(Date.now() - 60_000));
    await second.close();
    const third = setup(engine, first.dir);
    expect(await third.orchestrator.resumeUnfinished()).toBe(1);
    await until(
      () => third.api.getTask({ id: daily.id }),
      () => runs === 2,
    );
    await sleep(600);
    expect(runs).toBe(2);
    await third.api.stopTask({ id: daily.id });
  });

  it('a pass cut by a clean shutdown resumes at the next start with its first start time, and is no interruption', async () => {
    // Before, the shutdown ended the run's row: the resumed pass began anew, and an image task counted what it had
    // copied before the SIGTERM as "unchanged", its bytes out of the totals.
    const passStarts: (Date | undefined)[] = [];
    const engine: EngineRunner = async (_task, { signal, passStartedAt }) => {
      passStarts.push(passStartedAt);
      await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
      return { complete: false, failed: 0 };
    };
    const first = setup(engine);
    const { id } = await first.api.createTask({
      input: { type: 'S3EC2', scheduleType: 'ONE_TIME', parameters: S3_PARAMS },
    });
    await until(
      () => first.api.getTask({ id }),
      () => passStarts.length === 1,
    );
    await sleep(20);
    await first.close();

    const second = setup(engine, first.dir);
    expect(new RunLedger(second.db).countInterruption(id, 0)).toBe(0);
    expect(await second.orchestrator.resumeUnfinished()).toBe(1);
    await until(
      () => second.api.getTask({ id }),
      () => passStarts.length === 2,
    );
    expect(passStarts[0]).toBeInstanceOf(Date);
    expect(passStarts[1]?.getTime()).toBe(passStarts[0]?.getTime());
    await second.api.stopTask({ id });
  });

  it('failed objects end a ONE_TIME task in ERROR COMPLETE_CHECK_ERROR naming the first failure', async () => {
    const { api } = setup(async (_t, ctx) => {
      await ctx.status.put({ key: 'photos/broken.jpg', size: 5, status: 'FAILED', attempts: 5, error: 'AccessDenied' });
      return { complete: false, failed: 1 };
    });
    const t = await api.createTask({ input: { type: 'S3EC2', scheduleType: 'ONE_TIME', parameters: S3_PARAMS } });
    const e = await until(
      () => api.getTask({ id: t.id }),
      (x) => x.progress === 'ERROR',
    );
    expect(e).toMatchObject({
      errorCode: 'COMPLETE_CHECK_ERROR',
      errorMessage: '1 of 1 failed; first: photos/broken.jpg: AccessDenied',
    });
    expect(await api.getErrorMessage({ id: t.id })).toEqual({
      errCode: 'COMPLETE_CHECK_ERROR',
      errMessage: e.errorMessage,
    });
    expect(e.stoppedAt).toBeTruthy();
  });

  it("judges a pass by the status store's counts, as the cloud does, not by the engine's word", async () => {
    const { api } = setup(async (_t, ctx) => {
      await ctx.status.put({ key: 'copied', size: 5, status: 'DONE', attempts: 1, verified: true });
      await ctx.status.put({ key: 'unverified', size: 5, status: 'DONE', attempts: 1, verified: false });
      return { complete: true, failed: 0 };
    });
    const t = await api.createTask({ input: { type: 'S3EC2', scheduleType: 'ONE_TIME', parameters: S3_PARAMS } });
    expect(
      await until(
        () => api.getTask({ id: t.id }),
        (x) => x.progress === 'ERROR',
      ),
    ).toMatchObject({
      errorCode: 'COMPLETE_CHECK_ERROR',
      errorMessage: '1 of 2 were not transferred and verified',
    });
  });

  it('an engine that cannot list ends the task in ERROR FINDER_ERROR with its message', async () => {
    const { api } = setup(async () => {
      throw new Error('srcBucket: bucket "src-bucket" does not exist');
    });
    const t = await api.createTask({ input: { type: 'S3EC2', scheduleType: 'ONE_TIME', parameters: S3_PARAMS } });
    expect(
      await until(
        () => api.getTask({ id: t.id }),
        (x) => x.progress === 'ERROR',
      ),
    ).toMatchObject({
      errorCode: 'FINDER_ERROR',
      errorMessage: 'srcBucket: bucket "src-bucket" does not exist',
    });
  });

  it('FIXED_RATE: a run that cannot list records FINDER_ERROR and the task keeps its schedule; the next complete run clears it', async () => {
    let runs = 0;
    let bucketExists = false;
    const { api } = setup(async () => {
      runs++;
      if (!bucketExists) throw new Error('srcBucket: bucket "src-bucket" does not exist');
      return { complete: true, failed: 0 };
    });
    const t = await api.createTask({ input: EVERY_MINUTE });
    const failing = await until(
      () => api.getTask({ id: t.id }),
      (x) => x.errorCode !== undefined && x.errorCode !== null,
    );
    expect(failing).toMatchObject({
      progress: 'IN_PROGRESS',
      errorCode: 'FINDER_ERROR',
      errorMessage: 'srcBucket: bucket "src-bucket" does not exist',
    });
    expect(await api.getErrorMessage({ id: t.id })).toEqual({
      errCode: 'FINDER_ERROR',
      errMessage: 'srcBucket: bucket "src-bucket" does not exist',
    });
    // The bucket appears (or the network comes back): the next scheduled run lists, and its outcome replaces the error.
    const failedRuns = runs;
    bucketExists = true;
    const recovered = await until(
      () => api.getTask({ id: t.id }),
      (x) => runs > failedRuns && !x.errorCode,
    );
    expect(recovered.progress).toBe('IN_PROGRESS');
    expect(recovered.errorMessage ?? undefined).toBeUndefined();
    await api.stopTask({ id: t.id });
  });

  it("a stopped task's progressInfo is counted from the status store after the stop's clean-up, without rate or ETA", async () => {
    // The engine's last live snapshot counts one part of an upload that the stop then aborts (its object back to
    // PENDING), and has a rate and a time left; before, STOPPED kept that snapshot.
    const { api } = setup(async (_t, ctx) => {
      for (const key of ['a', 'b'])
        await ctx.status.put({ key, size: 10, status: 'DONE', attempts: 1, verified: true, bytesDone: 10 });
      await ctx.status.put({ key: 'c', size: 10, status: 'IN_PROGRESS', attempts: 1, bytesDone: 5, uploadId: 'u-1' });
      ctx.onProgress({ ...progress, done: 2, verified: 2, inProgress: 1, bytesDone: 25, etaSeconds: 1 });
      await new Promise((ok) => ctx.signal.addEventListener('abort', ok));
      if (ctx.stoppedForGood()) await ctx.status.update('c', { status: 'PENDING', uploadId: undefined });
      return { complete: false, failed: 0 };
    });
    const t = await api.createTask({ input: { type: 'S3EC2', scheduleType: 'ONE_TIME', parameters: S3_PARAMS } });
    const live = await until(
      () => api.getTask({ id: t.id }),
      (x) => x.progressInfo?.bytesDone === 25,
    );
    expect(live.progressInfo).toMatchObject({ rate: 10, etaSeconds: 1 });
    expect((await api.stopTask({ id: t.id })).progress).toBe('STOPPED');
    const stopped = await api.getTask({ id: t.id });
    expect(stopped?.progress).toBe('STOPPED');
    expect(stopped?.progressInfo).toEqual({
      total: 3,
      replicated: 2,
      failed: 0,
      skipped: 0,
      verified: 2,
      bytesTotal: 30,
      bytesDone: 20,
    });
  });

  it('a pass that has ended shows its counts without a rate or time left: DONE, then STOPPED, and between scheduled passes', async () => {
    // Before: the pass's last live snapshot was kept, rate included, on a DONE task, on the STOPPED one it became,
    // and on a FIXED_RATE task waiting for its next pass — a speed shown while nothing ran.
    const passes = new Map<string, number>();
    const { api, tasks } = setup(async (t, ctx) => {
      passes.set(t.id, (passes.get(t.id) ?? 0) + 1);
      // A recurring task's second pass holds still without a word of progress: until it does, the first has ended.
      if (passes.get(t.id) === 2 && t.scheduleType === 'FIXED_RATE') {
        await new Promise((ok) => ctx.signal.addEventListener('abort', ok));
        return { complete: false, failed: 0 };
      }
      await ctx.status.put({ key: 'a', size: 10, status: 'DONE', attempts: 1, verified: true, bytesDone: 10 });
      ctx.onProgress({ ...progress, total: 1, done: 1, verified: 1, bytesTotal: 10, bytesDone: 10, etaSeconds: 0 });
      return { complete: true, failed: 0 };
    });
    const counts = { total: 1, replicated: 1, failed: 0, skipped: 0, verified: 1, bytesTotal: 10, bytesDone: 10 };
    const once = await api.createTask({ input: { type: 'S3EC2', scheduleType: 'ONE_TIME', parameters: S3_PARAMS } });
    const done = await until(
      () => api.getTask({ id: once.id }),
      (x) => x.progress === 'DONE',
    );
    expect(done.progressInfo).toEqual(counts);
    expect((await tasks.get(once.id))?.progressInfo).toEqual(counts); // as stored, not only as answered
    await api.stopTask({ id: once.id });
    expect((await api.getTask({ id: once.id }))?.progressInfo).toEqual(counts);
    // A record an earlier version stored with the speed: answered without it once the task has ended.
    await tasks.update(once.id, { progressInfo: { ...counts, rate: 99, etaSeconds: 3 } });
    expect((await api.listTasksV2({ progress: 'STOPPED' })).items[0]?.progressInfo).toEqual(counts);
    const recurring = await api.createTask({ input: EVERY_MINUTE });
    await until(
      () => tasks.get(recurring.id),
      (x) => x.progressInfo?.replicated === 1,
    );
    const waiting = await api.getTask({ id: recurring.id });
    expect(waiting?.progress).toBe('IN_PROGRESS');
    expect(waiting?.progressInfo).toEqual(counts);
    await api.stopTask({ id: recurring.id });
  });

  it('invalid paging arguments name the argument', async () => {
    const { api } = setup(async () => ({ complete: true, failed: 0 }));
    await expect(api.listTasksV2({ count: 0 })).rejects.toThrow(/^count: must be a whole number/);
    await expect(api.listTasksV2({ page: 1.5 })).rejects.toThrow(/^page:/);
    await expect(api.getLogEvents({ id: 'x', logStreamName: 's' })).rejects.toThrow(/^id: task "x" does not exist/);
  });
});
