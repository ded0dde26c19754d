/**
 * `npm run bench`: our engine against rclone (and skopeo sync for images) on the same data, in the same run,
 * on the benchmark's own s3rver/registry processes. Medians over BENCH_ROUNDS rounds; JSON + Markdown to bench/out/.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compareListings, createBucket, dropBucket, listBucket, type ListingEntry } from './buckets.js';
import { formatBytes, generatedSets, objectSets, readConfig, type BenchConfig, type ObjectSetSpec } from './config.js';
import { runDiffWorkload } from './diff-workload.js';
import { runFanOutWorkload } from './fanout-workload.js';
import { runImageWorkload } from './image-workload.js';
import { processCpuSec, runMeasured, type Measured } from './measure.js';
import { mixedLabel, mixedObjects, SIZE_CLASSES, type MixedObject } from './mixed-set.js';
import { oursReady, oursS3Sync, oursTuning, oursVersion } from './ours.js';
import { defaultRcloneFlags, rcloneCopy, rcloneVersion } from './rclone.js';
import {
  computeChecks,
  computeTargets,
  finishWorkload,
  writeReport,
  type BenchReport,
  type Tool,
  type ToolRun,
  type WorkloadResult,
} from './report.js';
import { startS3rver, stopServer, type RunningServer } from './servers.js';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const RAW = join(ROOT, 'bench/raw-s3.ts');

function log(msg: string): void {
  process.stdout.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}

interface Ctx {
  cfg: BenchConfig;
  src: RunningServer;
  dst: RunningServer;
  notes: string[];
  rcloneFlags: string[];
}

async function rawS3(args: string[]): Promise<{ measured: Measured; objects: number; bytes: number; seconds: number }> {
  const measured = await runMeasured(process.execPath, ['--import', 'tsx', RAW, ...args], {
    cwd: ROOT,
    env: { NODE_NO_WARNINGS: '1' },
    timeoutSec: 3600,
  });
  if (measured.exitCode !== 0) throw new Error(`raw-s3 ${args.join(' ')} failed: ${measured.stderr.slice(-2000)}`);
  const out = JSON.parse(measured.stdout.trim().split('\n').pop()!) as {
    objects: number;
    bytes: number;
    seconds: number;
  };
  return { measured, ...out };
}

const srcBucketOf = (set: ObjectSetSpec) => `src-${set.name}`;

/** Requests raw-s3 keeps in flight for one object set: two at a time for objects of 64 MiB and more. */
const rawConcurrencyOf = (ctx: Ctx, set: ObjectSetSpec) => (set.size >= 64 * 1024 * 1024 ? 2 : ctx.cfg.rawConcurrency);

/** raw-s3 arguments naming one object set's keys, sizes and requests in flight. */
function setShape(ctx: Ctx, set: ObjectSetSpec): string[] {
  return [
    '--prefix',
    `${set.name}/`,
    '--count',
    String(set.count),
    '--size',
    String(set.size),
    '--concurrency',
    String(rawConcurrencyOf(ctx, set)),
  ];
}

async function generate(ctx: Ctx, set: ObjectSetSpec): Promise<Map<string, ListingEntry>> {
  const bucket = srcBucketOf(set);
  await createBucket(ctx.src.endpoint, bucket);
  const r = await rawS3(['put', '--endpoint', ctx.src.endpoint, '--bucket', bucket, ...setShape(ctx, set)]);
  log(`generated ${set.label} in ${bucket}: ${r.seconds.toFixed(1)} s (${(r.objects / r.seconds).toFixed(0)} obj/s)`);
  return listBucket(ctx.src.endpoint, bucket);
}

