/**
 * Docker Registry HTTP API v2 requests, so that reading a manifest digest or a catalog page starts no process.
 * Auth: anonymous; HTTP basic from the resolved login (htpasswd, ECR's AWS:<token>); or the Bearer token
 * challenge (Docker Hub, ghcr, quay, gcr). Tokens stay in memory, are registered for redaction and never logged.
 */
import { createHash } from 'node:crypto';
import { redactValue } from '../core/log.js';
import { retryAfterMs } from '../core/retry.js';
import { RegistryHttpError } from './errors.js';
import { registryFetch } from './registry-fetch.js';
import type { RegistryEndpoint } from './skopeo.js';

/** The top-level manifest types skopeo copies with --all: the registry answers with the one it stores. */
export const MANIFEST_ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

const REQUEST_TIMEOUT_MS = 30_000;
// Docker Hub is named docker.io in image references, but its API answers at registry-1.docker.io (as skopeo resolves it).
const DOCKER_HUB_NAMES = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);
const DOCKER_HUB_API = 'registry-1.docker.io';
const SHA256_DIGEST = /^sha256:[0-9a-f]{64}$/;

const INDEX_TYPES = new Set([
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
]);

/** An OS/architecture an image is built for, as a manifest index names it. */
export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

interface Blob {
  digest?: string;
  size?: number;
}

/** A manifest as stored: its digest (sha256 of the bytes), media type and parsed body. */
interface StoredManifest {
  digest: string;
  mediaType: string;
  size: number;
  body: {
    mediaType?: string;
    manifests?: { digest: string; size?: number; platform?: Platform }[];
    config?: Blob;
    layers?: Blob[];
  };
}

