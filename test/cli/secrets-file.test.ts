/**
 * The local secrets file: every command that reads it warns when group or others can read it, and goes on (README,
 * Adapters and cloud roles). Real CLI from sources against the local registries and S3 servers.
 */
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../reliability/helpers.js';
import { servers } from '../support/servers.js';

function secretsFile(mode: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'dth-secrets-mode-'));
  const path = join(dir, 'secrets.json');
  writeFileSync(
    path,
    JSON.stringify({ registry: { username: servers.registryUser, password: servers.registryPassword } }),
  );
  chmodSync(path, mode);
  return path;
}

const IMAGE_TASK = [
  '--source-type',
  'Public',
  '--src-registry',
  servers.registryOpen,
  '--dest-registry',
  servers.registryAuth,
  '--dest-credential',
  'registry',
  '--insecure',
  'true',
  '--src-image-list',
  'dth-no-such-repository/app:v1',
  '--state',
  ':memory:',
  '--json',
];

const OBJECT_TASK = [
  '--src-bucket',
  'dth-no-such-source',
  '--dest-bucket',
  'dth-no-such-destination',
  '--src-endpoint',
  servers.s3Source,
  '--dest-endpoint',
  servers.s3Dest,
  '--src-region',
  'us-east-1',
  '--dest-region',
  'us-east-1',
  '--dry-run',
  '--json',
];

const WARNING = /"event":"secrets\.file_readable_by_others".*chmod 600 the secrets file/;

describe('a secrets file others can read', () => {
  it('dth ecr sync warns (run and dry run) and still uses it; a 0600 file gives no warning', async () => {
    for (const extra of [[], ['--dry-run']]) {
      const exposed = await runCli(['ecr', 'sync', ...IMAGE_TASK, ...extra, '--secrets', secretsFile(0o644)]);
      expect(exposed.stderr).toMatch(WARNING);
      // The login was read from it: the image is missing at the source, not refused for want of a login.
      expect(exposed.stderr + exposed.stdout).toMatch(/does not exist|not found|unreadable|ERROR/i);
      expect(exposed.stderr + exposed.stdout).not.toMatch(/rejected the login|needs a login/);
      const kept = await runCli(['ecr', 'sync', ...IMAGE_TASK, ...extra, '--secrets', secretsFile(0o600)]);
      expect(kept.stderr).not.toMatch(WARNING);
    }
  });

  it('dth s3 sync warns the same way', async () => {
    const exposed = await runCli(['s3', 'sync', ...OBJECT_TASK, '--secrets', secretsFile(0o640)]);
    expect(exposed.stderr).toMatch(WARNING);
    const kept = await runCli(['s3', 'sync', ...OBJECT_TASK, '--secrets', secretsFile(0o600)]);
    expect(kept.stderr).not.toMatch(WARNING);
  });
});
