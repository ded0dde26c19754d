/**
 * `dth --version` names the package's version from every way the CLI runs: the per-command build (bin/dth.mjs), the
 * sources (DTH_FROM_SOURCE), and the one-file cloud bundle copied alone to a directory without package.json.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };

function run(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('dth --version', () => {
  it('prints the version of the build, from the built CLI, the sources and the lone cloud bundle', () => {
    const lone = join(mkdtempSync(join(tmpdir(), 'dth-lone-')), 'dth.mjs');
    copyFileSync('dist/dth.mjs', lone);
    for (const [args, env] of [
      [['bin/dth.mjs', '--version'], {}],
      [['bin/dth.mjs', '-V'], { DTH_FROM_SOURCE: '1' }],
      [[lone, 'version'], {}],
    ] as const) {
      const r = run([...args], env);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe(`dth ${version} (Data Transfer Hub, Node.js ${process.versions.node})\n`);
    }
  });

  it("is installed as dth and as the original CLI's dthcli, which runs its `run` (as npm links a bin: a symlink)", () => {
    const { bin } = JSON.parse(readFileSync('package.json', 'utf8')) as { bin: Record<string, string> };
    expect(bin).toEqual({ dth: 'bin/dth.mjs', dthcli: 'bin/dth.mjs' });
    const dthcli = join(mkdtempSync(join(tmpdir(), 'dth-bin-')), 'dthcli');
    symlinkSync(resolve(bin.dthcli), dthcli);
    const r = spawnSync(dthcli, ['run', '--help'], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^usage: dth run \[-t Finder\|Worker\] \[--config FILE\]\n/);
  });

  it('is named in the usage', () => {
    expect(run(['bin/dth.mjs', '--help']).stdout).toContain('`dth --version`');
  });
});
