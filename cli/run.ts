/**
 * `dth run -t Finder|Worker [--config FILE]`: the original CLI's command line (`dthcli run`, data-transfer-hub-cli)
 * on this engine's finder and worker, configured as the original's are (original-cli-config.ts): a config written
 * for the original, and a script that runs it, keep working.
 */
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { type CloudRoleConfig, cloudRoleEnvironment } from '../worker/adapters/aws/cloud-role.js';
import { sdkProxySettings } from '../worker/adapters/aws/sdk-proxy.js';
import { findQueue } from '../worker/adapters/aws/sqs-job-queue.js';
import { createStatusTableCommand, statusTableKeyProblem } from '../worker/adapters/aws/status-table.js';
import { envValue } from '../worker/core/env-values.js';
import { InvalidParameterError, InvalidParametersError, isAccessDenied } from '../worker/core/errors.js';
import { parseS3TaskParams, type S3TaskParams } from '../worker/s3/params.js';
import { runCloudRole } from './cloud-role-command.js';
import { finderPass } from './finder.js';
import { type OriginalCliConfig, readOriginalCliConfig } from './original-cli-config.js';
import { workerLoop } from './worker.js';

const USAGE = `usage: dth run [-t Finder|Worker] [--config FILE]

The original CLI's command (dthcli run) on this engine. Finder (the default, as there): one pass that lists source
and destination and queues what differs; it exits 1 while the queue still holds the previous pass's work. Worker:
copies what the queue holds until stopped (SIGTERM = graceful stop).

Configuration as the original's: a config file (--config FILE, else ./config.json, ./config.yaml or ./config.yml,
the first there is) with its keys (srcBucket, srcCredential, destBucket, jobQueueName, jobTableName, options:
chunkSize in MiB, …), and its environment variables (SRC_BUCKET, SRC_CREDENTIALS, DEST_BUCKET, JOB_QUEUE_NAME,
JOB_TABLE_NAME, CHUNK_SIZE, …), which win over the file. A key the original does not know is refused by name.

Options:
  -t, --type TYPE   Finder (default) or Worker
  --config FILE     the config file (YAML or JSON)

Also read, as by dth finder / dth worker: AWS_REGION (the queue's and the table's), SQS_ENDPOINT,
DYNAMODB_ENDPOINT, SECRETS_ENDPOINT, S3_ENDPOINT, LOG_LEVEL, WORKER_EXIT_WHEN_DRAINED. The status table
(jobTableName) needs the key objectKey (HASH) + sk (RANGE), both strings: a table keyed by ObjectKey alone (the
original's) is refused, with how to create one.`;

const JOB_TYPES = { finder: 'Finder', worker: 'Worker' } as const;

