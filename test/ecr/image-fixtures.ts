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
    execFileSync(
      'skopeo',
      [
        'copy',
        '--all',
        '--preserve-digests',
        '--dest-tls-verify=false',
        `oci:${dir}:${tag}`,
        `docker://${servers.registryOpen}/${repository}:${tag}`,
      ],
      { stdio: 'pipe' },
    );
  }
  return { repository };
}

/** The manifest digest as stored, computed independently of the engine. */
export function registryDigest(registry: string, ref: string, creds?: string): string {
  const raw = execFileSync(
    'skopeo',
    ['inspect', '--raw', '--tls-verify=false', ...(creds ? ['--creds', creds] : []), `docker://${registry}/${ref}`],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return `sha256:${createHash('sha256').update(raw).digest('hex')}`;
}

/** Raw parameters of an image task from the open registry to the htpasswd one (its login: registrySecrets()). */
export function publicTaskParams(extra: Record<string, string> = {}): Record<string, string> {
  return {
    sourceType: 'Public',
    srcRegistry: servers.registryOpen,
    destRegistry: servers.registryAuth,
    destCredential: 'registry',
    insecure: 'true',
    ...extra,
  };
}

export function registrySecrets(password = servers.registryPassword): string {
  const path = join(mkdtempSync(join(tmpdir(), 'dth-reg-')), 'secrets.json');
  writeFileSync(path, JSON.stringify({ registry: { username: servers.registryUser, password } }), { mode: 0o600 });
  return path;
}

/** Copies both seeded tags from the open to the htpasswd registry, digests kept. */
export function copyToAuthRegistry(repository: string): void {
  for (const tag of ['v1', 'multi']) {
    execFileSync(
      'skopeo',
      [
        'copy',
        '--all',
        '--preserve-digests',
        '--src-tls-verify=false',
        '--dest-tls-verify=false',
        '--dest-creds',
        `${servers.registryUser}:${servers.registryPassword}`,
        `docker://${servers.registryOpen}/${repository}:${tag}`,
        `docker://${servers.registryAuth}/${repository}:${tag}`,
      ],
      { stdio: 'pipe' },
    );
  }
}

/**
 * Deletes one manifest by digest from the htpasswd registry (its storage allows deletes): what an ECR lifecycle rule
 * expiring untagged images does to the child manifests of a multi-arch index.
 */
export async function deleteAuthManifest(repository: string, digest: string): Promise<void> {
  const res = await fetch(`http://${servers.registryAuth}/v2/${repository}/manifests/${digest}`, {
    method: 'DELETE',
    headers: {
      authorization: `Basic ${Buffer.from(`${servers.registryUser}:${servers.registryPassword}`).toString('base64')}`,
    },
  });
  if (res.status !== 202) throw new Error(`DELETE of ${repository}@${digest} answered HTTP ${res.status}`);
}

/**
 * A Skopeo that runs the real binary through a wrapper script logging each process's verb (after the global
 * `--override-*` options) and arguments, so tests count processes; `failing` verbs exit 1 with an error instead of running.
 */
export function countingSkopeo(failing: string[] = []): {
  skopeo: Skopeo;
  wrapper: string;
  verbs: () => string[];
  calls: () => string[][];
} {
  const dir = mkdtempSync(join(tmpdir(), 'dth-skopeo-'));
  // The real binary by its path: the wrapper may itself be first on PATH (a CLI child process).
  const real = execFileSync('sh', ['-c', 'command -v skopeo'], { encoding: 'utf8' }).trim();
  const log = join(dir, 'calls.log');
  const wrapper = join(dir, 'skopeo');
  const fail = failing
    .map((verb) => `[ "$verb" = ${verb} ] && { echo "simulated ${verb} failure" >&2; exit 1; }\n`)
    .join('');
  writeFileSync(
    wrapper,
    [
      '#!/bin/sh',
      `echo "$*" >> '${log}'`,
      'verb=""; skip=0',
      'for a in "$@"; do if [ $skip = 1 ]; then skip=0; continue; fi; case "$a" in --override-*|--command-timeout) skip=1;; *) verb="$a"; break;; esac; done',
      `${fail}exec '${real}' "$@"`,
      '',
    ].join('\n'),
    { mode: 0o755 },
  );
  const calls = () =>
    existsSync(log)
      ? readFileSync(log, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => l.split(' '))
      : [];
  // Global options with a value come before the verb (skopeo --override-os linux copy …, --command-timeout 120s inspect …).
  const valued = (a: string | undefined) =>
    a !== undefined && (a.startsWith('--override-') || a === '--command-timeout');
  const verbOf = (args: string[]) => args.find((a, i) => !valued(a) && !valued(args[i - 1])) ?? '';
  return { skopeo: new Skopeo(wrapper), wrapper, verbs: () => calls().map(verbOf), calls };
}

/** A manifest as the open registry stores it, parsed (skopeo inspect --raw: independent of the engine's HTTP reads). */
function rawManifest(ref: string): {
  bytes: Buffer;
  body: {
    manifests?: { digest: string; platform?: { architecture: string } }[];
    config?: { digest: string; size: number };
    layers?: { digest: string; size: number }[];
  };
} {
  const bytes = execFileSync('skopeo', [
    'inspect',
    '--raw',
    '--tls-verify=false',
    `docker://${servers.registryOpen}/${ref}`,
  ]);
  return { bytes, body: JSON.parse(bytes.toString('utf8')) };
}

/** Bytes of an image of the open registry: its manifests plus each distinct config and layer blob they name. */
export function imageBytes(ref: string): number {
  const top = rawManifest(ref);
  const repository = ref.slice(0, ref.lastIndexOf(':'));
  const manifests = top.body.manifests
    ? top.body.manifests.map((m) => rawManifest(`${repository}@${m.digest}`))
    : [top];
  const blobs = new Map<string, number>();
  for (const m of manifests) for (const b of [m.body.config!, ...(m.body.layers ?? [])]) blobs.set(b.digest, b.size);
  const manifestBytes =
    (top.body.manifests ? top.bytes.length : 0) + manifests.reduce((sum, m) => sum + m.bytes.length, 0);
  return manifestBytes + [...blobs.values()].reduce((a, b) => a + b, 0);
}

/** The digest of one platform's manifest inside a multi-arch index of the open registry. */
export function platformDigest(ref: string, architecture: string): string {
  const entry = rawManifest(ref).body.manifests?.find((m) => m.platform?.architecture === architecture);
  if (!entry) throw new Error(`${ref} has no ${architecture} image`);
  return entry.digest;
}
