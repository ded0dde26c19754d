/**
 * The fan-out workload: one giant object (2 GiB at BENCH_SCALE=1) copied by 1, 2 and 4 `dth worker --once` processes
 * on the cloud adapters — SQS (fauxqs) and DynamoDB (dynalite), started here on the benchmark's ports — after
 * `dth finder` queued it. Every worker process copies parts of the same object (worker/s3/fan-out.ts); wall time runs
 * from the workers' start to the last one's exit, CPU is summed over them. Default engine settings.
 *
 * Each worker process reads the source through its own "network card" (nic-proxy.ts, BENCH_FANOUT_NIC_MIBPS, default
 * 12 MiB/s): in the cloud each worker is a machine with its own card, here all processes share two CPUs and one
 * s3rver, which one worker alone already keeps busy. BENCH_FANOUT_NIC_MIBPS=0 runs them without cards.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ensureSqsQueue, ensureStatusTable } from '../worker/adapters/aws/index.js';
import { startNicProxy, type NicProxy } from './nic-proxy.js';
import { createBucket, dropBucket, compareListings, listBucket, type ListingEntry } from './buckets.js';
import { formatBytes, GiB, MiB, type BenchConfig } from './config.js';
import { runMeasured, type Measured } from './measure.js';
import { dthCommand } from './ours.js';
import { waitHttp, type RunningServer } from './servers.js';
import type { Tool, ToolRun, WorkloadResult } from './report.js';
import { finishWorkload } from './report.js';

/** Worker processes per step; BENCH_FANOUT_WORKERS (comma list) replaces them. */
function workerCounts(): number[] {
  const raw = process.env.BENCH_FANOUT_WORKERS;
  return raw
    ? raw
        .split(',')
        .map((n) => Number(n.trim()))
        .filter((n) => Number.isInteger(n) && n > 0)
    : [1, 2, 4];
}

/** Each worker's card, MiB/s (0: none). */
export function nicMibPerSec(): number {
  const raw = process.env.BENCH_FANOUT_NIC_MIBPS;
  return raw === undefined || raw === '' ? 12 : Number(raw);
}

export function fanOutTool(workers: number): Tool {
  return `ours-${workers}w` as Tool;
}

/** fauxqs and dynalite, each its own process (their CPU is not the workers'). */
async function startQueueAndTable(
  root: string,
  portBase: number,
): Promise<{ sqs: string; dynamodb: string; stop: () => void }> {
  const sqsPort = portBase + 4;
  const ddbPort = portBase + 5;
  const sqs = spawn(process.execPath, [join(root, 'scripts/fauxqs-loopback.mjs')], {
    env: { ...process.env, PORT: String(sqsPort) },
    stdio: 'ignore',
  });
  const ddb = spawn(
    process.execPath,
    [
      join(root, 'node_modules/dynalite/cli.js'),
      '--host',
      '127.0.0.1',
      '--port',
      String(ddbPort),
      '--createTableMs',
      '0',
    ],
    { stdio: 'ignore' },
  );
  const stop = () => {
    sqs.kill('SIGTERM');
    ddb.kill('SIGTERM');
  };
  try {
    await waitHttp(`http://127.0.0.1:${sqsPort}/health`, sqs, 'fauxqs');
    await waitHttp(`http://127.0.0.1:${ddbPort}/`, ddb, 'dynalite');
  } catch (err) {
    stop();
    throw err;
  }
  return { sqs: `http://127.0.0.1:${sqsPort}`, dynamodb: `http://127.0.0.1:${ddbPort}`, stop };
}

export interface FanOutWorkloadOptions {
  root: string;
  cfg: BenchConfig;
  src: RunningServer;
  dst: RunningServer;
  log: (msg: string) => void;
  notes: string[];
  /** Writes one object of `size` bytes into an existing source bucket (the benchmark's generator). */
  generate: (bucket: string, size: number) => Promise<void>;
}

export async function runFanOutWorkload(o: FanOutWorkloadOptions): Promise<WorkloadResult> {
  const size = Math.max(256 * MiB, Math.round((2 * GiB * Math.min(1, o.cfg.scale)) / MiB) * MiB);
  const srcBucket = 'src-fanout';
  await createBucket(o.src.endpoint, srcBucket);
  await o.generate(srcBucket, size);
  const source = await listBucket(o.src.endpoint, srcBucket);
  const services = await startQueueAndTable(o.root, o.cfg.portBase);
  const nic = nicMibPerSec();
  const w: WorkloadResult = {
    name: 'fanout',
    title: `1 × ${formatBytes(size)} across worker processes${nic > 0 ? ` (each on a ${nic} MiB/s card)` : ''}`,
    objects: 1,
    bytes: size,
    runs: [],
    summary: {},
    extra: {},
  };
  try {
    for (let round = 1; round <= o.cfg.rounds; round++) {
      for (const workers of workerCounts())
        w.runs.push(await fanOutRound(o, services, source, srcBucket, workers, round));
    }
  } finally {
    services.stop();
    dropBucket(o.src.dataDir, srcBucket);
  }
  finishWorkload(w);
  const one = w.summary[fanOutTool(1)]?.wallSec;
  for (const n of workerCounts()) {
    const s = w.summary[fanOutTool(n)];
    if (s && one) w.extra![`speedup ${n} workers`] = one / s.wallSec;
  }
  return w;
}

