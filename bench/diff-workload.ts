/** The finder's diff of 1,000,000 keys (scaled): time and peak RSS of a child process, against a generator-only baseline. */
import { join } from 'node:path';
import { engineDiffReady } from './diff-engine.js';
import { median, runMeasured } from './measure.js';
import type { WorkloadResult } from './report.js';

export interface DiffWorkloadOptions {
  root: string;
  scale: number;
  rounds: number;
  log: (msg: string) => void;
  notes: string[];
}

interface ChildResult {
  keys: number;
  toCopy: number;
  expected: number;
  seconds: number;
  peakRssMb: number;
}

async function child(
  root: string,
  mode: 'engine' | 'baseline',
  keys: number,
): Promise<ChildResult & { timeRssMb: number; cpuSec: number }> {
  const m = await runMeasured(
    process.execPath,
    ['--import', 'tsx', join(root, 'bench/diff-child.ts'), mode, String(keys)],
    {
      cwd: root,
      env: { NODE_NO_WARNINGS: '1' },
      timeoutSec: 1800,
    },
  );
  if (m.exitCode !== 0) throw new Error(`diff child (${mode}) failed: ${m.stderr.slice(-2000)}`);
  const r = JSON.parse(m.stdout.trim().split('\n').pop()!) as ChildResult;
  return { ...r, timeRssMb: m.maxRssMb, cpuSec: m.cpuSec };
}

export async function runDiffWorkload(o: DiffWorkloadOptions): Promise<WorkloadResult> {
  const keys = Math.max(10_000, Math.round(1_000_000 * o.scale));
  const w: WorkloadResult = {
    name: 'diff',
    title: `finder diff of ${keys.toLocaleString('en-US')} keys`,
    objects: keys,
    bytes: 0,
    runs: [],
    summary: {},
    extra: {},
  };
  const ready = engineDiffReady();
  const base = await child(o.root, 'baseline', keys);
  w.extra!.baselinePeakRssMb = base.timeRssMb;
  w.extra!.baselineSeconds = base.seconds;
  o.log(
    `diff baseline (generators only, ${keys} keys × 2): ${base.seconds.toFixed(2)} s, peak RSS ${base.timeRssMb.toFixed(0)} MB`,
  );
  if (!ready.ok) {
    o.notes.push(`finder diff was not run: ${ready.reason}`);
    return w;
  }
  const runs = [];
  for (let round = 1; round <= o.rounds; round++) {
    const r = await child(o.root, 'engine', keys);
    if (r.toCopy !== r.expected)
      o.notes.push(`finder diff round ${round}: engine reported ${r.toCopy} objects to copy, expected ${r.expected}`);
    runs.push(r);
    o.log(
      `diff engine round ${round}: ${r.seconds.toFixed(2)} s, peak RSS ${r.timeRssMb.toFixed(0)} MB, ${r.toCopy} to copy (expected ${r.expected})`,
    );
  }
  w.extra!.peakRssMb = median(runs.map((r) => r.timeRssMb));
  w.extra!.seconds = median(runs.map((r) => r.seconds));
  w.extra!.keysPerSec = keys / median(runs.map((r) => r.seconds));
  w.extra!.cpuSec = median(runs.map((r) => r.cpuSec));
  w.extra!.toCopy = runs[0]!.toCopy;
  w.extra!.expectedToCopy = runs[0]!.expected;
  return w;
}
