/** Benchmark settings, read once from the environment (BENCH_*) and passed down as one typed object. */
import { statfsSync } from 'node:fs';
import { freemem } from 'node:os';
import { basename, resolve } from 'node:path';

export const WORKLOADS = [
  'raw',
  'small',
  'medium',
  'mixed',
  'large',
  'huge',
  'noop',
  'diff',
  'images',
  'fanout',
] as const;
export type WorkloadName = (typeof WORKLOADS)[number];

export interface BenchConfig {
  /** Multiplies object counts (and the 1 GiB object size); 1 = the full benchmark of the issue. */
  scale: number;
  rounds: number;
  only: Set<WorkloadName>;
  /** s3rver source/destination ports are portBase and portBase+1; registries portBase+2 and +3. */
  portBase: number;
  /** Scratch space for server data, task state and generated images (deleted at the end unless BENCH_KEEP=1). */
  workDir: string;
  /**
   * Where the two S3 servers keep their objects (BENCH_SERVER_DIR): memory (/dev/shm) when it has room, else under
   * workDir. On this machine's ext4 disk, after a few runs of file churn, creating a file cost the destination server
   * more CPU than anything else it did (the kernel's inode allocator skipping recently deleted inodes: 60-80 % of its
   * samples, 0.5 s to 5.7 s of system time for the same 1,400 PUTs as the session went on), drifting every later
   * result. In memory the servers cost the same from the first run to the last.
   */
  serverDir: string;
  outDir: string;
  keep: boolean;
  /** Extra rclone flags replacing the tuned defaults (BENCH_RCLONE_FLAGS, space separated). */
  rcloneFlags?: string[];
  /** Concurrency of the raw SDK ceiling loop and of the data generator. */
  rawConcurrency: number;
}

function num(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const v = Number(raw);
  if (!Number.isFinite(v) || v < min) throw new Error(`${name}: expected a number >= ${min}, got "${raw}"`);
  return v;
}

/** Free bytes of the file system holding `dir`; 0 when it cannot be read (no such mount). */
function freeBytes(dir: string): number {
  try {
    const fs = statfsSync(dir);
    return fs.bavail * fs.bsize;
  } catch {
    return 0;
  }
}

/** Bytes the servers hold at most: every selected source set at once, plus the largest copy being made. */
function serverBytesNeeded(scale: number, only: Set<WorkloadName>): number {
  const sets = generatedSets(scale, only);
  const bytes = sets.map((s) => s.count * s.size);
  const mixed = only.has('mixed') ? Math.max(0.1, scale) * GiB : 0;
  const fanout = only.has('fanout') ? 2 * 2 * GiB * Math.min(1, scale) : 0;
  return bytes.reduce((a, b) => a + b, 0) + Math.max(0, ...bytes) + 2 * mixed + fanout;
}

function chooseServerDir(workDir: string, scale: number, only: Set<WorkloadName>): string {
  if (process.env.BENCH_SERVER_DIR) return resolve(process.env.BENCH_SERVER_DIR);
  const memory = '/dev/shm';
  // Room for the data and 4 GiB to spare: tmpfs pages are memory the tools under test also need (the mount's own
  // limit is usually the machine's whole memory, so what is available counts too).
  const room = Math.min(freeBytes(memory), freemem());
  if (room > serverBytesNeeded(scale, only) + 4 * GiB) return `${memory}/${basename(workDir)}-servers`;
  return resolve(workDir, 'servers');
}

export function readConfig(root: string): BenchConfig {
  const onlyRaw = process.env.BENCH_ONLY?.trim();
  const only = new Set<WorkloadName>();
  for (const name of onlyRaw ? onlyRaw.split(/[\s,]+/) : WORKLOADS) {
    if (!(WORKLOADS as readonly string[]).includes(name))
      throw new Error(`BENCH_ONLY: unknown workload "${name}" (known: ${WORKLOADS.join(', ')})`);
    only.add(name as WorkloadName);
  }
  if (only.has('noop')) only.add('small'); // the no-op rerun reuses the small workload's copy
  const scale = num('BENCH_SCALE', 1, 0.0001);
  const workDir = resolve(process.env.BENCH_WORK_DIR ?? '/tmp/dth-bench');
  return {
    scale,
    rounds: Math.round(num('BENCH_ROUNDS', 3, 1)),
    only,
    portBase: Math.round(num('BENCH_PORT_BASE', 18560, 1024)),
    workDir,
    serverDir: chooseServerDir(workDir, scale, only),
    outDir: resolve(root, 'bench/out'),
    keep: process.env.BENCH_KEEP === '1',
    rcloneFlags: process.env.BENCH_RCLONE_FLAGS
      ? process.env.BENCH_RCLONE_FLAGS.split(/\s+/).filter(Boolean)
      : undefined,
    rawConcurrency: Math.round(num('BENCH_RAW_CONCURRENCY', 32, 1)),
  };
}

export const KiB = 1024;
export const MiB = 1024 * KiB;
export const GiB = 1024 * MiB;

export interface ObjectSetSpec {
  name: 'small' | 'medium' | 'large' | 'huge';
  count: number;
  size: number;
  label: string;
}

/** The object workloads of the issue, scaled: counts by `scale` (at least 1, 2 for the multi-object sets), 1 GiB sizes too. */
export function objectSets(scale: number): ObjectSetSpec[] {
  const count = (n: number, min: number) => Math.max(min, Math.round(n * scale));
  const hugeSize = Math.max(64 * MiB, Math.round((GiB * Math.min(1, scale)) / MiB) * MiB);
  const sets: ObjectSetSpec[] = [
    { name: 'small', count: count(20_000, 50), size: 10 * KiB, label: '' },
    { name: 'medium', count: count(2_000, 10), size: MiB, label: '' },
    { name: 'large', count: count(20, 2), size: 50 * MiB, label: '' },
    { name: 'huge', count: 2, size: hugeSize, label: '' },
  ];
  for (const s of sets) s.label = `${s.count.toLocaleString('en-US')} × ${formatBytes(s.size)}`;
  return sets;
}

/** The object sets a run generates: the selected ones, and the small set for the raw ceiling. */
export function generatedSets(scale: number, only: Set<WorkloadName>): ObjectSetSpec[] {
  return objectSets(scale).filter((s) => only.has(s.name) || (only.has('raw') && s.name === 'small'));
}

export function formatBytes(n: number): string {
  if (n >= GiB && n % GiB === 0) return `${n / GiB} GiB`;
  if (n >= MiB) return `${+(n / MiB).toFixed(1)} MiB`;
  if (n >= KiB) return `${+(n / KiB).toFixed(1)} KiB`;
  return `${n} B`;
}
