import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { withRetryAdvice } from '../core/errors.js';
import { redactText } from '../core/log.js';
import { RegistryHttpError, SkopeoMissingError } from './errors.js';
import { privateTempDir } from './private-temp-dir.js';
import type { RegistryLogin } from './registry-credentials.js';

export interface RegistryEndpoint {
  /** host[:port] */
  registry: string;
  login?: RegistryLogin;
  insecure: boolean;
}

/** One image of a `skopeo sync` batch: its source registry, repository and a tag or `sha256:<hex>` digest. */
export interface SyncImage {
  src: RegistryEndpoint;
  repository: string;
  reference: string;
  /** What the copy moves, as the source's manifests state it (undefined: not known); sets the time limit. */
  bytes: number | undefined;
}

/**
 * What skopeo copies of a multi-arch image: every platform and the index (`all`, the original's includeUntagged=true),
 * or only the image of one platform (`system`: the copying machine's, named explicitly so that the digest the engine
 * expects and the one skopeo writes are of the same image).
 */
export type PlatformChoice = { all: true } | { all: false; os: string; architecture: string; variant?: string };

/**
 * How long one `skopeo inspect` (a manifest read) may take. A registry that accepts connections and never answers
 * otherwise held the run for ever (the HTTP reads before it time out; skopeo has no timeout of its own).
 */
export const INSPECT_TIMEOUT = '120s';

/**
 * How long a copy may take: a registry that stops answering in the middle of an upload held the task IN_PROGRESS for
 * ever (skopeo has no timeout of its own). Long enough for a slow link — 30 minutes, or the image's bytes at 256 KiB/s
 * when that is longer (10 GiB: 11 h) — and 12 hours when the manifests did not say the size.
 */
export interface CopyTimeLimit {
  floorSeconds: number;
  bytesPerSecond: number;
  unknownSizeSeconds: number;
}

export const COPY_TIME_LIMIT: CopyTimeLimit = {
  floorSeconds: 30 * 60,
  bytesPerSecond: 256 * 1024,
  unknownSizeSeconds: 12 * 3600,
};

/** Seconds a copy of `bytes` (undefined: not known) may take under `limit`. */
export function copySeconds(bytes: number | undefined, limit: CopyTimeLimit): number {
  if (bytes === undefined) return Math.max(limit.floorSeconds, limit.unknownSizeSeconds);
  return Math.max(limit.floorSeconds, Math.ceil(bytes / limit.bytesPerSecond));
}

/**
 * skopeo could not write the image's manifest as it is: the registry refused it and a conversion to another type would
 * change the digest (--preserve-digests). Registries answer TAG_INVALID to a tag they will not move (ECR's immutable
 * tags), and skopeo takes that answer for "this manifest type is not accepted", tries the other types, and says so.
 */
const MANIFEST_REFUSED =
  /instructed to preserve digests|cannot be overwritten because the repository is immutable|tag invalid/i;

/** Every image manifest (Docker v2 and schema 1, OCI manifest and index) is a JSON object with a schemaVersion. */
function isManifest(raw: Buffer): boolean {
  try {
    const doc = JSON.parse(raw.toString('utf8')) as { schemaVersion?: unknown } | null;
    return typeof doc === 'object' && doc !== null && typeof doc.schemaVersion === 'number';
  } catch {
    return false;
  }
}

export class SkopeoError extends Error {
  constructor(
    readonly verb: string,
    readonly stderr: string,
    readonly exitCode: number | null,
    /** The time limit the command ran under (seconds), when it had one. */
    readonly timeLimitSeconds?: number,
  ) {
    const said = redactText(stderr.trim().split('\n').slice(-3).join(' ')) || `exit ${exitCode}`;
    super(
      timeLimitSeconds !== undefined && TIMED_OUT.test(stderr)
        ? `skopeo ${verb} did not finish within its time limit of ${formatSeconds(timeLimitSeconds)} (the registry stopped answering, or the link is slower than ${COPY_TIME_LIMIT.bytesPerSecond / 1024} KiB/s): ${said}`
        : `skopeo ${verb} failed: ${said}`,
    );
    // Refused logins, missing images and refused manifests fail the same way on every attempt; network and server
    // errors may pass.
    withRetryAdvice(this, { retryable: !this.isAuth && !this.isNotFound && !this.isManifestRefused });
  }

