/**
 * A registry front for tests (node:http only): proxies to a real docker-registry and, depending on the mode,
 * demands a Bearer token from its own token server (as Docker Hub, ghcr, quay and gcr do), demands one basic login
 * (as ECR does with `AWS:<token>`: the stand-in for an ECR registry whose API is the emulator's), answers HEAD with an
 * auth scheme nobody speaks, drops Docker-Content-Digest, plays a tag deleted between a HEAD and the copy's GET, or
 * ignores the `last` of paginated listings (the first page again, with its Link), refuses to move a tag that holds
 * another image (ECR's tag immutability: 400 TAG_INVALID), or answers listings with 200 and something else (a sign-in
 * page for the catalog, another service's JSON for tags), or never answers for some repositories' manifests, or for blob uploads,
 * or answers listings or manifest HEADs with an error first (a throttling 429 with Retry-After, a 503), or answers manifest
 * PUTs as stored while it drops them, or stores them altered (a byte more: another digest). Counts what it served.
 */
import { createHash, randomBytes } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const TOKEN_SERVICE = 'dth-test-registry';

export interface RegistryFrontOptions {
  /** host:port of the real registry behind the front. */
  upstream: string;
  mode:
    | 'bearer'
    | 'basic'
    | 'negotiate-head'
    | 'no-digest-header'
    | 'deleted-after-head'
    | 'ignores-last'
    | 'immutable-tags'
    | 'not-listings'
    | 'holds-manifests'
    | 'holds-uploads'
    | 'fails-reads'
    | 'drops-manifests'
    | 'alters-manifests';
  /** holds-manifests mode: repositories whose manifest requests are never answered (a registry that hangs). */
  held?: string[];
  /** fails-reads mode: the answer to the first `times` such requests (then passed through; `times` absent: always). */
  readFailure?: {
    requests: 'listings' | 'manifest-heads';
    status: 429 | 503;
    retryAfterSeconds?: number;
    times?: number;
  };
  /** deleted-after-head mode: `repository:tag`s whose manifest HEAD still answers but whose GET is 404 MANIFEST_UNKNOWN. */
  deleted?: string[];
  /** Bearer mode: the basic login the token server requires (none: anonymous tokens). Basic mode: the only login accepted. */
  login?: { username: string; password: string };
  /** Bearer mode: the JSON field the token comes in. */
  tokenField?: 'token' | 'access_token';
  /** Basic mode: decides each login instead of `login` (e.g. a token that expires). */
  accepts?: (username: string, password: string) => boolean;
  /** Basic mode: what an accepted login may do (as a registry with per-repository robot accounts); refused: 403 DENIED. */
  allows?: (username: string, method: string, path: string) => boolean;
}

export interface TokenRequest {
  service: string | null;
  scopes: string[];
  user?: string;
  granted: boolean;
}

export interface RegistryFront {
  /** host:port of the front. */
  registry: string;
  tokenRequests: TokenRequest[];
  /** Registry requests answered 401 for want of a valid token (bearer) or login (basic). */
  challenges: number;
  /** Basic mode: the users of the basic logins the front accepted. */
  acceptedUsers: string[];
  /** Basic mode with `allows`: the requests refused, as `user METHOD path`. */
  denied: string[];
  /** Requests passed through to the real registry, as `METHOD path`. */
  forwarded: string[];
  /** fails-reads mode: the requests answered with the failure, as `METHOD path`. */
  failedReads: string[];
  close(): Promise<void>;
}

/** The pull scope a registry path needs (`/v2/` itself needs a token but no scope). */
function scopeOf(path: string): string | undefined {
  if (path.startsWith('/v2/_catalog')) return 'registry:catalog:*';
  const m = /^\/v2\/(.+?)\/(manifests|blobs|tags)\//.exec(path);
  return m ? `repository:${m[1]}:pull` : undefined;
}

function manifestPath(ref: string): string {
  const colon = ref.lastIndexOf(':');
  return `/v2/${ref.slice(0, colon)}/manifests/${ref.slice(colon + 1)}`;
}

function listen(server: http.Server): Promise<string> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve(`127.0.0.1:${(server.address() as AddressInfo).port}`)),
  );
}