/** Raw SDK ceiling for one object set: PUT the same count/size into a scratch bucket on the destination server, GET the source. */
async function rawRound(
  ctx: Ctx,
  set: ObjectSetSpec,
  round: number,
  runs: ToolRun[],
  extraRuns: ToolRun[],
): Promise<void> {
  // One fresh bucket per step: re-creating a bucket right after deleting its directory under s3rver raced once
  // ("bucket does not exist" on the next request).
  const scratch = (step: string) => `raw-${set.name}-r${round}-${step}`;
  const shape = setShape(ctx, set);
  const concurrency = rawConcurrencyOf(ctx, set);
  await createBucket(ctx.dst.endpoint, scratch('put'));
  const put = await rawS3(['put', '--endpoint', ctx.dst.endpoint, '--bucket', scratch('put'), ...shape]);
  dropBucket(ctx.dst.dataDir, scratch('put'));
  await createBucket(ctx.dst.endpoint, scratch('http'));
  const putHttp = await rawS3(['put-http', '--endpoint', ctx.dst.endpoint, '--bucket', scratch('http'), ...shape]);
  dropBucket(ctx.dst.dataDir, scratch('http'));
  const get = await rawS3([
    'get',
    '--endpoint',
    ctx.src.endpoint,
    '--bucket',
    srcBucketOf(set),
    '--prefix',
    `${set.name}/`,
    '--concurrency',
    String(concurrency),
  ]);
  await createBucket(ctx.dst.endpoint, scratch('copy'));
  const copy = await rawS3([
    'copy',
    '--endpoint',
    ctx.src.endpoint,
    '--bucket',
    srcBucketOf(set),
    '--prefix',
    `${set.name}/`,
    '--to',
    ctx.dst.endpoint,
    '--to-bucket',
    scratch('copy'),
    '--concurrency',
    String(concurrency),
  ]);
  dropBucket(ctx.dst.dataDir, scratch('copy'));
  const asRun = (tool: Tool, r: typeof put): ToolRun => ({
    tool,
    round,
    wallSec: r.seconds,
    cpuSec: r.measured.cpuSec,
    maxRssMb: r.measured.maxRssMb,
    objects: r.objects,
    bytes: r.bytes,
    ok: true,
  });
  (set.name === 'small' ? runs : extraRuns).push(
    asRun('raw-put', put),
    asRun('raw-http-put', putHttp),
    asRun('raw-get', get),
    asRun('raw-copy', copy),
  );
  const rate = (r: typeof put) =>
    `${(r.objects / r.seconds).toFixed(0)} obj/s ${(r.bytes / 1048576 / r.seconds).toFixed(1)} MiB/s`;
  log(
    `raw ${set.label} round ${round}: PUT ${rate(put)}, unsigned node:http PUT ${rate(putHttp)}, GET ${rate(get)}, GET→PUT copy ${rate(copy)}`,
  );
}

/** One copy a tool is timed on: a source bucket (or the part of it a filter selects) into a new destination bucket. */
interface CopyJob {
  /** Names the destination buckets and the workload. */
  name: string;
  label: string;
  srcBucket: string;
  /** The source objects the copy must produce at the destination (the filtered ones when there is a filter). */
  source: Map<string, ListingEntry>;
  /** What to copy, in each tool's words (a task field for ours, filter flags for rclone): never a setting. */
  filter?: { ours: Record<string, string>; rclone: string[] };
  /** rclone flags this source needs to be copied at all (see mixedWorkloads). */
  rcloneNeeds?: string[];
}

const jobOf = (set: ObjectSetSpec, source: Map<string, ListingEntry>): CopyJob => ({
  name: set.name,
  label: set.label,
  srcBucket: srcBucketOf(set),
  source,
});

