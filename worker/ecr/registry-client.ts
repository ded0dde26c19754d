/**
 * Docker Registry HTTP API v2 requests, so that reading a manifest digest or a catalog page starts no process.
 * Auth: anonymous; HTTP basic from the resolved login (htpasswd, ECR's AWS:<token>); or the Bearer token
 * challenge (Docker Hub, ghcr, quay, gcr). Tokens stay in memory, are registered for redaction and never logged.
 */
import { createHash } from 'node:crypto';
import { redactValue } from '../core/log.js';
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

export class RegistryHttpError extends Error {
  constructor(readonly registry: string, readonly status: number | undefined, detail: string) {
    super(`${registry}: ${detail}`);
  }
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
  private readonly base: URL;
  /** Bearer tokens by scope; a promise so parallel requests of one scope share a single token request. */
  private readonly tokens = new Map<string, Promise<{ value: string; expiresAt: number }>>();

  constructor(readonly endpoint: RegistryEndpoint) {
    this.base = new URL(`${endpoint.insecure ? 'http' : 'https'}://${DOCKER_HUB_NAMES.has(endpoint.registry) ? DOCKER_HUB_API : endpoint.registry}`);
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
    return login ? 'Basic ' + Buffer.from(`${login.username}:${login.password}`).toString('base64') : undefined;
  }

  /**
   * A request to this registry (a path, or a same-origin URL from a Link header), authenticated as the registry asks.
   * Any answer but 401 is returned as is; a 401 that survives the auth the registry asked for throws.
   */
  async request(pathOrUrl: string, o: RequestOptions): Promise<Response> {
    const url = new URL(pathOrUrl, this.base);
    if (url.origin !== this.base.origin) throw new RegistryHttpError(this.registry, undefined, `refusing to follow a link to ${url.origin}`);
    const send = (authorization: string | undefined) => fetch(url, {
      method: o.method ?? 'GET',
      headers: { accept: o.accept, ...(authorization ? { authorization } : {}) },
      signal: timeoutSignal(o.signal),
    });
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
      throw new RegistryHttpError(this.registry, 401, `access denied with the issued token (HTTP 401, scope ${o.scope})`);
    }
    if (challenge?.scheme === 'basic') {
      throw new RegistryHttpError(this.registry, 401, this.endpoint.login ? 'credentials were rejected (HTTP 401)' : 'authentication required (HTTP 401)');
    }
    throw new RegistryHttpError(this.registry, 401, `unsupported authentication scheme "${challenge?.scheme ?? 'none'}" (HTTP 401)`);
  }

  private async cachedToken(scope: string): Promise<string | undefined> {
    const pending = this.tokens.get(scope);
    const token = pending && (await pending.catch(() => undefined));
    return token && token.expiresAt > Date.now() ? token.value : undefined;
  }

  private fetchToken(scope: string, challenge: Record<string, string>, signal?: AbortSignal): Promise<{ value: string; expiresAt: number }> {
    const pending = this.requestToken(scope, challenge, signal);
    this.tokens.set(scope, pending);
    pending.catch(() => { if (this.tokens.get(scope) === pending) this.tokens.delete(scope); });
    return pending;
  }

  /** GET realm?service=…&scope=… (with the basic login, if any), answered by `token` or `access_token`. */
  private async requestToken(scope: string, challenge: Record<string, string>, signal?: AbortSignal): Promise<{ value: string; expiresAt: number }> {
    if (!challenge.realm) throw new RegistryHttpError(this.registry, 401, 'Bearer challenge without a realm');
    const realm = new URL(challenge.realm);
    if (challenge.service) realm.searchParams.set('service', challenge.service);
    for (const s of (challenge.scope ?? scope).split(' ').filter(Boolean)) realm.searchParams.append('scope', s);
    // The login goes to the token server only where it cannot travel in clear text (plain http is for local registries).
    const basic = realm.protocol === 'https:' || this.endpoint.insecure ? this.basicAuth() : undefined;
    const res = await fetch(realm, { headers: { accept: 'application/json', ...(basic ? { authorization: basic } : {}) }, signal: timeoutSignal(signal) });
    if (!res.ok) {
      await discard(res);
      throw new RegistryHttpError(this.registry, res.status, `token server ${realm.host} answered HTTP ${res.status}${res.status === 401 ? ' (credentials rejected)' : ''}`);
    }
    const body = (await res.json()) as { token?: string; access_token?: string; expires_in?: number };
    const value = body.token ?? body.access_token;
    if (!value) throw new RegistryHttpError(this.registry, res.status, `token server ${realm.host} returned no token`);
    redactValue(value);
    // Renew 10 s early; the spec's default lifetime is 60 s.
    return { value, expiresAt: Date.now() + Math.max((body.expires_in ?? 60) - 10, 1) * 1000 };
  }

  /**
   * Digest of the manifest stored under a tag or digest (an index for multi-arch), exactly as skopeo computes it
   * (sha256 of the stored bytes), or undefined when the registry has no such manifest (404).
   */
  async manifestDigest(repository: string, reference: string, signal?: AbortSignal): Promise<string | undefined> {
    const name = this.apiRepository(repository);
    const path = `/v2/${name}/manifests/${reference}`;
    const o = { accept: MANIFEST_ACCEPT, scope: `repository:${name}:pull`, signal };
    const head = await this.request(path, { ...o, method: 'HEAD' });
    if (head.status === 404) return undefined;
    if (!head.ok) throw new RegistryHttpError(this.registry, head.status, `HEAD ${path} answered HTTP ${head.status}`);
    const digest = head.headers.get('docker-content-digest');
    if (digest && SHA256_DIGEST.test(digest)) return digest;
    // No (sha256) digest header: hash the manifest bytes ourselves.
    const get = await this.request(path, o);
    if (get.status === 404) return undefined;
    if (!get.ok) {
      await discard(get);
      throw new RegistryHttpError(this.registry, get.status, `GET ${path} answered HTTP ${get.status}`);
    }
    return 'sha256:' + createHash('sha256').update(Buffer.from(await get.arrayBuffer())).digest('hex');
  }
}

function timeoutSignal(signal: AbortSignal | undefined): AbortSignal {
  const timeout = AbortSignal.timeout(REQUEST_TIMEOUT_MS);
  return signal ? AbortSignal.any([signal, timeout]) : timeout;
}

/** Reads an unwanted body so the keep-alive connection can be reused. */
async function discard(res: Response): Promise<void> {
  await res.arrayBuffer().catch(() => undefined);
}
