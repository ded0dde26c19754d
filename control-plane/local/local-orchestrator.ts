import { setTimeout as sleep } from 'node:timers/promises';
import {
  errorPatch,
  incompleteMessage,
  needsFirstFailure,
  passFailedOutcome,
  passOutcome,
  passState,
  progressInfoOf,
} from '../core/lifecycle.js';
import type { Orchestrator } from '../core/ports.js';
import type { ProgressInfo, TaskRecord } from '../core/task.js';
import { storedTaskSchedule } from '../core/validate-task.js';
import { isStorageFull, type SqliteDatabase } from '../../worker/adapters/embedded/sqlite-database.js';
import { SqliteStatusStore } from '../../worker/adapters/embedded/sqlite-status-store.js';
import { createLogger, type Logger } from '../../worker/core/log.js';
import { nextPassAfter } from '../../worker/core/schedule.js';
import type { SecretStore } from '../../worker/ports/secret-store.js';
import type { StatusStore, StatusSummary } from '../../worker/ports/status-store.js';
import { DiskFullError, type DiskReserve } from './disk-space.js';
import type { SqliteTaskStore } from './sqlite-task-store.js';
import { localStackOutputs } from './local-log-groups.js';
import type { LocalTelemetry } from './local-telemetry.js';
import { MAX_INTERRUPTED_RUNS, RunLedger, TaskRun, withinTaskRun } from './task-runs.js';

/** How often a task's final state that could not be written (disk full) is tried again. */
const PERSIST_RETRY_MS = 5_000;

const MAX_TIMER_MS = 2 ** 31 - 1;

export interface EngineProgress {
  total: number;
  done: number;
  skipped: number;
  failed: number;
  verified: number;
  inProgress: number;
  pending: number;
  bytesTotal: number;
  bytesDone: number;
  bytesPerSecond: number;
  etaSeconds?: number;
  /** What the pass has copied and failed so far, only growing (S3 tasks): what the charts count per period. */
  pass?: { copied: number; failed: number; bytes: number };
}

/** What the engine says of its pass (logged); the task's verdict is read from the status store's counts. */
export interface EngineOutcome {
  /** Every object/image transferred (or skipped as unchanged) and verified. */
  complete: boolean;
  failed: number;
}

/** Runs one pass of a task's engine on embedded state. */
export type EngineRunner = (
  task: TaskRecord,
  ctx: {
    db: SqliteDatabase;
    status: StatusStore;
    secrets: SecretStore;
    logger: Logger;
    signal: AbortSignal;
    onProgress: (p: EngineProgress) => void;
    /** The run was stopped for good (Stop/Delete, a failure): it will not resume, unlike after a hub shutdown. */
    stoppedForGood: () => boolean;
    /** When this pass began: before this run when the hub resumed it (after a crash or a clean shutdown under it). */
    passStartedAt?: Date;
  },
) => Promise<EngineOutcome>;

/**
 * What a task stopped for good leaves behind, cleaned up, as its engine does at the end of a live stop (engines.ts):
 * run by the hub for a task it died under while the task was STOPPING, whose engine never got to it. Absent for an
 * engine that leaves nothing behind.
 */
export type StoppedRunSettler = (
  task: TaskRecord,
  ctx: { status: StatusStore; secrets: SecretStore; logger: Logger },
) => Promise<void>;

/** A run's log stream name: its start time. */
function runStream(): string {
  return `run-${new Date().toISOString().replace(/[:.]/g, '-')}`;
}

function progressInfo(p: EngineProgress): ProgressInfo {
  return progressInfoOf(p, { rate: Math.round(p.bytesPerSecond), etaSeconds: p.etaSeconds });
}

/** Objects of a task copied or found unchanged: what a run cut short by the hub dying may have moved forward. */
function finishedOf(summary: Pick<StatusSummary, 'done' | 'skipped'>): number {
  return summary.done + summary.skipped;
}

/**
 * The local hub's orchestrator: runs each task's engine in this process (instead of a CloudFormation stack),
 * drives the same lifecycle as the cloud (STARTING → IN_PROGRESS → DONE | ERROR | STOPPING → STOPPED; the verdict of a
 * pass is control-plane/core/lifecycle.ts, as in the cloud's check-complete) and reruns FIXED_RATE tasks on their schedule.
 */
