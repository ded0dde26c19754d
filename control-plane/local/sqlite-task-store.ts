import type { TaskListOptions, TaskStore } from '../core/ports.js';
import type { TaskRecord } from '../core/task.js';
import type { SqliteDatabase } from '../../worker/adapters/embedded/sqlite-database.js';

/** The local hub's task table: one JSON document per task, with progress and creation time as columns for listing. */
export class SqliteTaskStore implements TaskStore {
  constructor(private readonly db: SqliteDatabase) {
    db.exec(`CREATE TABLE IF NOT EXISTS tasks (
      id TEXT PRIMARY KEY, progress TEXT NOT NULL, created_at TEXT NOT NULL, doc TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS tasks_by_progress ON tasks (progress, created_at);`);
  }

  async put(task: TaskRecord): Promise<void> {
    this.db
      .prepare('INSERT OR REPLACE INTO tasks (id, progress, created_at, doc) VALUES (?, ?, ?, ?)')
      .run(task.id, task.progress, task.createdAt, JSON.stringify(task));
  }

  /** Synchronous existence check (the log adapter answers "not found" for a log group of no task). */
  has(id: string): boolean {
    return this.db.prepare('SELECT 1 FROM tasks WHERE id = ?').get(id) !== undefined;
  }

  async get(id: string): Promise<TaskRecord | undefined> {
    const row = this.db.prepare('SELECT doc FROM tasks WHERE id = ?').get(id) as { doc: string } | undefined;
    return row ? (JSON.parse(row.doc) as TaskRecord) : undefined;
  }

  async update(id: string, patch: Partial<Omit<TaskRecord, 'id'>>): Promise<TaskRecord> {
    return this.db.transaction(() => {
      const row = this.db.prepare('SELECT doc FROM tasks WHERE id = ?').get(id) as { doc: string } | undefined;
      if (!row) throw new Error(`task "${id}" does not exist`);
      const merged = { ...(JSON.parse(row.doc) as TaskRecord), ...patch, id } as TaskRecord;
      for (const [k, v] of Object.entries(patch))
        if (v === undefined) delete (merged as unknown as Record<string, unknown>)[k];
      this.db
        .prepare('UPDATE tasks SET progress = ?, doc = ? WHERE id = ?')
        .run(merged.progress, JSON.stringify(merged), id);
      return merged;
    })();
  }

  async list(options: TaskListOptions) {
    const [where, args] = options.progress
      ? ['WHERE progress = ?', [options.progress]]
      : options.exceptProgress
        ? ['WHERE progress <> ?', [options.exceptProgress]]
        : ['', []];
    const total = (this.db.prepare(`SELECT COUNT(*) AS n FROM tasks ${where}`).get(...args) as { n: number }).n;
    const rows = this.db
      .prepare(`SELECT doc FROM tasks ${where} ORDER BY created_at DESC, id LIMIT ? OFFSET ?`)
      .all(...args, options.count, (options.page - 1) * options.count) as { doc: string }[];
    return { items: rows.map((r) => JSON.parse(r.doc) as TaskRecord), total };
  }

  /** Tasks that were running when the hub stopped. */
  async unfinished(): Promise<TaskRecord[]> {
    const rows = this.db
      .prepare("SELECT doc FROM tasks WHERE progress IN ('STARTING', 'IN_PROGRESS', 'STOPPING')")
      .all() as { doc: string }[];
    return rows.map((r) => JSON.parse(r.doc) as TaskRecord);
  }
}
