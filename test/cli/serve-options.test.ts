/**
 * `dth serve` options a user can get wrong, run as the real CLI: a --data path that is a file or cannot be made is
 * an error naming --data, at once (a file gave Node's bare EEXIST; a path under /proc hung the hub for ever in Node's
 * recursive mkdir), and a --secrets file that does not exist is said at start (before, nothing until a task named a
 * secret and was told "the secret store holds no secrets").
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, spawnCli } from '../reliability/helpers.js';

describe('dth serve options', () => {
  it('refuses a --data path that is a file or cannot be created, naming --data, at once', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'dth-serve-')), 'a-file');
    writeFileSync(file, 'not a directory');
    const onFile = await runCli(['serve', '--data', file, '--port', '0'], { timeoutMs: 30_000 });
    expect(onFile.code).toBe(2);
    expect(onFile.stderr).toContain(`--data: "${file}" is a file, not a directory`);
    const started = Date.now();
    const underProc = await runCli(['serve', '--data', '/proc/dth-no-such/dir', '--port', '0'], { timeoutMs: 30_000 });
    expect(underProc.code, underProc.stderr).toBe(2);
    expect(underProc.stderr).toMatch(/--data: cannot create the directory "\/proc\/dth-no-such"/);
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('prints a token it made, and never echoes one set in DTH_TOKEN (stdout often ends in a service log)', async () => {
    const startAndRead = async (env: NodeJS.ProcessEnv) => {
      const dir = mkdtempSync(join(tmpdir(), 'dth-serve-'));
      const hub = spawnCli(['serve', '--data', join(dir, 'data'), '--port', '0'], { timeoutMs: 30_000, env });
      let out = '';
      hub.child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
      for (let i = 0; i < 200 && !/token/i.test(out); i++) await new Promise((r) => setTimeout(r, 50));
      await new Promise((r) => setTimeout(r, 100));
      hub.child.kill('SIGTERM');
      await hub.done;
      return out;
    };
    const chosen = `owner-chosen-${Math.random().toString(36).slice(2)}`;
    const withOwn = await startAndRead({ DTH_TOKEN: chosen });
    expect(withOwn).toContain('sign in with the API token set in DTH_TOKEN');
    expect(withOwn).not.toContain(chosen);
    const made = await startAndRead({ DTH_TOKEN: '' });
    expect(made).toMatch(/API token: \S{16,}/);
    expect(made).toMatch(/#token=\S{16,}/);
  });

  it('says at start that the --secrets file does not exist', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dth-serve-'));
    const hub = spawnCli(['serve', '--data', join(dir, 'data'), '--secrets', join(dir, 'typo.json'), '--port', '0'], {
      timeoutMs: 30_000,
    });
    let seen = '';
    hub.child.stdout?.on('data', (d: Buffer) => (seen += d.toString()));
    hub.child.stderr?.on('data', (d: Buffer) => (seen += d.toString()));
    for (let i = 0; i < 200 && !/hub\.secrets_file_missing/.test(seen); i++)
      await new Promise((r) => setTimeout(r, 50));
    hub.child.kill('SIGTERM');
    await hub.done;
    expect(seen).toMatch(/hub\.secrets_file_missing/);
    expect(seen).toContain(join(dir, 'typo.json'));
  });
});
