import { createHash } from 'node:crypto';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { FileSecretStore, openSqliteDatabase, SqliteStatusStore } from '../worker/adapters/embedded/index.js';
import { InvalidParameterError } from '../worker/core/errors.js';
import { createLogger } from '../worker/core/log.js';
import { ECR_PARAM_NAMES, parseEcrTaskParams, type EcrTaskParams } from '../worker/ecr/params.js';
import { runImageSync, type ImageSyncProgress } from '../worker/ecr/run-image-sync.js';
import { paramsFromFlags, parseArgs, readParamsFile } from './task-input.js';

const USAGE = `usage:
  dth ecr sync [--params task.json] [--<parameter> value ...] [--secrets FILE] [--state FILE] [--json]
  dth ecr copy-one --image repo:tag [--params task.json] [--<parameter> value ...]   (the Fargate task role)

Copies container images with skopeo (every platform, digests kept), skipping images whose destination
digest already matches. Exit 0 only when no image failed.

Parameters: ${ECR_PARAM_NAMES.join(', ')}`;

const RESERVED = ['params', 'secrets', 'state', 'task-id', 'image'];

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
  const { flags, switches } = parseArgs(argv, ['json', 'verbose']);
  const fromFile = flags.has('params') ? readParamsFile(flags.get('params')!) : fromEnv();
  const raw = { ...fromFile, ...paramsFromFlags(flags, ECR_PARAM_NAMES, RESERVED) };
  if (single) {
    const image = flags.get('image') ?? process.env.IMAGE;
    if (!image) throw new InvalidParameterError('--image', 'is required (repo:tag)');
    Object.assign(raw, { srcList: 'SELECTED', srcImageList: image });
  }
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
