import type {
  CopyStart,
  ObjectRecord,
  ObjectStatus,
  PartTally,
  RecordedPart,
  RecordExpectation,
  StatusStore,
  StatusSummary,
} from '../../ports/status-store.js';
import { ensureStatusCounters, readStatusCounters } from './sqlite-status-counters.js';
import { groupCommitOf, statementCache, type GroupCommit, type SqliteDatabase } from './sqlite-database.js';

const COLUMNS = [
  'size',
  'etag',
  'status',
  'attempts',
  'error',
  'checksum',
  'verified',
  'bytes_done',
  'started_at',
  'finished_at',
  'upload_id',
  'part_size',
  'dest_etag',
] as const;
const FIELD_TO_COLUMN: Record<string, (typeof COLUMNS)[number]> = {
  size: 'size',
  etag: 'etag',
  status: 'status',
  attempts: 'attempts',
  error: 'error',
  checksum: 'checksum',
  verified: 'verified',
  bytesDone: 'bytes_done',
  startedAt: 'started_at',
  finishedAt: 'finished_at',
  uploadId: 'upload_id',
  partSize: 'part_size',
  destEtag: 'dest_etag',
};

interface Row {
  key: string;
  size: number;
  etag: string | null;
  status: ObjectStatus;
  attempts: number;
  error: string | null;
  checksum: string | null;
  verified: number | null;
  bytes_done: number | null;
  started_at: string | null;
  finished_at: string | null;
  upload_id: string | null;
  part_size: number | null;
  dest_etag: string | null;
}

function toRecord(r: Row): ObjectRecord {
  const rec: ObjectRecord = { key: r.key, size: r.size, status: r.status, attempts: r.attempts };
  if (r.etag !== null) rec.etag = r.etag;
  if (r.error !== null) rec.error = r.error;
  if (r.checksum !== null) rec.checksum = r.checksum;
  if (r.verified !== null) rec.verified = r.verified === 1;
  if (r.bytes_done !== null) rec.bytesDone = r.bytes_done;
  if (r.started_at !== null) rec.startedAt = r.started_at;
  if (r.finished_at !== null) rec.finishedAt = r.finished_at;
  if (r.upload_id !== null) rec.uploadId = r.upload_id;
  if (r.part_size !== null) rec.partSize = r.part_size;
  if (r.dest_etag !== null) rec.destEtag = r.dest_etag;
  return rec;
}

// An upsert, not INSERT OR REPLACE: REPLACE deletes the old row without firing the delete trigger, so the counters
// (sqlite-status-counters.ts) would count the record twice.
const REPLACE_RECORD = `INSERT INTO object_status (task_id, key, ${COLUMNS.join(', ')}) VALUES (?, ?, ${COLUMNS.map(() => '?').join(', ')})
   ON CONFLICT (task_id, key) DO UPDATE SET ${COLUMNS.map((c) => `${c} = excluded.${c}`).join(', ')}`;

function toColumnValue(v: unknown): unknown {
  if (v === undefined) return null;
  if (typeof v === 'boolean') return v ? 1 : 0;
  return v;
}

interface PartRow {
  part_number: number;
  etag: string;
  size: number;
  /** 1 or 0; NULL in rows written before it was kept. */
  kms: number | null;
}

function partOfRow(r: PartRow): RecordedPart {
  const part: RecordedPart = { partNumber: r.part_number, etag: r.etag, size: r.size };
  if (r.kms !== null) part.kms = r.kms === 1;
  return part;
}

const prepared = new WeakSet<SqliteDatabase>();

/**
 * Per-task object status in SQLite; many tasks share one file, told apart by task_id.
 * Writes go through the database's group commit; reads flush it first, so they see every earlier write.
 * The task's counts are kept by triggers in the transaction of each write (sqlite-status-counters.ts).
 */
export class SqliteStatusStore implements StatusStore {
  private readonly sql: ReturnType<typeof statementCache>;
  private readonly commits: GroupCommit;

  constructor(
    db: SqliteDatabase,
    private readonly taskId: string,
  ) {
    this.sql = statementCache(db);
    this.commits = groupCommitOf(db);
    SqliteStatusStore.prepare(db);
  }

