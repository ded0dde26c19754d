/**
 * Every way a `dth` process starts carries the same Node flags (lib/node-flags.ts): the bin's first lines (`dth`,
 * `npx dth`, `npm start`), the task image's ENTRYPOINT (finder, ECR copies) and the EC2 fleet's unit file (workers).
 * V8 reads them only at start-up, so a start that forgets them silently loses what they buy (README "Benchmark").
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { DTH_NODE_FLAGS } from '../../lib/node-flags.js';
import { bootScript, FLEET_NODE } from '../../plugins/constructs/worker-fleet.js';
import { type HubProcess, startHubProcess } from '../control-plane/local/hub-process.js';

describe('the Node flags dth starts with', () => {
  let hub: HubProcess | undefined;
  afterAll(async () => {
    await hub?.stop();
  });

  it('are flags this Node accepts (an unknown V8 flag would stop every start with "bad option")', () => {
    const run = spawnSync(process.execPath, [...DTH_NODE_FLAGS, '-e', 'process.stdout.write("ok")'], {
      encoding: 'utf8',
    });
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe('ok');
  });

  it('reach the Node process of the installed bin: `dth serve` started as a command', async () => {
    const [shebang, relaunch] = readFileSync('bin/dth.mjs', 'utf8').split('\n');
    expect(shebang).toBe('#!/bin/sh');
    expect(relaunch).toBe(`':' //; exec node ${DTH_NODE_FLAGS.join(' ')} "$0" "$@"`);
    hub = await startHubProcess(undefined, undefined, { asCommand: true });
    // sh execs node in place: the hub's own command line, as the kernel has it.
    const argv = readFileSync(`/proc/${hub.pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    expect(argv[0]).toMatch(/(^|\/)node$/);
    expect(argv.slice(1, 1 + DTH_NODE_FLAGS.length)).toEqual([...DTH_NODE_FLAGS]);
    expect(argv[1 + DTH_NODE_FLAGS.length]).toMatch(/bin\/dth\.mjs$/);
    expect(argv.slice(2 + DTH_NODE_FLAGS.length)).toEqual(expect.arrayContaining(['serve']));
  });

  it('are on the task image ENTRYPOINT and on the fleet unit file, before the bundle', () => {
    const entrypoint = /^ENTRYPOINT (\[.*\])$/m.exec(readFileSync('plugins/ecr/Dockerfile', 'utf8'));
    expect(JSON.parse(entrypoint?.[1] ?? 'null')).toEqual(['node', ...DTH_NODE_FLAGS, '/opt/dth/dth.mjs']);
    const unit = bootScript({
      environment: {},
      logGroup: 'g',
      bundleUrl: 's3://b/dth.mjs',
      signalTarget: 'Group',
    }).find((l) => l.startsWith('ExecStart='));
    expect(unit).toBe(
      `ExecStart=/usr/bin/${FLEET_NODE.executable} ${DTH_NODE_FLAGS.join(' ')} /opt/dth/dth.mjs worker`,
    );
  });

  it("reach the contributors' npm scripts too: each that starts dth goes through the bin", () => {
    const { scripts } = JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> };
    const starting = Object.entries(scripts).filter(([, command]) => /cli\/main\.ts|bin\/dth\.mjs/.test(command));
    expect(starting.map(([name]) => name).sort()).toEqual(['dth', 'hub']);
    for (const [, command] of starting) expect(command).toMatch(/^DTH_FROM_SOURCE=1 bin\/dth\.mjs\b/);
  });

  it('leave the CLI working when started as a command (`dth --version`)', () => {
    const out = execFileSync('bin/dth.mjs', ['--version'], { encoding: 'utf8', env: { ...process.env } });
    expect(out).toMatch(/^dth \d+\.\d+\.\d+ /);
  });
});
