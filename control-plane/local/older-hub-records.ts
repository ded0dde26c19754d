/**
 * Task records an older hub wrote, brought to what this hub reads. hub.db has no schema version: each store adds its
 * own missing tables and columns; this mends values. Runs at every start, before tasks resume, and changes nothing
 * the second time.
 */
import type { SqliteDatabase } from '../../worker/adapters/embedded/sqlite-database.js';
import { localStackOutputs } from './local-log-groups.js';

/**
 * Hubs from before the log groups were named in stackOutputs wrote tasks without them: their console lost the Finder
 * and Worker Logs tabs, and `listLogStreams(id)` found nothing, although their lines are kept. Each gets its outputs.
 */
export function mendOlderTaskRecords(db: SqliteDatabase): number {
  const rows = db.prepare("SELECT id FROM tasks WHERE json_type(doc, '$.stackOutputs') IS NOT 'array'").all() as {
    id: string;
  }[];
  const give = db.prepare("UPDATE tasks SET doc = json_set(doc, '$.stackOutputs', json(?)) WHERE id = ?");
  db.transaction(() => {
    for (const { id } of rows) give.run(JSON.stringify(localStackOutputs(id)), id);
  })();
  return rows.length;
}
