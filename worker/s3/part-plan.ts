import { MAX_PARTS, MIN_PART_SIZE } from './params.js';

const MiB = 1024 * 1024;

/** Part size for an object: the configured chunk size, raised (in whole MiB) so the upload fits in 10,000 parts. */
export function choosePartSize(objectSize: number, chunkSize: number): number {
  const needed = Math.ceil(objectSize / MAX_PARTS);
  const size = Math.max(chunkSize, MIN_PART_SIZE, needed);
  return Math.ceil(size / MiB) * MiB;
}

export interface PartRange {
  partNumber: number;
  start: number;
  end: number;
  size: number;
}

export function planParts(objectSize: number, partSize: number): PartRange[] {
  const parts: PartRange[] = [];
  for (let start = 0, n = 1; start < objectSize; start += partSize, n++) {
    const end = Math.min(objectSize, start + partSize) - 1;
    parts.push({ partNumber: n, start, end, size: end - start + 1 });
  }
  return parts;
}

/** Whether parts recorded for an upload were cut as `plan` cuts (each the size of the planned part of its number). */
export function fitsCut(
  recorded: readonly { partNumber: number; size: number }[],
  plan: readonly PartRange[],
): boolean {
  return recorded.every((p) => plan[p.partNumber - 1]?.size === p.size);
}

/** Parts of the given sizes, in order (a source's own parts, which need not be of one size). */
export function planPartsOfSizes(sizes: number[]): PartRange[] {
  const parts: PartRange[] = [];
  let start = 0;
  for (const [i, size] of sizes.entries()) {
    parts.push({ partNumber: i + 1, start, end: start + size - 1, size });
    start += size;
  }
  return parts;
}