/** `Bearer realm="…",service="…",scope="…"` → scheme (lower case) and its parameters. */
export function parseChallenge(header: string | null): { scheme: string; params: Record<string, string> } | undefined {
  const m = header ? /^\s*(\S+)\s*(.*)$/.exec(header) : null;
  if (!m) return undefined;
  const params: Record<string, string> = {};
  for (const p of m[2].matchAll(/([\w-]+)\s*=\s*(?:"([^"]*)"|([^,\s]*))/g)) params[p[1].toLowerCase()] = p[2] ?? p[3];
  return { scheme: m[1].toLowerCase(), params };
}

interface RequestOptions {
  method?: 'GET' | 'HEAD';
  accept: string;
  /** The token scope the request needs (`repository:<repo>:pull`, `registry:catalog:*`), used if the registry asks for a Bearer token. */
  scope: string;
  signal?: AbortSignal;
}

export class RegistryClient {
  /** https, or http for an `insecure` registry that turned out not to speak TLS. */
  private base: URL;
  /** Bearer tokens by scope; a promise so parallel requests of one scope share a single token request. */
  private readonly tokens = new Map<string, Promise<{ value: string; expiresAt: number }>>();

  constructor(readonly endpoint: RegistryEndpoint) {
    this.base = new URL(`https://${DOCKER_HUB_NAMES.has(endpoint.registry) ? DOCKER_HUB_API : endpoint.registry}`);
  }

  /** The repository as the API names it: Docker Hub's official images live under library/ (`nginx` → `library/nginx`). */
  apiRepository(repository: string): string {
    return this.base.host === DOCKER_HUB_API && !repository.includes('/') ? `library/${repository}` : repository;
  }

  get registry(): string {
    return this.endpoint.registry;
  }

  private basicAuth(): string | undefined {
    const login = this.endpoint.login;
    return login ? `Basic ${Buffer.from(`${login.username}:${login.password}`).toString('base64')}` : undefined;
  }

  /**
   * A request to this registry (a path, or a same-origin URL from a Link header), authenticated as the registry asks.
   * Any answer but 401 is returned as is; a 401 that survives the auth the registry asked for throws.
   */
  async request(pathOrUrl: string, o: RequestOptions): Promise<Response> {
    const base = this.base;
    try {
      return await this.authorizedRequest(pathOrUrl, o, base);
    } catch (err) {
      // `insecure`, as skopeo with --tls-verify=false: HTTPS without checking the certificate first, then plain HTTP
      // for a registry that does not speak TLS (no answer over HTTPS); kept for the client's later requests.
      const noTls = err instanceof RegistryHttpError && err.status === undefined && !o.signal?.aborted;
      if (!noTls || !this.endpoint.insecure || base.protocol !== 'https:') throw err;
      if (this.base === base) this.base = new URL(`http://${base.host}`);
      return this.authorizedRequest(pathOrUrl, o, this.base);
    }
  }

  private async authorizedRequest(pathOrUrl: string, o: RequestOptions, base: URL): Promise<Response> {
    const url = new URL(pathOrUrl, base);
    // A Link header written before the client fell back to plain HTTP names the registry's https origin.
    if (url.host === base.host) url.protocol = base.protocol;
    if (url.origin !== base.origin)
      throw new RegistryHttpError(this.registry, undefined, `refusing to follow a link to ${url.origin}`);
    const send = (authorization: string | undefined) =>
      registryFetch(
        this.registry,
        url,
        {
          method: o.method ?? 'GET',
          headers: { accept: o.accept, ...(authorization ? { authorization } : {}) },
          signal: timeoutSignal(o.signal),
        },
        !this.endpoint.insecure,
      );
    const used = this.tokens.get(o.scope);
    const cached = await this.cachedToken(o.scope);
    let res = await send(cached ? `Bearer ${cached}` : this.basicAuth());
    if (res.status !== 401) return res;
    await discard(res);
    const challenge = parseChallenge(res.headers.get('www-authenticate'));
    if (challenge?.scheme === 'bearer') {
      // A token another request fetched meanwhile is reused; the one just refused (expired, revoked) is replaced, once.
      let pending = this.tokens.get(o.scope);
      if (!pending || pending === used) pending = this.fetchToken(o.scope, challenge.params, o.signal);
      res = await send(`Bearer ${(await pending).value}`);
      if (res.status !== 401) return res;
      await discard(res);
      throw new RegistryHttpError(
        this.registry,
        401,
        `access denied with the issued token (HTTP 401, scope ${o.scope || 'none'})`,
        { authFailed: true },
      );
    }
    if (challenge?.scheme === 'basic') {
      throw new RegistryHttpError(
        this.registry,
        401,
        this.endpoint.login ? 'credentials were rejected (HTTP 401)' : 'authentication required (HTTP 401)',
        { authFailed: true, needsLogin: !this.endpoint.login },
      );
    }
    throw new RegistryHttpError(
      this.registry,
      401,
      `unsupported authentication scheme "${challenge?.scheme ?? 'none'}" (HTTP 401)`,
    );
  }

  private async cachedToken(scope: string): Promise<string | undefined> {
    const pending = this.tokens.get(scope);
    const token = pending && (await pending.catch(() => undefined));
    return token && token.expiresAt > Date.now() ? token.value : undefined;
  }

  private fetchToken(
    scope: string,
    challenge: Record<string, string>,
    signal?: AbortSignal,
  ): Promise<{ value: string; expiresAt: number }> {
    const pending = this.requestToken(scope, challenge, signal);
    this.tokens.set(scope, pending);
    pending.catch(() => {
      if (this.tokens.get(scope) === pending) this.tokens.delete(scope);
    });
    return pending;
  }

  /** GET realm?service=…&scope=… (with the basic login, if any), answered by `token` or `access_token`. */
  private async requestToken(
    scope: string,
    challenge: Record<string, string>,
    signal?: AbortSignal,
  ): Promise<{ value: string; expiresAt: number }> {
    if (!challenge.realm) throw new RegistryHttpError(this.registry, 401, 'Bearer challenge without a realm');
    const realm = new URL(challenge.realm);
    if (challenge.service) realm.searchParams.set('service', challenge.service);
    for (const s of (challenge.scope ?? scope).split(' ').filter(Boolean)) realm.searchParams.append('scope', s);
    // The login goes to the token server only where it cannot travel in clear text (plain http is for local registries).
    const basic = realm.protocol === 'https:' || this.endpoint.insecure ? this.basicAuth() : undefined;
    const res = await registryFetch(
      this.registry,
      realm,
      {
        headers: { accept: 'application/json', ...(basic ? { authorization: basic } : {}) },
        signal: timeoutSignal(signal),
      },
      !this.endpoint.insecure,
    );
    if (!res.ok) {
      await discard(res);
      const refused = res.status === 401 || res.status === 403;
      // Refused without a login: the token server gives nobody a token anonymously (as a registry asking only Basic).
      const why = !refused
        ? ''
        : basic
          ? ' (credentials rejected)'
          : this.endpoint.login
            ? ' (the login was not sent: the token server is plain http; insecure=true sends it)'
            : ' (no token without a login)';
      throw new RegistryHttpError(
        this.registry,
        res.status,
        `token server ${realm.host} answered HTTP ${res.status}${why}`,
        { authFailed: refused, needsLogin: refused && !this.endpoint.login },
      );
    }
    const body = (await res.json()) as { token?: string; access_token?: string; expires_in?: number };
    const value = body.token ?? body.access_token;
    if (!value) throw new RegistryHttpError(this.registry, res.status, `token server ${realm.host} returned no token`);
    redactValue(value);
    // Renew 10 s early; the spec's default lifetime is 60 s.
    return { value, expiresAt: Date.now() + Math.max((body.expires_in ?? 60) - 10, 1) * 1000 };
  }

  /**
   * Proves the login before any image is touched: `GET /v2/` with it (through the token server for Bearer registries).
   * Throws RegistryHttpError with `authFailed` when the registry refuses it.
   */
  async checkLogin(signal?: AbortSignal): Promise<void> {
    const res = await this.request('/v2/', { accept: 'application/json', scope: '', signal });
    if (!res.ok) throw await this.refusal(res, 'GET /v2/');
    await discard(res);
  }

  /**
   * A failed answer to `request` as an error, in the registry's own words where its body has them (NAME_UNKNOWN:
   * "repository name not known to registry"): a bare status says a missing repository and a refused one alike.
   */
  async refusal(res: Response, request: string): Promise<RegistryHttpError> {
    const said = registryErrorsOf(await res.text().catch(() => ''));
    return new RegistryHttpError(
      this.registry,
      res.status,
      `${request} answered HTTP ${res.status}${said ? ` (${said})` : ''}`,
      { retryAfterMs: retryAfterMs(res.headers.get('retry-after')) },
    );
  }

  /**
   * Digest of the manifest stored under a tag or digest (an index for multi-arch), exactly as skopeo computes it
   * (sha256 of the stored bytes), or undefined when the registry has no such manifest (404). With `platform`, the
   * digest of that platform's manifest inside an index (what skopeo copies without --all).
   */
  async manifestDigest(
    repository: string,
    reference: string,
    signal?: AbortSignal,
    platform?: Platform,
  ): Promise<string | undefined> {
    const { path, head } = await this.headManifest(repository, reference, signal);
    if (head.status === 404) return undefined;
    // 403: the login is known but may not read this repository; another client with the same login would not either.
    if (!head.ok)
      throw new RegistryHttpError(this.registry, head.status, `HEAD ${path} answered HTTP ${head.status}`, {
        authFailed: head.status === 403,
        retryAfterMs: retryAfterMs(head.headers.get('retry-after')),
      });
    const digest = head.headers.get('docker-content-digest');
    const isIndex = INDEX_TYPES.has((head.headers.get('content-type') ?? '').split(';')[0].trim());
    if (digest && SHA256_DIGEST.test(digest) && !(platform && isIndex)) return digest;
    // No (sha256) digest header, or an index whose platform entry is wanted: read the manifest itself.
    const stored = await this.manifest(repository, reference, signal);
    if (!stored || !platform) return stored?.digest;
    return INDEX_TYPES.has(stored.mediaType)
      ? this.platformEntry(repository, reference, stored, platform).digest
      : stored.digest;
  }

  /**
   * Digests of the child manifests an index names that the registry no longer holds (an ECR lifecycle rule expiring
   * untagged images deletes them, and the index then pulls on no such platform); empty for a single manifest or a
   * whole index. A top manifest gone since its digest was read counts as missing itself.
   */
  async missingChildren(repository: string, reference: string, signal?: AbortSignal): Promise<string[]> {
    const top = await this.manifest(repository, reference, signal);
    if (!top) return [reference];
    if (!INDEX_TYPES.has(top.mediaType)) return [];
    const held = await Promise.all(
      (top.body.manifests ?? []).map(async ({ digest }) => {
        const { path, head } = await this.headManifest(repository, digest, signal);
        if (head.status === 404) return digest;
        if (!head.ok)
          throw new RegistryHttpError(this.registry, head.status, `HEAD ${path} answered HTTP ${head.status}`);
        return undefined;
      }),
    );
    return held.filter((digest): digest is string => digest !== undefined);
  }

  /**
   * Bytes of the image as its manifests state them: config and layers of each manifest copied (every platform, or
   * the one of `platform`) plus the manifests themselves. Layers shared between platforms count once.
   */
  async imageSize(
    repository: string,
    reference: string,
    signal?: AbortSignal,
    platform?: Platform,
  ): Promise<number | undefined> {
    const top = await this.manifest(repository, reference, signal);
    if (!top) return undefined;
    const seen = new Set<string>();
    if (!INDEX_TYPES.has(top.mediaType)) return manifestBytes(top, seen);
    const children = platform ? [this.platformEntry(repository, reference, top, platform)] : (top.body.manifests ?? []);
    let total = platform ? 0 : top.size;
    for (const child of children) {
      const m = await this.manifest(repository, child.digest, signal);
      if (!m)
        throw new RegistryHttpError(
          this.registry,
          404,
          `manifest ${child.digest} of ${repository}:${reference} is missing`,
        );
      total += manifestBytes(m, seen);
    }
    return total;
  }

  /** HEAD of a manifest (tag or digest) with the manifest types skopeo copies; the path, for errors that name it. */
  private async headManifest(
    repository: string,
    reference: string,
    signal?: AbortSignal,
  ): Promise<{ path: string; head: Response }> {
    const name = this.apiRepository(repository);
    const path = `/v2/${name}/manifests/${reference}`;
    const head = await this.request(path, {
      method: 'HEAD',
      accept: MANIFEST_ACCEPT,
      scope: `repository:${name}:pull`,
      signal,
    });
    return { path, head };
  }

  /** GET of a manifest, with its digest computed from the bytes; undefined on 404. */
  private async manifest(
    repository: string,
    reference: string,
    signal?: AbortSignal,
  ): Promise<StoredManifest | undefined> {
    const name = this.apiRepository(repository);
    const path = `/v2/${name}/manifests/${reference}`;
    const res = await this.request(path, { accept: MANIFEST_ACCEPT, scope: `repository:${name}:pull`, signal });
    if (res.status === 404) {
      await discard(res);
      return undefined;
    }
    if (!res.ok) throw await this.refusal(res, `GET ${path}`);
    const bytes = Buffer.from(await res.arrayBuffer());
    let body: StoredManifest['body'];
    try {
      body = JSON.parse(bytes.toString('utf8')) as StoredManifest['body'];
    } catch {
      throw new RegistryHttpError(this.registry, res.status, `GET ${path} answered a manifest that is not JSON`);
    }
    const mediaType = (res.headers.get('content-type') ?? '').split(';')[0].trim() || body.mediaType || '';
    return {
      digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}`,
      mediaType,
      size: bytes.length,
      body,
    };
  }

  /** The index entry for a platform: same OS and architecture, the variant when both name one. */
  private platformEntry(
    repository: string,
    reference: string,
    index: StoredManifest,
    platform: Platform,
  ): { digest: string } {
    const entries = (index.body.manifests ?? []).filter(
      (m) => m.platform?.os === platform.os && m.platform?.architecture === platform.architecture,
    );
    const entry =
      entries.find((m) => !platform.variant || !m.platform?.variant || m.platform.variant === platform.variant) ??
      entries[0];
    if (!entry) {
      throw new RegistryHttpError(
        this.registry,
        404,
        `${repository}:${reference} has no ${platform.os}/${platform.architecture} image (includeUntagged=false copies only the copying machine's platform)`,
      );
    }
    return entry;
  }
}

