import { recordImageFailure } from '../worker/ecr/image-failure.js';
import { createHash } from 'node:crypto';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { InvalidParameterError, refusalOf } from '../worker/core/errors.js';
import { failureExitCode } from './exit-code.js';
import { reportFailure } from './failure-line.js';
import { warnWhenSecretsFileExposed } from './secrets-file.js';
import { openStateFile } from './state-file.js';
import { envUrl, envValue } from '../worker/core/env-values.js';
import { createLogger, type Logger, type LogLevel } from '../worker/core/log.js';
import { parseEcrTaskParams, type EcrTaskParams } from '../worker/ecr/params.js';
import { imageKey } from '../worker/ecr/image-names.js';
import { planImageSync, type PlannedImage } from '../worker/ecr/plan-image-sync.js';
import { runImageSync, type ImageSyncProgress, type ImageSyncReport } from '../worker/ecr/run-image-sync.js';
import { ECR_PARAMETERS } from '../worker/params/index.js';
import { ecrApiFor } from '../worker/adapters/ecr/ecr-api-for.js';
import type { SecretStore } from '../worker/ports/secret-store.js';
import type { StatusStore } from '../worker/ports/status-store.js';
import { formatBytes, formatDuration, TerminalProgress } from './progress-view.js';
import { stopOnSignals } from './stop-signals.js';
import { isSubcommandOf } from './subcommands.js';
import { unknownSubcommandMessage } from './unknown-subcommand.js';
import {
  optionHelp,
  overrideParams,
  parameterHelp,
  parseCommandLine,
  readParamsFile,
  type CommandOption,
} from './task-input.js';
import { sdkProxySettings } from '../worker/adapters/aws/sdk-proxy.js';

const OPTIONS: Record<string, CommandOption> = {
  params: { type: 'string', value: 'FILE', help: 'JSON object of parameters, or [{ParameterKey, ParameterValue}]' },
  secrets: { type: 'string', value: 'FILE', help: 'sync: local secrets file (default ~/.dth/secrets.json)' },
  state: {
    type: 'string',
    value: 'FILE',
    help: 'sync: SQLite file with the per-image status (default ~/.dth/images.db)',
  },
  'task-id': { type: 'string', value: 'ID', help: 'sync: state key; default: derived from the registries and prefix' },
  image: { type: 'string', value: 'REPO:TAG', help: 'copy-one: the image to copy (default: IMAGE)' },
  json: { type: 'boolean', help: 'JSON lines on stdout even on a terminal' },
  verbose: { type: 'boolean', help: 'log every image (JSON on stderr)' },
  quiet: { type: 'boolean', help: 'sync: no progress bar' },
  'dry-run': {
    type: 'boolean',
    help: 'sync: list what would be copied and what is unchanged (digests compared); copy and record nothing',
  },
  help: { type: 'boolean', help: 'this text' },
};

const USAGE = `usage:
  dth ecr sync [--params task.json] [--<parameter> value ...] [options]
  dth ecr copy-one --image repo:tag [--params task.json] [--<parameter> value ...]   (the Fargate copy task)

Copies container images with skopeo (digests kept), skipping images whose destination digest already matches.
Exit 0 only when no image of this run failed; 1 when one did; 2 for bad input; 130 when stopped (Ctrl-C, SIGTERM:
images under way are left for the next run, not failed).

sync: secrets from a local JSON file (default ~/.dth/secrets.json), state in ~/.dth/images.db.
copy-one (cloud role): one image (--image or IMAGE), parameters from TASK_PARAMS_PATH (SSM, where the control plane
  puts parameters too large for CloudFormation), TASK_PARAMS (JSON) or TASK_PARAMS_FILE; secrets from AWS Secrets
  Manager; status in the DynamoDB table STATUS_TABLE when set. AWS_REGION required. Optional: SECRETS_ENDPOINT,
  DYNAMODB_ENDPOINT, SSM_ENDPOINT (endpoint overrides), LOG_LEVEL.

Parameters (flags override the file; also in camelCase; a true/false flag alone means true):
${parameterHelp(ECR_PARAMETERS)}

Options:
${optionHelp(OPTIONS)}`;

/** Options of one subcommand only: given to the other, they were ignored without a word (`sync --image`). */
const ONLY_FOR: Record<string, 'sync' | 'copy-one'> = {
  secrets: 'sync',
  state: 'sync',
  'task-id': 'sync',
  quiet: 'sync',
  'dry-run': 'sync',
  image: 'copy-one',
};