export class LocalOrchestrator implements Orchestrator {
  private shuttingDown = false;
  private readonly running = new Map<string, TaskRun<EngineProgress>>();
  private readonly ledger: RunLedger;

  constructor(
    private readonly deps: {
      db: SqliteDatabase;
      tasks: SqliteTaskStore;
      secrets: SecretStore;
      telemetry: LocalTelemetry;
      engines: Partial<Record<TaskRecord['type'], EngineRunner>>;
      /** Per task type, the clean-up of a stop the hub died in (StoppedRunSettler). */
      stoppedRunSettlers?: Partial<Record<TaskRecord['type'], StoppedRunSettler>>;
      logger: Logger;
      sampleIntervalMs?: number;
      /** Multiplies the wait until the next scheduled run (tests shorten `rate(1 minute)` with it); default 1. */
      scheduleScale?: number;
      /** Space kept back to record a task's ERROR when the data directory fills up (disk-space.ts). */
      disk?: DiskReserve;
    },
  ) {
    this.ledger = new RunLedger(deps.db);
  }

  async start(task: TaskRecord): Promise<Partial<TaskRecord>> {
    if (!this.deps.engines[task.type]) {
      return { progress: 'ERROR', errorCode: 'ENGINE_ERROR', errorMessage: `the local hub has no ${task.type} engine` };
    }
    if (this.running.has(task.id)) return {};
    const run = new TaskRun<EngineProgress>(task.id);
    run.done = withinTaskRun(run, () => this.guardedRun(task, run)).finally(() => this.running.delete(task.id));
    this.running.set(task.id, run);
    // No `progress` here: the run loop has already moved the task to IN_PROGRESS, and the caller merges this patch.
    return { stackName: `local-${task.id}`, stackStatus: 'LOCAL', stackOutputs: localStackOutputs(task.id) };
  }

  /**
   * A task's run, whatever happens in it: an exception escaping the run loop (a store write failing, an engine bug)
   * ends the task in ERROR instead of rejecting into the void, and the run ledger is kept for crash-loop protection.
   */
  private async guardedRun(task: TaskRecord, run: TaskRun<EngineProgress>): Promise<void> {
    try {
      // A FIXED_RATE task the hub left waiting (a restart, a crash) waits on for its pass; one missed meanwhile runs now.
      const waitingUntil = this.ledger.nextPassAt(task.id);
      this.ledger.started(task.id, await this.finishedObjects(task.id));
      await this.runLoop(task, run.stop.signal, run, waitingUntil);
    } catch (err) {
      const message = this.describeFailure(run.failureReason ?? err);
      this.deps.logger.error('task.run_failed', { taskId: task.id, error: message });
      await this.persist(task.id, errorPatch('FINDER_ERROR', message, new Date()));
    } finally {
      try {
        // Left to resume at the next start: its pass is kept, not ended.
        if (run.stop.signal.aborted && this.resumesAtNextStart(run)) this.ledger.shutDownUnder(task.id);
        else this.ledger.ended(task.id);
      } catch (err) {
        this.deps.logger.warn('hub.run_ledger_unwritable', { taskId: task.id, error: err });
      }
    }
  }

  /** A run-ledger write outside a pass: one the database refuses (disk full) is said, and the task goes on. */
  private async noteInLedger(taskId: string, write: () => void | Promise<void>): Promise<void> {
    try {
      await write();
    } catch (err) {
      this.deps.logger.warn('hub.run_ledger_unwritable', { taskId, error: err });
    }
  }

  /** An error as the task's errorMessage: "disk full: …" for a full data directory. */
  private describeFailure(err: unknown): string {
    if (isStorageFull(err))
      return new DiskFullError(
        this.deps.disk?.dataDir ?? 'the data directory',
        err instanceof Error ? err.message : String(err),
      ).message;
    return err instanceof Error ? err.message : String(err);
  }

  /**
   * Writes a task's state even on a full disk: on SQLITE_FULL the disk reserve is released and the write tried again;
   * if that fails too, it is retried every few seconds (the hub keeps serving) until the disk has room.
   */
  private async persist(taskId: string, patch: Partial<TaskRecord>): Promise<void> {
    // A shutdown ends the retries: the task, still IN_PROGRESS on disk, resumes at the next start and fails again there.
    for (let attempt = 1; attempt <= 2 || !this.shuttingDown; attempt++) {
      try {
        await this.deps.tasks.update(taskId, patch);
        return;
      } catch (err) {
        if (!isStorageFull(err)) {
          this.deps.logger.error('hub.task_state_unwritable', { taskId, error: err, patch });
          return;
        }
        if (attempt === 1 && this.deps.disk) {
          this.deps.disk.release();
          continue;
        }
        if (attempt === 2)
          this.deps.logger.error('hub.task_state_unwritable', { taskId, error: err, retryEveryMs: PERSIST_RETRY_MS });
        await sleep(PERSIST_RETRY_MS);
      }
    }
  }

