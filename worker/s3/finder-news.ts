/**
 * What a finder running in the same process (a one-process pass: `dth s3 sync`, the local hub) tells its workers:
 * whether it may still queue work, and, as it happens, that it queued a batch or ended. An idle worker waits for that
 * news instead of asking the queue again every few milliseconds while the finder lists.
 */
export class FinderNews {
  private finding = true;
  private readonly listeners = new Set<() => void>();

  /** The finder may still queue work: a drained queue does not mean the pass is over. */
  get running(): boolean {
    return this.finding;
  }

  queued(): void {
    this.tell();
  }

  ended(): void {
    this.finding = false;
    this.tell();
  }

  /** Calls `listener` on every piece of news; returns what stops it. */
  listen(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private tell(): void {
    for (const listener of this.listeners) listener();
  }
}