export async function startRegistryFront(o: RegistryFrontOptions): Promise<RegistryFront> {
  const grants = new Map<string, Set<string>>();
  const front: RegistryFront = {
    registry: '',
    tokenRequests: [],
    challenges: 0,
    acceptedUsers: [],
    denied: [],
    forwarded: [],
    failedReads: [],
    close: async () => {},
  };

  const tokenServer = http.createServer((req, res) => {
    const url = new URL(req.url!, 'http://x');
    const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '');
    const [user, ...rest] = basic ? Buffer.from(basic[1], 'base64').toString().split(':') : [];
    const loginOk = !o.login || (user === o.login.username && rest.join(':') === o.login.password);
    const scopes = url.searchParams.getAll('scope');
    const granted = url.pathname === '/token' && url.searchParams.get('service') === TOKEN_SERVICE && loginOk;
    front.tokenRequests.push({ service: url.searchParams.get('service'), scopes, user, granted });
    if (!granted)
      return void res.writeHead(loginOk ? 400 : 401, { 'content-type': 'application/json' }).end('{"details":"no"}');
    const token = randomBytes(16).toString('hex');
    grants.set(token, new Set(scopes));
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ [o.tokenField ?? 'token']: token, expires_in: 300 }));
  });
  const tokenHost = await listen(tokenServer);

  const forward = (
    req: IncomingMessage,
    res: ServerResponse,
    transform?: (headers: http.IncomingHttpHeaders) => void,
  ) => {
    front.forwarded.push(`${req.method} ${req.url}`);
    const headers = { ...req.headers, host: o.upstream };
    delete headers.authorization;
    const up = http.request(
      {
        host: o.upstream.split(':')[0],
        port: Number(o.upstream.split(':')[1]),
        method: req.method,
        path: req.url,
        headers,
      },
      (upRes) => {
        transform?.(upRes.headers);
        res.writeHead(upRes.statusCode!, upRes.headers);
        upRes.pipe(res);
      },
    );
    up.on('error', () => res.destroy());
    req.pipe(up);
  };

  /** Manifest types a HEAD accepts, so the registry answers the digest of whatever the tag holds. */
  const MANIFEST_TYPES = [
    'application/vnd.oci.image.index.v1+json',
    'application/vnd.oci.image.manifest.v1+json',
    'application/vnd.docker.distribution.manifest.list.v2+json',
    'application/vnd.docker.distribution.manifest.v2+json',
  ].join(', ');

  /** A manifest PUT to a tag: refused (as ECR does) when the tag exists and holds another digest, else passed on. */
  const putUnlessTagMoves = (req: IncomingMessage, res: ServerResponse, repository: string, tag: string) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const digest = `sha256:${createHash('sha256').update(body).digest('hex')}`;
      const [host, port] = o.upstream.split(':');
      const head = http.request(
        { host, port: Number(port), method: 'HEAD', path: req.url, headers: { accept: MANIFEST_TYPES } },
        (upRes) => {
          upRes.resume();
          const held = upRes.statusCode === 200 ? upRes.headers['docker-content-digest'] : undefined;
          if (held !== undefined && held !== digest) {
            const message = `The image tag '${tag}' already exists in the '${repository}' repository and cannot be overwritten because the repository is immutable.`;
            return void res
              .writeHead(400, { 'content-type': 'application/json' })
              .end(JSON.stringify({ errors: [{ code: 'TAG_INVALID', message }] }));
          }
          const put = http.request(
            { host, port: Number(port), method: 'PUT', path: req.url, headers: { ...req.headers, host: o.upstream } },
            (putRes) => {
              res.writeHead(putRes.statusCode!, putRes.headers);
              putRes.pipe(res);
            },
          );
          put.on('error', () => res.destroy());
          put.end(body);
        },
      );
      head.on('error', () => res.destroy());
      head.end();
    });
  };

  /** A manifest PUT by tag answered as stored: dropped (201, nothing kept), or stored with a newline more. */
  const mishandleManifest = (req: IncomingMessage, res: ServerResponse, how: 'drop' | 'alter') => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const sent = Buffer.concat(chunks);
      const digest = `sha256:${createHash('sha256').update(sent).digest('hex')}`;
      if (how === 'drop')
        return void res.writeHead(201, { 'docker-content-digest': digest, 'content-length': '0' }).end();
      const body = Buffer.concat([sent, Buffer.from('\n')]);
      const [host, port] = o.upstream.split(':');
      const headers = { ...req.headers, host: o.upstream, 'content-length': String(body.length) };
      const put = http.request({ host, port: Number(port), method: 'PUT', path: req.url, headers }, (putRes) => {
        putRes.resume();
        // Answered with the digest of what was sent, as a registry that kept it would.
        res.writeHead(putRes.statusCode!, { 'docker-content-digest': digest, 'content-length': '0' }).end();
      });
      put.on('error', () => res.destroy());
      put.end(body);
    });
  };

  const registryServer = http.createServer((req, res) => {
    const path = req.url!;
    const manifestPut = req.method === 'PUT' ? /^\/v2\/(.+)\/manifests\/([^/?]+)$/.exec(path.split('?')[0]) : null;
    if (o.mode === 'immutable-tags' && manifestPut && !manifestPut[2].startsWith('sha256:')) {
      front.forwarded.push(`${req.method} ${req.url}`);
      return putUnlessTagMoves(req, res, manifestPut[1], manifestPut[2]);
    }
    const byTag = manifestPut && !manifestPut[2].startsWith('sha256:');
    if ((o.mode === 'drops-manifests' || o.mode === 'alters-manifests') && byTag) {
      front.forwarded.push(`${req.method} ${req.url}`);
      return mishandleManifest(req, res, o.mode === 'drops-manifests' ? 'drop' : 'alter');
    }
    if (o.mode === 'holds-uploads' && path.includes('/blobs/uploads/')) {
      return; // a registry that stops answering in the middle of a push
    }
    if (o.mode === 'holds-manifests' && o.held?.some((repository) => path.startsWith(`/v2/${repository}/manifests/`))) {
      return; // held until the client gives up or the front closes
    }
    if (o.mode === 'negotiate-head' && req.method === 'HEAD' && path.includes('/manifests/')) {
      return void res.writeHead(401, { 'www-authenticate': 'Negotiate' }).end();
    }
    if (
      o.mode === 'deleted-after-head' &&
      req.method === 'GET' &&
      o.deleted?.some((ref) => path === manifestPath(ref))
    ) {
      return void res
        .writeHead(404, { 'content-type': 'application/json' })
        .end('{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}');
    }
    const failure = o.readFailure;
    if (
      o.mode === 'fails-reads' &&
      failure &&
      (failure.times === undefined || front.failedReads.length < failure.times) &&
      (failure.requests === 'listings'
        ? /^\/v2\/(_catalog|.+\/tags\/list)(\?|$)/.test(path)
        : req.method === 'HEAD' && path.includes('/manifests/'))
    ) {
      front.failedReads.push(`${req.method} ${path}`);
      const code = failure.status === 429 ? 'TOOMANYREQUESTS' : 'UNAVAILABLE';
      return void res
        .writeHead(failure.status, {
          'content-type': 'application/json',
          ...(failure.retryAfterSeconds === undefined ? {} : { 'retry-after': String(failure.retryAfterSeconds) }),
        })
        .end(JSON.stringify({ errors: [{ code, message: 'try again later' }] }));
    }
    if (o.mode === 'not-listings' && req.method === 'GET' && /^\/v2\/(_catalog|.+\/tags\/list)(\?|$)/.test(path)) {
      // As a sign-in page or another service would answer in the registry's place: 200, but no listing.
      if (path.startsWith('/v2/_catalog'))
        return void res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>Sign in</body></html>');
      return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    }
    if (o.mode === 'ignores-last') {
      // As a registry that does not page: the query's `last` is dropped, so the first page (and its Link) comes again.
      const url = new URL(path, 'http://x');
      url.searchParams.delete('last');
      req.url = url.pathname + url.search;
    }
    if (o.mode === 'no-digest-header')
      return forward(req, res, (h) => {
        delete h['docker-content-digest'];
      });
    if (o.mode === 'basic') {
      const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '');
      const decoded = basic ? Buffer.from(basic[1], 'base64').toString() : '';
      const user = decoded.slice(0, decoded.indexOf(':'));
      const accepted = o.accepts
        ? o.accepts(user, decoded.slice(user.length + 1))
        : o.login !== undefined && decoded === `${o.login.username}:${o.login.password}`;
      if (!accepted) {
        front.challenges++;
        return void res
          .writeHead(401, { 'www-authenticate': 'Basic realm="dth-test"', 'content-type': 'application/json' })
          .end('{"errors":[{"code":"UNAUTHORIZED"}]}');
      }
      if (o.allows && path !== '/v2/' && !o.allows(user, req.method ?? 'GET', path)) {
        front.denied.push(`${user} ${req.method} ${path}`);
        return void res
          .writeHead(403, { 'content-type': 'application/json' })
          .end('{"errors":[{"code":"DENIED","message":"requested access to the resource is denied"}]}');
      }
      front.acceptedUsers.push(user);
    }
    if (o.mode === 'bearer') {
      const scope = scopeOf(path);
      const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      const granted = token ? grants.get(token) : undefined;
      if (!granted || (scope && !granted.has(scope))) {
        front.challenges++;
        const challenge = `Bearer realm="http://${tokenHost}/token",service="${TOKEN_SERVICE}"${scope ? `,scope="${scope}"` : ''}`;
        return void res
          .writeHead(401, { 'www-authenticate': challenge, 'content-type': 'application/json' })
          .end('{"errors":[{"code":"UNAUTHORIZED"}]}');
      }
    }
    forward(req, res);
  });
  front.registry = await listen(registryServer);
  front.close = async () => {
    for (const s of [tokenServer, registryServer]) {
      s.closeAllConnections();
      await new Promise((r) => s.close(r));
    }
  };
  return front;
}