  /** The destination would not take the manifest as it is (its type, or a tag it will not move). */
  get isManifestRefused(): boolean {
    return MANIFEST_REFUSED.test(this.stderr);
  }

  get isAuth(): boolean {
    // Word-bounded status codes: a registry port such as :5401 must not read as HTTP 401.
    return /unauthorized|authentication required|access denied|requested access to the resource is denied|\b401\b/i.test(
      this.stderr,
    );
  }

  get isNotFound(): boolean {
    return /manifest unknown|not found|name unknown|\b404\b/i.test(this.stderr);
  }
}

/** What skopeo says when --command-timeout ends it (Go's context deadline). */
const TIMED_OUT = /context deadline exceeded/i;

function formatSeconds(seconds: number): string {
  if (seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}

/** Global options choosing the platform (they go before the verb); none for `all`. */
function platformOptions(platform: PlatformChoice): string[] {
  if (platform.all) return [];
  return [
    '--override-os',
    platform.os,
    '--override-arch',
    platform.architecture,
    ...(platform.variant ? ['--override-variant', platform.variant] : []),
  ];
}

/** The logins of one side of a skopeo command, and the option that hands skopeo their auth file. */
interface AuthSide {
  option: '--authfile' | '--src-authfile' | '--dest-authfile';
  endpoints: RegistryEndpoint[];
}

/**
 * Runs skopeo with logins in temporary auth files (0600, removed afterwards, or by a later process when this one is
 * killed) — never on the command line, where any local user could read them from the process list.
 */
export class Skopeo {
  constructor(
    private readonly binary = 'skopeo',
    private readonly inspectTimeout = INSPECT_TIMEOUT,
    private readonly copyTimeLimit = COPY_TIME_LIMIT,
  ) {}

  /**
   * One auth file per side, named by its option: skopeo looks a login up by registry host, so one shared file would
   * give the destination's login to a source on the same host (two repositories of one ECR registry, a registry with
   * per-project robot accounts). A side without a login gets an empty file: anonymous, never the other side's login.
   */
  private async withAuthFiles<T>(sides: AuthSide[], fn: (authArgs: string[]) => Promise<T>): Promise<T> {
    if (!sides.some((side) => side.endpoints.some((e) => e.login))) return fn([]);
    const dir = await privateTempDir('auth');
    try {
      const authArgs: string[] = [];
      for (const side of sides) {
        const auths: Record<string, { auth: string }> = {};
        for (const e of side.endpoints)
          if (e.login)
            auths[e.registry] = { auth: Buffer.from(`${e.login.username}:${e.login.password}`).toString('base64') };
        const file = join(dir, `${side.option.slice(2)}.json`);
        await writeFile(file, JSON.stringify({ auths }), { mode: 0o600 });
        authArgs.push(side.option, file);
      }
      return await fn(authArgs);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /** Runs `skopeo <args>`; `verb` names the command in errors, `timeLimitSeconds` the limit its args set. */
  private run(verb: string, args: string[], signal?: AbortSignal, timeLimitSeconds?: number): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const child = spawn(this.binary, args, { stdio: ['ignore', 'pipe', 'pipe'], signal });
      const out: Buffer[] = [];
      let err = '';
      child.stdout.on('data', (d: Buffer) => out.push(d));
      child.stderr.on('data', (d: Buffer) => {
        err += d.toString();
      });
      child.on('error', (e: NodeJS.ErrnoException) =>
        reject(e.code === 'ENOENT' ? new SkopeoMissingError(this.binary) : e),
      );
      child.on('close', (code) =>
        code === 0 ? resolve(Buffer.concat(out)) : reject(new SkopeoError(verb, err, code, timeLimitSeconds)),
      );
    });
  }

  /**
   * Digest of the image's manifest as stored (an index for multi-arch), or undefined when the image does not exist.
   * The engine reads digests over HTTP (registry-client.ts); this is its fallback.
   */
  async digest(endpoint: RegistryEndpoint, repoAndTag: string, signal?: AbortSignal): Promise<string | undefined> {
    return this.withAuthFiles([{ option: '--authfile', endpoints: [endpoint] }], async (authArgs) => {
      try {
        const raw = await this.run(
          'inspect',
          [
            '--command-timeout',
            this.inspectTimeout,
            'inspect',
            '--raw',
            `--tls-verify=${!endpoint.insecure}`,
            ...authArgs,
            `docker://${endpoint.registry}/${repoAndTag}`,
          ],
          signal,
        );
        // skopeo inspect --raw prints whatever the registry answered: a web page (a host that serves no registry
        // API, answering every path) hashed as a digest had the image planned and counted as readable.
        if (!isManifest(raw))
          throw new RegistryHttpError(
            endpoint.registry,
            200,
            `${repoAndTag} answered something that is not an image manifest (no JSON with a schemaVersion)`,
          );
        return `sha256:${createHash('sha256').update(raw).digest('hex')}`;
      } catch (err) {
        if (err instanceof SkopeoError && err.isNotFound && !err.isAuth) return undefined;
        throw err;
      }
    });
  }

  /**
   * Copies several images in one process (digests kept), each to `<dest>/<destPath>/<last element of its repository>`:
   * skopeo sync keeps only that last element, so the caller groups images by destination parent path. Images may come
   * from several registries (one YAML section each). --keep-going copies what it can; which images made it is for the
   * caller to verify at the destination — the process's exit says only that something failed.
   */
  async sync(
    images: SyncImage[],
    dest: RegistryEndpoint,
    destPath: string,
    platform: PlatformChoice,
    signal?: AbortSignal,
  ): Promise<void> {
    const known = images.every((i) => i.bytes !== undefined);
    const timeLimit = copySeconds(
      known ? images.reduce((sum, i) => sum + (i.bytes ?? 0), 0) : undefined,
      this.copyTimeLimit,
    );
    const dir = await privateTempDir('sync');
    const list = join(dir, 'images.yaml');
    const registries: Record<string, { 'tls-verify': boolean; images: Record<string, string[]> }> = {};
    const sources = new Map<string, RegistryEndpoint>();
    for (const image of images) {
      sources.set(image.src.registry, image.src);
      const section = registries[image.src.registry] ?? { 'tls-verify': !image.src.insecure, images: {} };
      registries[image.src.registry] = section;
      const references = section.images[image.repository] ?? [];
      section.images[image.repository] = references;
      references.push(image.reference);
    }
    // JSON is YAML: no quoting rules to get wrong. TLS for a yaml source is set here; logins come from the auth file.
    await writeFile(list, JSON.stringify(registries), { mode: 0o600 });
    try {
      const sides: AuthSide[] = [
        { option: '--src-authfile', endpoints: [...sources.values()] },
        { option: '--dest-authfile', endpoints: [dest] },
      ];
      await this.withAuthFiles(sides, (authArgs) =>
        this.run(
          'sync',
          [
            ...platformOptions(platform),
            '--command-timeout',
            `${timeLimit}s`,
            'sync',
            '--src',
            'yaml',
            '--dest',
            'docker',
            ...(platform.all ? ['--all'] : []),
            '--preserve-digests',
            '--keep-going',
            '--retry-times',
            '1',
            `--dest-tls-verify=${!dest.insecure}`,
            ...authArgs,
            list,
            destPath ? `${dest.registry}/${destPath}` : dest.registry,
          ],
          signal,
          timeLimit,
        ),
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /** Copies the image (every platform, or one), keeps its digests, and returns the digest skopeo wrote at the destination. */
  async copy(
    src: RegistryEndpoint,
    srcRef: string,
    dest: RegistryEndpoint,
    destRef: string,
    platform: PlatformChoice,
    bytes: number | undefined,
    signal?: AbortSignal,
  ): Promise<string> {
    const timeLimit = copySeconds(bytes, this.copyTimeLimit);
    const dir = await privateTempDir('copy');
    const digestFile = join(dir, 'digest');
    try {
      const sides: AuthSide[] = [
        { option: '--src-authfile', endpoints: [src] },
        { option: '--dest-authfile', endpoints: [dest] },
      ];
      await this.withAuthFiles(sides, async (authArgs) => {
        await this.run(
          'copy',
          [
            ...platformOptions(platform),
            '--command-timeout',
            `${timeLimit}s`,
            'copy',
            ...(platform.all ? ['--all'] : []),
            '--preserve-digests',
            '--retry-times',
            '1',
            '--digestfile',
            digestFile,
            `--src-tls-verify=${!src.insecure}`,
            `--dest-tls-verify=${!dest.insecure}`,
            ...authArgs,
            `docker://${src.registry}/${srcRef}`,
            `docker://${dest.registry}/${destRef}`,
          ],
          signal,
          timeLimit,
        );
      });
      return (await readFile(digestFile, 'utf8')).trim();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}
