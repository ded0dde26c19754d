/** Turns measured runs into medians, ratios (ours / peer) and target verdicts; writes JSON + Markdown. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GiB, MiB } from './config.js';
import { median } from './measure.js';

/** `ours-<n>w`: our workers as n processes (the fan-out workload). */
export type Tool =
  | 'ours'
  | 'rclone'
  | 'raw-put'
  | 'raw-http-put'
  | 'raw-get'
  | 'raw-copy'
  | 'skopeo'
  | `ours-${number}w`;

export interface ToolRun {
  tool: Tool;
  round: number;
  wallSec: number;
  cpuSec: number;
  maxRssMb: number;
  /** CPU-seconds both S3 servers used during the run (what the tool's requests cost them); NaN when not measured. */
  serverCpuSec?: number;
  objects: number;
  bytes: number;
  ok: boolean;
  note?: string;
}

export interface ToolSummary {
  runs: number;
  failed: number;
  wallSec: number;
  objectsPerSec: number;
  mbPerSec: number;
  cpuSec: number;
  cpuSecPerGiB: number;
  cpuSecPer1000Objects: number;
  maxRssMb: number;
  serverCpuSec: number;
}

export interface WorkloadResult {
  name: string;
  title: string;
  objects: number;
  bytes: number;
  runs: ToolRun[];
  summary: Partial<Record<Tool, ToolSummary>>;
  /** Extra measurements of workloads that are not tool races (e.g. the diff's RSS). */
  extra?: Record<string, number | string>;
}

export interface TargetVerdict {
  target: string;
  measured: string;
  pass: boolean | null;
  note?: string;
}

export interface BenchReport {
  startedAt: string;
  finishedAt: string;
  machine: { cpus: number; loadAvgAtStart: number[]; node: string };
  settings: Record<string, unknown>;
  versions: Record<string, string>;
  workloads: WorkloadResult[];
  targets: TargetVerdict[];
  /** Other checks (earlier issues' measurements), judged the same way. */
  checks?: TargetVerdict[];
  notes: string[];
}

export function summarize(runs: ToolRun[]): ToolSummary {
  const ok = runs.filter((r) => r.ok);
  const per = (f: (r: ToolRun) => number) => median(ok.map(f));
  return {
    runs: runs.length,
    failed: runs.length - ok.length,
    wallSec: per((r) => r.wallSec),
    objectsPerSec: per((r) => r.objects / r.wallSec),
    mbPerSec: per((r) => r.bytes / MiB / r.wallSec),
    cpuSec: per((r) => r.cpuSec),
    cpuSecPerGiB: per((r) => (r.bytes > 0 ? r.cpuSec / (r.bytes / GiB) : NaN)),
    cpuSecPer1000Objects: per((r) => (r.objects > 0 ? r.cpuSec / (r.objects / 1000) : NaN)),
    maxRssMb: per((r) => r.maxRssMb),
    serverCpuSec: per((r) => r.serverCpuSec ?? NaN),
  };
}

export function finishWorkload(w: WorkloadResult): WorkloadResult {
  const tools = [...new Set(w.runs.map((r) => r.tool))];
  for (const t of tools) w.summary[t] = summarize(w.runs.filter((r) => r.tool === t));
  return w;
}

export function ratio(a: number | undefined, b: number | undefined): number {
  return a !== undefined && b !== undefined && Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? a / b : NaN;
}

const f = (n: number | undefined, digits = 2) => (n === undefined || !Number.isFinite(n) ? '–' : n.toFixed(digits));

/** The copy workloads and how each is judged (issue 16): many objects by rate and CPU, large ones by throughput and CPU per GiB. */
const RATE_WORKLOADS = ['small', 'medium', 'mixed'];
const THROUGHPUT_WORKLOADS = ['large', 'huge'];

/**
 * The targets of issue 16, each a line with PASS or FAIL (n/a when a side is missing). Ours runs on its defaults;
 * when BENCH_OURS_PARAMS tuned it, no line is judged.
 */