/** Parameters from a --params file (or `base`) with the parameter flags on top, and the command's own options. */
function commandLine(argv: string[], verb: 'sync' | 'copy-one') {
  const { params: fromFlags, options, refused } = parseCommandLine(argv, ECR_PARAMETERS, OPTIONS);
  const otherVerbs = Object.keys(options)
    .filter((name) => ONLY_FOR[name] && ONLY_FOR[name] !== verb)
    .map((name) => new InvalidParameterError(`--${name}`, `is an option of dth ecr ${ONLY_FOR[name]}, not of ${verb}`));
  // An option of the other subcommand is a refused option of the command: said with the line's other problems, alone.
  if (otherVerbs.length) throw refusalOf(otherVerbs[0], [...otherVerbs.slice(1), ...refused.problems]);
  const flag = (name: string) => (typeof options[name] === 'string' ? (options[name] as string) : undefined);
  return { fromFlags, refused, flag, switched: (name: string) => options[name] === true };
}

export async function run(argv: string[]): Promise<number> {
  const [verb, ...rest] = argv;
  const known = isSubcommandOf('ecr', verb);
  if (!known || rest.includes('--help')) {
    process.stdout.write(`${USAGE}\n`);
    if (verb !== undefined && verb !== '--help' && !known)
      process.stderr.write(`${unknownSubcommandMessage('ecr', verb)}\n`);
    return verb === '--help' || known ? 0 : 2;
  }
  try {
    return verb === 'sync' ? await sync(rest) : await copyOne(rest);
  } catch (err) {
    if (verb === 'sync') return reportFailure('dth ecr sync', rest, err);
    process.stderr.write(`dth ecr ${verb}: ${err instanceof Error ? err.message : String(err)}\n`);
    return failureExitCode(err);
  }
}

function taskIdFor(p: EcrTaskParams): string {
  const side = (registry: string | undefined, account: string | undefined, region: string | undefined) =>
    registry ?? `ecr:${account ?? 'own'}@${region}`;
  const key = `${side(p.srcRegistry, p.srcAccountId, p.srcRegion)}|${side(p.destRegistry, p.destAccountId, p.destRegion)}|${p.destPrefix}`;
  return `ecr-${createHash('sha256').update(key).digest('hex').slice(0, 16)}`;
}

function progressText(p: ImageSyncProgress, width = 24): string {
  const finished = p.done + p.skipped + p.failed;
  const frac = p.bytesTotal > 0 ? Math.min(1, p.bytesDone / p.bytesTotal) : p.total > 0 ? finished / p.total : 0;
  const filled = Math.round(frac * width);
  return (
    `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${finished}/${p.total} images  ${formatBytes(p.bytesDone)}/${formatBytes(p.bytesTotal)}  ` +
    `${formatBytes(p.bytesPerSecond)}/s  ETA ${formatDuration(p.etaSeconds)}  ${p.skipped} unchanged${p.failed ? `  ${p.failed} failed` : ''}`
  );
}

function writeSummary(report: ImageSyncReport, taskId: string, jsonOut: boolean, stopped: boolean): void {
  const summary = {
    event: 'summary',
    taskId,
    complete: report.complete,
    stopped,
    copied: report.done,
    unchanged: report.skipped,
    failed: report.failed,
    // Images this run named and did not finish (a stop): the next run copies them.
    pending: report.pending + report.inProgress,
    bytes: report.bytesDone,
    failures: report.failures,
    durationMs: report.durationMs,
  };
  if (jsonOut) process.stdout.write(`${JSON.stringify(summary)}\n`);
  else {
    process.stdout.write(
      `${report.complete ? 'Done' : stopped ? 'Stopped' : 'Incomplete'}: ${report.done} copied (${formatBytes(report.bytesDone)}), ${report.skipped} unchanged, ${report.failed} failed` +
        (summary.pending > 0 ? `, ${summary.pending} not copied yet` : '') +
        '\n' +
        report.failures.map((f) => `  FAILED ${f.image}: ${f.error}\n`).join(''),
    );
  }
}

/** Prints what a run would do; exit 1 when an image could not be read (a run would fail it). */
/** The local secrets file: a secret store that can also tell whether others may read it. */
type LocalSecretsFile = SecretStore & { isExposed(): boolean };

