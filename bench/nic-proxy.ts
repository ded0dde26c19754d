/**
 * A TCP pass-through that caps the bytes per second of everything that crosses it, in each direction — one worker
 * machine's network card, for the fan-out workload. On one machine every worker process shares the same CPUs, disks
 * and S3 server, so adding processes cannot show what adding machines does; giving each worker process its own
 * "card" (its own proxy in front of the source) can. Bytes are forwarded untouched (no HTTP parsing): it costs little.
 */
import net from 'node:net';

export interface NicProxy {
  /** http://127.0.0.1:PORT: the endpoint to give the worker instead of the server's. */
  endpoint: string;
  close(): Promise<void>;
}

/** One direction's budget: `bytesPerSec`, shared by every connection of the card. */
class Budget {
  private nextFree = 0;
  constructor(private readonly bytesPerSec: number) {}
  /** Spends `n` bytes; returns how long (ms) the sender must wait before sending more. */
  spend(n: number): number {
    const now = performance.now();
    this.nextFree = Math.max(this.nextFree, now) + (n * 1000) / this.bytesPerSec;
    // A short burst is allowed (as a card's queue would): pause only beyond it.
    return Math.max(0, this.nextFree - now - 20);
  }
}

function pipeLimited(from: net.Socket, to: net.Socket, budget: Budget): void {
  from.on('data', (chunk: Buffer) => {
    const flushed = to.write(chunk);
    const wait = budget.spend(chunk.length);
    if (wait > 0 || !flushed) {
      from.pause();
      const resume = () => from.resume();
      if (wait > 0) setTimeout(() => (to.writableNeedDrain ? to.once('drain', resume) : resume()), wait);
      else to.once('drain', resume);
    }
  });
  from.on('end', () => to.end());
  from.on('error', () => to.destroy());
  to.on('error', () => from.destroy());
}

export async function startNicProxy(target: string, port: number, mibPerSec: number): Promise<NicProxy> {
  const { hostname, port: targetPort } = new URL(target);
  const down = new Budget(mibPerSec * 1024 * 1024);
  const up = new Budget(mibPerSec * 1024 * 1024);
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(targetPort), hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.setNoDelay(true);
    }
    pipeLimited(client, upstream, up);
    pipeLimited(upstream, client, down);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