export function computeTargets(workloads: WorkloadResult[], options: { oursTuned?: boolean } = {}): TargetVerdict[] {
  const by = (name: string) => workloads.find((w) => w.name === name);
  const out: TargetVerdict[] = [];
  const verdict = (target: string, value: number, pass: (v: number) => boolean, measured: string) =>
    out.push({
      target,
      measured,
      pass: Number.isFinite(value) && !options.oursTuned ? pass(value) : null,
      note: options.oursTuned ? 'ours was tuned (BENCH_OURS_PARAMS)' : undefined,
    });

  for (const name of RATE_WORKLOADS) {
    const w = by(name);
    if (!w) continue;
    const o = w.summary.ours;
    const r = w.summary.rclone;
    const speed = ratio(o?.objectsPerSec, r?.objectsPerSec);
    verdict(
      `${w.title}: ≥ 1.25× rclone objects/s`,
      speed,
      (v) => v >= 1.25,
      `${f(speed)}× (${f(o?.objectsPerSec, 0)} vs ${f(r?.objectsPerSec, 0)} obj/s)`,
    );
    const cpu = ratio(o?.cpuSec, r?.cpuSec);
    verdict(
      `${w.title}: ≤ 0.7× rclone client CPU-seconds`,
      cpu,
      (v) => v <= 0.7,
      `${f(cpu)}× (${f(o?.cpuSec)} vs ${f(r?.cpuSec)} CPU-s)`,
    );
  }
  for (const name of THROUGHPUT_WORKLOADS) {
    const w = by(name);
    if (!w) continue;
    const o = w.summary.ours;
    const r = w.summary.rclone;
    const speed = ratio(o?.mbPerSec, r?.mbPerSec);
    verdict(
      `${w.title}: ≥ 1.0× rclone MiB/s`,
      speed,
      (v) => v >= 1.0,
      `${f(speed)}× (${f(o?.mbPerSec, 1)} vs ${f(r?.mbPerSec, 1)} MiB/s)`,
    );
    const cpu = ratio(o?.cpuSecPerGiB, r?.cpuSecPerGiB);
    verdict(
      `${w.title}: ≤ 0.8× rclone CPU-s per GiB`,
      cpu,
      (v) => v <= 0.8,
      `${f(cpu)}× (${f(o?.cpuSecPerGiB)} vs ${f(r?.cpuSecPerGiB)} CPU-s/GiB)`,
    );
  }
  for (const w of workloads) {
    const o = w.summary.ours;
    const r = w.summary.rclone;
    if (!o || !r) continue;
    const rss = ratio(o.maxRssMb, r.maxRssMb);
    verdict(
      `${w.title}: peak RSS ≤ rclone's`,
      rss,
      (v) => v <= 1,
      `${f(o.maxRssMb, 0)} vs ${f(r.maxRssMb, 0)} MB (${f(rss)}×)`,
    );
  }
  const diff = by('diff');
  if (diff) {
    const rss = Number(diff.extra?.peakRssMb ?? NaN);
    verdict(
      `${diff.title}: peak RSS ≤ 150 MB`,
      rss,
      (v) => v <= 150,
      `${f(rss, 0)} MB in ${f(Number(diff.extra?.seconds ?? NaN))} s`,
    );
  }
  return out;
}

/** Measurements kept from earlier rounds of work (not targets of issue 16): the raw PUT ceiling, the no-op rerun, images. */
export function computeChecks(workloads: WorkloadResult[]): TargetVerdict[] {
  const by = (name: string) => workloads.find((w) => w.name === name);
  const out: TargetVerdict[] = [];
  const verdict = (target: string, value: number, pass: (v: number) => boolean, measured: string) =>
    out.push({ target, measured, pass: Number.isFinite(value) ? pass(value) : null });
  const small = by('small');
  const raw = by('raw')?.extra?.['small.putObjectsPerSec'];
  if (small && typeof raw === 'number') {
    const rr = ratio(small.summary.ours?.objectsPerSec, raw);
    verdict(
      '10 KiB objects: ≥ 90% of the server’s raw PUT rate',
      rr,
      (v) => v >= 0.9,
      `${f(rr * 100, 0)}% (${f(small.summary.ours?.objectsPerSec, 0)} vs raw PUT ${f(raw, 0)} obj/s)`,
    );
  }
  const noop = by('noop');
  if (noop) {
    const v = noop.summary.ours?.wallSec ?? NaN;
    verdict(`${noop.title}: ≤ 2 s`, v, (x) => x <= 2, `${f(v)} s (rclone ${f(noop.summary.rclone?.wallSec)} s)`);
  }
  const fanout = by('fanout');
  if (fanout) {
    const wall = (n: number) => fanout.summary[`ours-${n}w`]?.wallSec;
    const r2 = ratio(wall(1), wall(2));
    const r4 = ratio(wall(1), wall(4));
    verdict(
      `${fanout.title}: wall time drops with workers (1 → 2 → 4 processes)`,
      Math.min(r2, ratio(wall(2), wall(4))),
      (v) => v > 1,
      `${f(wall(1))} s → ${f(wall(2))} s → ${f(wall(4))} s (${f(r2)}×, ${f(r4)}× of one worker)`,
    );
  }
  const images = by('images');
  if (images) {
    const r = ratio(images.summary.skopeo?.wallSec, images.summary.ours?.wallSec);
    verdict(
      `${images.title}: faster than skopeo sync`,
      r,
      (v) => v >= 1,
      `${f(r)}× speed (${f(images.summary.ours?.wallSec)} s vs ${f(images.summary.skopeo?.wallSec)} s)`,
    );
  }
  return out;
}