export async function run(argv: string[]): Promise<number> {
  let values: { type?: string; config?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { type: { type: 'string', short: 't' }, config: { type: 'string' }, help: { type: 'boolean' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    process.stderr.write(`dth run: ${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const typeGiven = values.type ?? 'Finder';
  const type = JOB_TYPES[typeGiven.toLowerCase() as keyof typeof JOB_TYPES];
  if (!type) {
    process.stderr.write(`dth run: unknown job type "${typeGiven}" (--type): Finder or Worker\n`);
    return 2;
  }
  const command = `dth run -t ${type}`;
  const load = () => loadFromOriginalConfig(values.config);
  return type === 'Finder'
    ? runCloudRole('finder', (role) => finderPass(role, command), { load, command })
    : runCloudRole('worker', (role) => workerLoop(role, false), { load, command });
}

/** The role's configuration from the original's config file and variables, its queue and table checked first. */
async function loadFromOriginalConfig(configPath: string | undefined): Promise<CloudRoleConfig> {
  const original = readOriginalCliConfig({ configPath, cwd: process.cwd(), env: process.env });
  // First, as the original's first check: without buckets nothing else the user set matters yet.
  requireBuckets(original);
  const environment = cloudRoleEnvironment({ ...process.env, AWS_REGION: await queueRegion() });
  const params = taskParams(original, environment.region);
  const unusedWhy = new Map<string, string[]>();
  for (const { setting, why } of original.unused) unusedWhy.set(why, [...(unusedWhy.get(why) ?? []), setting]);
  for (const [why, settings] of unusedWhy)
    process.stderr.write(`dth run: not needed here: ${settings.join(', ')} (${why})\n`);
  if (!original.queueName)
    throw new InvalidParameterError(
      'jobQueueName',
      `is required: the SQS queue (${original.whereToSet('jobQueueName')})`,
    );
  if (!original.tableName)
    throw new InvalidParameterError(
      'jobTableName',
      `is required: the status table (${original.whereToSet('jobTableName')})`,
    );
  const { region } = environment;
  const sqs = new SQSClient({ ...sdkProxySettings(), region, endpoint: environment.sqsEndpoint });
  const ddb = new DynamoDBClient({ ...sdkProxySettings(), region, endpoint: environment.dynamodbEndpoint });
  try {
    const queue = await findQueue(sqs, original.queueName).catch((err: Error) => {
      throw err.name === 'QueueDoesNotExist' ? new InvalidParameterError('jobQueueName', err.message) : err;
    });
    await checkStatusTable(ddb, original.tableName, region);
    return {
      ...environment,
      params: withinRedrive(params, queue.maxReceiveCount),
      queueUrl: queue.queueUrl,
      dlqUrl: queue.dlqUrl,
      statusTable: original.tableName,
    };
  } finally {
    sqs.destroy();
    ddb.destroy();
  }
}

/**
 * Attempts no more than the queue's own redrive allows: SQS moves a message to its dead-letter queue at that count,
 * and a worker still waiting for more attempts would never record the object FAILED (a task stack makes its queue with
 * maxAttempts; a queue made by someone else may say fewer).
 */
function withinRedrive(params: S3TaskParams, maxReceiveCount: number | undefined): S3TaskParams {
  if (maxReceiveCount === undefined || params.maxAttempts <= maxReceiveCount) return params;
  process.stderr.write(`dth run: ${maxReceiveCount} attempts per object, the queue's maxReceiveCount\n`);
  return { ...params, maxAttempts: maxReceiveCount };
}

/**
 * The region of the queue and the table: AWS_REGION or AWS_DEFAULT_REGION (the one the original's plugin exported),
 * else the SDK's own chain, whose shared config file's profile is where the original CLI's users set it.
 */
async function queueRegion(): Promise<string | undefined> {
  const given = envValue(process.env, 'AWS_REGION') ?? envValue(process.env, 'AWS_DEFAULT_REGION');
  if (given) return given;
  // A blank variable is unset here as everywhere; the SDK would take it for the region and refuse it.
  delete process.env.AWS_REGION;
  const probe = new SQSClient({});
  try {
    return await probe.config.region();
  } catch {
    return undefined; // none anywhere: cloudRoleEnvironment names AWS_REGION
  } finally {
    probe.destroy();
  }
}

function requireBuckets(original: OriginalCliConfig): void {
  for (const side of ['srcBucket', 'destBucket'])
    if (!original.params[side])
      throw new InvalidParameterError(
        side,
        `is required: the ${side === 'srcBucket' ? 'source' : 'destination'} bucket (${original.whereToSet(side)})`,
      );
}

/** The task parameters; a refusal says where the value was given (the original's key or variable), not ours alone. */
function taskParams(original: OriginalCliConfig, region: string): S3TaskParams {
  try {
    return parseS3TaskParams(original.params, { homeRegion: region });
  } catch (err) {
    if (!(err instanceof InvalidParameterError)) throw err;
    const problems =
      err instanceof InvalidParametersError ? err.problems : [{ field: err.field, message: err.message }];
    const told = problems.map(({ field, message }) => {
      const origin = original.origin(field);
      return { field: origin ?? field, message: origin ? `${message} [given as ${origin}]` : message };
    });
    if (told.length > 1) throw new InvalidParametersError(told);
    err.message = told[0].message;
    throw err;
  }
}

async function checkStatusTable(ddb: DynamoDBClient, table: string, region: string): Promise<void> {
  let problem: string | undefined;
  try {
    problem = await statusTableKeyProblem(ddb, table);
  } catch (err) {
    if ((err as Error).name === 'ResourceNotFoundException')
      throw new InvalidParameterError('jobTableName', `there is no DynamoDB table named "${table}" in ${region}`);
    // A role allowed to use the table but not to describe it: its first write says what is wrong, if anything.
    if (isAccessDenied(err)) return;
    throw err;
  }
  if (problem)
    throw new InvalidParameterError(
      'jobTableName',
      `table "${table}" ${problem}. Create one: ${createStatusTableCommand(table)}`,
    );
}
