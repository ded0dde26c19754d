import { existsSync, readFileSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { brotliCompressSync, constants as zlib, gzipSync } from 'node:zlib';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.txt': 'text/plain; charset=utf-8',
};
const COMPRESSIBLE = new Set(['.html', '.js', '.css', '.json', '.svg', '.txt']);

/**
 * The console's security policy. Cloudscape's global styles carry their Open Sans faces as `data:` URLs, so fonts
 * may come from `data:` (a font cannot run script); everything else only from the hub itself. `style-src
 * 'unsafe-inline'`: Cloudscape sets style attributes (positions of popovers, chart geometry).
 */
export function consolePolicy(connectTo: readonly string[] = []): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    ["connect-src 'self'", ...connectTo].join(' '),
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** The local hub's policy: the console talks to the hub only. */
export const CONSOLE_CSP = consolePolicy();

type Encoding = 'br' | 'gzip' | 'identity';

/** The best encoding the client accepts (q=0 refuses one). */
export function pickEncoding(acceptEncoding: string | undefined): Encoding {
  const accepted = new Map<string, number>();
  for (const part of (acceptEncoding ?? '').split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    if (!name) continue;
    const q = params.map((p) => /^\s*q=([\d.]+)/.exec(p)?.[1]).find(Boolean);
    accepted.set(name, q === undefined ? 1 : Number(q));
  }
  const ok = (name: string) => (accepted.get(name) ?? accepted.get('*') ?? 0) > 0;
  if (ok('br')) return 'br';
  if (ok('gzip')) return 'gzip';
  return 'identity';
}

/**
 * Compressed bodies, computed once per file version. The build writes `.br`/`.gz` siblings (vite.config.ts), which are
 * used as they are; a file without them (a console built elsewhere, config files) is compressed here once.
 */
const cache = new Map<string, { version: string; body: Buffer }>();

function encodedBody(file: string, encoding: Exclude<Encoding, 'identity'>): Buffer {
  const sibling = `${file}.${encoding === 'br' ? 'br' : 'gz'}`;
  const stat = statSync(file);
  if (existsSync(sibling) && statSync(sibling).mtimeMs >= stat.mtimeMs) return readFileSync(sibling);
  const key = `${encoding}:${file}`;
  const version = `${stat.size}:${stat.mtimeMs}`;
  const hit = cache.get(key);
  if (hit?.version === version) return hit.body;
  const raw = readFileSync(file);
  // Quality 5 brotli: within a few percent of 11 on these files at a tenth of the time (first request only).
  const body =
    encoding === 'br'
      ? brotliCompressSync(raw, { params: { [zlib.BROTLI_PARAM_QUALITY]: 5 } })
      : gzipSync(raw, { level: 6 });
  cache.set(key, { version, body });
  return body;
}

/**
 * Serves a file of the built console (single-page-app fallback to index.html), compressed when the client accepts it.
 * Answers 400 for a malformed path; never serves a file outside `root`. `connectTo`: origins the console may also
 * call (a sign-in provider), for a server other than the local hub.
 */
export function serveConsoleFile(
  req: IncomingMessage,
  res: ServerResponse,
  root: string,
  pathname: string,
  connectTo: readonly string[] = [],
): void {
  let path: string;
  try {
    path = decodeURIComponent(pathname);
  } catch {
    res.writeHead(400, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify({ message: 'malformed path' }));
    return;
  }
  const wanted = normalize(join(root, path));
  const found = wanted.startsWith(root + sep) && existsSync(wanted) && statSync(wanted).isFile();
  // A missing asset (a chunk of an older build) is a 404, not the page: as a script, HTML only left a blank console.
  if (!found && wanted.startsWith(join(root, 'assets') + sep)) {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
    res.end(req.method === 'HEAD' ? undefined : 'not found\n');
    return;
  }
  const file = found ? wanted : join(root, 'index.html');
  const ext = extname(file);
  const encoding = COMPRESSIBLE.has(ext) ? pickEncoding(req.headers['accept-encoding']) : 'identity';
  const body = encoding === 'identity' ? readFileSync(file) : encodedBody(file, encoding);
  res.writeHead(200, {
    'content-type': TYPES[ext] ?? 'application/octet-stream',
    // Vite names files under assets/ by content hash; anything else (index.html) is revalidated to pick up a new build.
    'cache-control': file.startsWith(join(root, 'assets') + sep) ? 'public, max-age=31536000, immutable' : 'no-cache',
    'content-security-policy': connectTo.length ? consolePolicy(connectTo) : CONSOLE_CSP,
    'content-length': body.length,
    ...(COMPRESSIBLE.has(ext) ? { vary: 'Accept-Encoding' } : {}),
    ...(encoding === 'identity' ? {} : { 'content-encoding': encoding }),
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}
