import type { ObjectStatus, StatusStore } from '../../worker/ports/status-store.js';
import type { TaskObjects } from './ports.js';
import type { TaskRecord } from './task.js';

/**
 * A task's per-object records as the API shows them, read from its status store (the hub's SQLite one, a plugin
 * stack's DynamoDB table). `storeOf` undefined: the task has no store yet, so no records.
 */
export function statusStoreObjects(storeOf: (task: TaskRecord) => StatusStore | undefined): TaskObjects {
  return {
    list: async (task, options) => {
      const store = storeOf(task);
      if (!store) return [];
      const records = await store.list({ ...options, status: options.status as ObjectStatus | undefined });
      return records.map((r) => ({
        key: r.key,
        size: r.size,
        status: r.status,
        attempts: r.attempts,
        error: r.error,
        checksum: r.checksum,
        verified: r.verified,
        finishedAt: r.finishedAt,
      }));
    },
  };
}
