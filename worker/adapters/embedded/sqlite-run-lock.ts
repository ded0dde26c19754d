/**
 * One run at a time per task in a state file. Two runs of one task (a cron job that overlaps its last run) shared its
 * queue: the second purged the first's jobs and queued everything again, so every object was copied twice and each
 * run's counts were wrong. A run now holds the task's lock row; a holder that is no longer running (killed, crashed)
 * is taken over.
 */
import { hostname } from 'node:os';
import { DthError } from '../../core/errors.js';
import { processRuns, processStart } from '../../core/process-liveness.js';
import type { SqliteDatabase } from './sqlite-database.js';

interface RunHolder {
  pid: number;
  host: string;
  startedAt: string;
  /** The process's start time where the system tells it (/proc), so a reused id is not taken for the holder. */
  start?: string | null;
}

export class TaskRunningError extends DthError {
  constructor(taskId: string, holder: RunHolder) {
    const elsewhere = holder.host !== hostname();
    super(
      'TASK_RUNNING',
      `task ${taskId} is already running with this state file: process ${holder.pid} on ${holder.host}, since ${holder.startedAt}. ` +
        (elsewhere
          ? `If it no longer runs there, remove its lock: sqlite3 <state> "DELETE FROM run_lock WHERE task_id = '${taskId}'"`
          : 'Wait for it to end, stop it, or give this run another --state or --task-id.'),
    );
  }
}

/** Takes the task's run lock or throws TaskRunningError naming the run that holds it; returns its release. */
export function lockTaskRun(db: SqliteDatabase, taskId: string): () => void {
  db.exec(
    'CREATE TABLE IF NOT EXISTS run_lock (task_id TEXT PRIMARY KEY, pid INTEGER NOT NULL, host TEXT NOT NULL, started_at TEXT NOT NULL, start TEXT)',
  );
  const me: RunHolder = {
    pid: process.pid,
    host: hostname(),
    startedAt: new Date().toISOString(),
    start: processStart(process.pid),
  };
  db.transaction(() => {
    const held = db
      .prepare('SELECT pid, host, started_at AS startedAt, start FROM run_lock WHERE task_id = ?')
      .get(taskId) as RunHolder | undefined;
    if (held && (held.host !== me.host || (held.pid !== me.pid && processRuns(held.pid, held.start))))
      throw new TaskRunningError(taskId, held);
    db.prepare('INSERT OR REPLACE INTO run_lock (task_id, pid, host, started_at, start) VALUES (?, ?, ?, ?, ?)').run(
      taskId,
      me.pid,
      me.host,
      me.startedAt,
      me.start ?? null,
    );
  }).immediate();
  return () => {
    db.prepare('DELETE FROM run_lock WHERE task_id = ? AND pid = ? AND host = ?').run(taskId, me.pid, me.host);
  };
}