  /** A logger whose lines go to the task's log stream `stream`; a line the database refuses (disk full) goes to `refused`. */
  private taskLogger(taskId: string, stream: string, refused: (err: unknown) => void): Logger {
    return createLogger(
      { taskId },
      {
        write: (line) => {
          try {
            this.deps.telemetry.appendLog(taskId, stream, line);
          } catch (err) {
            refused(err);
          }
        },
      },
    );
  }

  /** Sleeps until `next` (scaled by scheduleScale) or the signal; timers hold at most 2^31-1 ms (24.8 days). */
  private async sleepUntil(next: Date, signal: AbortSignal): Promise<void> {
    const now = Date.now();
    for (
      let left = (next.getTime() - now) * (this.deps.scheduleScale ?? 1);
      left > 0 && !signal.aborted;
      left -= MAX_TIMER_MS
    ) {
      await sleep(Math.min(left, MAX_TIMER_MS), undefined, { signal }).catch(() => {});
    }
  }

  private async runLoop(
    task: TaskRecord,
    signal: AbortSignal,
    entry: TaskRun<EngineProgress>,
    waitingUntil?: Date,
  ): Promise<void> {
    const { tasks, telemetry, db, secrets } = this.deps;
    const engine = this.deps.engines[task.type];
    if (!engine) throw new Error(`this hub has no engine for ${task.type} tasks`);
    const status = new SqliteStatusStore(db, task.id);
    // FIXED_RATE: rate(...) counts from the end of a run; a cron expression runs at its next time after the run
    // ends (a run still going when a time comes is not doubled, as the original's finder schedule did).
    let schedule: ReturnType<typeof storedTaskSchedule>;
    try {
      schedule = storedTaskSchedule(task);
    } catch (err) {
      await tasks.update(task.id, {
        progress: 'ERROR',
        errorCode: 'ENGINE_ERROR',
        errorMessage: err instanceof Error ? err.message : String(err),
        stoppedAt: new Date().toISOString(),
      });
      return;
    }
    let run = 0;
    // When the pass about to run was due (a FIXED_RATE task's schedule); undefined for the first pass of a new run.
    let dueAt = waitingUntil;
    // Let createTask answer with the task as created (STARTING) before the run begins.
    await new Promise((ok) => setImmediate(ok));
    if (schedule && waitingUntil && waitingUntil.getTime() > Date.now()) {
      // Before, every start of the hub ran a pass of every scheduled task at once, whatever their schedules said.
      this.deps.logger.info('hub.task_waits_for_next_pass', {
        taskId: task.id,
        nextPassAt: waitingUntil.toISOString(),
      });
      await this.noteInLedger(task.id, () => this.ledger.betweenPasses(task.id, waitingUntil));
      await this.sleepUntil(waitingUntil, signal);
      if (!signal.aborted)
        await this.noteInLedger(task.id, async () => this.ledger.started(task.id, await this.finishedObjects(task.id)));
    } else {
      await tasks.update(task.id, { progress: 'IN_PROGRESS', errorCode: undefined, errorMessage: undefined });
    }
    for (;;) {
      if (signal.aborted) break;
      run++;
      const stream = runStream();
      // A log line or sample the database refuses (disk full) fails the run, not the caller that logged it —
      // often a timer or a stream handler, where a throw would take the whole hub down.
      const logger = this.taskLogger(task.id, stream, (err) => entry.fail(err));
      const sample = (p: EngineProgress) => {
        try {
          telemetry.sample(task.id, p, stream);
        } catch (err) {
          entry.fail(err);
        }
      };
      let lastSample = 0;
      const onProgress = (p: EngineProgress) => {
        entry.last = p;
        if (Date.now() - lastSample >= (this.deps.sampleIntervalMs ?? 2000)) {
          lastSample = Date.now();
          sample(p);
        }
      };
      try {
        logger.info('task.run_started', { run });
        const pass = engine(task, {
          db,
          status,
          secrets,
          logger,
          signal: entry.signal,
          onProgress,
          stoppedForGood: () => entry.signal.aborted && !this.resumesAtNextStart(entry),
          passStartedAt: this.ledger.passStartedAt(task.id),
        });
        pass.catch(() => {}); // after a failure the race below has moved on; a late rejection is expected
        const outcome = await Promise.race([pass, entry.failed]);
        // The pass has ended: its counts stay, its rate and time left do not (nothing runs until the next pass).
        const snapshot = entry.last ? progressInfoOf(entry.last) : undefined;
        if (entry.last) sample(entry.last);
        entry.last = undefined;
        if (entry.failureReason) throw entry.failureReason;
        logger.info('task.run_finished', { run, ...outcome });
        if (signal.aborted) break;
        // The engine returned: its pass has ended, whatever the counts show.
        const summary = await status.summary();
        const state = passState(summary, true);
        const firstFailed = needsFirstFailure(state, summary)
          ? (await status.list({ status: 'FAILED', limit: 1 }))[0]
          : undefined;
        const { patch, final } = passOutcome(task, state, {
          progressInfo: snapshot ?? progressInfoOf(summary),
          message: incompleteMessage(summary, firstFailed),
          now: new Date(),
        });
        await tasks.update(task.id, patch);
        this.ledger.passCompleted(task.id, finishedOf(summary));
        if (final) return;
      } catch (err) {
        if (signal.aborted && !entry.failureReason) break;
        const message = this.describeFailure(entry.failureReason ?? err);
        logger.error('task.run_failed', { run, error: message });
        this.deps.logger.error('task.run_failed', { taskId: task.id, run, error: message });
        // A failure of the task's run itself (an escaped exception, a full disk) ends it; the pass's own error ends a
        // ONE_TIME task and is recorded on a FIXED_RATE one, whose next pass comes on its schedule.
        const { patch, final } = entry.failureReason
          ? { patch: errorPatch('FINDER_ERROR', message, new Date()), final: true }
          : passFailedOutcome(task, message, new Date());
        await this.persist(task.id, patch);
        if (final) return;
      }
      const next = schedule ? nextPassAfter(schedule, new Date(), dueAt) : undefined;
      if (!next) break;
      dueAt = next;
      // The pass has ended, failed or not: waiting for the next one is no run the hub can die under (before, three
      // restarts of the hub while a FIXED_RATE task whose passes fail waited ended it in ERROR as a crash loop).
      await this.noteInLedger(task.id, () => this.ledger.betweenPasses(task.id, next));
      await this.sleepUntil(next, signal);
      if (signal.aborted) break;
      await this.noteInLedger(task.id, async () => this.ledger.started(task.id, await this.finishedObjects(task.id)));
    }
    // Left IN_PROGRESS, to resume on the next start.
    if (this.resumesAtNextStart(entry)) return;
    await this.noteInLedger(task.id, () => this.ledger.forgetNextPass(task.id));
    // Counted from the status store once the engine cleaned up (an aborted upload's parts are no bytes done), not the
    // last live snapshot; no rate or time left, since nothing runs any more.
    await tasks.update(task.id, {
      progress: 'STOPPED',
      stoppedAt: new Date().toISOString(),
      progressInfo: progressInfoOf(await status.summary()),
    });
  }