async function copyRun(
  ctx: Ctx,
  tool: 'ours' | 'rclone',
  job: CopyJob,
  round: number,
  keep: boolean,
): Promise<ToolRun> {
  const dstBucket = `${job.name}-${tool}-r${round}`;
  await createBucket(ctx.dst.endpoint, dstBucket);
  const stateDir = join(ctx.cfg.workDir, 'state', dstBucket);
  const srcCpuBefore = processCpuSec(ctx.src.process.pid);
  const dstCpuBefore = processCpuSec(ctx.dst.process.pid);
  const measured =
    tool === 'ours'
      ? await oursS3Sync({
          root: ROOT,
          source: ctx.src.endpoint,
          dest: ctx.dst.endpoint,
          srcBucket: job.srcBucket,
          dstBucket,
          stateDir,
          task: job.filter?.ours,
        })
      : await rcloneCopy({ source: ctx.src.endpoint, dest: ctx.dst.endpoint }, job.srcBucket, dstBucket, [
          ...ctx.rcloneFlags,
          ...(job.rcloneNeeds ?? []),
          ...(job.filter?.rclone ?? []),
        ]);
  const srcCpuSec = processCpuSec(ctx.src.process.pid) - srcCpuBefore;
  const dstCpuSec = processCpuSec(ctx.dst.process.pid) - dstCpuBefore;
  const serverCpuSec = srcCpuSec + dstCpuSec;
  const bytes = [...job.source.values()].reduce((a, e) => a + e.size, 0);
  let ok = measured.exitCode === 0;
  let note = ok ? undefined : `exit ${measured.exitCode}: ${lastLines(measured.stderr)}`;
  if (ok) {
    const problem = compareListings(job.source, await listBucket(ctx.dst.endpoint, dstBucket));
    if (problem) {
      ok = false;
      note = `destination differs: ${problem}`;
    }
  }
  if (!keep) {
    dropBucket(ctx.dst.dataDir, dstBucket);
    rmSync(stateDir, { recursive: true, force: true });
  }
  log(
    `${tool.padEnd(6)} ${job.label} round ${round}: ${measured.wallSec.toFixed(2)} s, ${(job.source.size / measured.wallSec).toFixed(0)} obj/s, ${(bytes / 1048576 / measured.wallSec).toFixed(1)} MiB/s, CPU ${measured.cpuSec.toFixed(2)} s, RSS ${measured.maxRssMb.toFixed(0)} MB, servers' CPU ${srcCpuSec.toFixed(2)} + ${dstCpuSec.toFixed(2)} s${ok ? '' : ` FAILED: ${note}`}`,
  );
  return {
    tool,
    round,
    wallSec: measured.wallSec,
    cpuSec: measured.cpuSec,
    maxRssMb: measured.maxRssMb,
    serverCpuSec,
    objects: job.source.size,
    bytes,
    ok,
    note,
  };
}

/** Generates the mixed set in its source bucket from its manifest. */
async function generateMixed(ctx: Ctx, objects: MixedObject[]): Promise<Map<string, ListingEntry>> {
  const manifest = join(ctx.cfg.workDir, 'mixed-set.json');
  writeFileSync(manifest, JSON.stringify(objects.map(({ key, size }) => ({ key, size }))));
  await createBucket(ctx.src.endpoint, 'src-mixed');
  const r = await rawS3([
    'put-manifest',
    '--endpoint',
    ctx.src.endpoint,
    '--bucket',
    'src-mixed',
    '--manifest',
    manifest,
    '--concurrency',
    String(ctx.cfg.rawConcurrency),
  ]);
  log(`generated ${mixedLabel(objects)} in src-mixed: ${r.seconds.toFixed(1)} s`);
  return listBucket(ctx.src.endpoint, 'src-mixed');
}

/**
 * rclone walks "directories" with delimiter listings, and s3rver answers one at the bucket root with nothing when the
 * keys are nested deeper: without --fast-list (one recursive listing, as ours always does) rclone copies none of the
 * mixed set. On AWS it would not need the flag.
 */
const RCLONE_ON_NESTED_KEYS = ['--fast-list'];

/**
 * The mixed set copied whole (the target), then each size class alone (the same objects, selected by their
 * extension), so the report shows where each tool gains or loses.
 */
