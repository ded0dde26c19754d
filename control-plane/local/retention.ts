import type { SqliteDatabase } from '../../worker/adapters/embedded/sqlite-database.js';
import { SqliteStatusStore } from '../../worker/adapters/embedded/sqlite-status-store.js';

/**
 * How long the hub keeps task logs and chart samples, and a STOPPED (deleted) task's object records: the original's
 * log groups keep two weeks (RetentionDays.TWO_WEEKS), and its per-task status table went with the task's stack.
 * Before, `hub.db` kept every line and record of every task for good (~220 bytes of log per copied object).
 */
export const RETENTION_DAYS = 14;

const DAY_MS = 86_400_000;

export interface Pruned {
  logLines: number;
  samples: number;
  /** STOPPED tasks whose object records were removed. */
  stoppedTasks: number;
}

/** Removes what is older than the retention (see RETENTION_DAYS). The tasks themselves stay listed. */
export function pruneExpired(db: SqliteDatabase, now = Date.now()): Pruned {
  const cutoff = now - RETENTION_DAYS * DAY_MS;
  const logLines = db.prepare('DELETE FROM task_logs WHERE ts < ?').run(cutoff).changes;
  const samples = db.prepare('DELETE FROM task_samples WHERE ts < ?').run(cutoff).changes;
  const stopped = db
    .prepare(
      "SELECT id FROM tasks WHERE progress = 'STOPPED' AND json_extract(doc, '$.stoppedAt') < ? " +
        'AND EXISTS (SELECT 1 FROM object_status WHERE object_status.task_id = tasks.id)',
    )
    .all(new Date(cutoff).toISOString()) as { id: string }[];
  // Their counts stay on the task (progressInfo, written when it stopped); only the per-object records go.
  for (const { id } of stopped) new SqliteStatusStore(db, id).clear();
  return { logLines, samples, stoppedTasks: stopped.length };
}
