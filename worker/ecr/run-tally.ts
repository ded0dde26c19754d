import type { StatusSummary } from '../ports/status-store.js';

type State = 'PENDING' | 'IN_PROGRESS' | 'DONE' | 'SKIPPED' | 'FAILED';

/**
 * Counts of the images one run was asked for. The status store keeps every image a task (or a CLI state file) ever
 * saw, so a record left FAILED by an earlier run with another list must not decide this run: its verdict and counts
 * come from here.
 */
export class RunTally {
  private readonly states = new Map<string, State>();
  private readonly sizes = new Map<string, number>();
  private readonly counts: Record<State, number> = { PENDING: 0, IN_PROGRESS: 0, DONE: 0, SKIPPED: 0, FAILED: 0 };
  private bytesDone = 0;
  private readonly errors: { image: string; error: string }[] = [];

  constructor(private readonly keepFailures = 50) {}

  set(key: string, state: State, error?: string): void {
    const before = this.states.get(key);
    if (before) this.counts[before]--;
    this.states.set(key, state);
    this.counts[state]++;
    if (state === 'DONE' && before !== 'DONE') this.bytesDone += this.sizes.get(key) ?? 0;
    if (state === 'FAILED' && error !== undefined && this.errors.length < this.keepFailures)
      this.errors.push({ image: key, error });
  }

  /** The run listed the image. */
  has(key: string): boolean {
    return this.states.has(key);
  }

  /** The image's size once known (bytes to copy). */
  size(key: string, bytes: number): void {
    this.sizes.set(key, bytes);
  }

  get failures(): { image: string; error: string }[] {
    return [...this.errors];
  }

  summary(): StatusSummary {
    let bytesTotal = 0;
    for (const [key, bytes] of this.sizes) if (this.states.get(key) !== 'SKIPPED') bytesTotal += bytes;
    return {
      total: this.states.size,
      done: this.counts.DONE,
      skipped: this.counts.SKIPPED,
      failed: this.counts.FAILED,
      inProgress: this.counts.IN_PROGRESS,
      pending: this.counts.PENDING,
      verified: this.counts.DONE + this.counts.SKIPPED,
      bytesTotal,
      bytesDone: this.bytesDone,
    };
  }
}
