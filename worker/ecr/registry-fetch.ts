/**
 * fetch for a registry and its token server, through the proxy the environment names (HTTPS_PROXY, HTTP_PROXY,
 * ALL_PROXY, NO_PROXY — read as for S3, worker/core/http-proxy-env.ts). Node's fetch ignores those variables, so behind
 * a company proxy every tag listing, token and digest read failed to connect (skopeo, which reads them, still copied).
 */
import { ProxyAgent, fetch as undiciFetch } from 'undici';
import { type HttpProxy, proxyFor } from '../core/http-proxy-env.js';

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

export function registryFetch(url: URL, init: RequestInit): Promise<Response> {
  const proxy = proxyFor(url);
  if (!proxy) return fetch(url, init);
  // undici's own fetch with its own agent: no reliance on which undici the running Node bundles.
  const { signal, method, headers } = init;
  return undiciFetch(url, {
    signal: signal ?? undefined,
    method,
    headers: headers as Record<string, string>,
    dispatcher: agentFor(proxy),
  }) as unknown as Promise<Response>;
}
