import { AsyncLocalStorage } from 'node:async_hooks';
import type { SqliteDatabase } from '../../worker/adapters/embedded/sqlite-database.js';

/**
 * One task's run in the hub process: how it is stopped (by the user, or for a hub shutdown) and how it fails from
 * outside its engine's promise — a storage error while writing its logs, or an exception thrown in a callback of its
 * own (a timer, a stream handler) that no `await` can catch. Either ends the run and the task goes to ERROR; the hub
 * and the other tasks go on.
 */
export class TaskRun<P = unknown> {
  /** The user's stop or a hub shutdown. */
  readonly stop = new AbortController();
  private readonly failure = new AbortController();
  /** What the engine runs under: stopped or failed. */
  readonly signal = AbortSignal.any([this.stop.signal, this.failure.signal]);
  /** Rejects with the failure once the run failed: raced with the engine, whose own promise may never settle then. */
  readonly failed: Promise<never>;
  done: Promise<void> = Promise.resolve();
  last?: P;

  constructor(readonly taskId: string) {
    this.failed = new Promise<never>((_, reject) => {
      this.failure.signal.addEventListener('abort', () => reject(this.failure.signal.reason), { once: true });
    });
    this.failed.catch(() => {}); // observed by whoever races it; never an unhandled rejection by itself
  }

  private stoppedByUser = false;

  /** The user's stop: the run ends for good — cleaned up and STOPPED — even when a hub shutdown comes meanwhile. */
  stopForGood(): void {
    this.stoppedByUser = true;
    this.stop.abort(new Error('stopped by user'));
  }

  get stoppedForGood(): boolean {
    return this.stoppedByUser;
  }

  /** Ends the run with `err` (the first failure wins). */
  fail(err: unknown): void {
    if (!this.failure.signal.aborted) this.failure.abort(err);
  }

  get failureReason(): unknown {
    return this.failure.signal.aborted ? this.failure.signal.reason : undefined;
  }
}

const runContext = new AsyncLocalStorage<TaskRun>();

/** Runs `fn` as part of `run`: every callback it schedules, however deep, belongs to that task. */
export function withinTaskRun<T>(run: TaskRun, fn: () => T): T {
  return runContext.run(run, fn);
}

/**
 * The task whose code was running when an exception escaped (valid inside process 'uncaughtException' and
 * 'unhandledRejection' listeners, which keep the async context of the throw), or undefined for the hub's own code.
 */
export function taskRunOfCurrentContext(): TaskRun | undefined {
  return runContext.getStore();
}

/**
 * Starts the hub may go through with a task running before it stops resuming it: the third crash in a row ends it. A
 * run that copied something before the hub died breaks the row (see RunLedger).
 */
export const MAX_INTERRUPTED_RUNS = 3;

/**
 * Which tasks were running, kept in the hub's database: a row is written when a task's run (or a FIXED_RATE task's
 * next pass) starts, and removed when it ends or when a pass ends and the task waits for its next one; a clean
 * shutdown marks it (shutDownUnder). An unmarked row found at start means the hub died while that task ran (a crash, the
 * OOM killer, a power cut); its count says how many times in a row without a completed pass, and without an object
 * finished in between. The hub resumes such a task only while the count is below MAX_INTERRUPTED_RUNS — a task that
 * takes the process down cannot crash-loop it, and a long pass the host keeps cutting (a laptop's battery, a reboot)
 * goes on as long as each run moves it forward: progress is finite, so the loop still ends.
 */
export class RunLedger {
  constructor(private readonly db: SqliteDatabase) {
    db.exec(
      'CREATE TABLE IF NOT EXISTS hub_task_runs (task_id TEXT PRIMARY KEY, interrupted INTEGER NOT NULL DEFAULT 0)',
    );
    // Objects finished (DONE or unchanged) when the run began; a hub database from before it lacks the column.
    const columns = db.prepare('PRAGMA table_info(hub_task_runs)').all() as { name: string }[];
    if (!columns.some((c) => c.name === 'finished_at_start'))
      db.exec('ALTER TABLE hub_task_runs ADD COLUMN finished_at_start INTEGER');
    // When the pass began (ms): a pass resumed after the hub died under it keeps its first start.
    if (!columns.some((c) => c.name === 'pass_started_at'))
      db.exec('ALTER TABLE hub_task_runs ADD COLUMN pass_started_at INTEGER');
    // The hub shut down cleanly under the run (1): no interruption, and the pass keeps its start when it resumes.
    if (!columns.some((c) => c.name === 'shut_down')) db.exec('ALTER TABLE hub_task_runs ADD COLUMN shut_down INTEGER');
    // A FIXED_RATE task waiting for its next pass: when it is due (kept across hub restarts, unlike the run's row).
    db.exec('CREATE TABLE IF NOT EXISTS hub_task_next_pass (task_id TEXT PRIMARY KEY, next_at INTEGER NOT NULL)');
  }

