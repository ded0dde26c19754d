import { SUMMARY_CLASS, emptySummary, type StatusSummary, type SummaryClass } from '../../ports/status-store.js';
import type { SqliteDatabase } from './sqlite-database.js';

/**
 * Per-task counts of object_status, kept by triggers: every insert, update and delete of a record moves its
 * contribution (ports/status-store.ts contributionOf) in the same transaction as the write, whichever statement or
 * process made it, so summary() reads one row instead of grouping the task's records (a scan: 1 M records took
 * ~0.5 s). An upsert on every trigger creates the row on the task's first record.
 */
const COUNTS = {
  total: 'total',
  pending: 'pending',
  inProgress: 'in_progress',
  done: 'done',
  skipped: 'skipped',
  failed: 'failed',
  verified: 'verified',
  bytesTotal: 'bytes_total',
  bytesDone: 'bytes_done',
} as const satisfies Record<keyof StatusSummary, string>;
const FIELDS = Object.keys(COUNTS) as (keyof StatusSummary)[];

/** `status IN (…)` for the statuses SUMMARY_CLASS puts in `cls`, read from row alias `r` (NEW or OLD): 1 or 0. */
function inClass(r: string, cls: SummaryClass): string {
  const statuses = Object.entries(SUMMARY_CLASS)
    .filter(([, c]) => c === cls)
    .map(([s]) => `'${s}'`);
  return `(${r}.status IN (${statuses.join(', ')}))`;
}

/** SQL expressions of one row's contribution, field by field (contributionOf, written in SQL; comparisons are 1 or 0). */
function contribution(r: string): Record<keyof StatusSummary, string> {
  const classes = new Set(Object.values(SUMMARY_CLASS));
  const c = {} as Record<keyof StatusSummary, string>;
  for (const cls of classes) c[cls] = inClass(r, cls);
  // Any status outside the other counts is pending, as contributionOf counts it.
  const others = Object.entries(SUMMARY_CLASS)
    .filter(([, cls]) => cls !== 'pending')
    .map(([s]) => `'${s}'`);
  c.pending = `(${r}.status NOT IN (${others.join(', ')}))`;
  c.total = '1';
  c.verified = `(${r}.verified IS 1)`;
  c.bytesTotal = `${r}.size`;
  c.bytesDone = `(CASE WHEN ${inClass(r, 'done')} THEN ${r}.size WHEN ${inClass(r, 'inProgress')} THEN COALESCE(${r}.bytes_done, 0) ELSE 0 END)`;
  return c;
}

/** An upsert adding `values` (one SQL expression per count) to the row of task `taskExpr`. */
function addToCounts(taskExpr: string, values: Record<keyof StatusSummary, string>): string {
  const cols = FIELDS.map((f) => COUNTS[f]);
  return `INSERT INTO status_counters (task_id, ${cols.join(', ')}) VALUES (${taskExpr}, ${FIELDS.map((f) => values[f]).join(', ')})
    ON CONFLICT (task_id) DO UPDATE SET ${cols.map((c) => `${c} = ${c} + excluded.${c}`).join(', ')};`;
}

function negate(values: Record<keyof StatusSummary, string>): Record<keyof StatusSummary, string> {
  return Object.fromEntries(FIELDS.map((f) => [f, `-(${values[f]})`])) as Record<keyof StatusSummary, string>;
}

const prepared = new WeakSet<SqliteDatabase>();

/**
 * Creates the counters table and its triggers once per database file. A file written before the counters existed
 * gets them filled from its records in the same transaction (IMMEDIATE: a second process opening the file at the
 * same moment waits, then finds the table and does not count the records twice).
 */
export function ensureStatusCounters(db: SqliteDatabase): void {
  if (prepared.has(db)) return;
  const neu = contribution('NEW');
  const old = contribution('OLD');
  const setUp = db.transaction(() => {
    const existed =
      db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'status_counters'`).get() !== undefined;
    db.exec(`
      CREATE TABLE IF NOT EXISTS status_counters (
        task_id TEXT PRIMARY KEY, ${FIELDS.map((f) => `${COUNTS[f]} INTEGER NOT NULL DEFAULT 0`).join(', ')});
      CREATE TRIGGER IF NOT EXISTS object_status_counted_insert AFTER INSERT ON object_status BEGIN
        ${addToCounts('NEW.task_id', neu)}
      END;
      CREATE TRIGGER IF NOT EXISTS object_status_counted_delete AFTER DELETE ON object_status BEGIN
        ${addToCounts('OLD.task_id', negate(old))}
      END;
      CREATE TRIGGER IF NOT EXISTS object_status_counted_update
        AFTER UPDATE OF task_id, status, size, bytes_done, verified ON object_status BEGIN
        ${addToCounts('OLD.task_id', negate(old))}
        ${addToCounts('NEW.task_id', neu)}
      END;
    `);
    if (!existed) {
      const sums = contribution('r');
      db.exec(`INSERT INTO status_counters (task_id, ${FIELDS.map((f) => COUNTS[f]).join(', ')})
        SELECT r.task_id, ${FIELDS.map((f) => `SUM(${sums[f]})`).join(', ')} FROM object_status r GROUP BY r.task_id`);
    }
  });
  setUp.immediate();
  prepared.add(db);
}

export function readStatusCounters(
  sql: (text: string) => { get: (...args: unknown[]) => unknown },
  taskId: string,
): StatusSummary {
  const row = sql(
    `SELECT ${FIELDS.map((f) => `${COUNTS[f]} AS ${f}`).join(', ')} FROM status_counters WHERE task_id = ?`,
  ).get(taskId) as StatusSummary | undefined;
  return row ? { ...row } : emptySummary();
}
