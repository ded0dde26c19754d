/** `dth help [command]` answers as `dth --help` and `dth <command> --help` do (the built CLI, as users run it). */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

function dth(args: string[]) {
  const r = spawnSync(process.execPath, ['bin/dth.mjs', ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('dth help', () => {
  it("lists the commands, or shows one command's options; an unknown topic is refused by name", () => {
    const all = dth(['help']);
    expect(all.code).toBe(0);
    expect(all.stdout).toBe(dth(['--help']).stdout);
    expect(all.stdout).toMatch(/^usage: dth <command>/);
    for (const command of ['s3', 'ecr', 'serve']) {
      const help = dth(['help', command]);
      expect(help.code, command).toBe(0);
      expect(help.stdout, command).toBe(dth([command, '--help']).stdout);
      expect(help.stdout, command).toMatch(/usage:/);
    }
    // Each sync command says what its exit codes mean, not only when it exits 0.
    for (const command of [
      ['s3', 'sync'],
      ['ecr', 'sync'],
    ]) {
      const help = dth([...command, '--help']).stdout;
      expect(help, command.join(' ')).toMatch(/2 for bad input/);
      expect(help, command.join(' ')).toMatch(/130 when stopped/);
    }
    expect(dth(['s3', 'sync', '--help']).stdout).toMatch(/Exit 1 when an object failed/);
    const unknown = dth(['help', 'nope']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^dth: unknown command "nope"\n/);
    // A subcommand without its command and a slip are each answered with the line meant.
    expect(dth(['sync']).stderr).toMatch(
      /^dth: unknown command "sync"; did you mean `dth s3 sync` or `dth ecr sync`\?/,
    );
    // The original CLI's verb is a command of its own (test/cli/run-original-cli.test.ts).
    expect(dth(['help', 'run']).stdout).toMatch(/^usage: dth run \[-t Finder\|Worker\] \[--config FILE\]\n/);
    expect(dth(['serv']).stderr).toMatch(/^dth: unknown command "serv"; did you mean `dth serve`\?/);
    expect(dth(['sreve']).stderr).toMatch(/^dth: unknown command "sreve"; did you mean `dth serve`\?/);
  });
});