  /**
   * Creates the status tables and their counters once per database connection. The hub calls it when it opens its
   * database, so that starting a task writes no schema (a nearly full disk then fails the task, not its creation).
   */
  static prepare(db: SqliteDatabase): void {
    if (prepared.has(db)) return;
    db.exec(`
      CREATE TABLE IF NOT EXISTS object_status (
        task_id TEXT NOT NULL, key TEXT NOT NULL, size INTEGER NOT NULL, etag TEXT, status TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0, error TEXT, checksum TEXT, verified INTEGER, bytes_done INTEGER,
        started_at TEXT, finished_at TEXT, upload_id TEXT, part_size INTEGER, dest_etag TEXT,
        PRIMARY KEY (task_id, key));
      CREATE INDEX IF NOT EXISTS object_status_by_status ON object_status (task_id, status, key);
      CREATE TABLE IF NOT EXISTS object_parts (
        task_id TEXT NOT NULL, key TEXT NOT NULL, upload_id TEXT NOT NULL, part_number INTEGER NOT NULL,
        etag TEXT NOT NULL, size INTEGER NOT NULL, kms INTEGER, PRIMARY KEY (task_id, key, upload_id, part_number));
      CREATE TABLE IF NOT EXISTS object_upload_claims (
        task_id TEXT NOT NULL, key TEXT NOT NULL, upload_id TEXT NOT NULL, claimant TEXT NOT NULL,
        PRIMARY KEY (task_id, key, upload_id));
    `);
    // Databases made before dest_etag existed (a state file of an earlier version) get the column.
    const columns = db.prepare('PRAGMA table_info(object_status)').all() as { name: string }[];
    if (!columns.some((c) => c.name === 'dest_etag')) db.exec('ALTER TABLE object_status ADD COLUMN dest_etag TEXT');
    // And before parts kept whether their answer showed SSE-KMS: their rows get NULL, read as not known.
    const partColumns = db.prepare('PRAGMA table_info(object_parts)').all() as { name: string }[];
    if (!partColumns.some((c) => c.name === 'kms')) db.exec('ALTER TABLE object_parts ADD COLUMN kms INTEGER');
    ensureStatusCounters(db);
    prepared.add(db);
  }

  async get(key: string): Promise<ObjectRecord | undefined> {
    this.commits.flush();
    const row = this.sql('SELECT * FROM object_status WHERE task_id = ? AND key = ?').get(this.taskId, key) as
      | Row
      | undefined;
    return row ? toRecord(row) : undefined;
  }

  /** The statement's arguments are taken now: the caller may change the record before the commit runs. */
  private replaceArgs(record: ObjectRecord): unknown[] {
    return [
      this.taskId,
      record.key,
      record.size,
      record.etag,
      record.status,
      record.attempts,
      record.error,
      record.checksum,
      record.verified,
      record.bytesDone,
      record.startedAt,
      record.finishedAt,
      record.uploadId,
      record.partSize,
      record.destEtag,
    ].map(toColumnValue);
  }

  async put(record: ObjectRecord): Promise<void> {
    const replace = this.sql(REPLACE_RECORD),
      args = this.replaceArgs(record);
    return this.commits.enqueue(() => {
      replace.run(...args);
    });
  }

  /** Writes many records all or none (the finder records a whole listing page at once). */
  async putMany(records: ObjectRecord[]): Promise<void> {
    const replace = this.sql(REPLACE_RECORD),
      rows = records.map((r) => this.replaceArgs(r));
    return this.commits.enqueue(() => {
      for (const args of rows) replace.run(...args);
    });
  }

  async update(key: string, patch: Partial<Omit<ObjectRecord, 'key'>>): Promise<void> {
    await this.updateIf(key, {}, patch);
  }

  async updateIf(
    key: string,
    expected: RecordExpectation,
    patch: Partial<Omit<ObjectRecord, 'key'>>,
  ): Promise<boolean> {
    // Built in one pass per side (this runs on every state change of every object).
    let sets = '';
    const args: unknown[] = [];
    for (const [field, value] of Object.entries(patch)) {
      if (!Object.hasOwn(FIELD_TO_COLUMN, field)) continue;
      const column = FIELD_TO_COLUMN[field];
      sets += sets ? `, ${column} = ?` : `${column} = ?`;
      args.push(toColumnValue(value));
    }
    if (sets === '') return this.matches(await this.get(key), expected);
    args.push(this.taskId, key);
    // `IS` compares NULL as a value: expecting undefined matches a record without that field.
    let where = '';
    for (const [field, value] of Object.entries(expected)) {
      if (!Object.hasOwn(FIELD_TO_COLUMN, field)) continue;
      const column = FIELD_TO_COLUMN[field];
      where += ` AND ${column} IS ?`;
      args.push(toColumnValue(value));
    }
    const apply = this.sql(`UPDATE object_status SET ${sets} WHERE task_id = ? AND key = ?${where}`);
    return this.commits.enqueue(() => apply.run(...args).changes > 0);
  }

  private matches(record: ObjectRecord | undefined, expected: RecordExpectation): boolean {
    return record !== undefined && Object.entries(expected).every(([f, v]) => record[f as keyof ObjectRecord] === v);
  }

