/**
 * A forward HTTP proxy for tests (node:http and net only), as a corporate proxy behaves: CONNECT tunnels for
 * https:// origins, absolute-form requests for http:// ones, and, with `login`, 407 without that Proxy-Authorization.
 * Records what it was asked, so tests check that the traffic went through it (and where to).
 */
import http from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';

export interface TestProxy {
  /** http://127.0.0.1:PORT */
  url: string;
  /** host:port of each CONNECT asked for, in order. */
  tunnels: string[];
  /** `METHOD absolute-url` of each forwarded plain-HTTP request. */
  forwarded: string[];
  /** Requests refused for want of the login. */
  refused: number;
  close(): Promise<void>;
}

/** Every variable that names a proxy or its exceptions, in both cases (proxy-from-env reads either). */
const PROXY_VARIABLES = ['http_proxy', 'https_proxy', 'all_proxy', 'no_proxy'].flatMap((v) => [v, v.toUpperCase()]);
const savedProxyEnv = new Map<string, string | undefined>();

/**
 * Sets exactly these proxy variables (as given, in their case) for a test: every other one is cleared, NO_PROXY
 * included, which npm test sets for the local servers. restoreProxyEnv puts back what was there before the first call.
 */
export function setProxyEnv(vars: Record<string, string>): void {
  for (const name of PROXY_VARIABLES) {
    if (!savedProxyEnv.has(name)) savedProxyEnv.set(name, process.env[name]);
    delete process.env[name];
  }
  Object.assign(process.env, vars);
}

export function restoreProxyEnv(): void {
  for (const [name, value] of savedProxyEnv) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  savedProxyEnv.clear();
}

export async function startTestProxy(options: { login?: string } = {}): Promise<TestProxy> {
  const expected = options.login ? `Basic ${Buffer.from(options.login).toString('base64')}` : undefined;
  const sockets = new Set<Socket>();
  const agent = new http.Agent({ keepAlive: true });
  const proxy: TestProxy = { url: '', tunnels: [], forwarded: [], refused: 0, close: async () => {} };
  const allowed = (header: string | undefined) => expected === undefined || header === expected;

  const server = http.createServer((req, res) => {
    if (!allowed(req.headers['proxy-authorization'])) {
      proxy.refused++;
      return void res.writeHead(407, { 'proxy-authenticate': 'Basic realm="test"', 'content-length': 0 }).end();
    }
    const target = new URL(req.url ?? '');
    proxy.forwarded.push(`${req.method} ${req.url}`);
    const headers = { ...req.headers };
    delete headers['proxy-authorization'];
    const up = http.request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: target.pathname + target.search,
        headers,
        agent,
      },
      (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        upRes.pipe(res);
      },
    );
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  server.on('connect', (req: http.IncomingMessage, client: Socket, head: Buffer) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    if (!allowed(req.headers['proxy-authorization'])) {
      proxy.refused++;
      return void client.end(
        'HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="test"\r\n\r\n',
      );
    }
    const authority = req.url ?? '';
    proxy.tunnels.push(authority);
    const colon = authority.lastIndexOf(':');
    const origin = connect({
      host: authority.slice(0, colon).replace(/^\[(.*)\]$/, '$1'),
      port: Number(authority.slice(colon + 1)),
    });
    sockets.add(origin);
    origin.on('close', () => sockets.delete(origin));
    origin.once('connect', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) origin.write(head);
      origin.pipe(client);
      client.pipe(origin);
    });
    origin.on('error', () => client.destroy());
    client.on('error', () => origin.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.close = async () => {
    for (const s of sockets) s.destroy();
    server.closeAllConnections();
    agent.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return proxy;
}
