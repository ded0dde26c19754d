import { createHash } from 'node:crypto';
import { accessSync, constants, createReadStream, existsSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import {
  FileSecretStore,
  lockTaskRun,
  openSqliteDatabase,
  type SqliteDatabase,
  SqliteJobQueue,
  SqliteStatusStore,
} from '../worker/adapters/embedded/index.js';
import { openTaskBuckets } from '../worker/adapters/s3/open-buckets.js';
import { InvalidParameterError } from '../worker/core/errors.js';
import { reportFailure } from './failure-line.js';
import { warnWhenSecretsFileExposed } from './secrets-file.js';
import { openStateFile } from './state-file.js';
import { createLogger, type Logger } from '../worker/core/log.js';
import { S3_PARAMETERS } from '../worker/params/index.js';
import { parseS3TaskParams, refuseUnreachableEvents, type S3TaskParams } from '../worker/s3/params.js';
import { prefixesOfLines } from '../worker/s3/prefix-source.js';
import {
  estimateS3Transfer,
  runS3Transfer,
  transferSockets,
  type TransferProgress,
} from '../worker/s3/run-transfer.js';
import type { TransferJob } from '../worker/s3/transfer-job.js';
import { formatBytes, formatDuration, progressLine, TerminalProgress } from './progress-view.js';
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

const OPTIONS: Record<string, CommandOption> = {
  params: {
    type: 'string',
    value: 'FILE',
    help: "JSON object of parameters, or [{ParameterKey, ParameterValue}] (the original's list as is)",
  },
  secrets: { type: 'string', value: 'FILE', help: 'local secrets file (default ~/.dth/secrets.json)' },
  state: {
    type: 'string',
    value: 'FILE',
    help: 'SQLite file with the queue and per-object status (default ~/.dth/sync.db)',
  },
  'task-id': {
    type: 'string',
    value: 'ID',
    help: 'state key; default: derived from source, destination and the keys selected (include/exclude, prefix list), so reruns are incremental',
  },
  'local-prefix-list': {
    type: 'string',
    value: 'FILE',
    help: 'CLI only: a local text file of prefixes to copy, one per line (srcPrefixsListFile names an object instead)',
  },
  'dry-run': { type: 'boolean', help: 'print the plan (objects, bytes, estimated cost) and copy nothing' },
  json: { type: 'boolean', help: 'JSON lines on stdout even on a terminal' },
  verbose: { type: 'boolean', help: 'log every object (JSON on stderr)' },
  quiet: { type: 'boolean', help: 'no progress bar' },
  help: { type: 'boolean', help: 'this text' },
};

const USAGE = `usage: dth s3 sync [--params task.json] [--<parameter> value ...] [options]

Copies every object of the source that is missing or different at the destination, verifies each one,
and exits 0 only when each of them is copied and verified, or skipped with its reason named in the summary
(archived in Glacier/Deep Archive and not restored, or deleted at the source after the listing).
Exit 1 when an object failed or is left not copied, or the run could not go on (a bucket that cannot be listed, the
task running already); 2 for bad input (a parameter, flag or the --state file, named); 130 when stopped (Ctrl-C,
SIGTERM: objects under way are left for the next run, which resumes them).

Parameters (flags override the file; also in camelCase, e.g. --srcBucket; a true/false flag alone means true;
the params file takes every parameter of the README table, cloud-only ones included):
${parameterHelp(S3_PARAMETERS)}

Options:
${optionHelp(OPTIONS)}`;

/**
 * The state key of a pair of sides and the keys selected there: one selection's records are not another's, so a run
 * with other include/exclude patterns or prefix list does not count the first one's unqueued records as its own
 * (it exited 1, "incomplete", for ever). A local prefix list counts by its contents (`localListDigest`), a list object
 * by its bucket and key. Without any of those the key is the one earlier versions used.
 */
function defaultTaskId(p: S3TaskParams, localListDigest: string | undefined): string {
  const sides = [
    p.srcEndpoint ?? p.srcRegion,
    p.srcBucket,
    p.srcPrefix,
    p.destEndpoint ?? p.destRegion,
    p.destBucket,
    p.destPrefix,
  ];
  const list = localListDigest ?? (p.prefixList ? `${p.prefixList.bucket ?? ''}/${p.prefixList.key}` : '');
  const selection = p.include.length || p.exclude.length || list ? [JSON.stringify([p.include, p.exclude, list])] : [];
  return `sync-${createHash('sha256')
    .update([...sides, ...selection].join('|'))
    .digest('hex')
    .slice(0, 16)}`;
}

/** SHA-256 of a file's bytes, streamed (a prefix list may hold millions of lines). */
async function fileDigest(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return `sha256:${hash.digest('hex')}`;
}

export async function run(argv: string[]): Promise<number> {
  const [verb, ...rest] = argv;
  const known = isSubcommandOf('s3', verb);
  if (!known || rest.includes('--help')) {
    process.stdout.write(`${USAGE}\n`);
    if (verb !== undefined && verb !== '--help' && !known)
      process.stderr.write(`${unknownSubcommandMessage('s3', verb)}\n`);
    return known || verb === '--help' ? 0 : 2;
  }
  try {
    return await sync(rest);
  } catch (err) {
    return reportFailure('dth s3 sync', rest, err);
  }
}

/**
 * `--local-prefix-list FILE`: prefixes read from a local file, for the command line only (srcPrefixsListFile is an
 * object key, so that no parameter arriving through the API can make a server read a local file).
 */
function localPrefixList(path: string | undefined, params: S3TaskParams): (() => AsyncIterable<string>) | undefined {
  if (path === undefined) return undefined;
  if (params.prefixList)
    throw new InvalidParameterError('--local-prefix-list', 'give either it or srcPrefixsListFile, not both');
  try {
    accessSync(path, constants.R_OK);
  } catch (err) {
    throw new InvalidParameterError(
      '--local-prefix-list',
      `cannot read "${path}" (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  // A directory passes the access check, then failed the listing with a bare EISDIR.
  if (statSync(path).isDirectory())
    throw new InvalidParameterError('--local-prefix-list', `"${path}" is a directory: give the file of prefixes`);
  return () => prefixesOfLines(createReadStream(path), `file "${path}"`, '--local-prefix-list');
}

async function sync(argv: string[]): Promise<number> {
  const { params: fromFlags, options, refused } = parseCommandLine(argv, S3_PARAMETERS, OPTIONS);
  const flags = new Map(Object.entries(options).filter((e): e is [string, string] => typeof e[1] === 'string'));
  const switches = new Set(
    Object.entries(options)
      .filter(([, v]) => v === true)
      .map(([k]) => k),
  );
  const paramsFile = flags.get('params');
  const params = refused.checkedWith(() =>
    parseS3TaskParams(
      overrideParams(S3_PARAMETERS, paramsFile !== undefined ? readParamsFile(paramsFile) : {}, fromFlags),
    ),
  );
  refuseUnreachableEvents(params, false);
  const prefixes = localPrefixList(flags.get('local-prefix-list'), params);
  const home = join(homedir(), '.dth');
  const secrets = new FileSecretStore(flags.get('secrets') ?? join(home, 'secrets.json'));
  const jsonOut = switches.has('json') || !process.stdout.isTTY;
  const terminal = jsonOut || switches.has('quiet') || switches.has('dry-run') ? undefined : new TerminalProgress();
  const logger = createLogger(
    { command: 's3 sync' },
    { level: switches.has('verbose') ? 'info' : 'warn', write: terminal ? (line) => terminal.log(line) : undefined },
  );
  warnWhenSecretsFileExposed(secrets, logger);

  const statePath = flags.get('state') ?? join(home, 'sync.db');
  const listPath = flags.get('local-prefix-list');
  const taskId =
    flags.get('task-id') ?? defaultTaskId(params, listPath === undefined ? undefined : await fileDigest(listPath));
  if (switches.has('dry-run')) {
    // An earlier run's state, when there is one, is read (no record is written) so the plan compares as the run will.
    const stateDb = existsSync(statePath) ? openStateFile(openSqliteDatabase, statePath) : undefined;
    const plan = await estimateS3Transfer({
      params,
      logger,
      prefixes,
      buckets: await openTaskBuckets(params, secrets),
      status: stateDb && new SqliteStatusStore(stateDb, taskId),
      // Each object it would copy, as aws s3 sync --dryrun and rclone --dry-run name theirs.
      onPlanned: (o) =>
        process.stdout.write(
          jsonOut
            ? `${JSON.stringify({ event: 'would_copy', key: o.key, size: o.size })}\n`
            : `would copy ${o.key} (${formatBytes(o.size)})\n`,
        ),
    }).finally(() => stateDb?.close());
    if (jsonOut) process.stdout.write(`${JSON.stringify({ event: 'plan', ...plan })}\n`);
    else {
      process.stdout.write(
        `Plan: copy ${plan.toTransfer} of ${plan.scanned} objects, ${formatBytes(plan.bytesToTransfer)}` +
          (plan.unchanged ? ` (${plan.unchanged} unchanged)` : '') +
          (plan.skippedArchived ? ` (${plan.skippedArchived} archived objects skipped)` : '') +
          '\n' +
          `Requests: ${plan.requests.list} LIST, ${plan.requests.get} GET/HEAD, ${plan.requests.put} PUT/part\n` +
          `Estimated cost: $${plan.estimatedRequestCostUsd} requests + $${plan.estimatedTransferCostUsd} data transfer out\n`,
      );
    }
    return 0;
  }

  const db = openStateFile(openSqliteDatabase, statePath);
  // Before the purge below: a second run of the task would empty the queue the first is working through.
  let unlock: (() => void) | undefined;
  try {
    unlock = lockTaskRun(db, taskId);
    return await syncLocked({ db, taskId, params, prefixes, secrets, logger, jsonOut, terminal });
  } finally {
    unlock?.();
    db.close();
  }
}

/** What a sync run holding its task's lock works with. */
interface LockedRun {
  db: SqliteDatabase;
  taskId: string;
  params: S3TaskParams;
  prefixes: (() => AsyncIterable<string>) | undefined;
  secrets: FileSecretStore;
  logger: Logger;
  jsonOut: boolean;
  /** The progress bar on a terminal (none with --json, --quiet or when piped). */
  terminal: TerminalProgress | undefined;
}

async function syncLocked({
  db,
  taskId,
  params,
  prefixes,
  secrets,
  logger,
  jsonOut,
  terminal,
}: LockedRun): Promise<number> {
  const queue = new SqliteJobQueue<TransferJob>(db, taskId, { maxReceiveCount: params.maxAttempts });
  // The finder recomputes the whole difference, so leftovers of an interrupted run are dropped;
  // an interrupted multipart upload resumes from the parts recorded in the status store.
  queue.purge();
  const status = new SqliteStatusStore(db, taskId);

  const abort = new AbortController();
  stopOnSignals(abort, { underWay: 'the copies under way finish, no new one starts', terminal, logger });

  const onProgress = (p: TransferProgress) => {
    if (jsonOut) process.stdout.write(`${JSON.stringify({ event: 'progress', ...p })}\n`);
    else terminal?.show(progressLine(p));
  };
  const buckets = await openTaskBuckets(params, secrets, transferSockets(params));
  const report = await runS3Transfer({
    params,
    queue,
    status,
    logger,
    signal: abort.signal,
    onProgress,
    buckets,
    prefixes,
  });
  const failures = await status.list({ status: 'FAILED', limit: 20 });
  // Skipped objects (vanished since the listing, archived and not restored) are named, never folded into success silently.
  const skippedList = await status.list({ status: 'SKIPPED', limit: 20 });
  terminal?.end();
  const summary = {
    event: 'summary',
    taskId,
    complete: report.complete,
    // A stop that came after the last copy (the run whole) stopped nothing.
    stopped: abort.signal.aborted && !report.complete,
    // This run's copies, each verified; `queued` is what it found to copy (an interrupted or failed run copies fewer).
    copied: report.copied.objects,
    queued: report.queued.objects,
    scanned: report.finder.scanned,
    // Listed and already the same at the destination (size and MD5, or age where a side's ETag is no MD5).
    unchanged: report.finder.unchanged,
    done: report.done,
    verified: report.verified,
    failed: report.failed,
    skipped: report.skipped,
    pending: report.pending + report.inProgress,
    bytesCopied: report.copied.bytes,
    bytesQueued: report.queued.bytes,
    durationMs: report.durationMs,
    failures: failures.map((f) => ({ key: f.key, error: f.error })),
    skippedObjects: skippedList.map((f) => ({ key: f.key, reason: f.error })),
  };
  if (jsonOut) process.stdout.write(`${JSON.stringify(summary)}\n`);
  else {
    process.stdout.write(
      `${report.complete ? 'Done' : abort.signal.aborted ? 'Stopped' : 'Incomplete'}: ` +
        (summary.queued === 0 && summary.copied === 0
          ? 'nothing to copy'
          : `${summary.copied} of ${summary.queued} objects copied (${formatBytes(summary.bytesCopied)} of ${formatBytes(summary.bytesQueued)})`) +
        `, ${summary.scanned} scanned${summary.unchanged ? ` (${summary.unchanged} unchanged)` : ''}, ` +
        `in ${formatDuration(report.durationMs / 1000)}; ` +
        `${summary.verified} verified, ${summary.failed} failed, ${summary.skipped} skipped` +
        (summary.pending > 0 ? `, ${summary.pending} not copied yet` : '') +
        '\n' +
        failures.map((f) => `  FAILED ${f.key}: ${f.error}\n`).join('') +
        skippedList.map((f) => `  SKIPPED ${f.key}: ${f.error ?? 'not copyable'}\n`).join(''),
    );
  }
  if (report.complete) return 0;
  return abort.signal.aborted ? 130 : 1;
}
