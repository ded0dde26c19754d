import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { JobQueue, QueueDepth, ReceivedJob } from '../../ports/job-queue.js';
import { groupCommitOf, statementCache, type GroupCommit, type SqliteDatabase } from './sqlite-database.js';

interface MessageRow {
  id: string;
  body: string;
  receive_count: number;
}

/**
 * SQS semantics on one SQLite table: a message is invisible until `visible_at`; each delivery gets a
 * fresh receipt, so a stale receipt (from a delivery that timed out) cannot delete the redelivered message.
 * After `maxReceiveCount` deliveries a message is moved to the dead-letter table instead of delivered again.
 * Every write, claims included, goes through the database's group commit: the worker receives one message per
 * freed slot, so a claim of its own would cost a commit per object.
 */
export class SqliteJobQueue<T> implements JobQueue<T> {
  private readonly sql: ReturnType<typeof statementCache>;
  private readonly commits: GroupCommit;

  constructor(
    db: SqliteDatabase,
    private readonly queueName: string,
    private readonly options: { maxReceiveCount: number; pollIntervalMs?: number } = { maxReceiveCount: 5 },
  ) {
    this.sql = statementCache(db);
    this.commits = groupCommitOf(db);
    db.exec(`
      CREATE TABLE IF NOT EXISTS queue_messages (
        queue TEXT NOT NULL, id TEXT NOT NULL, body TEXT NOT NULL, seq INTEGER NOT NULL,
        visible_at INTEGER NOT NULL, receive_count INTEGER NOT NULL DEFAULT 0, receipt TEXT,
        PRIMARY KEY (queue, id));
      CREATE INDEX IF NOT EXISTS queue_messages_ready ON queue_messages (queue, visible_at, seq);
      CREATE TABLE IF NOT EXISTS queue_dead_letters (
        queue TEXT NOT NULL, id TEXT NOT NULL, body TEXT NOT NULL, receive_count INTEGER NOT NULL,
        dead_at INTEGER NOT NULL, PRIMARY KEY (queue, id));
    `);
  }

  async sendBatch(bodies: T[]): Promise<void> {
    const insert = this.sql('INSERT INTO queue_messages (queue, id, body, seq, visible_at) VALUES (?, ?, ?, ?, 0)');
    const now = Date.now();
    const rows = bodies.map((body, i) => [this.queueName, randomUUID(), JSON.stringify(body), now * 1000 + i]);
    return this.commits.enqueue(() => {
      for (const row of rows) insert.run(...row);
    });
  }

  async receive(options: {
    max: number;
    visibilityTimeoutSec: number;
    waitTimeSec?: number;
  }): Promise<ReceivedJob<T>[]> {
    const deadline = Date.now() + (options.waitTimeSec ?? 0) * 1000;
    for (;;) {
      const jobs = await this.commits.enqueue(() => this.claim(options.max, options.visibilityTimeoutSec));
      if (jobs.length > 0 || Date.now() >= deadline) return jobs;
      await sleep(Math.min(this.options.pollIntervalMs ?? 100, Math.max(1, deadline - Date.now())));
    }
  }

  /** Reads ready rows and hides them; run inside a transaction, so two receivers never claim the same delivery. */
  private claim(max: number, visibilityTimeoutSec: number): ReceivedJob<T>[] {
    const now = Date.now();
    const ready = this.sql(
      'SELECT id, body, receive_count FROM queue_messages WHERE queue = ? AND visible_at <= ? ORDER BY visible_at, seq LIMIT ?',
    ).all(this.queueName, now, max * 2) as MessageRow[];
    const hide = this.sql(
      'UPDATE queue_messages SET visible_at = ?, receive_count = receive_count + 1, receipt = ? WHERE queue = ? AND id = ?',
    );
    const jobs: ReceivedJob<T>[] = [];
    for (const row of ready) {
      if (jobs.length >= max) break;
      if (row.receive_count >= this.options.maxReceiveCount) {
        this.moveToDeadLetters(row, now);
        continue;
      }
      const receipt = randomUUID();
      hide.run(now + visibilityTimeoutSec * 1000, receipt, this.queueName, row.id);
      jobs.push({
        id: row.id,
        receiptHandle: receipt,
        body: JSON.parse(row.body) as T,
        receiveCount: row.receive_count + 1,
      });
    }
    return jobs;
  }

