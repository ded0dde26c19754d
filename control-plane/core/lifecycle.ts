/**
 * The task lifecycle's policy, written once for both orchestrators — the cloud's lifecycle steps
 * (control-plane/aws/lifecycle-steps.ts) and the local hub's (control-plane/local/local-orchestrator.ts):
 * how a status store's counts become a task's `progressInfo`, when a pass is complete, and what a pass's end does to
 * the task (DONE, or ERROR with its message). Pure: the callers read the stores and write the patch.
 */
import { isComplete, type ObjectRecord, type StatusSummary } from '../../worker/ports/status-store.js';
import type { ProgressInfo, TaskErrorCode, TaskProgress, TaskRecord } from './task.js';

export { isComplete };

/** States a task never leaves by itself. */
const FINAL: ReadonlySet<TaskProgress> = new Set(['DONE', 'STOPPED', 'ERROR']);

/** The task reached DONE, STOPPED or ERROR. */
export function isFinal(progress: TaskProgress): boolean {
  return FINAL.has(progress);
}

/** The task is final or being stopped: monitoring it is over. */
export function isStoppedOrFinal(progress: TaskProgress): boolean {
  return progress === 'STOPPING' || FINAL.has(progress);
}

/** A status store's counts as the task's progress; `speed` adds the rate (B/s) and ETA where the caller measured them. */
export function progressInfoOf(s: StatusSummary, speed?: { rate?: number; etaSeconds?: number }): ProgressInfo {
  return {
    total: s.total,
    replicated: s.done,
    failed: s.failed,
    skipped: s.skipped,
    verified: s.verified,
    bytesTotal: s.bytesTotal,
    bytesDone: s.bytesDone,
    ...(speed?.rate !== undefined ? { rate: speed.rate } : {}),
    ...(speed?.etaSeconds !== undefined ? { etaSeconds: speed.etaSeconds } : {}),
  };
}

/**
 * Where a pass stands by its counts: COMPLETE (every object transferred or unchanged, and verified), INCOMPLETE
 * (nothing left to do, yet something failed or is unverified), RUNNING (objects still pending or in progress).
 * `ended` says the pass is over whatever the counts show (the local engine returned); the cloud infers it from the
 * counts settling.
 */
export type PassState = 'COMPLETE' | 'INCOMPLETE' | 'RUNNING';

export function passState(s: StatusSummary, ended = false): PassState {
  if (isComplete(s)) return 'COMPLETE';
  return ended || (s.pending === 0 && s.inProgress === 0) ? 'INCOMPLETE' : 'RUNNING';
}

/**
 * Why an INCOMPLETE pass is not DONE, naming the first failed object or image when the caller found one. Counted
 * "n of total" without a noun: the same words serve S3 tasks (objects) and image tasks (images).
 */
export function incompleteMessage(s: StatusSummary, firstFailed?: Pick<ObjectRecord, 'key' | 'error'>): string {
  if (s.failed > 0)
    return `${s.failed} of ${s.total} failed${firstFailed ? `; first: ${firstFailed.key}: ${firstFailed.error ?? 'unknown error'}` : ''}`;
  const unverified = s.done - s.verified;
  return `${unverified > 0 ? unverified : s.total - s.done - s.skipped} of ${s.total} were not transferred and verified`;
}

/** The patch that ends a task in ERROR with a code and its message. */
export function errorPatch(errorCode: TaskErrorCode, errorMessage: string, now: Date): Partial<TaskRecord> {
  return { progress: 'ERROR', errorCode, errorMessage, stoppedAt: now.toISOString() };
}

export interface PassOutcome {
  patch: Partial<TaskRecord>;
  /** The task reached a final state: stop monitoring it. */
  final: boolean;
}

/**
 * What a pass's state does to the task. ONE_TIME: COMPLETE → DONE, INCOMPLETE → ERROR COMPLETE_CHECK_ERROR (with
 * `message`, from `incompleteMessage`), RUNNING → progress only. FIXED_RATE tasks never end by themselves: each pass records its progress,
 * an INCOMPLETE pass its COMPLETE_CHECK_ERROR code and `message` (the task stays IN_PROGRESS), a COMPLETE pass clears them.
 */
export function passOutcome(
  task: Pick<TaskRecord, 'scheduleType'>,
  state: PassState,
  pass: { progressInfo?: ProgressInfo; message: string; now: Date },
): PassOutcome {
  const { progressInfo, message, now } = pass;
  if (state === 'RUNNING') return { patch: { progressInfo }, final: false };
  if (task.scheduleType === 'FIXED_RATE') {
    return state === 'COMPLETE'
      ? { patch: { progressInfo, errorCode: undefined, errorMessage: undefined }, final: false }
      : { patch: { progressInfo, errorCode: 'COMPLETE_CHECK_ERROR', errorMessage: message }, final: false };
  }
  return state === 'COMPLETE'
    ? { patch: { progress: 'DONE', progressInfo, stoppedAt: now.toISOString() }, final: true }
    : { patch: { progressInfo, ...errorPatch('COMPLETE_CHECK_ERROR', message, now) }, final: true };
}

/**
 * What a pass that stopped on an error (the finder's listing, a missing bucket, rejected keys) does to the task.
 * ONE_TIME: ERROR FINDER_ERROR with the message. FIXED_RATE tasks never end by themselves: the code and message are
 * recorded, the task stays IN_PROGRESS and its schedule runs the next pass (a bucket created later, a network back),
 * whose outcome replaces them — as the original's plugin keeps its finder schedule whatever one run did.
 */
export function passFailedOutcome(task: Pick<TaskRecord, 'scheduleType'>, message: string, now: Date): PassOutcome {
  return task.scheduleType === 'FIXED_RATE'
    ? { patch: { errorCode: 'FINDER_ERROR', errorMessage: message }, final: false }
    : { patch: errorPatch('FINDER_ERROR', message, now), final: true };
}

/** An INCOMPLETE pass with failures names its first failed object: the one case worth a status store read. */
export function needsFirstFailure(state: PassState, s: StatusSummary): boolean {
  return state === 'INCOMPLETE' && s.failed > 0;
}
