import { InvalidParameterError } from '../../worker/core/errors.js';
import type { SqliteDatabase } from '../../worker/adapters/embedded/sqlite-database.js';
import type { TransferProgress } from '../../worker/s3/run-transfer.js';
import { LogGroupNotFoundError, LogStreamNotFoundError } from '../core/errors.js';
import {
  alignSeries,
  chartPeriod,
  type GraphName,
  type MetricHistory,
  type SeriesName,
} from '../core/metric-history.js';
import type { LogEventsPage, LogStreamInfo, Metrics, TaskLogs } from '../core/ports.js';
import type { TaskRecord } from '../core/task.js';
import { logKindOf, parseLocalLogGroup } from './local-log-groups.js';

export interface ProgressSample {
  done: number;
  failed: number;
  inProgress: number;
  pending: number;
  bytesDone: number;
  bytesPerSecond: number;
  /** The run (log stream) it was taken in; absent in samples of older hubs. */
  run?: string;
  /** What the run's pass has copied and failed so far, only growing (S3 tasks; absent in older samples). */
  pass?: { copied: number; failed: number; bytes: number };
}

/** Running totals in a sample; charts show what each period added (as CloudWatch sums per period). */
type Counter = 'done' | 'failed' | 'bytesDone';

/** The pass counter each running total stands for. */
const PASS_COUNTERS = { done: 'copied', failed: 'failed', bytesDone: 'bytes' } as const;

const TOKEN = /^([fb])\/(\d{1,15})$/;
const MAX_STORED_BYTES = 2 ** 31 - 1;

/**
 * Local stand-in for CloudWatch: progress samples for charts, and log lines per task in two log groups (finder,
 * worker; control-plane/local/local-log-groups.ts), one stream per run, in SQLite. Answers in CloudWatch's shapes.
 */