  /**
   * A run ended by a hub shutdown resumes at the next start. One the user stopped first does not, even when the
   * shutdown follows at once: it cleans up and ends STOPPED before the hub exits (before, a stop just ahead of a
   * SIGTERM left its multipart uploads open).
   */
  private resumesAtNextStart(run: TaskRun<EngineProgress>): boolean {
    return this.shuttingDown && !run.stoppedForGood;
  }

  async stop(task: TaskRecord): Promise<Partial<TaskRecord>> {
    const entry = this.running.get(task.id);
    if (entry) {
      entry.stopForGood();
      await entry.done;
    }
    const current = await this.deps.tasks.get(task.id);
    return { progress: 'STOPPED', stoppedAt: current?.stoppedAt ?? new Date().toISOString() };
  }

  async progress(task: TaskRecord): Promise<ProgressInfo | undefined> {
    const last = this.running.get(task.id)?.last;
    if (last) return progressInfo(last);
    return progressInfoOf(await new SqliteStatusStore(this.deps.db, task.id).summary());
  }

  private async finishedObjects(taskId: string): Promise<number> {
    return finishedOf(await new SqliteStatusStore(this.deps.db, taskId).summary());
  }

  /**
   * Ends a task's run from outside it: an exception that escaped in the task's own async context (process
   * 'uncaughtException' / 'unhandledRejection'). False when no running task owns it.
   */
  failRun(run: TaskRun | undefined, err: unknown): boolean {
    if (!run || this.running.get(run.taskId) !== run) return false;
    this.deps.logger.error('task.crashed', { taskId: run.taskId, error: err });
    run.fail(err);
    return true;
  }

