/**
 * `dth worker`: the JobWorker cloud role (EC2 Auto Scaling group). Consumes the task's SQS queue and copies each
 * object, tracking it in DynamoDB, until stopped. SIGTERM/SIGINT stop it gracefully: no new messages are taken,
 * in-flight copies are cancelled and their messages released for another worker (multipart uploads resume from
 * the parts recorded in the status table). `--once` (or WORKER_EXIT_WHEN_DRAINED=true) exits when the queue is drained.
 */
import { openTaskBuckets } from '../worker/adapters/s3/open-buckets.js';
import { checkBucketAccess } from '../worker/s3/check-bucket-access.js';
import { runWorker } from '../worker/s3/job-worker.js';
import { transferSockets } from '../worker/s3/run-transfer.js';
import { type CloudRoleRun, runCloudRole } from './cloud-role-command.js';

const USAGE = `usage: dth worker [--once]

Cloud role: copy the objects queued by \`dth finder\` until stopped (SIGTERM = graceful stop).

Options:
  --once    exit when the queue has nothing visible or in flight (also WORKER_EXIT_WHEN_DRAINED=true);
            the exit code is then 1 if any object failed

Environment: the same as \`dth finder --help\` (TASK_PARAMS or TASK_PARAMS_FILE, QUEUE_URL, DLQ_URL, STATUS_TABLE,
AWS_REGION, SQS_ENDPOINT, DYNAMODB_ENDPOINT, SECRETS_ENDPOINT, LOG_LEVEL), plus WORKER_EXIT_WHEN_DRAINED.
A config written for the original CLI: dth run -t Worker.`;

export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const unknown = argv.find((a) => a !== '--once');
  if (unknown) {
    process.stderr.write(
      `dth worker: unexpected argument "${unknown}" (only --once; configuration comes from the environment)\n`,
    );
    return 2;
  }
  return runCloudRole('worker', (run) => workerLoop(run, argv.includes('--once')));
}

/** Copies what the queue holds until stopped, or (`onceAsked`, WORKER_EXIT_WHEN_DRAINED) until it is drained. */
export async function workerLoop({ config, role, logger, signal }: CloudRoleRun, onceAsked: boolean): Promise<number> {
  const once = onceAsked || config.exitWhenDrained;
  const { params } = config;
  const { source, dest } = await openTaskBuckets(params, role.secrets, transferSockets(params));
  await checkBucketAccess({ source, dest }, params, logger);
  logger.info('worker.started', { concurrency: params.workerConcurrency, once });
  const report = await runWorker({
    params,
    source,
    dest,
    queue: role.queue,
    status: role.status,
    logger,
    signal,
    exitWhenDrained: once,
    // The task's Auto Scaling group runs several of these on one queue.
    sharesQueue: true,
  });
  logger.info('worker.stopped', { ...report, graceful: signal.aborted });
  process.stdout.write(`${JSON.stringify({ event: 'worker.report', ...report, stopped: signal.aborted })}\n`);
  return once && report.failed > 0 ? 1 : 0;
}
