import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Skopeo } from '../../worker/ecr/skopeo.js';
import { servers, uniqueName } from '../support/servers.js';

/** Builds an OCI layout (tags v1 and multi, content unique to this call) and pushes both to the open registry under a fresh (or the given) repository. */
export function seedImages(repository = `${uniqueName('team')}/app`): { repository: string } {
  const dir = mkdtempSync(join(tmpdir(), 'dth-oci-'));
  execFileSync('python3', ['scripts/make-oci-image.py', dir, uniqueName('seed')]);
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

/** Copies both seeded tags from the open to the htpasswd registry, digests kept. */
export function copyToAuthRegistry(repository: string): void {
  for (const tag of ['v1', 'multi']) {
    execFileSync('skopeo', ['copy', '--all', '--preserve-digests', '--src-tls-verify=false', '--dest-tls-verify=false',
      '--dest-creds', `${servers.registryUser}:${servers.registryPassword}`,
      `docker://${servers.registryOpen}/${repository}:${tag}`, `docker://${servers.registryAuth}/${repository}:${tag}`], { stdio: 'pipe' });
  }
}

/**
 * A Skopeo that runs the real binary through a wrapper script logging each process's verb, so tests count processes;
 * `failing` verbs exit 1 with an error instead of running.
 */
export function countingSkopeo(failing: string[] = []): { skopeo: Skopeo; verbs: () => string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'dth-skopeo-'));
  const log = join(dir, 'calls.log');
  const wrapper = join(dir, 'skopeo');
  const fail = failing.map((verb) => `[ "$1" = ${verb} ] && { echo "simulated ${verb} failure" >&2; exit 1; }\n`).join('');
  writeFileSync(wrapper, `#!/bin/sh\necho "$1" >> '${log}'\n${fail}exec skopeo "$@"\n`, { mode: 0o755 });
  return { skopeo: new Skopeo(wrapper), verbs: () => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : []) };
}
