/**
 * How the finder splits a listed prefix to compare its parts at once (finderDepth, finderNumber): consecutive key
 * ranges cut after the folders a number of levels down, and how many of them fit in memory together.
 */
import { InvalidParameterError } from '../core/errors.js';
import { compareKeys } from '../core/key-order.js';
import { fieldLabel, S3_PARAMETERS } from '../params/index.js';
import type { ObjectStore } from '../ports/object-store.js';

/**
 * Memory one part being compared may hold: its source and destination listing pages, each with the next one asked
 * for (1,000 keys of up to 1 KiB, ~1 MB parsed), and the text of a page being parsed.
 */
const BYTES_PER_PART = 8 * 1024 * 1024;

/** Parts compared at once: finderNumber, as far as half of the heap V8 may grow to holds their listing pages. */
export function partsAtOnce(finderNumber: number, heapLimitBytes: number): number {
  return Math.max(1, Math.min(finderNumber, Math.floor(heapLimitBytes / 2 / BYTES_PER_PART)));
}

/**
 * A part of the keys under a listed prefix (`root`: srcPrefix or a line of the prefix list) that the finder compares
 * on its own: the keys after `after` up to and including `upTo` (unbounded where undefined), in listing order. The
 * parts of a prefix follow each other without gap or overlap, so they hold its keys exactly once whatever the store's
 * folder listings say.
 */
export interface Partition {
  root: string;
  after?: string;
  upTo?: string;
}

/**
 * A source listing (of keys or of folders) out of S3's key order (UTF-8 bytes): its keys cannot be cut at folders, as a
 * part ends at the first key past its folder. Named as the parameter that asked for the cut, so the user knows the way
 * out.
 */
export function outOfKeyOrder(entry: string, previous: string): InvalidParameterError {
  return new InvalidParameterError(
    'finderDepth',
    `the store lists ${JSON.stringify(entry.slice(0, 80))} after ${JSON.stringify(previous.slice(0, 80))}, not in key order, so its keys cannot be cut at folders; set finderDepth to 0`,
    fieldLabel(S3_PARAMETERS, 'finderDepth'),
    'source',
  );
}

/**
 * The folders `depth` levels below `prefix` (finderDepth), in key order: walked lazily, depth first, one listing page
 * at a time. They only say where to cut the prefix's keys: a folder a store leaves out of its listing (s3rver does,
 * for folders that hold only folders) makes a larger part, not a lost one.
 */
async function* foldersAt(
  source: ObjectStore,
  prefix: string,
  depth: number,
  onListed?: (entries: number) => void,
  signal?: AbortSignal,
): AsyncGenerator<string> {
  let entries = 0;
  try {
    for await (const entry of source.listLevel(prefix, signal)) {
      entries++;
      if (entry.folder === undefined) continue;
      if (depth === 1) yield entry.folder;
      else yield* foldersAt(source, entry.folder, depth - 1, onListed, signal);
    }
  } finally {
    onListed?.(entries);
  }
}

/**
 * The parts of `root` cut at its folders `depth` levels down: (start, first folder], (first, second], …, (last, end).
 * Each folder's own keys come after it, so each part holds one folder's keys and the keys just before the next one.
 * Depth 0: the whole prefix as one part.
 */
export async function* partitionsOf(
  source: ObjectStore,
  root: string,
  depth: number,
  onListed?: (entries: number) => void,
  signal?: AbortSignal,
): AsyncGenerator<Partition> {
  let after: string | undefined;
  if (depth > 0) {
    for await (const folder of foldersAt(source, root, depth, onListed, signal)) {
      // Parts are cut between folders: folders out of key order would cut overlapping or missing ranges.
      if (after !== undefined && compareKeys(folder, after) <= 0) throw outOfKeyOrder(folder, after);
      yield { root, after, upTo: folder };
      after = folder;
    }
  }
  yield { root, after };
}