async function dryRun(params: EcrTaskParams, secrets: LocalSecretsFile, jsonOut: boolean): Promise<number> {
  const logger = createLogger({ command: 'ecr sync', dryRun: true }, { level: 'warn' });
  warnWhenSecretsFileExposed(secrets, logger);
  const plan = await planImageSync({ params, secrets, logger, ecr: await ecrApiFor(params) });
  if (jsonOut) process.stdout.write(`${JSON.stringify({ event: 'plan', ...plan })}\n`);
  else {
    const size = (p: PlannedImage) => (p.bytes === undefined ? '' : ` (${formatBytes(p.bytes)})`);
    const line = (p: PlannedImage) =>
      p.action === 'error'
        ? `  ERROR      ${p.image}: ${p.error}`
        : `  ${p.action === 'copy' ? 'COPY     ' : 'UNCHANGED'}  ${p.image} -> ${p.dest}${size(p)}`;
    process.stdout.write(
      `${plan.images.map(line).join('\n')}${plan.images.length ? '\n' : ''}` +
        `Dry run: would copy ${plan.toCopy} images (${formatBytes(plan.bytesToCopy)}), ${plan.unchanged} unchanged, ` +
        `${plan.errors} unreadable; nothing was copied\n`,
    );
  }
  return plan.errors > 0 ? 1 : 0;
}

async function sync(argv: string[]): Promise<number> {
  const { fromFlags, refused, flag, switched } = commandLine(argv, 'sync');
  const paramsFile = flag('params');
  const params = refused.checkedWith(() =>
    parseEcrTaskParams(overrideParams(ECR_PARAMETERS, paramsFile ? readParamsFile(paramsFile) : {}, fromFlags)),
  );
  const home = join(homedir(), '.dth');
  const { FileSecretStore, lockTaskRun, openSqliteDatabase, SqliteStatusStore } = await import(
    '../worker/adapters/embedded/index.js'
  );
  const secrets = new FileSecretStore(flag('secrets') ?? join(home, 'secrets.json'));
  const jsonOut = switched('json') || !process.stdout.isTTY;
  if (switched('dry-run')) return dryRun(params, secrets, jsonOut);
  const db = openStateFile(openSqliteDatabase, flag('state') ?? join(home, 'images.db'));
  const taskId = flag('task-id') ?? taskIdFor(params);
  let unlock: (() => void) | undefined;
  try {
    unlock = lockTaskRun(db, taskId);
  } catch (err) {
    db.close();
    throw err;
  }
  const status = new SqliteStatusStore(db, taskId);
  const terminal = jsonOut || switched('quiet') ? undefined : new TerminalProgress();
  const logger = createLogger(
    { command: 'ecr sync', taskId },
    {
      level: switched('verbose') ? 'info' : 'warn',
      write: terminal ? (line) => terminal.log(line) : undefined,
    },
  );
  warnWhenSecretsFileExposed(secrets, logger);
  const abort = new AbortController();
  const underWay = 'the image copies under way are stopped; what they did not finish is left for the next run';
  stopOnSignals(abort, { underWay, terminal, logger });
  const onProgress = (p: ImageSyncProgress) => {
    if (terminal) terminal.show(progressText(p));
    else if (jsonOut) process.stdout.write(`${JSON.stringify({ event: 'progress', ...p })}\n`);
  };
  try {
    const report = await runImageSync({
      params,
      status,
      secrets,
      logger,
      signal: abort.signal,
      onProgress,
      ecr: await ecrApiFor(params),
    });
    terminal?.end();
    writeSummary(report, taskId, jsonOut, abort.signal.aborted && !report.complete);
    // As dth s3 sync: a stopped run exits 130 (what a shell reports for Ctrl-C); a stop after the last copy, 0.
    if (report.complete) return 0;
    return abort.signal.aborted ? 130 : 1;
  } finally {
    terminal?.end();
    unlock?.();
    db.close();
  }
}

