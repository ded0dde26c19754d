/**
 * The local CLI runs dist/cli/ (bin/dth.mjs): the same code as the one-file bundle, split per command, so that a
 * `dth s3 sync` parses its own code only — not graphql (`serve`) nor the SSM, DynamoDB, ECR and S3 SDK clients of the
 * other roles. Parsing the whole 3.9 MB cost every sync ~0.04 CPU-s and ~12 MB of RSS (README, Benchmark).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli } from '../../scripts/build-worker.mjs';

const run = promisify(execFile);
let dir: string;
let entry: string;

beforeAll(() => {
  // Inside the checkout, so that better-sqlite3 resolves as it does for dist/cli/.
  dir = mkdtempSync(join(import.meta.dirname, '..', '..', 'dist', 'cli-test-'));
  entry = buildCli({ outdir: dir });
}, 60_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Files a module loads before any of its code runs: its static imports, transitively. */
function staticClosure(file: string, seen = new Set<string>()): Set<string> {
  if (seen.has(file)) return seen;
  seen.add(file);
  const text = readFileSync(file, 'utf8');
  for (const m of text.matchAll(
    /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s*"(\.[^"]+)"|(?:^|\n)\s*import\s*"(\.[^"]+)"/g,
  )) {
    staticClosure(resolve(dirname(file), m[1] ?? m[2]!), seen);
  }
  return seen;
}

const bytes = (files: Iterable<string>) => [...files].reduce((n, f) => n + statSync(f).size, 0);

describe('dth s3 sync start-up (dist/cli)', () => {
  it("loads its own chunks only: a fraction of the build, without graphql or the other roles' SDK clients", () => {
    const main = readFileSync(entry, 'utf8');
    const s3 = /import\("(\.\/chunks\/s3-[^"]+)"\)/.exec(main)?.[1];
    expect(s3, 'the s3 command is a chunk of its own').toBeDefined();
    const loaded = new Set([...staticClosure(entry), ...staticClosure(resolve(dir, s3!))]);
    const all = readdirSync(join(dir, 'chunks'))
      .map((f) => join(dir, 'chunks', f))
      .concat(entry);
    expect(bytes(all)).toBeGreaterThan(3_000_000);
    expect(bytes(loaded)).toBeLessThan(600_000);
    const text = [...loaded].map((f) => readFileSync(f, 'utf8')).join('\n');
    for (const foreign of ['GraphQLSchema', 'SSMClient', 'DynamoDBClient', 'ECRClient', 'GetObjectCommand = class'])
      expect(text).not.toContain(foreign);
  });

  it('hands a CommonJS package loaded by import() its named exports, as the one-file bundle does', () => {
    const files = readdirSync(join(dir, 'chunks'))
      .map((f) => join(dir, 'chunks', f))
      .concat(entry);
    const commonJs = files.filter((f) => /\nexport default require_\w+\(\);\s*$/.test(readFileSync(f, 'utf8')));
    expect(commonJs.length).toBeGreaterThan(0); // the SDK clients loaded on demand
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      for (const cjs of commonJs) {
        const name = `import("./${cjs.split('/').pop()}")`;
        const uses = text.split(name).length - 1;
        expect(text.split(`${name}.then((m) => m.default)`).length - 1, `${file}: ${name}`).toBe(uses);
      }
    }
  });

  it('runs: `dth s3 sync --help` from the split build', async () => {
    const r = await run(process.execPath, [entry, 's3', 'sync', '--help'], { timeout: 30_000 });
    expect(r.stdout).toMatch(/usage: dth s3 sync/);
  });
});