export function toMarkdown(report: BenchReport): string {
  const lines: string[] = [];
  lines.push(`# Data Transfer Hub benchmark — ${report.startedAt}`, '');
  lines.push(
    `Machine: ${report.machine.cpus} CPUs, load average at start ${report.machine.loadAvgAtStart.map((l) => l.toFixed(2)).join(' / ')}, Node ${report.machine.node}.`,
  );
  lines.push(
    `Settings: ${Object.entries(report.settings)
      .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(' ') : String(v)}`)
      .join(', ')}.`,
  );
  lines.push(
    `Versions: ${Object.entries(report.versions)
      .map(([k, v]) => `${k}: ${v}`)
      .join('; ')}.`,
    '',
  );
  const verdictOf = (t: TargetVerdict) =>
    t.pass === null ? `n/a${t.note ? ` (${t.note})` : ''}` : t.pass ? 'PASS' : 'FAIL';
  lines.push(
    '## Targets (issue 16; ours on its defaults)',
    '',
    '| target | measured | verdict |',
    '| --- | --- | --- |',
  );
  for (const t of report.targets) lines.push(`| ${t.target} | ${t.measured} | ${verdictOf(t)} |`);
  if (report.checks?.length) {
    lines.push('', '## Other checks', '', '| check | measured | verdict |', '| --- | --- | --- |');
    for (const t of report.checks) lines.push(`| ${t.target} | ${t.measured} | ${verdictOf(t)} |`);
  }
  lines.push('', '## Workloads (medians over rounds)', '');
  lines.push(
    '| workload | tool | runs (failed) | wall s | objects/s | MiB/s | client CPU-s | CPU-s/GiB | CPU-s/1000 obj | peak RSS MB | server CPU-s |',
  );
  lines.push('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const w of report.workloads) {
    for (const [tool, s] of Object.entries(w.summary)) {
      if (!s) continue;
      lines.push(
        `| ${w.title} | ${tool} | ${s.runs} (${s.failed}) | ${f(s.wallSec)} | ${f(s.objectsPerSec, 0)} | ${f(s.mbPerSec, 1)} | ${f(s.cpuSec)} | ${f(s.cpuSecPerGiB)} | ${f(s.cpuSecPer1000Objects, 3)} | ${f(s.maxRssMb, 0)} | ${f(s.serverCpuSec)} |`,
      );
    }
    if (w.summary.ours && w.summary.rclone) {
      lines.push(
        `| ${w.title} | **ours / rclone** | | ${f(ratio(w.summary.ours.wallSec, w.summary.rclone.wallSec))}× | ${f(ratio(w.summary.ours.objectsPerSec, w.summary.rclone.objectsPerSec))}× | ${f(ratio(w.summary.ours.mbPerSec, w.summary.rclone.mbPerSec))}× | ${f(ratio(w.summary.ours.cpuSec, w.summary.rclone.cpuSec))}× | ${f(ratio(w.summary.ours.cpuSecPerGiB, w.summary.rclone.cpuSecPerGiB))}× | ${f(ratio(w.summary.ours.cpuSecPer1000Objects, w.summary.rclone.cpuSecPer1000Objects))}× | ${f(ratio(w.summary.ours.maxRssMb, w.summary.rclone.maxRssMb))}× | ${f(ratio(w.summary.ours.serverCpuSec, w.summary.rclone.serverCpuSec))}× |`,
      );
    }
  }
  const extras = report.workloads.filter((w) => w.extra && Object.keys(w.extra).length);
  if (extras.length) {
    lines.push('', '## Other measurements', '');
    for (const w of extras)
      lines.push(
        `- ${w.title}: ${Object.entries(w.extra!)
          .map(([k, v]) => `${k} = ${typeof v === 'number' ? f(v) : v}`)
          .join(', ')}`,
      );
  }
  const failures = report.workloads.flatMap((w) =>
    w.runs.filter((r) => !r.ok).map((r) => `${w.title} / ${r.tool} round ${r.round}: ${r.note ?? 'failed'}`),
  );
  if (failures.length) lines.push('', '## Failed runs', '', ...failures.map((x) => `- ${x}`));
  if (report.notes.length) lines.push('', '## Notes', '', ...report.notes.map((n) => `- ${n}`));
  lines.push('');
  return lines.join('\n');
}

export function writeReport(outDir: string, report: BenchReport): { json: string; markdown: string } {
  mkdirSync(outDir, { recursive: true });
  const stamp = report.startedAt.replace(/[:.]/g, '-');
  const json = join(outDir, `bench-${stamp}.json`);
  const markdown = join(outDir, `bench-${stamp}.md`);
  const body = JSON.stringify(report, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2);
  const md = toMarkdown(report);
  writeFileSync(json, body);
  writeFileSync(markdown, md);
  writeFileSync(join(outDir, 'latest.json'), body);
  writeFileSync(join(outDir, 'latest.md'), md);
  return { json, markdown };
}
