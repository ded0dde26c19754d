/**
 * `dth finder`: the scheduled cloud role (Fargate). Lists source and destination once, queues one SQS message per
 * object that differs and records it PENDING in DynamoDB, then exits; the schedule runs it again.
 * A run is skipped while the queue still holds work, so two passes never queue the same objects twice.
 */
import { openTaskBuckets } from '../worker/adapters/s3/open-buckets.js';
import { type CloudRoleRun, runCloudRole } from './cloud-role-command.js';
import { FIRST_PASS_ENV } from '../worker/core/finder-pass.js';
import { checkBucketAccess } from '../worker/s3/check-bucket-access.js';
import { runFinder } from '../worker/s3/finder.js';
import { settleInterrupted } from '../worker/s3/settle-interrupted.js';

const USAGE = `usage: dth finder

Cloud role: compare source and destination once and queue every object that differs; exit 0 when done.
Skips the pass (exit 0) while the queue is not empty.

Environment:
  TASK_PARAMS | TASK_PARAMS_FILE   S3 task parameters: JSON object (or [{ParameterKey, ParameterValue}])
  TASK_PARAMS_PATH                 SSM path of a parameter set too large for CloudFormation (wins when set)
  QUEUE_URL                        the task's SQS queue
  DLQ_URL                          its dead-letter queue (optional)
  STATUS_TABLE                     the task's DynamoDB status table
  AWS_REGION                       region of the queue and table
  SQS_ENDPOINT, DYNAMODB_ENDPOINT, SECRETS_ENDPOINT, S3_ENDPOINT   endpoint overrides (optional, local testing;
                                   S3_ENDPOINT: this account's S3, where srcPrefixListBucket is read)
  LOG_LEVEL                        debug | info (default) | warn | error
  DTH_FIRST_PASS                   true: the pass at stack creation, run even when the queue is not empty
Credentials for the queue/table/secrets come from the default AWS chain; bucket credentials from the secrets named
by srcCredentials/destCredentials in Secrets Manager. A config written for the original CLI: dth run -t Finder.`;

export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (argv.length > 0) {
    process.stderr.write(`dth finder: unexpected argument "${argv[0]}" (configuration comes from the environment)\n`);
    return 2;
  }
  return runCloudRole('finder', (run) => finderPass(run));
}

/**
 * One finder pass. A queue still holding the previous pass's work skips it: exit 0 (the schedule runs it again), or
 * with `busyQueueFails` (the command to name) exit 1, as the original CLI's `dthcli run -t Finder`, which a script
 * retries.
 */
export async function finderPass(
  { config, role, logger, signal }: CloudRoleRun,
  busyQueueFails?: string,
): Promise<number> {
  const { params } = config;
  const startedAt = Date.now();
  const depth = await role.queue.depth();
  // The pass at stack creation always lists: S3's s3:TestEvent (sent as the bucket notification is set up) may be
  // the only message queued, and skipping left a ONE_TIME task's objects uncopied for good.
  const firstPass = process.env[FIRST_PASS_ENV] === 'true';
  if (!firstPass && (depth.visible > 0 || depth.inFlight > 0)) {
    logger.info('finder.skipped', {
      reason: 'queue is not empty: the previous pass is still being copied',
      ...depth,
    });
    process.stdout.write(`${JSON.stringify({ event: 'finder.skipped', ...depth })}\n`);
    if (!busyQueueFails) return 0;
    process.stderr.write(
      `${busyQueueFails}: the queue is not empty (${depth.visible} waiting, ${depth.inFlight} in flight): the previous ` +
        'pass is still being copied; try again later\n',
    );
    return 1;
  }
  const { source, dest, prefixListBucket } = await openTaskBuckets(params, role.secrets, undefined, {
    home: { region: config.region, endpoint: config.s3Endpoint },
  });
  await checkBucketAccess({ source, dest }, params, logger);
  // An earlier pass's failure whose source is gone since, or whose destination is right now, is never queued again:
  // it would keep every later pass short of complete. The queue is empty, so every FAILED record is an earlier one's;
  // those that still differ stay FAILED and are queued again by this pass.
  if ((await role.status.summary()).failed > 0)
    await settleInterrupted({
      params,
      source,
      dest,
      status: role.status,
      logger,
      queue: role.queue,
      statuses: ['FAILED'],
    });
  logger.info('finder.started', { srcPrefix: params.srcPrefix, destPrefix: params.destPrefix, firstPass });
  const report = await runFinder({
    params,
    source,
    dest,
    prefixListBucket,
    queue: role.queue,
    status: role.status,
    logger,
    signal,
  });
  const durationMs = Date.now() - startedAt;
  process.stdout.write(
    `${JSON.stringify({ event: 'finder.report', ...report, durationMs, stopped: signal.aborted })}\n`,
  );
  return signal.aborted ? 130 : 0;
}
