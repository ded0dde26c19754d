/**
 * `dth worker`: the JobWorker cloud role (EC2 Auto Scaling group). Consumes the task's SQS queue and copies each
 * object, tracking it in DynamoDB, until stopped. SIGTERM/SIGINT stop it gracefully: no new messages are taken,
 * in-flight copies are cancelled and their messages released for another worker (multipart uploads resume from
 * the parts recorded in the status table). `--once` (or WORKER_EXIT_WHEN_DRAINED=true) exits when the queue is drained.
 */
import { type CloudRoleConfig, loadCloudRoleConfig, openCloudRole } from '../worker/adapters/aws/cloud-role.js';
import { openTaskBuckets } from '../worker/adapters/s3/open-buckets.js';
import { DthError, InvalidParameterError } from '../worker/core/errors.js';
import { LOG_EVENTS, logContractEvent } from '../worker/core/events.js';
import { createLogger } from '../worker/core/log.js';
import { runWorker } from '../worker/s3/job-worker.js';
import { transferSockets } from '../worker/s3/run-transfer.js';

const USAGE = `usage: dth worker [--once]

Cloud role: copy the objects queued by \`dth finder\` until stopped (SIGTERM = graceful stop).

Options:
  --once    exit when the queue has nothing visible or in flight (also WORKER_EXIT_WHEN_DRAINED=true);
            the exit code is then 1 if any object failed

Environment: the same as \`dth finder --help\` (TASK_PARAMS or TASK_PARAMS_FILE, QUEUE_URL, DLQ_URL, STATUS_TABLE,
AWS_REGION, SQS_ENDPOINT, DYNAMODB_ENDPOINT, SECRETS_ENDPOINT, LOG_LEVEL), plus WORKER_EXIT_WHEN_DRAINED.`;

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
  let config: CloudRoleConfig;
  try {
    config = await loadCloudRoleConfig(process.env);
  } catch (err) {
    process.stderr.write(`dth worker: ${err instanceof Error ? err.message : String(err)}\n`);
    return err instanceof InvalidParameterError ? 2 : 1;
  }
  const once = argv.includes('--once') || config.exitWhenDrained;
  const { params } = config;
  const logger = createLogger(
    { role: 'worker', srcBucket: params.srcBucket, destBucket: params.destBucket },
    { level: config.logLevel },
  );
  const role = openCloudRole(config);
  const abort = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    if (abort.signal.aborted) return;
    logger.warn('worker.stopping', { signal: sig });
    abort.abort(new Error(sig));
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  try {
    const { source, dest } = await openTaskBuckets(params, role.secrets, transferSockets(params));
    await source.checkAccess();
    await dest.checkAccess();
    logger.info('worker.started', { concurrency: params.workerConcurrency, once });
    const report = await runWorker({
      params,
      source,
      dest,
      queue: role.queue,
      status: role.status,
      logger,
      signal: abort.signal,
      exitWhenDrained: once,
      // The task's Auto Scaling group runs several of these on one queue.
      sharesQueue: true,
    });
    logger.info('worker.stopped', { ...report, graceful: abort.signal.aborted });
    process.stdout.write(`${JSON.stringify({ event: 'worker.report', ...report, stopped: abort.signal.aborted })}\n`);
    return once && report.failed > 0 ? 1 : 0;
  } catch (err) {
    // The process stops, not an object: its own event, so the dashboard's FailedObjects counts objects only.
    logContractEvent(logger, LOG_EVENTS.workerCrashed, {
      error: err,
      code: err instanceof DthError ? err.code : undefined,
    });
    return err instanceof InvalidParameterError ? 2 : 1;
  } finally {
    process.removeListener('SIGTERM', onSignal);
    process.removeListener('SIGINT', onSignal);
    role.close();
  }
}
