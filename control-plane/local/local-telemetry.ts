import type { MetricHistory, Metrics, TaskLogs } from '../core/ports.js';
import type { SqliteDatabase } from '../../worker/adapters/embedded/sqlite-database.js';
import type { TransferProgress } from '../../worker/s3/run-transfer.js';

export interface ProgressSample {
  done: number;
  failed: number;
  inProgress: number;
  pending: number;
  bytesDone: number;
  bytesPerSecond: number;
}

/** Local stand-in for CloudWatch: progress samples for charts and log lines per task, in SQLite. */
export class LocalTelemetry implements Metrics, TaskLogs {
  constructor(private readonly db: SqliteDatabase) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS task_samples (task_id TEXT NOT NULL, ts INTEGER NOT NULL, doc TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS task_samples_by_time ON task_samples (task_id, ts);
      CREATE TABLE IF NOT EXISTS task_logs (task_id TEXT NOT NULL, stream TEXT NOT NULL, ts INTEGER NOT NULL, seq INTEGER PRIMARY KEY AUTOINCREMENT, message TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS task_logs_by_stream ON task_logs (task_id, stream, seq);`);
  }

  sample(taskId: string, p: Pick<TransferProgress, keyof ProgressSample>): void {
    const doc: ProgressSample = {
      done: p.done, failed: p.failed, inProgress: p.inProgress, pending: p.pending, bytesDone: p.bytesDone, bytesPerSecond: p.bytesPerSecond,
    };
    this.db.prepare('INSERT INTO task_samples (task_id, ts, doc) VALUES (?, ?, ?)').run(taskId, Date.now(), JSON.stringify(doc));
  }

  appendLog(taskId: string, stream: string, message: string): void {
    this.db.prepare('INSERT INTO task_logs (task_id, stream, ts, message) VALUES (?, ?, ?, ?)').run(taskId, stream, Date.now(), message);
  }

  async history(taskId: string, graphName: string, startTime: Date, endTime: Date, periodSec: number): Promise<MetricHistory> {
    const rows = this.db
      .prepare('SELECT ts, doc FROM task_samples WHERE task_id = ? AND ts BETWEEN ? AND ? ORDER BY ts')
      .all(taskId, startTime.getTime(), endTime.getTime()) as { ts: number; doc: string }[];
    // One point per period: the last sample in it.
    const buckets = new Map<number, ProgressSample>();
    for (const r of rows) buckets.set(Math.floor(r.ts / (periodSec * 1000)) * periodSec * 1000, JSON.parse(r.doc) as ProgressSample);
    const times = [...buckets.keys()];
    const points = [...buckets.values()];
    const series = (name: string, pick: (s: ProgressSample) => number) => ({ name, data: points.map(pick) });
    const byGraph: Record<string, MetricHistory['series']> = {
      TransferredFailedObjects: [series('Completed', (s) => s.done), series('Failed', (s) => s.failed)],
      Throughput: [series('BytesPerSecond', (s) => Math.round(s.bytesPerSecond))],
      Network: [series('BytesTransferred', (s) => s.bytesDone)],
      RunningWaitingJobHistory: [series('Running', (s) => s.inProgress), series('Waiting', (s) => s.pending)],
      DesiredInServiceInstances: [series('InService', (s) => (s.inProgress + s.pending > 0 ? 1 : 0))],
    };
    return { series: byGraph[graphName] ?? [], xaxis: { categories: times.map((t) => new Date(t).toISOString()) } };
  }

  async streams(taskId: string, page: number, count: number) {
    const rows = this.db
      .prepare('SELECT stream, MIN(ts) AS first, MAX(ts) AS last FROM task_logs WHERE task_id = ? GROUP BY stream ORDER BY first DESC LIMIT ? OFFSET ?')
      .all(taskId, count, (page - 1) * count) as { stream: string; first: number; last: number }[];
    const total = (this.db.prepare('SELECT COUNT(DISTINCT stream) AS n FROM task_logs WHERE task_id = ?').get(taskId) as { n: number }).n;
    return {
      logStreams: rows.map((r) => ({ logStreamName: r.stream, creationTime: String(r.first), lastEventTimestamp: String(r.last) })),
      total,
    };
  }

  async events(taskId: string, stream: string, limit: number, nextToken?: string) {
    const after = nextToken ? Number(nextToken) : 0;
    const rows = this.db
      .prepare('SELECT seq, ts, message FROM task_logs WHERE task_id = ? AND stream = ? AND seq > ? ORDER BY seq LIMIT ?')
      .all(taskId, stream, after, limit) as { seq: number; ts: number; message: string }[];
    return {
      logEvents: rows.map((r) => ({ timestamp: String(r.ts), message: r.message })),
      nextForwardToken: rows.length ? String(rows.at(-1)!.seq) : nextToken,
    };
  }
}
