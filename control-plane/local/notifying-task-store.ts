import type { SqliteDatabase } from '../../worker/adapters/embedded/sqlite-database.js';
import { shouldNotify, taskNotification } from '../core/task-notification.js';
import type { TaskRecord } from '../core/task.js';
import { SqliteTaskStore } from './sqlite-task-store.js';

/**
 * The local hub's task table, recording the outcome notification the cloud would mail (core/task-notification.ts)
 * on the task whenever an update ends it DONE or ERROR — whichever path ended it (a pass, a failed run, a start that
 * failed) — so the console shows what the admin would have received. No mail server is involved.
 */
export class NotifyingTaskStore extends SqliteTaskStore {
  constructor(
    db: SqliteDatabase,
    private readonly now: () => Date = () => new Date(),
  ) {
    super(db);
  }

  override async update(id: string, patch: Partial<Omit<TaskRecord, 'id'>>): Promise<TaskRecord> {
    const updated = await super.update(id, patch);
    if (!patch.progress || !shouldNotify(updated)) return updated;
    return super.update(id, {
      notifications: [...(updated.notifications ?? []), taskNotification(updated, 'LOCAL', this.now())],
    });
  }
}
