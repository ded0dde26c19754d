/**
 * Bytes of uploads still streaming: progress adds them to what the status store has recorded, so a large object's
 * bytes count as they go, not only when the object (or part) is finished. In memory, per run; one meter per upload
 * body, closed when that body's upload ends (its bytes are in the status store by then, or lost with a failure).
 */
export class BytesInFlight {
  private readonly open = new Set<{ bytes: number }>();

  /** A meter for one upload body. */
  start(): { add(n: number): void; end(): void } {
    const meter = { bytes: 0 };
    this.open.add(meter);
    return {
      add: (n) => {
        meter.bytes += n;
      },
      end: () => {
        this.open.delete(meter);
      },
    };
  }

  get total(): number {
    let sum = 0;
    for (const m of this.open) sum += m.bytes;
    return sum;
  }
}
