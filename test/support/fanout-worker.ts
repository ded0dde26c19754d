/**
 * One worker process for the fan-out tests: runWorker (one-shot) on a shared queue and status store — the SQLite file
 * of the embedded adapters, or SQS (fauxqs) + DynamoDB (dynalite) — with a short visibility timeout, so that the jobs
 * of a killed process come back within seconds (`dth worker` keeps 120 s). Logs JSON lines on stderr; the last stdout
 * line is its report. Configured by environment (FANOUT_*), see startFanOutWorker in fanout-fleet.ts.
 */
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { DynamoStatusStore, SqsJobQueue } from '../../worker/adapters/aws/index.js';
import {
  FileSecretStore,
  openSqliteDatabase,
  SqliteJobQueue,
  SqliteStatusStore,
} from '../../worker/adapters/embedded/index.js';
import { openTaskBuckets } from '../../worker/adapters/s3/open-buckets.js';
import { createLogger } from '../../worker/core/log.js';
import type { JobQueue } from '../../worker/ports/job-queue.js';
import type { StatusStore } from '../../worker/ports/status-store.js';
import { runWorker } from '../../worker/s3/job-worker.js';
import { parseS3TaskParams } from '../../worker/s3/params.js';
import { transferSockets } from '../../worker/s3/run-transfer.js';
import type { TransferJob } from '../../worker/s3/transfer-job.js';
import { localDynamoClient, localSqsClient } from '../adapters/aws/clients.js';

const env = (name: string): string => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};

const params = parseS3TaskParams(JSON.parse(env('FANOUT_PARAMS')) as Record<string, unknown>);
let queue: JobQueue<TransferJob>;
let status: StatusStore;
if (env('FANOUT_ADAPTERS') === 'sqlite') {
  const db = openSqliteDatabase(env('FANOUT_STATE'));
  queue = new SqliteJobQueue<TransferJob>(db, env('FANOUT_TASK'), {
    maxReceiveCount: params.maxAttempts,
    pollIntervalMs: 50,
  });
  status = new SqliteStatusStore(db, env('FANOUT_TASK'));
} else {
  queue = new SqsJobQueue<TransferJob>({
    client: localSqsClient(),
    queueUrl: env('FANOUT_QUEUE_URL'),
    dlqUrl: process.env.FANOUT_DLQ_URL,
  });
  status = new DynamoStatusStore({ client: localDynamoClient(), tableName: env('FANOUT_TABLE') });
}
const buckets = await openTaskBuckets(params, new FileSecretStore(env('FANOUT_SECRETS')), transferSockets(params));
const logger = createLogger({ worker: process.pid });
logger.info('worker.ready');
// One-shot workers exit on an empty queue: the test releases them (this file appears) once the jobs are queued.
while (process.env.FANOUT_GO_FILE && !existsSync(process.env.FANOUT_GO_FILE)) await sleep(20);
const report = await runWorker({
  params,
  ...buckets,
  queue,
  status,
  logger,
  exitWhenDrained: true,
  // As `dth worker`: a process of the fleet.
  sharesQueue: true,
  visibilityTimeoutSec: Number(process.env.FANOUT_VISIBILITY ?? 4),
});
process.stdout.write(`${JSON.stringify({ event: 'worker.report', pid: process.pid, ...report })}\n`);
