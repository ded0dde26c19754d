/**
 * Requests to a registry and its token server, answered as fetch Responses, through the proxy the environment names
 * (HTTPS_PROXY, HTTP_PROXY, ALL_PROXY, NO_PROXY — read as for S3, worker/core/http-proxy-env.ts). Node's fetch ignores
 * those variables, so behind a company proxy every tag listing, token and digest read failed to connect (skopeo, which
 * reads them, still copied). Sent with undici's `request`, not fetch: fetch refuses the Fetch standard's "bad ports"
 * (6000, 6665–6669, 10080, …), where a registry may well listen and skopeo reaches it.
 */
import { ProxyAgent, request, type Dispatcher } from 'undici';
import { type HttpProxy, proxyFor } from '../core/http-proxy-env.js';
import { RegistryHttpError } from './errors.js';

/** One agent per proxy, kept for the process: its connections are reused across requests. */
const agents = new Map<string, ProxyAgent>();

function agentFor(proxy: HttpProxy): ProxyAgent {
  const key = `${proxy.label} ${proxy.authorization ?? ''}`;
  let agent = agents.get(key);
  if (!agent) {
    agent = new ProxyAgent({ uri: `http://${proxy.host}:${proxy.port}`, token: proxy.authorization });
    agents.set(key, agent);
  }
  return agent;
}

/**
 * A request that got no answer, in words naming the registry: fetch says only "fetch failed", the network error
 * (ENOTFOUND, ECONNREFUSED, a proxy's refusal) is in its causes. Retryable, as network errors are. The caller's own
 * abort (the run stopping) goes on as it is; a timeout is ours to word.
 */
function unreachable(
  registry: string,
  url: URL,
  proxy: HttpProxy | undefined,
  err: unknown,
  init: RequestInit,
): unknown {
  if (!(err instanceof Error) || (init.signal?.aborted && err.name !== 'TimeoutError')) return err;
  const detail = err.name === 'TimeoutError' ? 'no answer in time' : reasonOf(err);
  const via = proxy ? ` through the proxy ${proxy.label} (HTTPS_PROXY/HTTP_PROXY)` : '';
  return new RegistryHttpError(registry, undefined, `cannot reach ${url.origin}${via}: ${detail}`);
}

/** The system error code (ECONNREFUSED, ENOTFOUND…) of the error or its causes, else the innermost cause's words. */
function reasonOf(err: Error): string {
  let innermost = err;
  for (let cause: unknown = err; cause instanceof Error; cause = cause.cause) {
    const code = (cause as { code?: unknown }).code;
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return code;
    innermost = cause;
  }
  return innermost.message;
}

/** A request to `registry` (or its token server at `url`); one that got no answer throws a RegistryHttpError. */
export async function registryFetch(registry: string, url: URL, init: RequestInit): Promise<Response> {
  const proxy = proxyFor(url);
  try {
    return await send(url, init, proxy);
  } catch (err) {
    throw unreachable(registry, url, proxy, err, init);
  }
}

/** Redirects followed, as fetch would (registries answer manifests, tags and tokens directly; a mirror may redirect). */
const MAX_REDIRECTS = 5;

async function send(url: URL, init: RequestInit, proxy: HttpProxy | undefined): Promise<Response> {
  const method = (init.method ?? 'GET') as Dispatcher.HttpMethod;
  const answer = await request(url, {
    method,
    headers: init.headers as Record<string, string>,
    signal: init.signal ?? undefined,
    maxRedirections: MAX_REDIRECTS,
    ...(proxy ? { dispatcher: agentFor(proxy) } : {}),
  });
  const headers = new Headers();
  for (const [name, value] of Object.entries(answer.headers)) {
    for (const v of Array.isArray(value) ? value : value === undefined ? [] : [value]) headers.append(name, v);
  }
  // Manifests, tag pages and tokens are small: read whole, so the caller's Response methods work as with fetch.
  const body = await answer.body.arrayBuffer();
  const bodyless = method === 'HEAD' || answer.statusCode === 204 || answer.statusCode === 304;
  return new Response(bodyless ? null : body, { status: answer.statusCode, headers });
}