async function fanOutRound(
  o: FanOutWorkloadOptions,
  services: { sqs: string; dynamodb: string },
  source: Map<string, ListingEntry>,
  srcBucket: string,
  workers: number,
  round: number,
): Promise<ToolRun> {
  const size = [...source.values()].reduce((n, e) => n + e.size, 0);
  const task = `fanout-${workers}w-r${round}`;
  await createBucket(o.dst.endpoint, task);
  // The task stack's queue (+DLQ) and status table, made the way local runs make them.
  const local = { region: 'us-east-1', credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' } };
  const { queueUrl, dlqUrl } = await ensureSqsQueue(new SQSClient({ ...local, endpoint: services.sqs }), task, {
    maxReceiveCount: 5,
    visibilityTimeoutSec: 120,
  });
  await ensureStatusTable(new DynamoDBClient({ ...local, endpoint: services.dynamodb }), task);
  const params = (srcEndpoint: string) =>
    JSON.stringify({
      srcType: 'S3_Compatible',
      srcEndpoint,
      srcBucket,
      srcRegion: 'us-east-1',
      destEndpoint: o.dst.endpoint,
      destBucket: task,
      destRegion: 'us-east-1',
      // A scaled-down run (BENCH_SCALE < 0.5) lowers the threshold to its object; at full scale the default (1 GiB) applies.
      ...(size < GiB ? { giantFileThreshold: String(size) } : {}),
    });
  const env = {
    NODE_NO_WARNINGS: '1',
    TASK_PARAMS: params(o.src.endpoint),
    QUEUE_URL: queueUrl,
    DLQ_URL: dlqUrl,
    STATUS_TABLE: task,
    AWS_REGION: 'us-east-1',
    SQS_ENDPOINT: services.sqs,
    DYNAMODB_ENDPOINT: services.dynamodb,
    // s3rver's key, through the default credential chain (fauxqs and dynalite take any).
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
  };
  const dth = dthCommand(o.root);
  const found = await runMeasured(dth, ['finder'], { cwd: o.root, env, timeoutSec: 600 });
  if (found.exitCode !== 0) throw new Error(`dth finder failed: ${found.stderr.slice(-1500)}`);
  const nic = nicMibPerSec();
  const cards: NicProxy[] =
    nic > 0
      ? await Promise.all(
          Array.from({ length: workers }, (_, i) => startNicProxy(o.src.endpoint, o.cfg.portBase + 10 + i, nic)),
        )
      : [];
  const started = performance.now();
  let runs: Measured[];
  try {
    runs = await Promise.all(
      Array.from({ length: workers }, (_, i) =>
        runMeasured(dth, ['worker', '--once'], {
          cwd: o.root,
          env: { ...env, TASK_PARAMS: params(cards[i]?.endpoint ?? o.src.endpoint) },
          timeoutSec: 3600,
        }),
      ),
    );
  } finally {
    await Promise.all(cards.map((c) => c.close()));
  }
  const wallSec = (performance.now() - started) / 1000;
  const failedRun = runs.find((r) => r.exitCode !== 0);
  let ok = failedRun === undefined;
  let note = failedRun
    ? `worker exit ${failedRun.exitCode}: ${failedRun.stderr.trim().split('\n').slice(-2).join(' | ').slice(0, 500)}`
    : undefined;
  if (ok) {
    const problem = compareListings(source, await listBucket(o.dst.endpoint, task));
    if (problem) {
      ok = false;
      note = `destination differs: ${problem}`;
    }
  }
  const partsBy = runs.map((r) => (r.stderr.match(/"event":"worker\.part_copied"/g) ?? []).length);
  const cpuSec = runs.reduce((n, r) => n + r.cpuSec, 0);
  const bytes = size;
  o.log(
    `fan-out ${workers} worker(s) round ${round}: ${wallSec.toFixed(2)} s, ${(bytes / MiB / wallSec).toFixed(1)} MiB/s, CPU ${cpuSec.toFixed(2)} s, parts per worker ${partsBy.join('/')}${ok ? '' : ` FAILED: ${note}`}`,
  );
  dropBucket(o.dst.dataDir, task);
  return {
    tool: fanOutTool(workers),
    round,
    wallSec,
    cpuSec,
    maxRssMb: Math.max(...runs.map((r) => r.maxRssMb)),
    objects: 1,
    bytes,
    ok,
    note,
  };
}