/** The manifest's own bytes plus its config and layers not counted yet (`seen` holds blob digests already counted). */
function manifestBytes(m: StoredManifest, seen: Set<string>): number {
  let total = m.size;
  for (const blob of [m.body.config, ...(m.body.layers ?? [])]) {
    if (!blob?.size || (blob.digest && seen.has(blob.digest))) continue;
    if (blob.digest) seen.add(blob.digest);
    total += blob.size;
  }
  return total;
}

function timeoutSignal(signal: AbortSignal | undefined): AbortSignal {
  const timeout = AbortSignal.timeout(REQUEST_TIMEOUT_MS);
  return signal ? AbortSignal.any([signal, timeout]) : timeout;
}

/**
 * The errors of a registry's error body (Docker Registry v2 and OCI distribution: `{"errors":[{code, message}]}`) as
 * `CODE: message`, at most 200 characters; undefined for any other body (a proxy's page says nothing of the registry).
 */
function registryErrorsOf(body: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  const errors = (parsed as { errors?: unknown } | null)?.errors;
  if (!Array.isArray(errors)) return undefined;
  const said = errors
    .filter((e): e is { code?: unknown; message?: unknown } => e !== null && typeof e === 'object')
    .map((e) => [e.code, e.message].filter((part) => typeof part === 'string' && part !== '').join(': '))
    .filter((line) => line !== '')
    .join('; ');
  return said === '' ? undefined : said.slice(0, 200);
}

/** Reads an unwanted body so the keep-alive connection can be reused. */
async function discard(res: Response): Promise<void> {
  await res.arrayBuffer().catch(() => undefined);
}
