/**
 * Registry logins reach skopeo through a temporary auth file. A `dth ecr sync` killed with SIGKILL (OOM killer,
 * `kill -9`) never removes it; the next run removes what dead runs left, and leaves a running process's own file.
 * The killed run's skopeo is a stand-in that hangs (a copy that takes long), so the kill lands while the file exists;
 * the next run uses the real skopeo against the real registries.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, spawnCli } from '../reliability/helpers.js';
import { servers } from '../support/servers.js';
import { publicTaskParams, registryDigest, registrySecrets, seedImages } from './image-fixtures.js';

async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs = 60_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const found = probe();
    if (found !== undefined) return found;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('registry logins of a killed image sync', () => {
  it('are removed from the temporary directory by the next run', async () => {
    const { repository } = seedImages();
    const dir = mkdtempSync(join(tmpdir(), 'dth-killed-auth-'));
    const temp = join(dir, 'tmp');
    const bin = join(dir, 'bin');
    mkdirSync(temp);
    mkdirSync(bin);
    const hungPid = join(dir, 'skopeo.pid');
    writeFileSync(join(bin, 'skopeo'), `#!/bin/sh\necho $$ > '${hungPid}'\nexec sleep 600\n`, { mode: 0o755 });
    const params = join(dir, 'task.json');
    writeFileSync(params, JSON.stringify(publicTaskParams({ srcImageList: `${repository}:v1`, destPrefix: 'killed' })));
    const args = ['ecr', 'sync', '--params', params, '--secrets', registrySecrets(), '--state', join(dir, 'images.db')];
    // A directory of a process that is still running (this one): not the next run's to remove.
    const live = join(temp, `dth-auth-${process.pid}-live`);
    mkdirSync(live);

    const killed = spawnCli(args, { env: { TMPDIR: temp, PATH: `${bin}:${process.env.PATH}` } });
    const authDir = await waitFor('the auth file', () =>
      readdirSync(temp)
        .map((name) => join(temp, name))
        .find((path) => path !== live && existsSync(join(path, 'dest-authfile.json'))),
    );
    await waitFor('the stand-in skopeo', () => (existsSync(hungPid) ? true : undefined));
    killed.child.kill('SIGKILL');
    await killed.done;
    process.kill(Number(readFileSync(hungPid, 'utf8')), 'SIGKILL');
    // What the kill left: the destination's password (its side's own file), readable by whoever can read the file.
    const { auths } = JSON.parse(readFileSync(join(authDir, 'dest-authfile.json'), 'utf8'));
    expect(Buffer.from(auths[servers.registryAuth].auth, 'base64').toString()).toBe(
      `${servers.registryUser}:${servers.registryPassword}`,
    );

    const next = await runCli([...args, '--json'], { env: { TMPDIR: temp } });
    expect(next.code, next.stderr).toBe(0);
    expect(
      registryDigest(
        servers.registryAuth,
        `killed/${repository}:v1`,
        `${servers.registryUser}:${servers.registryPassword}`,
      ),
    ).toBe(registryDigest(servers.registryOpen, `${repository}:v1`));
    expect(existsSync(authDir)).toBe(false);
    // (tsx, which runs the CLI's sources, keeps its cache there too.)
    expect(readdirSync(temp).filter((name) => name.startsWith('dth-'))).toEqual([`dth-auth-${process.pid}-live`]);
  });
});
