/**
 * The real-world mixed object set of the benchmark (issue 16): 2,000 objects at scale 1, about 945 MiB — 70 % of
 * 1–64 KiB, 27 % of 64 KiB–1 MiB, 3 % of 2–20 MiB — under nested prefixes of uneven depth, as a bucket of logs,
 * documents, pictures and videos looks. Sizes and keys are drawn from a fixed seed, so every run copies the same set.
 * Each size class has its own file extension, which lets both tools copy one class alone (a filter, not a setting).
 */
import { GiB, KiB, MiB } from './config.js';

export interface SizeClass {
  name: 'small' | 'medium' | 'large';
  label: string;
  share: number;
  min: number;
  max: number;
  /** Extension of every key of the class: the filter that selects it. */
  ext: string;
}

export const SIZE_CLASSES: readonly SizeClass[] = [
  { name: 'small', label: '1–64 KiB', share: 0.7, min: KiB, max: 64 * KiB, ext: 'json' },
  { name: 'medium', label: '64 KiB–1 MiB', share: 0.27, min: 64 * KiB, max: MiB, ext: 'jpg' },
  { name: 'large', label: '2–20 MiB', share: 0.03, min: 2 * MiB, max: 20 * MiB, ext: 'mp4' },
];

export interface MixedObject {
  key: string;
  size: number;
  sizeClass: SizeClass['name'];
}

/** mulberry32: small, fast, and the same sequence on every machine. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TEAMS = ['analytics', 'web', 'mobile', 'ml-training', 'finance', 'media'];
const KINDS = ['raw', 'processed', 'exports', 'assets'];

/** A nested key: team/kind[/yyyy[/mm[/dd]]]/name.ext, 2 to 5 levels deep. */
function keyFor(next: () => number, index: number, ext: string): string {
  const parts = ['mixed', TEAMS[Math.floor(next() * TEAMS.length)]!, KINDS[Math.floor(next() * KINDS.length)]!];
  const depth = Math.floor(next() * 4); // 0–3 date levels
  if (depth >= 1) parts.push(String(2020 + Math.floor(next() * 6)));
  if (depth >= 2) parts.push(String(1 + Math.floor(next() * 12)).padStart(2, '0'));
  if (depth >= 3) parts.push(String(1 + Math.floor(next() * 28)).padStart(2, '0'));
  parts.push(`object-${String(index).padStart(5, '0')}.${ext}`);
  return parts.join('/');
}

/** Seed whose scale-1 set comes to about 945 MiB (searched once; any seed gives the same shape). */
const SEED = 230;

/** The mixed set at `scale` (at least 100 objects, so each class has members). */
export function mixedObjects(scale: number): MixedObject[] {
  const count = Math.max(100, Math.round(2000 * scale));
  const next = random(SEED);
  const out: MixedObject[] = [];
  let index = 0;
  const large = Math.max(1, Math.round(count * SIZE_CLASSES[2]!.share));
  const small = Math.round(count * SIZE_CLASSES[0]!.share);
  const counts = { small, medium: count - small - large, large };
  for (const c of SIZE_CLASSES) {
    for (let i = 0; i < counts[c.name]; i++) {
      const size = c.min + Math.floor(next() * (c.max - c.min + 1));
      out.push({ key: keyFor(next, index++, c.ext), size, sizeClass: c.name });
    }
  }
  return out.sort((a, b) => (a.key < b.key ? -1 : 1));
}

export function mixedBytes(objects: MixedObject[]): number {
  return objects.reduce((n, o) => n + o.size, 0);
}

/** "2,000 objects, 945 MiB (mixed)" */
export function mixedLabel(objects: MixedObject[]): string {
  const bytes = mixedBytes(objects);
  const size = bytes >= GiB ? `${(bytes / GiB).toFixed(2)} GiB` : `${Math.round(bytes / MiB)} MiB`;
  return `mixed ${objects.length.toLocaleString('en-US')} objects, ${size}`;
}