  /**
   * At hub start, before resuming: the times in a row this task's run was cut by the hub dying (0: it was not), given
   * how many of its objects are finished now — a cut run that finished some counts as the first of a new row.
   */
  countInterruption(taskId: string, finishedNow: number): number {
    const row = this.db
      .prepare('SELECT interrupted, finished_at_start, shut_down FROM hub_task_runs WHERE task_id = ?')
      .get(taskId) as { interrupted: number; finished_at_start: number | null; shut_down: number | null } | undefined;
    if (!row) return 0;
    if (row.shut_down) {
      this.db.prepare('UPDATE hub_task_runs SET shut_down = 0 WHERE task_id = ?').run(taskId);
      return 0;
    }
    const movedOn = row.finished_at_start !== null && finishedNow > row.finished_at_start;
    const interrupted = movedOn ? 1 : row.interrupted + 1;
    this.db
      .prepare('UPDATE hub_task_runs SET interrupted = ?, finished_at_start = ? WHERE task_id = ?')
      .run(interrupted, finishedNow, taskId);
    return interrupted;
  }

  /** A run begins with `finished` objects of the task finished (kept when the row is a resumed run's). */
  started(taskId: string, finished: number): void {
    this.forgetNextPass(taskId);
    this.db
      .prepare(
        'INSERT INTO hub_task_runs (task_id, finished_at_start, pass_started_at) VALUES (?, ?, ?) ' +
          'ON CONFLICT (task_id) DO UPDATE SET finished_at_start = coalesce(finished_at_start, excluded.finished_at_start), ' +
          'pass_started_at = coalesce(pass_started_at, excluded.pass_started_at), shut_down = 0',
      )
      .run(taskId, finished, Date.now());
  }

  /** When the task's current pass began: before this run when the hub resumed it after dying under it. */
  passStartedAt(taskId: string): Date | undefined {
    const row = this.db.prepare('SELECT pass_started_at FROM hub_task_runs WHERE task_id = ?').get(taskId) as
      | { pass_started_at: number | null }
      | undefined;
    return row?.pass_started_at ? new Date(row.pass_started_at) : undefined;
  }

  /** A pass ended with `finished` objects of the task finished: the row of interruptions starts again from there. */
  passCompleted(taskId: string, finished: number): void {
    this.db
      .prepare('UPDATE hub_task_runs SET interrupted = 0, finished_at_start = ? WHERE task_id = ?')
      .run(finished, taskId);
  }

  /**
   * A pass ended, completed or failed, and the task waits for its next one: no run is going, so the row goes (a hub
   * dying now did not die under the task). The next pass writes it again (started), with the count back at 0.
   */
  betweenPasses(taskId: string, nextAt: Date): void {
    this.ended(taskId);
    this.db
      .prepare(
        'INSERT INTO hub_task_next_pass (task_id, next_at) VALUES (?, ?) ON CONFLICT (task_id) DO UPDATE SET next_at = excluded.next_at',
      )
      .run(taskId, nextAt.getTime());
  }

  /** When the task's next pass is due, if it was waiting for it (a hub restarted meanwhile waits on, not runs it now). */
  nextPassAt(taskId: string): Date | undefined {
    const row = this.db.prepare('SELECT next_at FROM hub_task_next_pass WHERE task_id = ?').get(taskId) as
      | { next_at: number }
      | undefined;
    return row ? new Date(row.next_at) : undefined;
  }

  /** A pass starts, or the task ended for good (STOPPED): it waits for no pass. */
  forgetNextPass(taskId: string): void {
    this.db.prepare('DELETE FROM hub_task_next_pass WHERE task_id = ?').run(taskId);
  }

  /**
   * The hub shut down cleanly while the run went on (it resumes at the next start): no interruption is counted, and the
   * resumed pass keeps its first start, so what it copied before counts as this pass's (an image task's copies were
   * counted "unchanged", their bytes out of the totals, when the row went with the shutdown).
   */
  shutDownUnder(taskId: string): void {
    this.db.prepare('UPDATE hub_task_runs SET shut_down = 1 WHERE task_id = ?').run(taskId);
  }

  ended(taskId: string): void {
    this.db.prepare('DELETE FROM hub_task_runs WHERE task_id = ?').run(taskId);
  }
}
