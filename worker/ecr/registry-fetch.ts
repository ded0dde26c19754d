/**
 * Requests to a registry and its token server, answered as fetch Responses, through the proxy the environment names
 * (HTTPS_PROXY, HTTP_PROXY, ALL_PROXY, NO_PROXY — read as for S3, worker/core/http-proxy-env.ts). Node's fetch ignores
 * those variables, so behind a company proxy every tag listing, token and digest read failed to connect (skopeo, which
 * reads them, still copied). Sent with undici's `request`, not fetch: fetch refuses the Fetch standard's "bad ports"
 * (6000, 6665–6669, 10080, …), where a registry may well listen and skopeo reaches it.
 */
import { Agent, ProxyAgent, request, type Dispatcher } from 'undici';
import { type HttpProxy, proxyFor } from '../core/http-proxy-env.js';
import { withRetryAdvice } from '../core/errors.js';
import { RegistryHttpError } from './errors.js';

/** One agent per proxy (and TLS checking), kept for the process: its connections are reused across requests. */
const agents = new Map<string, Dispatcher>();

/** The agent for a request; undefined: undici's global one (no proxy, certificates checked). */
function agentFor(proxy: HttpProxy | undefined, verifyTls: boolean): Dispatcher | undefined {
  if (!proxy && verifyTls) return undefined;
  const key = `${proxy?.label ?? 'direct'} ${proxy?.authorization ?? ''} ${verifyTls}`;
  let agent = agents.get(key);
  if (!agent) {
    const tls = { rejectUnauthorized: verifyTls };
    agent = proxy
      ? new ProxyAgent({ uri: `http://${proxy.host}:${proxy.port}`, token: proxy.authorization, requestTls: tls })
      : new Agent({ connect: tls });
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
  const failure = new RegistryHttpError(registry, undefined, `cannot reach ${url.origin}${via}: ${detail}`);
  // A certificate, or a server without TLS, answers the same on every attempt.
  return tlsCodeOf(err) ? withRetryAdvice(failure, { retryable: false }) : failure;
}

/**
 * Trusting a CA takes both readers: this engine (Node: NODE_EXTRA_CA_CERTS) and skopeo, which copies and reads what
 * the engine cannot (containers' certs.d). Naming only the first made the digest reads pass and every copy fail.
 */
const TRUST_CA = 'trust its CA in NODE_EXTRA_CA_CERTS and /etc/containers/certs.d/<registry>/ca.crt';

/** TLS failures in words (OpenSSL's own are a line of internals), with what would let the request through. */
const TLS_REASONS: Record<string, string> = {
  ERR_SSL_WRONG_VERSION_NUMBER: 'no TLS answer there (a plain-HTTP registry: insecure=true)',
  DEPTH_ZERO_SELF_SIGNED_CERT: `its certificate is self-signed (insecure=true, or ${TRUST_CA})`,
  SELF_SIGNED_CERT_IN_CHAIN: `its certificate comes from a CA this machine does not trust (${TRUST_CA})`,
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: `its certificate comes from a CA this machine does not trust (${TRUST_CA})`,
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: `its certificate comes from a CA this machine does not trust (${TRUST_CA})`,
  CERT_HAS_EXPIRED: 'its certificate has expired',
  ERR_TLS_CERT_ALTNAME_INVALID: 'its certificate names another host',
};

/** The code of a TLS failure TLS_REASONS words, in the error or its causes. */
function tlsCodeOf(err: Error): string | undefined {
  for (let cause: unknown = err; cause instanceof Error; cause = cause.cause) {
    const code = (cause as { code?: unknown }).code;
    if (typeof code === 'string' && TLS_REASONS[code]) return code;
  }
  return undefined;
}

/**
 * The system error code (ECONNREFUSED, ENOTFOUND…) or TLS failure of the error or its causes, else the innermost
 * cause's words.
 */
function reasonOf(err: Error): string {
  const tls = tlsCodeOf(err);
  if (tls) return `${TLS_REASONS[tls]} (${tls})`;
  let innermost = err;
  for (let cause: unknown = err; cause instanceof Error; cause = cause.cause) {
    const code = (cause as { code?: unknown }).code;
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return code;
    innermost = cause;
  }
  return innermost.message;
}

/**
 * A request to `registry` (or its token server at `url`); one that got no answer throws a RegistryHttpError.
 * `verifyTls: false` (the task's `insecure`): a certificate no CA vouches for is taken, as skopeo's --tls-verify=false.
 */
export async function registryFetch(
  registry: string,
  url: URL,
  init: RequestInit,
  verifyTls = true,
): Promise<Response> {
  const proxy = proxyFor(url);
  try {
    return await send(url, init, agentFor(proxy, verifyTls));
  } catch (err) {
    throw unreachable(registry, url, proxy, err, init);
  }
}

/** Redirects followed, as fetch would (registries answer manifests, tags and tokens directly; a mirror may redirect). */
const MAX_REDIRECTS = 5;

async function send(url: URL, init: RequestInit, dispatcher: Dispatcher | undefined): Promise<Response> {
  const method = (init.method ?? 'GET') as Dispatcher.HttpMethod;
  const answer = await request(url, {
    method,
    headers: init.headers as Record<string, string>,
    signal: init.signal ?? undefined,
    maxRedirections: MAX_REDIRECTS,
    ...(dispatcher ? { dispatcher } : {}),
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