  async markStarted(start: CopyStart): Promise<void> {
    const upsert = this.sql(
      `INSERT INTO object_status (task_id, key, size, etag, status, attempts, started_at) VALUES (?, ?, ?, ?, 'IN_PROGRESS', ?, ?)
       ON CONFLICT (task_id, key) DO UPDATE SET status = 'IN_PROGRESS', attempts = excluded.attempts,
         started_at = excluded.started_at, error = NULL`,
    );
    const args = [this.taskId, start.key, start.size, start.etag ?? null, start.attempts, start.startedAt];
    return this.commits.enqueue(() => {
      upsert.run(...args);
    });
  }

  async addPart(key: string, uploadId: string, part: RecordedPart): Promise<void> {
    await this.recordPart(key, uploadId, part);
  }

  /** One transaction: whether the part is new, its row, and the upload's tally (an indexed range of its parts). */
  async recordPart(key: string, uploadId: string, part: RecordedPart): Promise<PartTally> {
    const exists = this.sql(
      'SELECT 1 FROM object_parts WHERE task_id = ? AND key = ? AND upload_id = ? AND part_number = ?',
    );
    const insert = this.sql(
      'INSERT OR REPLACE INTO object_parts (task_id, key, upload_id, part_number, etag, size, kms) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    const tally = this.sql(
      'SELECT COUNT(*) AS n, COALESCE(SUM(size), 0) AS bytes FROM object_parts WHERE task_id = ? AND key = ? AND upload_id = ?',
    );
    const id = [this.taskId, key, uploadId];
    const args = [...id, part.partNumber, part.etag, part.size, part.kms === undefined ? null : Number(part.kms)];
    return this.commits.enqueue(() => {
      const added = exists.get(...id, part.partNumber) === undefined;
      insert.run(...args);
      const t = tally.get(...id) as { n: number; bytes: number };
      return { added, partsDone: t.n, bytesDone: t.bytes };
    });
  }

  async getPart(key: string, uploadId: string, partNumber: number): Promise<RecordedPart | undefined> {
    this.commits.flush();
    const row = this.sql(
      'SELECT part_number, etag, size, kms FROM object_parts WHERE task_id = ? AND key = ? AND upload_id = ? AND part_number = ?',
    ).get(this.taskId, key, uploadId, partNumber) as PartRow | undefined;
    return row && partOfRow(row);
  }

  /** Only while the upload has recorded parts: a claim arriving after clearParts (completed, abandoned) finds none. */
  async claimCompletion(key: string, uploadId: string, claimant: string): Promise<boolean> {
    const claim = this.sql(
      `INSERT INTO object_upload_claims (task_id, key, upload_id, claimant)
       SELECT ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM object_parts WHERE task_id = ? AND key = ? AND upload_id = ?)
       ON CONFLICT (task_id, key, upload_id) DO UPDATE SET claimant = claimant WHERE claimant = excluded.claimant`,
    );
    const args = [this.taskId, key, uploadId, claimant, this.taskId, key, uploadId];
    return this.commits.enqueue(() => claim.run(...args).changes > 0);
  }

  async listParts(key: string, uploadId: string): Promise<RecordedPart[]> {
    this.commits.flush();
    const rows = this.sql(
      'SELECT part_number, etag, size, kms FROM object_parts WHERE task_id = ? AND key = ? AND upload_id = ? ORDER BY part_number',
    ).all(this.taskId, key, uploadId) as PartRow[];
    return rows.map(partOfRow);
  }

  async clearParts(key: string, uploadId: string): Promise<void> {
    const remove = this.sql('DELETE FROM object_parts WHERE task_id = ? AND key = ? AND upload_id = ?');
    const unclaim = this.sql('DELETE FROM object_upload_claims WHERE task_id = ? AND key = ? AND upload_id = ?');
    return this.commits.enqueue(() => {
      remove.run(this.taskId, key, uploadId);
      unclaim.run(this.taskId, key, uploadId);
    });
  }

  async summary(): Promise<StatusSummary> {
    this.commits.flush();
    return readStatusCounters(this.sql, this.taskId);
  }

  async list(options: { status?: ObjectStatus; limit: number; after?: string }): Promise<ObjectRecord[]> {
    this.commits.flush();
    const rows = this.sql(
      `SELECT * FROM object_status WHERE task_id = ? AND (? IS NULL OR status = ?) AND key > ? ORDER BY key LIMIT ?`,
    ).all(this.taskId, options.status ?? null, options.status ?? null, options.after ?? '', options.limit) as Row[];
    return rows.map(toRecord);
  }

  /** Forgets every record of this task. */
  clear(): void {
    this.commits.flush();
    this.sql('DELETE FROM object_status WHERE task_id = ?').run(this.taskId);
    this.sql('DELETE FROM object_parts WHERE task_id = ?').run(this.taskId);
    this.sql('DELETE FROM object_upload_claims WHERE task_id = ?').run(this.taskId);
    this.sql('DELETE FROM status_counters WHERE task_id = ?').run(this.taskId);
  }
}