async function mixedWorkloads(ctx: Ctx): Promise<WorkloadResult[]> {
  const objects = mixedObjects(ctx.cfg.scale);
  const listing = await generateMixed(ctx, objects);
  const whole: CopyJob = {
    name: 'mixed',
    label: mixedLabel(objects),
    srcBucket: 'src-mixed',
    source: listing,
    rcloneNeeds: RCLONE_ON_NESTED_KEYS,
  };
  const classes: CopyJob[] = SIZE_CLASSES.map((c) => {
    const members = objects.filter((o) => o.sizeClass === c.name);
    return {
      name: `mixed-${c.name}`,
      label: `mixed set, ${c.label} only (${members.length.toLocaleString('en-US')} objects)`,
      srcBucket: 'src-mixed',
      source: new Map([...listing].filter(([key]) => key.endsWith(`.${c.ext}`))),
      filter: { ours: { include: `**/*.${c.ext}` }, rclone: ['--include', `*.${c.ext}`] },
      rcloneNeeds: RCLONE_ON_NESTED_KEYS,
    };
  });
  const results: WorkloadResult[] = [whole, ...classes].map((j) => ({
    name: j.name,
    title: j.label,
    objects: j.source.size,
    bytes: [...j.source.values()].reduce((a, e) => a + e.size, 0),
    runs: [],
    summary: {},
  }));
  for (let round = 1; round <= ctx.cfg.rounds; round++) {
    const order: ('ours' | 'rclone')[] = round % 2 ? ['ours', 'rclone'] : ['rclone', 'ours'];
    for (const [i, job] of [whole, ...classes].entries()) {
      for (const tool of order) results[i]!.runs.push(await copyRun(ctx, tool, job, round, false));
    }
  }
  dropBucket(ctx.src.dataDir, 'src-mixed');
  return results.map(finishWorkload);
}

function lastLines(text: string): string {
  return text.trim().split('\n').slice(-3).join(' | ').slice(0, 600);
}

/** Second run of each tool onto its already complete copy of the small set: nothing to transfer. */
async function noopRun(
  ctx: Ctx,
  tool: 'ours' | 'rclone',
  set: ObjectSetSpec,
  round: number,
  source: Map<string, ListingEntry>,
): Promise<ToolRun> {
  const job = jobOf(set, source);
  const dstBucket = `${set.name}-${tool}-r${round}`;
  const stateDir = join(ctx.cfg.workDir, 'state', dstBucket);
  const measured =
    tool === 'ours'
      ? await oursS3Sync({
          root: ROOT,
          source: ctx.src.endpoint,
          dest: ctx.dst.endpoint,
          srcBucket: job.srcBucket,
          dstBucket,
          stateDir,
        })
      : await rcloneCopy(
          { source: ctx.src.endpoint, dest: ctx.dst.endpoint },
          job.srcBucket,
          dstBucket,
          ctx.rcloneFlags,
        );
  const ok = measured.exitCode === 0;
  log(
    `${tool.padEnd(6)} no-op rerun of ${set.label} round ${round}: ${measured.wallSec.toFixed(2)} s, CPU ${measured.cpuSec.toFixed(2)} s${ok ? '' : ' FAILED'}`,
  );
  dropBucket(ctx.dst.dataDir, dstBucket);
  rmSync(stateDir, { recursive: true, force: true });
  return {
    tool,
    round,
    wallSec: measured.wallSec,
    cpuSec: measured.cpuSec,
    maxRssMb: measured.maxRssMb,
    objects: source.size,
    bytes: 0,
    ok,
    note: ok ? undefined : `exit ${measured.exitCode}: ${lastLines(measured.stderr)}`,
  };
}

const OWNER_FILE = 'bench.pid';

/** Two benchmarks on one work directory delete each other's data (it happened): the second one stops instead. */
function refuseIfInUse(workDir: string): void {
  let owner: number;
  try {
    owner = Number(readFileSync(join(workDir, OWNER_FILE), 'utf8'));
  } catch {
    return;
  }
  try {
    process.kill(owner, 0);
  } catch {
    return; // its owner is gone
  }
  throw new Error(
    `${workDir} is in use by the benchmark running as PID ${owner}; wait for it, or set BENCH_WORK_DIR (and BENCH_PORT_BASE) for this one`,
  );
}

