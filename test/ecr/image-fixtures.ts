import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { servers, uniqueName } from '../support/servers.js';

/** Builds an OCI layout (tags v1 and multi) and pushes both to the open registry under a fresh repository. */
export function seedImages(seed = uniqueName('seed')): { repository: string } {
  const dir = mkdtempSync(join(tmpdir(), 'dth-oci-'));
  execFileSync('python3', ['scripts/make-oci-image.py', dir, seed]);
  const repository = `${uniqueName('team')}/app`;
  for (const tag of ['v1', 'multi']) {
    execFileSync('skopeo', ['copy', '--all', '--preserve-digests', '--dest-tls-verify=false', `oci:${dir}:${tag}`, `docker://${servers.registryOpen}/${repository}:${tag}`], { stdio: 'pipe' });
  }
  return { repository };
}

/** The manifest digest as stored, computed independently of the engine. */
export function registryDigest(registry: string, ref: string, creds?: string): string {
  const raw = execFileSync('skopeo', ['inspect', '--raw', '--tls-verify=false', ...(creds ? ['--creds', creds] : []), `docker://${registry}/${ref}`]);
  return 'sha256:' + createHash('sha256').update(raw).digest('hex');
}

export function registrySecrets(password = servers.registryPassword): string {
  const path = join(mkdtempSync(join(tmpdir(), 'dth-reg-')), 'secrets.json');
  writeFileSync(path, JSON.stringify({ registry: { username: servers.registryUser, password } }), { mode: 0o600 });
  return path;
}