  private moveToDeadLetters(row: MessageRow, now: number): void {
    this.sql(
      'INSERT OR REPLACE INTO queue_dead_letters (queue, id, body, receive_count, dead_at) VALUES (?, ?, ?, ?, ?)',
    ).run(this.queueName, row.id, row.body, row.receive_count, now);
    this.sql('DELETE FROM queue_messages WHERE queue = ? AND id = ?').run(this.queueName, row.id);
  }

  async extendVisibility(job: ReceivedJob<T>, visibilityTimeoutSec: number): Promise<void> {
    const extend = this.sql('UPDATE queue_messages SET visible_at = ? WHERE queue = ? AND id = ? AND receipt = ?');
    const visibleAt = Date.now() + visibilityTimeoutSec * 1000;
    return this.commits.enqueue(() => {
      extend.run(visibleAt, this.queueName, job.id, job.receiptHandle);
    });
  }

  async release(job: ReceivedJob<T>): Promise<void> {
    const release = this.sql('UPDATE queue_messages SET visible_at = 0 WHERE queue = ? AND id = ? AND receipt = ?');
    return this.commits.enqueue(() => {
      release.run(this.queueName, job.id, job.receiptHandle);
    });
  }

  async delete(job: ReceivedJob<T>): Promise<void> {
    const remove = this.sql('DELETE FROM queue_messages WHERE queue = ? AND id = ? AND receipt = ?');
    return this.commits.enqueue(() => {
      remove.run(this.queueName, job.id, job.receiptHandle);
    });
  }

  /** Moves this delivery (if still current) to the dead-letter table at once; the status record keeps the reason. */
  async deadLetter(job: ReceivedJob<T>, _reason: string): Promise<void> {
    const current = this.sql(
      'SELECT id, body, receive_count FROM queue_messages WHERE queue = ? AND id = ? AND receipt = ?',
    );
    return this.commits.enqueue(() => {
      const row = current.get(this.queueName, job.id, job.receiptHandle) as MessageRow | undefined;
      if (row) this.moveToDeadLetters(row, Date.now());
    });
  }

  async depth(): Promise<QueueDepth> {
    this.commits.flush();
    const now = Date.now();
    const row = this.sql(
      `SELECT
           SUM(CASE WHEN visible_at <= ? THEN 1 ELSE 0 END) AS visible,
           SUM(CASE WHEN visible_at > ? THEN 1 ELSE 0 END) AS inFlight
         FROM queue_messages WHERE queue = ?`,
    ).get(now, now, this.queueName) as { visible: number | null; inFlight: number | null };
    const dead = this.sql('SELECT COUNT(*) AS n FROM queue_dead_letters WHERE queue = ?').get(this.queueName) as {
      n: number;
    };
    return { visible: row.visible ?? 0, inFlight: row.inFlight ?? 0, deadLettered: dead.n };
  }

  /** Messages that exhausted their deliveries (the local dead-letter queue). */
  deadLetters(limit = 100): { id: string; body: T; receiveCount: number }[] {
    this.commits.flush();
    const rows = this.sql(
      'SELECT id, body, receive_count FROM queue_dead_letters WHERE queue = ? ORDER BY dead_at LIMIT ?',
    ).all(this.queueName, limit) as MessageRow[];
    return rows.map((r) => ({ id: r.id, body: JSON.parse(r.body) as T, receiveCount: r.receive_count }));
  }

  /** Drops every message of this queue (a task is deleted or re-run from scratch). */
  purge(): void {
    this.commits.flush();
    this.sql('DELETE FROM queue_messages WHERE queue = ?').run(this.queueName);
    this.sql('DELETE FROM queue_dead_letters WHERE queue = ?').run(this.queueName);
  }
}