async function main(): Promise<void> {
  const cfg = readConfig(ROOT);
  const startedAt = new Date().toISOString();
  const loadAtStart = loadavg();
  for (const tool of ['/usr/bin/time', 'rclone']) {
    if (!existsSync(tool) && (await runMeasured('sh', ['-c', `command -v ${tool}`])).exitCode !== 0)
      throw new Error(`${tool} is required: run \`npm run setup\``);
  }
  refuseIfInUse(cfg.workDir);
  rmSync(cfg.workDir, { recursive: true, force: true });
  mkdirSync(cfg.workDir, { recursive: true });
  writeFileSync(join(cfg.workDir, OWNER_FILE), String(process.pid));
  const s3rverBin = join(ROOT, 'node_modules/s3rver/bin/s3rver.js');
  rmSync(cfg.serverDir, { recursive: true, force: true });
  const src = await startS3rver('s3-source', cfg.serverDir, cfg.portBase, s3rverBin);
  const dst = await startS3rver('s3-dest', cfg.serverDir, cfg.portBase + 1, s3rverBin);
  const ctx: Ctx = { cfg, src, dst, notes: [], rcloneFlags: cfg.rcloneFlags ?? defaultRcloneFlags() };
  const stopAll = async () => {
    await stopServer(src);
    await stopServer(dst);
  };
  process.on('SIGINT', () => void stopAll().then(() => process.exit(130)));
  const versions: Record<string, string> = { rclone: await rcloneVersion(), ours: await oursVersion(ROOT) };
  const workloads: WorkloadResult[] = [];
  const engineReady = oursReady(ROOT);
  if (!engineReady.ok) ctx.notes.push(`our S3 engine was not run: ${engineReady.reason}`);
  log(
    `scale ${cfg.scale}, ${cfg.rounds} round(s), workloads: ${[...cfg.only].join(', ')}; servers ${src.endpoint} → ${dst.endpoint}, their data in ${cfg.serverDir}`,
  );

  try {
    const sets = generatedSets(cfg.scale, cfg.only);
    const sources = new Map<string, Map<string, ListingEntry>>();
    for (const set of sets) sources.set(set.name, await generate(ctx, set));

    if (cfg.only.has('raw')) {
      const raw: WorkloadResult = {
        name: 'raw',
        title: 'raw SDK ceiling',
        objects: 0,
        bytes: 0,
        runs: [],
        summary: {},
        extra: {},
      };
      const others: ToolRun[] = [];
      for (let round = 1; round <= cfg.rounds; round++)
        for (const set of sets) await rawRound(ctx, set, round, raw.runs, others);
      finishWorkload(raw);
      const small = sets.find((s) => s.name === 'small')!;
      raw.title = `raw SDK ceiling (${small.label})`;
      raw.objects = small.count;
      raw.bytes = small.count * small.size;
      raw.extra!['small.putObjectsPerSec'] = raw.summary['raw-put']?.objectsPerSec ?? NaN;
      raw.extra!['small.getObjectsPerSec'] = raw.summary['raw-get']?.objectsPerSec ?? NaN;
      raw.extra!['small.copyObjectsPerSec'] = raw.summary['raw-copy']?.objectsPerSec ?? NaN;
      raw.extra!['small.httpPutObjectsPerSec'] = raw.summary['raw-http-put']?.objectsPerSec ?? NaN;
      for (const set of sets.filter((s) => s.name !== 'small')) {
        const mine = others.filter((r) => r.objects === set.count && r.bytes === set.count * set.size);
        const put = finishWorkload({ name: '', title: '', objects: 0, bytes: 0, runs: mine, summary: {} }).summary;
        raw.extra![`${set.name}.putMiBps`] = put['raw-put']?.mbPerSec ?? NaN;
        raw.extra![`${set.name}.getMiBps`] = put['raw-get']?.mbPerSec ?? NaN;
        raw.extra![`${set.name}.httpPutMiBps`] = put['raw-http-put']?.mbPerSec ?? NaN;
        raw.extra![`${set.name}.copyMiBps`] = put['raw-copy']?.mbPerSec ?? NaN;
        raw.extra![`${set.name}.putObjectsPerSec`] = put['raw-put']?.objectsPerSec ?? NaN;
      }
      workloads.push(raw);
    }

    for (const set of sets.filter((s) => cfg.only.has(s.name))) {
      const source = sources.get(set.name)!;
      const w: WorkloadResult = {
        name: set.name,
        title: set.label,
        objects: set.count,
        bytes: set.count * set.size,
        runs: [],
        summary: {},
      };
      const noop: WorkloadResult = {
        name: 'noop',
        title: `no-op rerun of ${set.label}`,
        objects: set.count,
        bytes: 0,
        runs: [],
        summary: {},
      };
      for (let round = 1; round <= cfg.rounds; round++) {
        // Alternate who goes first, so neither always meets a warm (or a busier) machine.
        const order: ('ours' | 'rclone')[] = round % 2 ? ['ours', 'rclone'] : ['rclone', 'ours'];
        for (const tool of order) {
          if (tool === 'ours' && !engineReady.ok) continue;
          const doNoop = set.name === 'small' && cfg.only.has('noop');
          const run = await copyRun(ctx, tool, jobOf(set, source), round, doNoop);
          w.runs.push(run);
          if (doNoop) {
            if (run.ok) noop.runs.push(await noopRun(ctx, tool, set, round, source));
            else {
              dropBucket(dst.dataDir, `${set.name}-${tool}-r${round}`);
              rmSync(join(cfg.workDir, 'state', `${set.name}-${tool}-r${round}`), { recursive: true, force: true });
            }
          }
        }
      }
      workloads.push(finishWorkload(w));
      if (noop.runs.length) workloads.push(finishWorkload(noop));
      dropBucket(src.dataDir, srcBucketOf(set));
    }

    if (cfg.only.has('mixed') && engineReady.ok) workloads.push(...(await mixedWorkloads(ctx)));
    if (cfg.only.has('diff'))
      workloads.push(
        await runDiffWorkload({ root: ROOT, scale: cfg.scale, rounds: cfg.rounds, log, notes: ctx.notes }),
      );
    if (cfg.only.has('images')) workloads.push(await runImageWorkload({ root: ROOT, cfg, log, notes: ctx.notes }));
    if (cfg.only.has('fanout')) {
      workloads.push(
        await runFanOutWorkload({
          root: ROOT,
          cfg,
          src,
          dst,
          log,
          notes: ctx.notes,
          generate: async (bucket, size) => {
            await rawS3([
              'put',
              '--endpoint',
              src.endpoint,
              '--bucket',
              bucket,
              '--prefix',
              'giant/',
              '--count',
              '1',
              '--size',
              String(size),
              '--concurrency',
              '1',
            ]);
          },
        }),
      );
    }
  } finally {
    await stopAll();
    if (!cfg.keep) {
      rmSync(cfg.workDir, { recursive: true, force: true });
      rmSync(cfg.serverDir, { recursive: true, force: true });
    }
  }

  const report: BenchReport = {
    startedAt,
    finishedAt: new Date().toISOString(),
    machine: { cpus: cpus().length, loadAvgAtStart: loadAtStart, node: process.version },
    settings: {
      BENCH_SCALE: cfg.scale,
      BENCH_ROUNDS: cfg.rounds,
      BENCH_ONLY: [...cfg.only].join(','),
      rcloneFlags: ctx.rcloneFlags,
      serverData: cfg.serverDir,
      oursParams: Object.keys(oursTuning()).length ? JSON.stringify(oursTuning()) : 'none (defaults)',
      objectSets: [
        ...objectSets(cfg.scale).map((s) => `${s.name}=${s.count}x${formatBytes(s.size)}`),
        `mixed=${mixedLabel(mixedObjects(cfg.scale))}`,
      ],
    },
    versions,
    workloads,
    targets: computeTargets(workloads, { oursTuned: Object.keys(oursTuning()).length > 0 }),
    checks: computeChecks(workloads),
    notes: ctx.notes,
  };
  const files = writeReport(cfg.outDir, report);
  process.stdout.write(`\n${(await import('./report.js')).toMarkdown(report)}\n`);
  log(`report: ${files.markdown} and ${files.json}`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