  /**
   * After a restart: tasks that were running start again (the finder is incremental, multipart uploads resume) —
   * except one the hub died under MAX_INTERRUPTED_RUNS times in a row with no object finished in between, which goes to
   * ERROR instead of crashing it again.
   * Returns how many it resumed (not those it ended or left as they were).
   */
  async resumeUnfinished(): Promise<number> {
    const unfinished = await this.deps.tasks.unfinished();
    let resumed = 0;
    for (const task of unfinished) {
      if (task.progress === 'STOPPING') {
        await this.endInterruptedStop(task);
        continue;
      }
      let interrupted: number;
      try {
        interrupted = this.ledger.countInterruption(task.id, await this.finishedObjects(task.id));
      } catch (err) {
        // Not counted, not resumed (a full disk): it stays IN_PROGRESS and resumes at a start that can count it.
        this.deps.logger.error('hub.resume_failed', { taskId: task.id, error: err });
        continue;
      }
      if (interrupted >= MAX_INTERRUPTED_RUNS) {
        this.ledger.ended(task.id);
        const message =
          `the hub stopped unexpectedly ${interrupted} times in a row while this task was running, with no object finished in between, so it was not resumed again ` +
          "(a task that brings the hub down must not do so on every start); the hub's output from those runs tells why. Create the task again to retry.";
        this.deps.logger.error('hub.task_not_resumed', { taskId: task.id, interrupted });
        // With what its runs copied, as any ended task (before: no progress, and its mail said 0 objects).
        await this.persist(task.id, {
          ...errorPatch('FINDER_ERROR', message, new Date()),
          progressInfo: await this.progress(task),
        });
        continue;
      }
      this.deps.logger.info('hub.resume_task', {
        taskId: task.id,
        ...(interrupted ? { interruptedRuns: interrupted } : {}),
      });
      // Records what start sets (an ERROR, or the log groups a task from an older hub did not have yet).
      await this.deps.tasks.update(task.id, await this.start(task));
      resumed++;
    }
    return resumed;
  }

  /**
   * A task the hub died under while it was STOPPING: its stop is finished as a live one ends — the engine's clean-up
   * (StoppedRunSettler: for S3, the multipart uploads its records hold open aborted and its objects back to PENDING),
   * then STOPPED with the counts of the status store. It does not run again, so nothing else would clean up after it.
   */
  private async endInterruptedStop(task: TaskRecord): Promise<void> {
    const status = new SqliteStatusStore(this.deps.db, task.id);
    const settle = this.deps.stoppedRunSettlers?.[task.type];
    if (settle) {
      const logger = this.taskLogger(task.id, runStream(), (err) =>
        this.deps.logger.warn('hub.task_log_unwritable', { taskId: task.id, error: err }),
      );
      try {
        await settle(task, { status, secrets: this.deps.secrets, logger });
      } catch (err) {
        // STOPPED all the same (it never runs again); what could not be cleaned up is said in both logs.
        logger.error('task.stop_unsettled', { error: err });
        this.deps.logger.error('task.stop_unsettled', { taskId: task.id, error: err });
      }
    }
    await this.noteInLedger(task.id, () => this.ledger.ended(task.id));
    await this.persist(task.id, {
      progress: 'STOPPED',
      stoppedAt: new Date().toISOString(),
      progressInfo: progressInfoOf(await status.summary()),
    });
  }

  /** Graceful shutdown: stop every run without marking tasks STOPPED, so they resume on the next start. */
  async shutdown(): Promise<void> {
    this.shuttingDown = true;
    const entries = [...this.running.values()];
    for (const e of entries) e.stop.abort(new Error('hub shutting down'));
    await Promise.allSettled(entries.map((e) => e.done));
  }
}
