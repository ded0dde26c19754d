import { timingSafeEqual } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import type { Logger } from '../../worker/core/log.js';
import { createRequestGuard } from './request-guard.js';
import { serveConsoleFile } from './static-files.js';

const MAX_BODY = 1024 * 1024;

function tokenMatches(header: string | undefined, token: string): boolean {
  // The scheme name is case-insensitive (RFC 9110 §11.1): some clients send `bearer`.
  const given = Buffer.from(header && /^bearer /i.test(header) ? header.slice(7) : '');
  const want = Buffer.from(token);
  return given.length === want.length && timingSafeEqual(given, want);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > MAX_BODY) throw new Error('request body is larger than 1 MiB');
    chunks.push(c as Buffer);
  }
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

/**
 * The local hub's HTTP face on loopback: POST /graphql (bearer token required), GET /config.json for the
 * console, and the built console itself with a single-page-app fallback.
 */
export function createHubServer(options: {
  token: string;
  execute: (body: { query?: unknown; variables?: unknown; operationName?: unknown }) => Promise<unknown>;
  consoleDir?: string;
  /** Host names the hub is reached by besides loopback (request-guard.ts). */
  publicHosts?: readonly string[];
  logger: Logger;
}): Server {
  const root = options.consoleDir ? resolve(options.consoleDir) : undefined;
  // The guard needs the port the server got (0 = any free port), known once it listens.
  let refusal: ((req: IncomingMessage) => string | undefined) | undefined;
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    res.setHeader('x-content-type-options', 'nosniff');
    res.setHeader('referrer-policy', 'no-referrer');
    try {
      const refused = refusal ? refusal(req) : 'the hub is not listening yet';
      if (refused) return send(res, 403, { errors: [{ message: `forbidden: ${refused}` }] });
      if (url.pathname === '/graphql') {
        if (req.method !== 'POST') return send(res, 405, { errors: [{ message: 'use POST' }] });
        if (!tokenMatches(req.headers.authorization, options.token)) {
          return send(res, 401, {
            errors: [{ message: 'unauthorized: send Authorization: Bearer <token printed by dth serve>' }],
          });
        }
        let body: unknown;
        try {
          body = await readJson(req);
        } catch (err) {
          // A body cut off unread leaves the connection unusable: the client is told not to send on it again (its next
          // request, sent on the same connection, met a reset).
          if (!req.complete) res.setHeader('connection', 'close');
          return send(res, 400, { errors: [{ message: `body: ${(err as Error).message}` }] });
        }
        return send(res, 200, await options.execute((body ?? {}) as Record<string, unknown>));
      }
      if (url.pathname === '/config.json') return send(res, 200, { authType: 'LOCAL', apiUrl: '/graphql' });
      if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, { message: 'method not allowed' });
      if (!root || !existsSync(join(root, 'index.html'))) {
        res.writeHead(503, { 'content-type': 'text/plain' });
        return res.end('The console is not built: run `npm run build:portal`. The API is at POST /graphql.');
      }
      return serveConsoleFile(req, res, root, url.pathname);
    } catch (err) {
      options.logger.error('hub.request_failed', { path: url.pathname, error: err });
      if (!res.headersSent) send(res, 500, { errors: [{ message: 'internal error' }] });
      else res.end();
    }
  });
  server.on('listening', () => {
    refusal = createRequestGuard({ port: (server.address() as AddressInfo).port, publicHosts: options.publicHosts });
  });
  return server;
}