export class LocalTelemetry implements Metrics, TaskLogs {
  constructor(
    private readonly db: SqliteDatabase,
    private readonly options: { taskExists?: (taskId: string) => boolean } = {},
  ) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS task_samples (task_id TEXT NOT NULL, ts INTEGER NOT NULL, doc TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS task_samples_by_time ON task_samples (task_id, ts);
      CREATE TABLE IF NOT EXISTS task_logs (task_id TEXT NOT NULL, stream TEXT NOT NULL, ts INTEGER NOT NULL, seq INTEGER PRIMARY KEY AUTOINCREMENT, message TEXT NOT NULL);`);
    // Hubs from before the finder/worker split: each line filed as this hub files it (listing and run lines under the
    // finder group, the rest under the worker's), so their Finder Logs tab is not empty.
    const columns = db.prepare('PRAGMA table_info(task_logs)').all() as { name: string }[];
    if (!columns.some((c) => c.name === 'kind')) {
      db.function('dth_log_kind', { deterministic: true }, (message: unknown) => logKindOf(String(message)));
      db.transaction(() => {
        db.exec("ALTER TABLE task_logs ADD COLUMN kind TEXT NOT NULL DEFAULT 'worker'");
        db.exec('UPDATE task_logs SET kind = dth_log_kind(message)');
      })();
    }
    db.exec('CREATE INDEX IF NOT EXISTS task_logs_by_kind ON task_logs (task_id, kind, stream, seq)');
  }

  sample(
    taskId: string,
    p: Pick<TransferProgress, Exclude<keyof ProgressSample, 'run' | 'pass'>> & Pick<ProgressSample, 'pass'>,
    run?: string,
  ): void {
    const doc: ProgressSample = {
      run,
      pass: p.pass,
      done: p.done,
      failed: p.failed,
      inProgress: p.inProgress,
      pending: p.pending,
      bytesDone: p.bytesDone,
      bytesPerSecond: p.bytesPerSecond,
    };
    this.db
      .prepare('INSERT INTO task_samples (task_id, ts, doc) VALUES (?, ?, ?)')
      .run(taskId, Date.now(), JSON.stringify(doc));
  }

  appendLog(taskId: string, stream: string, message: string): void {
    this.db
      .prepare('INSERT INTO task_logs (task_id, stream, ts, message, kind) VALUES (?, ?, ?, ?, ?)')
      .run(taskId, stream, Date.now(), message, logKindOf(message));
  }

  async history(
    task: TaskRecord,
    graph: GraphName,
    startTime: Date,
    endTime: Date,
    askedPeriod: number,
  ): Promise<MetricHistory> {
    const period = chartPeriod(startTime, endTime, askedPeriod);
    const parse = (r: { ts: number; doc: string }) => ({ ts: r.ts, s: JSON.parse(r.doc) as ProgressSample });
    const before = this.db
      .prepare('SELECT ts, doc FROM task_samples WHERE task_id = ? AND ts < ? ORDER BY ts DESC LIMIT 1')
      .get(task.id, startTime.getTime()) as { ts: number; doc: string } | undefined;
    const rows = (
      this.db
        .prepare('SELECT ts, doc FROM task_samples WHERE task_id = ? AND ts BETWEEN ? AND ? ORDER BY ts')
        .all(task.id, startTime.getTime(), endTime.getTime()) as { ts: number; doc: string }[]
    ).map(parse);
    let previous = before ? parse(before).s : undefined;
    /**
     * What a sample added since the one before it. Within a run a total only falls when objects were copied again
     * smaller: nothing was added (before, the whole total was counted again). A smaller total in another run: one that
     * started from zero. The pass's own counts grow with every copy, re-copies of changed objects included, and start
     * from zero in each run: exact. The status totals (older samples, image tasks) fall while a changed object waits.
     */
    const added = (s: ProgressSample, c: Counter): number => {
      const sameRun = previous?.run !== undefined && previous.run === s.run;
      const passCounter = PASS_COUNTERS[c];
      if (s.pass)
        return sameRun && previous?.pass ? s.pass[passCounter] - previous.pass[passCounter] : s.pass[passCounter];
      return previous && (sameRun || s[c] >= previous[c]) ? Math.max(0, s[c] - previous[c]) : s[c];
    };
    // A period's counts are the sum of what each of its samples added — two runs in one period (a restarted hub, a
    // scheduled task's passes) both count; before, its last sample alone decided, and the earlier run's copies were
    // lost. Its gauges (jobs waiting and running) are its last sample's.
    const periods = new Map<number, { last: ProgressSample; sums: Record<Counter, number> }>();
    for (const r of rows) {
      const t = Math.floor(r.ts / 1000 / period) * period;
      const entry = periods.get(t) ?? { last: r.s, sums: { done: 0, failed: 0, bytesDone: 0 } };
      for (const c of ['done', 'failed', 'bytesDone'] as const) entry.sums[c] += added(r.s, c);
      entry.last = r.s;
      periods.set(t, entry);
      previous = r.s;
    }
    const points = new Map<SeriesName, Map<number, number>>();
    const put = (name: SeriesName, t: number, v: number) => {
      const series = points.get(name) ?? new Map<number, number>();
      points.set(name, series.set(t, v));
    };
    for (const [t, { last, sums }] of periods) {
      const busy = last.inProgress + last.pending > 0 ? 1 : 0;
      put('Network', t, sums.bytesDone);
      put('BytesPerSecond', t, Math.round(sums.bytesDone / period));
      put('TransferredObjects', t, sums.done);
      put('FailedObjects', t, sums.failed);
      put('WaitingJob', t, last.pending);
      put('RunningJob', t, last.inProgress);
      // The local hub is one "instance", busy while the task has work.
      put('DesiredCapacity', t, busy);
      put('InServiceInstances', t, busy);
    }
    return alignSeries(graph, Object.fromEntries(points));
  }

  private group(logGroupName: string): { taskId: string; kind: string } {
    const group = parseLocalLogGroup(logGroupName);
    if (!group || (this.options.taskExists && !this.options.taskExists(group.taskId)))
      throw new LogGroupNotFoundError(logGroupName);
    return group;
  }

  async streams(logGroupName: string, options: { prefix?: string; page: number; count: number }) {
    const { taskId, kind } = this.group(logGroupName);
    const prefix = options.prefix ?? '';
    const where = 'task_id = ? AND kind = ? AND substr(stream, 1, length(?)) = ?';
    const args = [taskId, kind, prefix, prefix];
    const rows = this.db
      .prepare(`SELECT stream, MIN(ts) AS first, MAX(ts) AS last, SUM(length(CAST(message AS BLOB))) AS bytes FROM task_logs WHERE ${where}
        GROUP BY stream ORDER BY last DESC, MAX(seq) DESC LIMIT ? OFFSET ?`)
      .all(...args, options.count, (options.page - 1) * options.count) as {
      stream: string;
      first: number;
      last: number;
      bytes: number;
    }[];
    const total = (
      this.db.prepare(`SELECT COUNT(DISTINCT stream) AS n FROM task_logs WHERE ${where}`).get(...args) as { n: number }
    ).n;
    const logStreams: LogStreamInfo[] = rows.map((r) => ({
      logStreamName: r.stream,
      creationTime: String(r.first),
      firstEventTimestamp: String(r.first),
      lastEventTimestamp: String(r.last),
      lastIngestionTime: String(r.last),
      storedBytes: Math.min(r.bytes, MAX_STORED_BYTES),
    }));
    return { logStreams, total };
  }

  /**
   * CloudWatch's paging: without a token the newest `limit` events (or the oldest, startFromHead); `f/<seq>` reads
   * the events after seq, `b/<seq>` those before it. A page with nothing new gives its token back, so a console can
   * poll the forward token to follow the stream.
   */
  async events(
    logGroupName: string,
    logStreamName: string,
    options: { limit: number; nextToken?: string; startFromHead?: boolean },
  ): Promise<LogEventsPage> {
    const { taskId, kind } = this.group(logGroupName);
    let token: { dir: 'f' | 'b'; seq: number } | undefined;
    if (options.nextToken) {
      const m = TOKEN.exec(options.nextToken);
      if (!m) throw new InvalidParameterError('nextToken', 'is not a token of an earlier getLogEvents answer');
      token = { dir: m[1] as 'f' | 'b', seq: Number(m[2]) };
    }
    const base = 'SELECT seq, ts, message FROM task_logs WHERE task_id = ? AND kind = ? AND stream = ?';
    const args = [taskId, kind, logStreamName];
    const forward = token ? token.dir === 'f' : !!options.startFromHead;
    const rows = (
      forward
        ? this.db.prepare(`${base} AND seq > ? ORDER BY seq LIMIT ?`).all(...args, token?.seq ?? 0, options.limit)
        : this.db
            .prepare(`${base} AND seq < ? ORDER BY seq DESC LIMIT ?`)
            .all(...args, token?.seq ?? Number.MAX_SAFE_INTEGER, options.limit)
            .reverse()
    ) as { seq: number; ts: number; message: string }[];
    // As CloudWatch: a stream with no events at all does not exist (an empty page would read as "nothing logged yet").
    if (rows.length === 0 && !this.db.prepare(`${base} LIMIT 1`).get(...args))
      throw new LogStreamNotFoundError(logGroupName, logStreamName);
    const first = rows[0]?.seq;
    const last = rows.at(-1)?.seq;
    return {
      logEvents: rows.map((r) => ({ timestamp: String(r.ts), message: r.message, ingestionTime: String(r.ts) })),
      nextForwardToken:
        last !== undefined
          ? `f/${last}`
          : token?.dir === 'f'
            ? options.nextToken
            : `f/${token ? Math.max(0, token.seq - 1) : 0}`,
      nextBackwardToken:
        first !== undefined ? `b/${first}` : token?.dir === 'b' ? options.nextToken : `b/${token ? token.seq + 1 : 0}`,
    };
  }
}
