/** Adapter from the benchmark to the engine's merge-join diff (worker/s3/): returns how many objects it would copy. */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ObjectSummary } from '../worker/ports/object-store.js';

export type DiffRunner = (source: AsyncIterable<ObjectSummary>, dest: AsyncIterable<ObjectSummary>) => Promise<number>;

export const ENGINE_DIFF_FILE = fileURLToPath(new URL('../worker/s3/compare-listings.ts', import.meta.url));

export function engineDiffReady(): { ok: true } | { ok: false; reason: string } {
  return existsSync(ENGINE_DIFF_FILE)
    ? { ok: true }
    : { ok: false, reason: 'worker/s3/compare-listings.ts does not exist yet' };
}

export async function loadEngineDiff(): Promise<DiffRunner> {
  const mod = (await import(ENGINE_DIFF_FILE)) as Record<string, unknown>;
  type Diff = (
    s: AsyncIterable<ObjectSummary>,
    d: AsyncIterable<ObjectSummary>,
    o: { skipCompare: boolean },
  ) => AsyncIterable<unknown>;
  const fn = mod.diffListings as Diff | undefined;
  if (typeof fn !== 'function') throw new Error('worker/s3/compare-listings.ts exports no diffListings');
  return async (source, dest) => {
    let n = 0;
    for await (const _ of fn(source, dest, { skipCompare: false })) n++;
    return n;
  };
}
