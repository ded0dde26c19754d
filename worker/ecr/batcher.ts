/**
 * Gathers work items into batches for a few parallel processes, because each process costs more to start than a
 * small item costs to do. Items queue by key (only items of one key can share a process). Batches start when
 * `maxBatch` items wait, or at finish(), when what is left is split to fill `slots` processes. At most `slots`
 * batches run at once, and add() waits while a ready batch has no free slot, so a long listing never piles up.
 */
export interface BatcherOptions<T> {
  slots: number;
  maxBatch: number;
  key: (item: T) => string;
  /** Does one batch; it should settle every item itself (a rejection is kept and thrown by finish()). */
  run: (key: string, batch: T[]) => Promise<void>;
  /**
   * The first item runs alone, and every other batch starts after it: the later processes can reuse what it wrote.
   * (skopeo mounts a layer already in another repository of the destination registry instead of uploading it, so a
   * base layer shared by many images is pulled and pushed once, not once per parallel process.)
   */
  pilot?: boolean;
}

export class Batcher<T> {
  private readonly waiting = new Map<string, T[]>();
  private count = 0;
  private readonly running = new Set<Promise<void>>();
  // Dispatches run one after another, so two of them never take the same free slot.
  private dispatching: Promise<void> = Promise.resolve();
  private failure: unknown;
  private piloted = false;

  constructor(private readonly o: BatcherOptions<T>) {}

  /** Queues an item; resolves at once, or, when it completes a batch, once that batch has a slot. */
  add(item: T): Promise<void> {
    const key = this.o.key(item);
    if (this.o.pilot && !this.piloted) {
      this.piloted = true;
      const p = this.start(key, [item]);
      this.dispatching = this.dispatching.then(() => p);
      return Promise.resolve();
    }
    const items = this.waiting.get(key);
    if (items) items.push(item);
    else this.waiting.set(key, [item]);
    return ++this.count >= this.o.maxBatch ? this.dispatch(this.o.maxBatch) : Promise.resolve();
  }

  /** Starts what waits, spread over the slots, and resolves when every batch is done. */
  async finish(): Promise<void> {
    await this.dispatch(Math.ceil(this.count / this.o.slots));
    await Promise.all(this.running);
    if (this.failure) throw this.failure;
  }

  private dispatch(size: number): Promise<void> {
    const batches: [string, T[]][] = [];
    for (const [key, items] of this.waiting) {
      for (let i = 0; i < items.length; i += Math.max(size, 1))
        batches.push([key, items.slice(i, i + Math.max(size, 1))]);
    }
    this.waiting.clear();
    this.count = 0;
    this.dispatching = this.dispatching.then(async () => {
      for (const [key, batch] of batches) {
        while (this.running.size >= this.o.slots) await Promise.race(this.running);
        this.start(key, batch);
      }
    });
    return this.dispatching;
  }

  private start(key: string, batch: T[]): Promise<void> {
    const p: Promise<void> = this.o
      .run(key, batch)
      .catch((err) => {
        this.failure ??= err;
      })
      .finally(() => this.running.delete(p));
    this.running.add(p);
    return p;
  }
}
