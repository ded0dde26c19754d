/**
 * Child process of the finder-diff workload: generates a source and a destination listing of N keys each
 * (lazily, in key order, as ListObjectsV2 pages would arrive) and feeds them to the engine's merge-join diff.
 *   tsx bench/diff-child.ts engine|baseline N
 * `baseline` only drains both generators (node + tsx + the generator's own cost).
 * Prints one JSON line: { keys, toCopy, seconds, peakRssMb }.
 * The destination differs on purpose: every 10th key missing, every 100th key another size, 1% extra keys.
 */
import type { ObjectSummary } from '../worker/ports/object-store.js';
import { loadEngineDiff } from './diff-engine.js';

const mode = process.argv[2] ?? 'engine';
const n = Number(process.argv[3] ?? 1_000_000);
const width = String(n).length;
const key = (i: number) => `data/${String(i).padStart(width, '0')}.bin`;
const lastModified = new Date('2026-01-01T00:00:00Z');

async function* sourceListing(): AsyncGenerator<ObjectSummary> {
  for (let i = 0; i < n; i++) {
    yield { key: key(i), size: 1000 + (i % 997), etag: `e${i}`, lastModified };
    if (i % 1000 === 999) await Promise.resolve(); // a page boundary
  }
}

async function* destListing(): AsyncGenerator<ObjectSummary> {
  for (let i = 0; i < n; i++) {
    if (i % 10 === 0) continue;
    const size = i % 100 === 1 ? 1 : 1000 + (i % 997);
    yield { key: key(i), size, etag: i % 100 === 1 ? 'other' : `e${i}`, lastModified };
    if (i % 100 === 50) yield { key: `${key(i)}.extra`, size: 5, etag: 'x', lastModified };
    if (i % 1000 === 999) await Promise.resolve();
  }
}

/** Expected count of objects to copy: the missing (i % 10 == 0) and the different (i % 100 == 1). */
export function expectedToCopy(count: number): number {
  let c = 0;
  for (let i = 0; i < count; i++) if (i % 10 === 0 || i % 100 === 1) c++;
  return c;
}

let peak = 0;
const sample = () => {
  peak = Math.max(peak, process.memoryUsage().rss);
};
const timer = setInterval(sample, 20);

async function main(): Promise<void> {
  const started = process.hrtime.bigint();
  let toCopy = 0;
  if (mode === 'baseline') {
    for await (const _ of sourceListing()) void _;
    for await (const _ of destListing()) void _;
  } else {
    const diff = await loadEngineDiff();
    toCopy = await diff(sourceListing(), destListing());
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  sample();
  clearInterval(timer);
  process.stdout.write(
    `${JSON.stringify({ keys: n, toCopy, expected: mode === 'baseline' ? 0 : expectedToCopy(n), seconds, peakRssMb: peak / 1048576 })}\n`,
  );
}

main().catch((err: unknown) => {
  clearInterval(timer);
  process.stderr.write(`diff-child: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