/** Secrets Manager and, when STATUS_TABLE names it, the task's DynamoDB status table (SDKs loaded only here). */
async function cloudPorts(region: string): Promise<{ secrets: SecretStore; status: StatusStore; close(): void }> {
  const [{ SecretsManagerClient }, { SecretsManagerStore }] = await Promise.all([
    import('@aws-sdk/client-secrets-manager'),
    import('../worker/adapters/aws/secrets-manager-store.js'),
  ]);
  const secrets = new SecretsManagerStore(
    new SecretsManagerClient({ ...sdkProxySettings(), region, endpoint: envUrl(process.env, 'SECRETS_ENDPOINT') }),
  );
  const table = envValue(process.env, 'STATUS_TABLE');
  if (table) {
    const [{ DynamoDBClient }, { DynamoStatusStore }] = await Promise.all([
      import('@aws-sdk/client-dynamodb'),
      import('../worker/adapters/aws/dynamo-status-store.js'),
    ]);
    const status = new DynamoStatusStore({
      client: new DynamoDBClient({ ...sdkProxySettings(), region, endpoint: envUrl(process.env, 'DYNAMODB_ENDPOINT') }),
      tableName: table,
    });
    return { secrets, status, close: () => {} };
  }
  // No table (a run outside a plugin stack): the status lives for this process only.
  const { openSqliteDatabase, SqliteStatusStore } = await import('../worker/adapters/embedded/index.js');
  const db = openSqliteDatabase(':memory:');
  return { secrets, status: new SqliteStatusStore(db, 'copy-one'), close: () => db.close() };
}

/**
 * The Fargate copy task of the ECR plugin: one image of the task (the state machine's Map item), credentials from
 * Secrets Manager, the image's record in the task's status table. Exit 1 fails the Map item, which retries it.
 */
async function copyOne(argv: string[]): Promise<number> {
  const { fromFlags, refused, flag } = commandLine(argv, 'copy-one');
  // The cloud role's line is the task definition's: its problems are said before anything is read.
  refused.throwAny();
  const image = flag('image') ?? envValue(process.env, 'IMAGE');
  if (!image) throw new InvalidParameterError('--image', 'is required (repo:tag), or set IMAGE');
  const region = envValue(process.env, 'AWS_REGION') ?? envValue(process.env, 'AWS_DEFAULT_REGION');
  if (!region)
    throw new InvalidParameterError(
      'AWS_REGION',
      'is required (the region of Secrets Manager, SSM and the status table)',
    );
  const fromEnv = ['TASK_PARAMS_PATH', 'TASK_PARAMS', 'TASK_PARAMS_FILE'].some((name) => envValue(process.env, name));
  const { taskParamsFromEnv } = await import('../worker/adapters/aws/ssm-task-params.js');
  const { SSMClient } = await import('@aws-sdk/client-ssm');
  const paramsFile = flag('params');
  const base = paramsFile
    ? readParamsFile(paramsFile)
    : fromEnv
      ? await taskParamsFromEnv(
          process.env,
          () => new SSMClient({ ...sdkProxySettings(), region, endpoint: envUrl(process.env, 'SSM_ENDPOINT') }),
        )
      : {};
  // The Map item names one image of the task's list; ALL and ALL_TAGS were expanded by the lister.
  const params = parseEcrTaskParams(
    overrideParams(ECR_PARAMETERS, base, { ...fromFlags, srcList: 'SELECTED', srcImageList: image }),
  );
  const level = (envValue(process.env, 'LOG_LEVEL')?.toLowerCase() ?? 'info') as LogLevel;
  const logger: Logger = createLogger(
    { role: 'ecr copy-one', taskId: envValue(process.env, 'TASK_ID'), image },
    { level },
  );
  const ports = await cloudPorts(region);
  const abort = new AbortController();
  process.once('SIGTERM', () => abort.abort(new Error('SIGTERM')));
  try {
    const report = await runImageSync({
      params,
      status: ports.status,
      secrets: ports.secrets,
      logger,
      signal: abort.signal,
      ecr: await ecrApiFor(params),
    }).catch(async (err: unknown) => {
      if (!abort.signal.aborted) await recordImageFailed(ports.status, params, err, logger);
      throw err;
    });
    writeSummary(
      report,
      envValue(process.env, 'TASK_ID') ?? 'copy-one',
      true,
      abort.signal.aborted && !report.complete,
    );
    return report.complete ? 0 : 1;
  } finally {
    ports.close();
  }
}

/**
 * A copy task that fails before its image's own outcome is written (a login the registry now rejects, a registry
 * down) records the image FAILED with its reason through the status store, so the task's counts say so. Before, only
 * the state machine's MarkFailed wrote the record, beside the counts: the task waited for an image counted pending for
 * ever, or (the image DONE from an earlier pass) reported DONE with the destination's old digest.
 */
async function recordImageFailed(status: StatusStore, params: EcrTaskParams, err: unknown, logger: Logger) {
  const [ref] = params.srcImageList;
  if (!ref) return;
  const key = imageKey(ref);
  await recordImageFailure(status, key, err instanceof Error ? err.message : String(err)).catch((e: unknown) =>
    logger.warn('image.failure_not_recorded', { image: key, error: e }),
  );
}
