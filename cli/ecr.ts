import { createHash } from 'node:crypto';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { FileSecretStore, openSqliteDatabase, SqliteStatusStore } from '../worker/adapters/embedded/index.js';
import { InvalidParameterError } from '../worker/core/errors.js';
import { createLogger } from '../worker/core/log.js';
import { parseEcrTaskParams, type EcrTaskParams } from '../worker/ecr/params.js';
import { ECR_PARAMETERS } from '../worker/params/index.js';
import { runImageSync, type ImageSyncProgress } from '../worker/ecr/run-image-sync.js';
import { optionHelp, overrideParams, parameterHelp, parseCommandLine, readParamsFile, type CommandOption } from './task-input.js';

const OPTIONS: Record<string, CommandOption> = {
  params: { type: 'string', value: 'FILE', help: 'JSON object of parameters, or [{ParameterKey, ParameterValue}] (default: TASK_PARAMS)' },
  secrets: { type: 'string', value: 'FILE', help: 'local secrets file (default ~/.dth/secrets.json)' },
  state: { type: 'string', value: 'FILE', help: 'SQLite file with the per-image status (default ~/.dth/images.db)' },
  'task-id': { type: 'string', value: 'ID', help: 'state key; default: derived from the registries and prefix' },
  image: { type: 'string', value: 'REPO:TAG', help: 'copy-one: the image to copy (default: IMAGE)' },
  json: { type: 'boolean', help: 'JSON lines on stdout even on a terminal' },
  verbose: { type: 'boolean', help: 'log every image (JSON on stderr)' },
  help: { type: 'boolean', help: 'this text' },
};

const USAGE = `usage:
  dth ecr sync [--params task.json] [--<parameter> value ...] [options]
  dth ecr copy-one --image repo:tag [--params task.json] [--<parameter> value ...]   (the Fargate task role)

Copies container images with skopeo (every platform, digests kept), skipping images whose destination
digest already matches. Exit 0 only when no image failed.

Parameters (flags override the file; also in camelCase):
${parameterHelp(ECR_PARAMETERS)}

Options:
${optionHelp(OPTIONS)}`;

export async function run(argv: string[]): Promise<number> {
  const [verb, ...rest] = argv;
  if ((verb !== 'sync' && verb !== 'copy-one') || rest.includes('--help')) {
    process.stdout.write(USAGE + '\n');
    return verb === undefined || verb === '--help' || rest.includes('--help') ? 0 : 2;
  }
  try {
    return await sync(rest, verb === 'copy-one');
  } catch (err) {
    process.stderr.write(`dth ecr ${verb}: ${err instanceof Error ? err.message : String(err)}\n`);
    return err instanceof InvalidParameterError ? 2 : 1;
  }
}

function taskIdFor(p: EcrTaskParams): string {
  return 'ecr-' + createHash('sha256').update(`${p.srcRegistry}|${p.destRegistry}|${p.destPrefix}`).digest('hex').slice(0, 16);
}

async function sync(argv: string[], single: boolean): Promise<number> {
  const { params: fromFlags, options } = parseCommandLine(argv, ECR_PARAMETERS, OPTIONS);
  const flags = new Map(Object.entries(options).filter((e): e is [string, string] => typeof e[1] === 'string'));
  const switches = new Set(Object.entries(options).filter(([, v]) => v === true).map(([k]) => k));
  const fromFile = flags.has('params') ? readParamsFile(flags.get('params')!) : fromEnv();
  const overrides: Record<string, string> = { ...fromFlags };
  if (single) {
    const image = flags.get('image') ?? process.env.IMAGE;
    if (!image) throw new InvalidParameterError('--image', 'is required (repo:tag)');
    Object.assign(overrides, { srcList: 'SELECTED', srcImageList: image });
  }
  const raw = overrideParams(ECR_PARAMETERS, fromFile, overrides);
  const params = parseEcrTaskParams(raw);
  const home = join(homedir(), '.dth');
  const secrets = new FileSecretStore(flags.get('secrets') ?? join(home, 'secrets.json'));
  const db = openSqliteDatabase(flags.get('state') ?? join(home, 'images.db'));
  const taskId = flags.get('task-id') ?? taskIdFor(params);
  const status = new SqliteStatusStore(db, taskId);
  const jsonOut = switches.has('json') || !process.stdout.isTTY;
  const logger = createLogger({ command: 'ecr sync', taskId }, { level: switches.has('verbose') ? 'info' : 'warn' });
  const abort = new AbortController();
  process.once('SIGTERM', () => abort.abort(new Error('SIGTERM')));
  process.once('SIGINT', () => abort.abort(new Error('SIGINT')));
  const onProgress = (p: ImageSyncProgress) => {
    if (jsonOut) process.stdout.write(JSON.stringify({ event: 'progress', ...p }) + '\n');
    else process.stderr.write(`\r${p.done + p.skipped + p.failed}/${p.total} images, ${p.skipped} unchanged, ${p.failed} failed\x1b[K`);
  };
  const report = await runImageSync({ params, status, secrets, logger, signal: abort.signal, onProgress });
  const failures = await status.list({ status: 'FAILED', limit: 50 });
  const summary = { event: 'summary', taskId, complete: report.complete, copied: report.done, unchanged: report.skipped, failed: report.failed,
    failures: failures.map((f) => ({ image: f.key, error: f.error })), durationMs: report.durationMs };
  if (jsonOut) process.stdout.write(JSON.stringify(summary) + '\n');
  else process.stdout.write(`\n${report.complete ? 'Done' : 'Incomplete'}: ${report.done} copied, ${report.skipped} unchanged, ${report.failed} failed\n`
    + failures.map((f) => `  FAILED ${f.key}: ${f.error}\n`).join(''));
  db.close();
  return report.complete ? 0 : 1;
}

/** The Fargate task gets its parameters as TASK_PARAMS (JSON) in the environment. */
function fromEnv(): Record<string, unknown> {
  const text = process.env.TASK_PARAMS;
  if (!text) return {};
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new InvalidParameterError('TASK_PARAMS', 'is not valid JSON');
  }
}
