/**
 * The proxy an endpoint's requests go through, from the environment as curl and other S3 tools read it (HTTPS_PROXY,
 * HTTP_PROXY, ALL_PROXY and NO_PROXY, in either case). proxy-from-env reads the variables (NO_PROXY's suffixes, ports
 * and `*`). One reading for every client of ours: the lean S3 client, the registry client and the AWS SDK's clients.
 */
import { getProxyForUrl } from 'proxy-from-env';

export interface HttpProxy {
  host: string;
  port: number;
  /** Proxy-Authorization value, from user:password in the proxy URL (never logged). */
  authorization?: string;
  /** The proxy URL without its credentials, for messages. */
  label: string;
}

/** A proxy variable's value, lower case first, then upper (as proxy-from-env reads them). */
function env(name: string): string {
  return process.env[name] || process.env[name.toUpperCase()] || '';
}

/** The variable proxy-from-env takes the proxy from (the endpoint scheme's, then ALL_PROXY). */
function proxyVariable(endpoint: URL): string {
  return env(`${endpoint.protocol.slice(0, -1)}_proxy`) || env('all_proxy');
}

/** Whether any proxy is named at all: without one, every request goes direct and no proxying client is needed. */
export function anyProxyConfigured(): boolean {
  return ['https_proxy', 'http_proxy', 'all_proxy'].some((name) => env(name) !== '');
}

/**
 * The proxy URL for requests to `endpoint` (an http(s) URL), credentials included, or undefined when they go direct.
 * For an agent that takes the proxy as a URL (the AWS SDK's); never logged.
 */
export function proxyUrlFor(endpoint: URL): URL | undefined {
  let configured = getProxyForUrl(endpoint);
  if (!configured) return undefined;
  // Written without a scheme (HTTPS_PROXY=proxy.corp:3128, the usual way), a proxy is an http:// one, as curl and Go
  // read it; proxy-from-env gives it the endpoint's scheme instead.
  if (!proxyVariable(endpoint).includes('://')) configured = configured.replace(/^https:/, 'http:');
  let url: URL;
  try {
    url = new URL(configured);
  } catch {
    throw new Error(`the proxy for ${endpoint.origin} (HTTPS_PROXY/HTTP_PROXY) is not a URL`);
  }
  if (url.protocol !== 'http:')
    throw new Error(
      `the proxy for ${endpoint.origin} must be an http:// URL (HTTPS_PROXY/HTTP_PROXY), not ${url.protocol}//`,
    );
  return url;
}

/** The proxy for requests to `endpoint` (an http(s) URL), or undefined when they go direct. */
export function proxyFor(endpoint: URL): HttpProxy | undefined {
  const url = proxyUrlFor(endpoint);
  if (!url) return undefined;
  const user = decodeURIComponent(url.username);
  const password = decodeURIComponent(url.password);
  return {
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port ? Number(url.port) : 80,
    authorization: user || password ? `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` : undefined,
    label: `http://${url.host}`,
  };
}

/**
 * The proxy answered a CONNECT with something else than 200: an error shaped like a socket's (code EPROXY, or
 * EPROXYAUTH for 407, which no retry mends), marked as the proxy's, with the answer's status.
 */
export function tunnelRefusedError(
  proxy: Pick<HttpProxy, 'label'>,
  authority: string,
  status: string | undefined,
): Error {
  const code = status === '407' ? 'EPROXYAUTH' : 'EPROXY';
  const why = status === '407' ? ' (proxy authentication required: user:password in the proxy URL)' : '';
  return Object.assign(
    new Error(`proxy ${proxy.label} refused a tunnel to ${authority}: ${status ?? 'no HTTP status'}${why}`),
    { code, viaProxy: proxy.label },
  );
}
