/**
 * Our engine as the benchmark runs it: the real CLI as a user starts it, `bin/dth.mjs s3 sync --params task.json`
 * (the bin itself, whose first lines exec node with its flags: lib/node-flags.ts),
 * with embedded SQLite state and a local secrets file, in a child process measured like rclone.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runMeasured, type Measured } from './measure.js';

export interface OursS3Options {
  root: string;
  source: string;
  dest: string;
  srcBucket: string;
  dstBucket: string;
  /** Task state (SQLite) and the secrets file live here; reusing it makes a rerun. */
  stateDir: string;
  /** Task fields that say what to copy (e.g. an include filter) — never engine settings. */
  task?: Record<string, unknown>;
}

/**
 * Engine settings given to our CLI: none — it runs on its defaults, as users run it. BENCH_OURS_PARAMS (JSON) sets
 * some for an experiment; the report then says so and judges no target on it.
 */
export function oursTuning(): Record<string, unknown> {
  if (process.env.BENCH_OURS_PARAMS) return JSON.parse(process.env.BENCH_OURS_PARAMS) as Record<string, unknown>;
  return {};
}

/** The `dth` command as npm installs it: the bin run as a command (its sh lines exec node with its flags). */
export function dthCommand(root: string): string {
  return join(root, 'bin/dth.mjs');
}

export function oursReady(root: string): { ok: true } | { ok: false; reason: string } {
  for (const file of ['cli/s3.ts', 'worker/s3/run-transfer.ts']) {
    if (!existsSync(join(root, file))) return { ok: false, reason: `${file} does not exist yet` };
  }
  return { ok: true };
}

export async function oursVersion(root: string): Promise<string> {
  const run = await runMeasured('git', ['-C', root, 'log', '-1', '--format=%h %cs'], {});
  const build = existsSync(join(root, 'dist/cli/main.mjs'))
    ? ' (dist/cli, split per command)'
    : existsSync(join(root, 'dist/dth.mjs'))
      ? ' (bundle)'
      : ' (tsx)';
  return `dth @ ${run.stdout.trim() || 'unknown commit'}${build}`;
}

export function writeTaskFiles(o: OursS3Options): { paramsFile: string; secretsFile: string } {
  mkdirSync(o.stateDir, { recursive: true });
  const secretsFile = join(o.stateDir, 'secrets.json');
  writeFileSync(
    secretsFile,
    JSON.stringify({ 'bench-keys': { access_key_id: 'S3RVER', secret_access_key: 'S3RVER' } }),
    { mode: 0o600 },
  );
  const paramsFile = join(o.stateDir, 'task.json');
  writeFileSync(
    paramsFile,
    JSON.stringify(
      {
        srcType: 'S3_Compatible',
        srcEndpoint: o.source,
        srcBucket: o.srcBucket,
        srcRegion: 'us-east-1',
        srcCredentials: 'bench-keys',
        destEndpoint: o.dest,
        destBucket: o.dstBucket,
        destRegion: 'us-east-1',
        destCredentials: 'bench-keys',
        ...o.task,
        ...oursTuning(),
      },
      null,
      2,
    ),
  );
  return { paramsFile, secretsFile };
}

export async function oursS3Sync(o: OursS3Options): Promise<Measured> {
  const { paramsFile, secretsFile } = writeTaskFiles(o);
  return runMeasured(
    dthCommand(o.root),
    ['s3', 'sync', '--params', paramsFile, '--state', join(o.stateDir, 'sync.db'), '--secrets', secretsFile, '--json'],
    {
      cwd: o.root,
      env: { NODE_NO_WARNINGS: '1' },
      timeoutSec: 3600,
    },
  );
}

export function oursImageReady(root: string): { ok: true } | { ok: false; reason: string } {
  if (!existsSync(join(root, 'cli/ecr.ts'))) return { ok: false, reason: 'cli/ecr.ts does not exist yet' };
  return { ok: true };
}

export interface OursImageOptions {
  root: string;
  stateDir: string;
  sourceRegistry: string;
  destRegistry: string;
  /** repo:tag references on the source registry; they land under the same repo names at the destination. */
  images: string[];
}

export async function oursImageSync(o: OursImageOptions): Promise<Measured> {
  mkdirSync(o.stateDir, { recursive: true });
  const paramsFile = join(o.stateDir, 'ecr-task.json');
  writeFileSync(
    paramsFile,
    JSON.stringify(
      {
        sourceType: 'Public',
        srcList: 'SELECTED',
        srcImageList: o.images.join('\n'),
        srcRegistry: o.sourceRegistry,
        destRegistry: o.destRegistry,
        insecure: true,
      },
      null,
      2,
    ),
  );
  const secretsFile = join(o.stateDir, 'secrets.json');
  writeFileSync(secretsFile, '{}', { mode: 0o600 });
  return runMeasured(
    dthCommand(o.root),
    [
      'ecr',
      'sync',
      '--params',
      paramsFile,
      '--state',
      join(o.stateDir, 'images.db'),
      '--secrets',
      secretsFile,
      '--json',
    ],
    { cwd: o.root, env: { NODE_NO_WARNINGS: '1' }, timeoutSec: 1800 },
  );
}
