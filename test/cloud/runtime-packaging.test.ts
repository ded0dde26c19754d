/**
 * What the cloud runs is the one-file bundle dist/dth.mjs on a machine with Node and nothing else (the EC2 worker
 * downloads it; the task image copies it), and Lambda bundles that leave `@aws-sdk/*` to the runtime. Both only work
 * if nothing else must be installed beside them and every package the code imports is declared.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWorker } from '../../scripts/build-worker.mjs';

const REPO = join(import.meta.dirname, '..', '..');
const run = promisify(execFile);

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dth-bundle-alone-'));
  // npm test builds dist/dth.mjs before the tests; a lone run of this file builds its own copy.
  const bundle = join(REPO, 'dist', 'dth.mjs');
  if (existsSync(bundle)) copyFileSync(bundle, join(dir, 'dth.mjs'));
  else buildWorker({ outfile: join(dir, 'dth.mjs') });
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the bundle copied alone into a temporary directory: no node_modules on its resolution path. */
async function dth(args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string }> {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_') && k !== 'NODE_PATH'),
  ) as Record<string, string>;
  try {
    const r = await run(process.execPath, [join(dir, 'dth.mjs'), ...args], {
      cwd: dir,
      env: { ...clean, ...env },
      timeout: 30_000,
    });
    return { code: 0, out: r.stdout + r.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

describe('dist/dth.mjs alone (the cloud roles)', () => {
  it('has no better-sqlite3 within reach, so the roles below prove they do not need it', () => {
    expect(() => createRequire(join(dir, 'dth.mjs')).resolve('better-sqlite3')).toThrow(/Cannot find module/);
  });

  it('`dth finder` and `dth worker` load and validate their configuration (no ERR_MODULE_NOT_FOUND)', async () => {
    for (const role of ['finder', 'worker']) {
      const r = await dth([role], { AWS_REGION: 'us-east-1' });
      expect(r.out, role).not.toMatch(/ERR_MODULE_NOT_FOUND|Cannot find (module|package)/);
      expect(r.code, `${role}: ${r.out}`).toBe(2);
      expect(r.out, role).toMatch(/TASK_PARAMS: is required/);
    }
  });

  it('`dth ecr copy-one` (the image copy task) loads and validates its input', async () => {
    const r = await dth(['ecr', 'copy-one']);
    expect(r.out).not.toMatch(/ERR_MODULE_NOT_FOUND|Cannot find (module|package)/);
    expect(r.code, r.out).toBe(2);
    expect(r.out).toMatch(/image/);
  });

  it('a local command that keeps state in SQLite says what is missing instead of a module stack', async () => {
    const r = await dth([
      's3',
      'sync',
      '--srcBucket',
      'src-bucket',
      '--destBucket',
      'dest-bucket',
      '--srcRegion',
      'us-east-1',
      '--destRegion',
      'us-east-1',
      '--state',
      join(dir, 'state.db'),
    ]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/better-sqlite3 is not installed: the local commands/);
  });
});

/** Bare package names imported by the code that runs in the cloud or on the user's machine. */
function importedPackages(roots: string[]): Map<string, string> {
  const found = new Map<string, string>();
  const walk = (path: string) => {
    if (statSync(path).isDirectory()) {
      for (const f of readdirSync(path)) if (f !== 'node_modules') walk(join(path, f));
      return;
    }
    if (!/\.(ts|mts|mjs|js)$/.test(path) || path.endsWith('.d.ts')) return;
    const text = readFileSync(path, 'utf8');
    for (const m of text.matchAll(
      /(?:^|\n)\s*(?:import|export)\s(?:type\s)?[^'";]*?from\s+'([^']+)'|import\('([^']+)'\)|require\('([^']+)'\)/g,
    )) {
      if (/^\s*(import|export)\s+type\s/.test(m[0].trim())) continue; // erased at build time
      const spec = m[1] ?? m[2] ?? m[3];
      if (spec.startsWith('.') || spec.startsWith('node:')) continue;
      const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
      if (!found.has(name)) found.set(name, relative(REPO, path));
    }
  };
  for (const r of roots) walk(join(REPO, r));
  return found;
}

describe('runtime dependencies', () => {
  it('every package the runtime code imports is a declared dependency (not only a dev or transitive one)', () => {
    const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    const imported = importedPackages(['worker', 'control-plane', 'cli', 'plugins/ecr/runtime', 'bin/dth.mjs']);
    // bin/dth.mjs falls back to the TypeScript sources through tsx only in a development checkout; the AppSync JS
    // resolver (control-plane/aws/appsync-resolver.js) runs in AppSync, whose runtime provides @aws-appsync/utils.
    imported.delete('tsx');
    imported.delete('@aws-appsync/utils');
    expect(imported.size).toBeGreaterThan(5);
    const undeclared = [...imported]
      .filter(([name]) => !(name in pkg.dependencies))
      .map(([name, file]) => `${name} (${file})`);
    expect(undeclared).toEqual([]);
  });

  it('dependencies are pinned to exact versions', () => {
    const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    const loose = Object.entries({ ...pkg.dependencies, ...pkg.devDependencies }).filter(
      ([, v]) => !/^\d+\.\d+\.\d+$/.test(v),
    );
    expect(loose).toEqual([]);
  });
});
