/** The local hub's stand-in for CloudWatch (control-plane/local/local-telemetry.ts) on a real SQLite file. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { localLogGroup } from '../../../control-plane/local/local-log-groups.js';
import { LocalTelemetry } from '../../../control-plane/local/local-telemetry.js';
import type { TaskRecord } from '../../../control-plane/core/task.js';
import { openSqliteDatabase } from '../../../worker/adapters/embedded/index.js';

const db = () => openSqliteDatabase(join(mkdtempSync(join(tmpdir(), 'dth-telemetry-')), 'hub.db'));
const task = { id: 'task-1' } as TaskRecord;
const line = (event: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ time: 'x', level: 'info', event, ...extra });

afterEach(() => {
  vi.useRealTimers();
});

describe('local charts', () => {
  it('answer per-period amounts from running totals, a new run counting from zero, gauges as sampled', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const telemetry = new LocalTelemetry(db());
    const at = (
      sec: number,
      s: { done: number; failed?: number; bytesDone: number; pending?: number; inProgress?: number },
    ) => {
      vi.setSystemTime(sec * 1000);
      telemetry.sample(task.id, { failed: 0, pending: 0, inProgress: 0, bytesPerSecond: 0, ...s });
    };
    at(1_000_020, { done: 2, bytesDone: 200, pending: 5, inProgress: 2 });
    at(1_000_050, { done: 4, bytesDone: 400, pending: 3, inProgress: 2 }); // same minute: the last sample counts
    at(1_000_090, { done: 7, failed: 1, bytesDone: 700, pending: 0, inProgress: 1 });
    at(1_000_150, { done: 1, bytesDone: 50 }); // a FIXED_RATE rerun: totals start again
    const range = [new Date(999_960_000), new Date(1_000_200_000)] as const;
    const objects = await telemetry.history(task, 'TransferredFailedObjects', range[0], range[1], 60);
    expect(objects).toEqual({
      series: [
        { name: 'TransferredObjects', data: [4, 3, 1] },
        { name: 'FailedObjects', data: [0, 1, 0] },
      ],
      xaxis: { categories: [1_000_020, 1_000_080, 1_000_140] },
    });
    expect((await telemetry.history(task, 'Network', range[0], range[1], 60)).series).toEqual([
      { name: 'Network', data: [400, 300, 50] },
    ]);
    expect((await telemetry.history(task, 'Throughput', range[0], range[1], 60)).series).toEqual([
      { name: 'BytesPerSecond', data: [7, 5, 1] },
    ]);
    expect((await telemetry.history(task, 'RunningWaitingJobHistory', range[0], range[1], 60)).series).toEqual([
      { name: 'WaitingJob', data: [3, 0, 0] },
      { name: 'RunningJob', data: [2, 1, 0] },
    ]);
    expect((await telemetry.history(task, 'DesiredInServiceInstances', range[0], range[1], 60)).series[0]).toEqual({
      name: 'DesiredCapacity',
      data: [1, 1, 0],
    });
    // A range starting after the first samples counts from the last sample before it, not from zero.
    const later = await telemetry.history(task, 'TransferredFailedObjects', new Date(1_000_060_000), range[1], 60);
    expect(later.series[0].data).toEqual([3, 1]);
    // A week at period 1 s would be 604,800 points: the period grows to keep at most 1,440.
    const week = await telemetry.history(
      task,
      'Network',
      new Date(1_000_200_000 - 7 * 86_400_000),
      new Date(1_000_200_000),
      1,
    );
    expect(week.xaxis.categories.every((t) => t % 420 === 0)).toBe(true);
  });

  it('count nothing added when a run copies objects again smaller (its total falls); a new run still counts from zero', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const telemetry = new LocalTelemetry(db());
    const other = { ...task, id: 'telemetry-shrink' };
    const at = (sec: number, bytesDone: number, run: string) => {
      vi.setSystemTime(sec * 1000);
      telemetry.sample(other.id, { done: 1, failed: 0, pending: 0, inProgress: 0, bytesPerSecond: 0, bytesDone }, run);
    };
    at(2_000_020, 300_000_000, 'run-1');
    at(2_000_080, 300_000_000, 'run-2'); // a new pass of an S3 task: its totals are the task's, not from zero
    at(2_000_140, 299_700_000, 'run-2'); // two objects copied again, smaller: the total falls
    at(2_000_200, 40, 'run-3'); // a run whose totals start from zero (an image task)
    const network = await telemetry.history(other, 'Network', new Date(2_000_000_000), new Date(2_000_260_000), 60);
    // Before: 299,700,000 again for the minute in which ~2 KB moved.
    expect(network.series[0].data).toEqual([300_000_000, 0, 0, 40]);
  });
  it("count each pass's copies, re-copies of changed objects included, at any period (a FIXED_RATE task's later passes)", async () => {
    // Before, from the status totals alone: a changed object goes DONE → PENDING → DONE, so its re-copy never showed,
    // and a new pass was charted as its net growth, or as the task's whole total (hubscale probe: 500 objects and
    // 1.9 MB charted for a pass that copied 530 objects and 1.3 GB; 2.47 GB at period 10).
    vi.useFakeTimers({ toFake: ['Date'] });
    const telemetry = new LocalTelemetry(db());
    const recurring = { ...task, id: 'telemetry-passes' };
    const at = (sec: number, run: string, status: { done: number; bytesDone: number }, pass: [number, number]) => {
      vi.setSystemTime(sec * 1000);
      telemetry.sample(
        recurring.id,
        {
          failed: 0,
          pending: 0,
          inProgress: 0,
          bytesPerSecond: 0,
          ...status,
          pass: { copied: pass[0], bytes: pass[1], failed: 0 },
        },
        run,
      );
    };
    at(3_000_010, 'run-1', { done: 3000, bytesDone: 1_500_000_000 }, [3000, 1_500_000_000]);
    // Pass 2: 30 objects changed (their records back to PENDING), 100 deleted at the source, 500 new.
    at(3_000_070, 'run-2', { done: 2970, bytesDone: 1_400_000_000 }, [0, 0]);
    at(3_000_080, 'run-2', { done: 3200, bytesDone: 1_401_000_000 }, [230, 1_000_000]);
    at(3_000_090, 'run-2', { done: 3500, bytesDone: 1_502_000_000 }, [530, 1_302_000_000]);
    const range = [new Date(3_000_000_000), new Date(3_000_120_000)] as const;
    for (const period of [10, 60]) {
      const objects = await telemetry.history(recurring, 'TransferredFailedObjects', range[0], range[1], period);
      const network = await telemetry.history(recurring, 'Network', range[0], range[1], period);
      const sum = (d: number[]) => d.filter((v) => v > 0).reduce((a, b) => a + b, 0);
      expect(sum(objects.series[0].data), `objects at period ${period}`).toBe(3530);
      expect(sum(network.series[0].data), `bytes at period ${period}`).toBe(2_802_000_000);
    }
    const later = await telemetry.history(recurring, 'Network', new Date(3_000_060_000), range[1], 60);
    expect(later.series[0].data.filter((v) => v > 0)).toEqual([1_302_000_000]);
  });

  it('count both runs of a period: a hub restarted, or a scheduled pass, within one period loses none of the first run', async () => {
    // Before, a period's last sample decided alone: a hub killed and restarted in the same minute charted 959 of 2,008
    // objects copied (probe), and a task scheduled every few minutes only the last pass of each 5-minute period.
    vi.useFakeTimers({ toFake: ['Date'] });
    const telemetry = new LocalTelemetry(db());
    const restarted = { ...task, id: 'telemetry-restart' };
    const at = (sec: number, run: string, copied: number) => {
      vi.setSystemTime(sec * 1000);
      const pass = { copied, bytes: copied * 1000, failed: 0 };
      telemetry.sample(
        restarted.id,
        { done: copied, failed: 0, pending: 1, inProgress: 1, bytesPerSecond: 0, bytesDone: copied * 1000, pass },
        run,
      );
    };
    at(4_000_010, 'run-1', 100);
    at(4_000_030, 'run-1', 300);
    at(4_000_070, 'run-1', 700); // the hub dies after this sample
    at(4_000_100, 'run-2', 50); // the resumed run counts from zero
    at(4_000_110, 'run-2', 80);
    at(4_000_130, 'run-3', 5); // a later pass in the same period
    const range = [new Date(4_000_000_000), new Date(4_000_180_000)] as const;
    for (const period of [60, 300]) {
      const objects = await telemetry.history(restarted, 'TransferredFailedObjects', range[0], range[1], period);
      const sum = objects.series[0].data.reduce((a, b) => a + b, 0);
      expect(sum, `objects at period ${period}`).toBe(785);
      const network = await telemetry.history(restarted, 'Network', range[0], range[1], period);
      expect(network.series[0].data.reduce((a, b) => a + b, 0)).toBe(785_000);
    }
    expect(
      (await telemetry.history(restarted, 'TransferredFailedObjects', range[0], range[1], 60)).series[0].data,
    ).toEqual([100, 600, 85]); // periods start at multiples of 60 s: …960, …020, …080
  });
});

describe('local log groups', () => {
  it("split a run's lines into the finder group and the worker group, and page them as CloudWatch does", async () => {
    const telemetry = new LocalTelemetry(db(), { taskExists: (id) => id === task.id });
    telemetry.appendLog(task.id, 'run-1', line('task.run_started'));
    for (let i = 0; i < 5; i++) telemetry.appendLog(task.id, 'run-1', line('worker.copied', { key: `k${i}` }));
    telemetry.appendLog(task.id, 'run-1', line('finder.done', { toTransfer: 5 }));
    const finder = localLogGroup(task.id, 'finder');
    const worker = localLogGroup(task.id, 'worker');
    const keys = (p: { logEvents: { message: string }[] }) =>
      p.logEvents.map((e) => JSON.parse(e.message).key ?? JSON.parse(e.message).event);
    expect(keys(await telemetry.events(finder, 'run-1', { limit: 10 }))).toEqual(['task.run_started', 'finder.done']);

    const newest = await telemetry.events(worker, 'run-1', { limit: 2 });
    expect(keys(newest)).toEqual(['k3', 'k4']);
    const older = await telemetry.events(worker, 'run-1', { limit: 2, nextToken: newest.nextBackwardToken });
    expect(keys(older)).toEqual(['k1', 'k2']);
    expect(keys(await telemetry.events(worker, 'run-1', { limit: 2, nextToken: older.nextForwardToken }))).toEqual([
      'k3',
      'k4',
    ]);
    expect(keys(await telemetry.events(worker, 'run-1', { limit: 2, startFromHead: true }))).toEqual(['k0', 'k1']);
    // Following the stream: nothing new gives the same token back; a new line is then the next page.
    const idle = await telemetry.events(worker, 'run-1', { limit: 2, nextToken: newest.nextForwardToken });
    expect(idle).toMatchObject({ logEvents: [], nextForwardToken: newest.nextForwardToken });
    telemetry.appendLog(task.id, 'run-1', line('worker.copied', { key: 'k5' }));
    expect(keys(await telemetry.events(worker, 'run-1', { limit: 2, nextToken: newest.nextForwardToken }))).toEqual([
      'k5',
    ]);
    // A stream with no lines does not exist, as in CloudWatch (the cloud API's error): not an empty page.
    // The group is the task's: the stream is named, and is the field (before: logGroupName).
    await expect(telemetry.events(worker, 'run-2', { limit: 10 })).rejects.toMatchObject({
      field: 'logStreamName',
      code: 'LOG_STREAM_NOT_FOUND',
      message: expect.stringMatching(/^logStreamName: "run-2" is not a stream of log group/),
    });
    telemetry.appendLog(task.id, 'run-2', line('worker.copied', { key: 'z' }));
    expect(keys(await telemetry.events(worker, 'run-2', { limit: 10, startFromHead: true }))).toEqual(['z']);

    await expect(telemetry.events(worker, 'run-1', { limit: 1, nextToken: 'next please' })).rejects.toThrow(
      /^nextToken: /,
    );
    await expect(telemetry.streams('/dth/local/other-task/worker', { page: 1, count: 10 })).rejects.toThrow(
      /logGroupName: "\/dth\/local\/other-task\/worker" is not a log group/,
    );
    await expect(telemetry.streams('/var/log/syslog', { page: 1, count: 10 })).rejects.toThrow(/is not a log group/);
    const streams = await telemetry.streams(worker, { page: 1, count: 10 });
    expect(streams.total).toBe(2);
    expect(streams.logStreams.map((s) => s.logStreamName)).toEqual(['run-2', 'run-1']); // newest last event first
    expect(
      (await telemetry.streams(worker, { prefix: 'run-1', page: 1, count: 10 })).logStreams.map((s) => s.logStreamName),
    ).toEqual(['run-1']);
    expect((await telemetry.streams(worker, { prefix: 'RUN', page: 1, count: 10 })).total).toBe(0); // prefixes are case-sensitive
  });

  it('opens a hub file from before the finder/worker split: its lines are filed as this hub files them', async () => {
    const old = db();
    old.exec(
      'CREATE TABLE task_logs (task_id TEXT NOT NULL, stream TEXT NOT NULL, ts INTEGER NOT NULL, seq INTEGER PRIMARY KEY AUTOINCREMENT, message TEXT NOT NULL)',
    );
    old
      .prepare('INSERT INTO task_logs (task_id, stream, ts, message) VALUES (?, ?, ?, ?)')
      .run(task.id, 'run-0', 1, line('finder.done'));
    old
      .prepare('INSERT INTO task_logs (task_id, stream, ts, message) VALUES (?, ?, ?, ?)')
      .run(task.id, 'run-0', 2, line('worker.copied'));
    const telemetry = new LocalTelemetry(old);
    const messages = async (kind: 'finder' | 'worker', stream: string) =>
      (await telemetry.events(localLogGroup(task.id, kind), stream, { limit: 10 })).logEvents.map(
        (e) => JSON.parse(e.message).event,
      );
    // Before: every old line read as a worker line, and the finder tab of an older task was empty.
    expect(await messages('finder', 'run-0')).toEqual(['finder.done']);
    expect(await messages('worker', 'run-0')).toEqual(['worker.copied']);
    telemetry.appendLog(task.id, 'run-1', line('finder.done'));
    expect(
      (await telemetry.streams(localLogGroup(task.id, 'finder'), { page: 1, count: 10 })).logStreams
        .map((s) => s.logStreamName)
        .sort(),
    ).toEqual(['run-0', 'run-1']);
  });
});
