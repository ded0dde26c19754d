/**
 * A task shared by several worker processes (test/support/fanout-worker.ts), on either adapter set: the processes and
 * the test meet in one SQLite file, or in one SQS queue (fauxqs) and one DynamoDB table (dynalite).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoStatusStore, ensureSqsQueue, ensureStatusTable, SqsJobQueue } from '../../worker/adapters/aws/index.js';
import { openSqliteDatabase, SqliteJobQueue, SqliteStatusStore } from '../../worker/adapters/embedded/index.js';
import type { JobQueue } from '../../worker/ports/job-queue.js';
import type { StatusStore } from '../../worker/ports/status-store.js';
import type { TransferJob } from '../../worker/s3/transfer-job.js';
import { localDynamoClient, localSqsClient } from '../adapters/aws/clients.js';
import { uniqueName } from './servers.js';

export type FleetAdapters = 'sqlite' | 'aws';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const WORKER = fileURLToPath(new URL('./fanout-worker.ts', import.meta.url));

export interface FleetTask {
  queue: JobQueue<TransferJob>;
  status: StatusStore;
  /** What a worker process needs to open the same queue and status store. */
  env: Record<string, string>;
}

export async function openFleetTask(adapters: FleetAdapters, maxAttempts: number): Promise<FleetTask> {
  if (adapters === 'sqlite') {
    const state = join(mkdtempSync(join(tmpdir(), 'dth-fleet-')), 'state.db');
    const task = randomUUID();
    const db = openSqliteDatabase(state);
    return {
      queue: new SqliteJobQueue<TransferJob>(db, task, { maxReceiveCount: maxAttempts, pollIntervalMs: 50 }),
      status: new SqliteStatusStore(db, task),
      env: { FANOUT_ADAPTERS: 'sqlite', FANOUT_STATE: state, FANOUT_TASK: task },
    };
  }
  const name = uniqueName('fleet');
  const { queueUrl, dlqUrl } = await ensureSqsQueue(localSqsClient(), name, {
    maxReceiveCount: maxAttempts,
    visibilityTimeoutSec: 30,
  });
  await ensureStatusTable(localDynamoClient(), name);
  return {
    queue: new SqsJobQueue<TransferJob>({ client: localSqsClient(), queueUrl, dlqUrl }),
    status: new DynamoStatusStore({ client: localDynamoClient(), tableName: name }),
    env: { FANOUT_ADAPTERS: 'aws', FANOUT_QUEUE_URL: queueUrl, FANOUT_DLQ_URL: dlqUrl, FANOUT_TABLE: name },
  };
}

export interface FleetWorker {
  child: ChildProcess;
  /** Its log lines so far (JSON objects). */
  lines: Record<string, unknown>[];
  /** Resolves when it logged worker.ready (buckets open, about to receive). */
  ready: Promise<void>;
  done: Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    report?: Record<string, unknown>;
    stderr: string;
  }>;
  /** Resolves when a line matching `match` is logged. */
  when(match: (line: Record<string, unknown>) => boolean): Promise<void>;
}

export function startFleetWorker(task: FleetTask, env: Record<string, string>): FleetWorker {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER], {
    cwd: ROOT,
    env: { ...process.env, NODE_NO_WARNINGS: '1', ...task.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Record<string, unknown>[] = [];
  const waiting: { match: (l: Record<string, unknown>) => boolean; resolve: () => void }[] = [];
  let stdout = '';
  let stderr = '';
  let partial = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
    partial += d.toString();
    const complete = partial.split('\n');
    partial = complete.pop()!;
    for (const text of complete) {
      let line: Record<string, unknown>;
      try {
        line = JSON.parse(text) as Record<string, unknown>;
      } catch {
        continue;
      }
      lines.push(line);
      for (const w of [...waiting])
        if (w.match(line)) {
          waiting.splice(waiting.indexOf(w), 1);
          w.resolve();
        }
    }
  });
  const when = (match: (l: Record<string, unknown>) => boolean) =>
    lines.some(match) ? Promise.resolve() : new Promise<void>((resolve) => waiting.push({ match, resolve }));
  const done = new Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    report?: Record<string, unknown>;
    stderr: string;
  }>((resolve) => {
    child.on('close', (code, signal) => {
      const last = stdout.trim().split('\n').pop();
      resolve({ code, signal, report: last ? (JSON.parse(last) as Record<string, unknown>) : undefined, stderr });
    });
  });
  return { child, lines, ready: when((l) => l.event === 'worker.ready'), done, when };
}
