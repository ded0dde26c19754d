import type { IncomingMessage } from 'node:http';

/**
 * Which requests the hub serves at all, before any token check. A web page on another site can make the browser send
 * requests to the hub on 127.0.0.1 in two ways: under its own host name (DNS rebinding — the name is re-pointed at
 * 127.0.0.1, the browser still sends `Host: attacker.example` and treats the hub as that site, so the page may read
 * the answers), or from its own origin (a cross-site POST). The first is stopped by serving only the names the hub is
 * really reached by (loopback names, plus a public name given with --public-host for a reverse proxy); the second by
 * refusing a state-changing request whose Origin is not one of those names. Requests without an Origin (curl, scripts,
 * the CLI) still need the token.
 */
export interface RequestGuardOptions {
  /** Port the hub listens on: a loopback Host naming another port is another local server's name. */
  port: number;
  /** Extra host names (with an optional :port) the hub is reached by, e.g. behind a reverse proxy. */
  publicHosts?: readonly string[];
}

const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'];
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const DEFAULT_PORTS = new Set(['80', '443']);

/** `name` or `name:port`, lower case; undefined for anything else (userinfo, paths, empty). */
function splitHost(value: string): { name: string; port?: string } | undefined {
  const m = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::(\d{1,5}))?$/.exec(value.trim().toLowerCase());
  return m ? { name: m[1], port: m[2] } : undefined;
}

export function createRequestGuard(options: RequestGuardOptions) {
  const publicHostNames = options.publicHosts ?? [];
  const publicHosts = publicHostNames.map((h) => splitHost(h)).filter((h) => h !== undefined);

  /** A Host (or an Origin's host) that names this hub. */
  const isOurHost = (value: string): boolean => {
    const host = splitHost(value);
    if (!host) return false;
    if (LOOPBACK_NAMES.includes(host.name)) return host.port === undefined || Number(host.port) === options.port;
    // A public name without a port in its flag accepts any port (the proxy's); with one, only that. A Host without a
    // port is the scheme's default (RFC 9110 §7.2: browsers and `proxy_set_header Host $host` leave :443 and :80 out).
    return publicHosts.some(
      (p) =>
        p.name === host.name &&
        (p.port === undefined || p.port === host.port || (host.port === undefined && DEFAULT_PORTS.has(p.port))),
    );
  };

  /**
   * An origin is scheme, name and port, the port implied by the scheme when absent: `http://localhost` is a page on
   * port 80 and `https://127.0.0.1:<port>` another server, not this hub (which serves plain HTTP on `port`).
   */
  const originIsOurs = (origin: string): boolean => {
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      return false; // "null" (sandboxed frames, file: pages) and anything malformed
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
    const port = url.port || (url.protocol === 'https:' ? '443' : '80');
    if (LOOPBACK_NAMES.includes(url.hostname)) return url.protocol === 'http:' && Number(port) === options.port;
    // A public name (a reverse proxy, perhaps with TLS) without a port in its flag accepts any port; with one, only that.
    return publicHosts.some((p) => p.name === url.hostname && (p.port === undefined || p.port === port));
  };

  /** Why the request is refused (answered 403), or undefined when it may go on to the token check and routing. */
  return (req: IncomingMessage): string | undefined => {
    const host = req.headers.host ?? '';
    if (!isOurHost(host)) {
      return (
        `host "${host}" is not this hub's: it answers to 127.0.0.1, localhost and [::1] on port ${options.port}` +
        (publicHosts.length ? ` and to ${publicHostNames.join(', ')}` : ' (dth serve --public-host NAME adds a name)')
      );
    }
    const origin = req.headers.origin;
    if (origin !== undefined && !SAFE_METHODS.has(req.method ?? 'GET') && !originIsOurs(origin)) {
      return `origin "${origin}" may not change this hub: requests from another site are refused`;
    }
    return undefined;
  };
}
