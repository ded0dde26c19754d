/**
 * A fault-injecting HTTP proxy for S3 endpoints (node:http only).
 *
 * Sits in front of one S3 server and, per request, with configurable seeded-random rates:
 * answers 500 InternalError or 503 SlowDown, resets the connection while the request body is
 * arriving, resets it half-way through the response body, truncates the response body (with a
 * Content-Length the client can check, or "lying": chunked and cleanly ended), drops the answer of a request
 * the server did apply, or delays the response. It also answers as a broken middlebox would: 200 with an <Error>
 * document, an HTML page or a JSON body instead of the S3 answer (request not forwarded), the real answer under a
 * wrong content type, a listing page cut cleanly after one of its entries, or the first listing page again
 * for a request with a continuation-token (a store that ignores it). Every operation the engine uses can be
 * faulted (ENGINE_OPS): listings, HEAD, GET, PUT, tagging, multipart create/upload/complete/abort, CopyObject.
 * It also counts every S3 operation it forwarded (by classifying method + query), and records each
 * UploadPart that the server accepted, so tests can prove finished parts were not re-sent.
 */
import { EventEmitter } from 'node:events';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export type FaultKind =
  | 'serverError' // 500 InternalError, request body drained, never forwarded
  | 'slowDown' // 503 SlowDown, request body drained, never forwarded
  | 'resetRequest' // socket destroyed after part of the request body arrived (uploads only), never forwarded
  | 'dropResponse' // forwarded and applied by the server, but the socket is destroyed before any answer (any operation)
  | 'resetResponse' // forwarded; socket destroyed after the headers and part of the response body (any answer with a body)
  | 'truncateBody' // forwarded; Content-Length kept, body cut short, socket ended (any answer with a body)
  | 'shortBody' // forwarded; Content-Length removed, body cut short but ended cleanly (any answer with a body)
  | 'shortListing' // forwarded ListObjects; the page cut cleanly right after one of its middle entries, chunked, no Content-Length
  | 'ignoreContinuation' // forwarded ListObjects without its continuation-token, as a store that ignores it: the first page again
  | 'ignorePrefix' // forwarded ListObjects without its prefix, as a store that ignores it: keys outside the prefix
  | 'errorDocument200' // not forwarded; 200 with an <Error><Code>InternalError</Code> document (any operation but HEAD)
  | 'htmlBody200' // not forwarded; 200 text/html page, as a captive portal or a web server answers (any operation but HEAD)
  | 'jsonBody200' // not forwarded; 200 application/json body, as an API gateway answers (any operation but HEAD)
  | 'htmlNotFound404' // not forwarded; 404 text/html page, as a web server or gateway answers a path it does not serve (any operation but HEAD)
  | 'badGateway' // not forwarded; 502 text/html page, as a reverse proxy answers while the store behind it is down
  | 'gatewayTimeout' // not forwarded; 504 text/html page, as a reverse proxy answers while the store behind it does not answer
  | 'unavailablePage' // not forwarded; 503 text/html page, as a load balancer answers with no healthy server behind it
  | 'resetConnection' // not forwarded; socket destroyed as the request arrives, as a load balancer with no server behind it (any operation)
  | 'wrongContentType' // forwarded; an XML answer (listing, multipart, copy, tagging) sent as text/html
  | 'accessDenied' // not forwarded; 403 AccessDenied, as a bucket or IAM policy without the permission answers
  | 'flipByte' // forwarded; one byte in the middle of a whole-object GET body inverted, length kept (only a content check notices)
  | 'flipPartByte' // the same on a ranged GET (a multipart copy's part read)
  | 'partialWhole' // a whole-object GET forwarded with a Range of its first KiB: 206 and part of the body, as a cache that answers part
  | 'shiftedRange' // a ranged GET answered for the range one byte off (same length), Content-Range saying so, as a cache or store that serves another range than asked
  | 'slow'; // forwarded after `slowMs`

export type FaultRates = Partial<Record<FaultKind, number>>;

export type S3Operation =
  | 'ListBuckets'
  | 'HeadBucket'
  | 'CreateBucket'
  | 'DeleteBucket'
  | 'ListObjects'
  | 'DeleteObjects'
  | 'HeadObject'
  | 'GetObject'
  | 'PutObject'
  | 'CopyObject'
  | 'DeleteObject'
  | 'GetObjectTagging'
  | 'PutObjectTagging'
  | 'CreateMultipartUpload'
  | 'UploadPart'
  | 'UploadPartCopy'
  | 'CompleteMultipartUpload'
  | 'AbortMultipartUpload'
  | 'ListParts'
  | 'Other';

export interface FaultProxyOptions {
  /** Upstream S3 endpoint, e.g. http://127.0.0.1:4568. */
  target: string;
  /** Seed of the fault dice (mulberry32); the same seed and request order give the same faults. */
  seed?: number;
  rates?: FaultRates;
  /** At most this many faults of a kind; then that kind stops (a fault that must happen, then must be recovered from). */
  limits?: Partial<Record<FaultKind, number>>;
  /** Only requests whose operation is listed can be faulted (default: every object-level operation). */
  faultOps?: S3Operation[];
  /** Only requests for which this returns true can be faulted (e.g. not the one-key access check). */
  faultWhen?: (op: S3Operation, url: string) => boolean;
  /** Delay of a 'slow' response (default 1500 ms). */
  slowMs?: number;
}

export interface InjectedFault {
  kind: FaultKind;
  op: S3Operation;
  method: string;
  path: string;
}

export interface AcceptedPart {
  key: string;
  uploadId: string;
  partNumber: number;
  /** When the server accepted it (ms epoch). */
  acceptedAt?: number;
  /** When its answer had been fully written back to the client (undefined: the client never got it). */
  answeredAt?: number;
}

export interface FaultProxyStats {
  /** Requests seen, by operation (faulted ones included). */
  requests: Partial<Record<S3Operation, number>>;
  /** Requests the upstream answered with 2xx and whose response reached the client unharmed, by operation. */
  succeeded: Partial<Record<S3Operation, number>>;
  faults: InjectedFault[];
  /** Every UploadPart the upstream accepted (2xx), in order, even if the response was then faulted. */
  acceptedParts: AcceptedPart[];
}

export interface FaultProxy {
  /** http://127.0.0.1:PORT */
  readonly endpoint: string;
  readonly stats: FaultProxyStats;
  /** 'request' (op, req) before a request is handled; 'response' (op, status) after the upstream answered. */
  readonly events: EventEmitter;
  setRates(rates: FaultRates): void;
  resetStats(): void;
  faultCount(kind?: FaultKind): number;
  /** Waits (up to `timeoutMs`) until `count` faults of this kind were injected; the count then (the caller checks it). */
  waitForFaults(kind: FaultKind, count: number, timeoutMs?: number): Promise<number>;
  /**
   * UploadParts the server accepted for a (key, partNumber) it had already accepted: a finished part sent again.
   * By default any upload of the key counts (a restart that opened a new upload re-sends too);
   * `sameUpload: true` counts only repeats within one uploadId.
   */
  resentParts(options?: { sameUpload?: boolean }): AcceptedPart[];
  close(): Promise<void>;
}

/** Operations whose 2xx answer is an XML document. */
const XML_ANSWER_OPS = new Set<S3Operation>([
  'ListObjects',
  'CreateMultipartUpload',
  'CompleteMultipartUpload',
  'CopyObject',
  'GetObjectTagging',
]);

/** Every operation the S3 engine sends (HeadBucket included, for older callers). */
export const ENGINE_OPS: S3Operation[] = [
  'ListObjects',
  'HeadBucket',
  'HeadObject',
  'GetObject',
  'PutObject',
  'CopyObject',
  'GetObjectTagging',
  'CreateMultipartUpload',
  'UploadPart',
  'CompleteMultipartUpload',
  'AbortMultipartUpload',
  'DeleteObject',
];

const OBJECT_OPS: S3Operation[] = [
  'HeadObject',
  'GetObject',
  'PutObject',
  'CopyObject',
  'CreateMultipartUpload',
  'UploadPart',
  'CompleteMultipartUpload',
  'GetObjectTagging',
];

/** Deterministic PRNG (mulberry32): tests replay the same fault sequence for the same seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Names the S3 operation of a path-style request (bucket is the first path segment). */
export function classifyS3Request(method: string, rawUrl: string, headers: http.IncomingHttpHeaders = {}): S3Operation {
  const url = new URL(rawUrl, 'http://x');
  const q = url.searchParams;
  const segments = url.pathname.split('/').filter(Boolean);
  const m = method.toUpperCase();
  if (segments.length === 0) return m === 'GET' ? 'ListBuckets' : 'Other';
  if (segments.length === 1) {
    if (m === 'HEAD') return 'HeadBucket';
    if (m === 'PUT') return 'CreateBucket';
    if (m === 'DELETE') return 'DeleteBucket';
    if (m === 'POST' && q.has('delete')) return 'DeleteObjects';
    if (m === 'GET' && q.has('uploads')) return 'Other';
    if (m === 'GET') return 'ListObjects';
    return 'Other';
  }
  if (q.has('tagging')) return m === 'GET' ? 'GetObjectTagging' : m === 'PUT' ? 'PutObjectTagging' : 'Other';
  if (m === 'POST' && q.has('uploads')) return 'CreateMultipartUpload';
  if (m === 'POST' && q.has('uploadId')) return 'CompleteMultipartUpload';
  if (m === 'PUT' && q.has('uploadId') && q.has('partNumber'))
    return headers['x-amz-copy-source'] ? 'UploadPartCopy' : 'UploadPart';
  if (m === 'DELETE' && q.has('uploadId')) return 'AbortMultipartUpload';
  if (m === 'GET' && q.has('uploadId')) return 'ListParts';
  if (m === 'PUT') return headers['x-amz-copy-source'] ? 'CopyObject' : 'PutObject';
  if (m === 'GET') return 'GetObject';
  if (m === 'HEAD') return 'HeadObject';
  if (m === 'DELETE') return 'DeleteObject';
  return 'Other';
}

/** The path sent upstream: as asked, or without continuation-token for 'ignoreContinuation'. */
function forwardedPath(rawUrl: string, fault: FaultKind | undefined): string {
  if (fault !== 'ignoreContinuation' && fault !== 'ignorePrefix') return rawUrl;
  const url = new URL(rawUrl, 'http://x');
  url.searchParams.delete(fault === 'ignorePrefix' ? 'prefix' : 'continuation-token');
  return url.pathname + url.search;
}

/**
 * 'shiftedRange': the range one byte earlier (later for one starting at 0), sent unsigned — the signature covers the
 * Range header, and s3rver serves anonymous reads.
 */
function shiftRange(headers: http.IncomingHttpHeaders): void {
  const m = /^bytes=(\d+)-(\d+)$/.exec(String(headers.range));
  if (!m) return;
  const shift = Number(m[1]) > 0 ? -1 : 1;
  headers.range = `bytes=${Number(m[1]) + shift}-${Number(m[2]) + shift}`;
  for (const name of Object.keys(headers))
    if (name === 'authorization' || name.startsWith('x-amz-')) delete headers[name];
}

function objectKeyOf(rawUrl: string): string {
  const segments = new URL(rawUrl, 'http://x').pathname.split('/').slice(2);
  return decodeURIComponent(segments.join('/'));
}

const FAULT_ORDER: FaultKind[] = [
  'serverError',
  'slowDown',
  'accessDenied',
  'resetRequest',
  'dropResponse',
  'resetResponse',
  'truncateBody',
  'shortBody',
  'shortListing',
  'ignoreContinuation',
  'ignorePrefix',
  'errorDocument200',
  'htmlBody200',
  'jsonBody200',
  'htmlNotFound404',
  'badGateway',
  'gatewayTimeout',
  'unavailablePage',
  'resetConnection',
  'wrongContentType',
  'flipByte',
  'flipPartByte',
  'partialWhole',
  'shiftedRange',
  'slow',
];

/** Faults that replace the answer with a 200 of another kind, without forwarding the request. */
const FAKE_200: Partial<Record<FaultKind, { type: string; body: string }>> = {
  errorDocument200: { type: 'application/xml', body: '' },
  htmlBody200: {
    type: 'text/html; charset=utf-8',
    body: '<!DOCTYPE html>\n<html><head><title>Sign in</title></head><body><h1>Network login required</h1></body></html>\n',
  },
  jsonBody200: { type: 'application/json', body: '{"status":"ok","items":[]}\n' },
};

/** A reverse proxy's own error pages (nginx's words), for a store behind it that is down or not answering. */
const GATEWAY_PAGES: Partial<Record<FaultKind, { status: number; body: string }>> = {
  badGateway: {
    status: 502,
    body: '<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>\n',
  },
  gatewayTimeout: {
    status: 504,
    body: '<html><head><title>504 Gateway Time-out</title></head><body><center><h1>504 Gateway Time-out</h1></center></body></html>\n',
  },
  unavailablePage: {
    status: 503,
    body: '<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>\n',
  },
};

function errorXml(code: string, message: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>fault-proxy</RequestId></Error>`;
}

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const target = new URL(options.target);
  const random = seededRandom(options.seed ?? 1);
  const faultOps = new Set(options.faultOps ?? OBJECT_OPS);
  const slowMs = options.slowMs ?? 1500;
  let rates: FaultRates = { ...options.rates };
  const events = new EventEmitter();
  const agent = new http.Agent({ keepAlive: true, maxSockets: 128 });
  const stats: FaultProxyStats = { requests: {}, succeeded: {}, faults: [], acceptedParts: [] };
  const bump = (map: Partial<Record<S3Operation, number>>, op: S3Operation) => {
    map[op] = (map[op] ?? 0) + 1;
  };

  /** One roll per request: at most one fault, chosen by cumulative rate. */
  const pickFault = (op: S3Operation, method: string, hasBody: boolean, ranged: boolean): FaultKind | undefined => {
    const roll = random();
    if (!faultOps.has(op)) return undefined;
    let acc = 0;
    for (const kind of FAULT_ORDER) {
      const rate = rates[kind] ?? 0;
      if (rate <= 0) continue;
      if (kind === 'resetRequest' && !hasBody) continue;
      if ((kind === 'resetResponse' || kind === 'truncateBody' || kind === 'shortBody') && method === 'HEAD') continue;
      if ((kind === 'shortListing' || kind === 'ignorePrefix') && op !== 'ListObjects') continue;
      if (
        (kind === 'errorDocument200' ||
          kind === 'htmlBody200' ||
          kind === 'jsonBody200' ||
          kind === 'htmlNotFound404') &&
        method === 'HEAD'
      )
        continue;
      if (kind === 'wrongContentType' && !XML_ANSWER_OPS.has(op)) continue;
      if ((kind === 'flipByte' || kind === 'partialWhole') && (op !== 'GetObject' || ranged)) continue;
      if ((kind === 'flipPartByte' || kind === 'shiftedRange') && (op !== 'GetObject' || !ranged)) continue;
      const limit = options.limits?.[kind];
      if (limit !== undefined && stats.faults.filter((f) => f.kind === kind).length >= limit) continue;
      acc += rate;
      if (roll < acc) return kind;
    }
    return undefined;
  };

  const sendError = (req: IncomingMessage, res: ServerResponse, status: number, code: string, message: string) =>
    sendBody(req, res, status, 'application/xml', errorXml(code, message));

  const sendBody = (req: IncomingMessage, res: ServerResponse, status: number, type: string, body: string) => {
    const answer = () => {
      if (res.headersSent || res.destroyed) return;
      res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
      res.end(body);
    };
    // Drain the upload first so the client reads the answer instead of an EPIPE.
    if (req.readableEnded) answer();
    else {
      req.on('end', answer);
      req.on('error', () => res.destroy());
      req.resume();
    }
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const method = req.method ?? 'GET';
    const url = req.url ?? '/';
    const op = classifyS3Request(method, url, req.headers);
    const length = Number(req.headers['content-length'] ?? 0);
    const hasBody = length > 0 || req.headers['transfer-encoding'] === 'chunked';
    bump(stats.requests, op);
    events.emit('request', op, req);
    const eligible = options.faultWhen?.(op, url) ?? true;
    const fault = eligible ? pickFault(op, method, hasBody, req.headers.range !== undefined) : undefined;
    if (fault) stats.faults.push({ kind: fault, op, method, path: url });

    if (fault === 'serverError')
      return sendError(req, res, 500, 'InternalError', 'We encountered an internal error. Please try again.');
    if (fault === 'slowDown') return sendError(req, res, 503, 'SlowDown', 'Please reduce your request rate.');
    if (fault === 'accessDenied') return sendError(req, res, 403, 'AccessDenied', 'Access Denied');
    if (fault === 'htmlNotFound404')
      return sendBody(
        req,
        res,
        404,
        'text/html; charset=utf-8',
        '<html><body><h1>404 Not Found</h1>\n<p>nginx</p></body></html>\n',
      );
    const gateway = fault ? GATEWAY_PAGES[fault] : undefined;
    if (gateway) return sendBody(req, res, gateway.status, 'text/html', gateway.body);
    if (fault === 'resetConnection') return req.socket.destroy();
    const fake = fault ? FAKE_200[fault] : undefined;
    if (fake) {
      const body =
        fault === 'errorDocument200'
          ? errorXml('InternalError', 'We encountered an internal error. Please try again.')
          : fake.body;
      return sendBody(req, res, 200, fake.type, body);
    }
    if (fault === 'resetRequest') {
      let seen = 0;
      const limit = Math.max(1, Math.floor((length || 1024) / 2));
      req.on('data', (chunk: Buffer) => {
        seen += chunk.length;
        if (seen >= limit) req.socket.destroy();
      });
      req.on('end', () => req.socket.destroy());
      return;
    }

    const headers = { ...req.headers };
    delete headers.connection;
    delete headers['keep-alive'];
    if (fault === 'shiftedRange') shiftRange(headers);
    // Not signed (the signature covers only the headers it names): s3rver serves the range as asked.
    if (fault === 'partialWhole') headers.range = 'bytes=0-1023';
    const upstream = http.request(
      { host: target.hostname, port: target.port, method, path: forwardedPath(url, fault), headers, agent },
      (up) => {
        const status = up.statusCode ?? 502;
        const ok = status >= 200 && status < 300;
        if (ok && op === 'UploadPart') {
          const q = new URL(url, 'http://x').searchParams;
          const part: AcceptedPart = {
            key: objectKeyOf(url),
            uploadId: q.get('uploadId') ?? '',
            partNumber: Number(q.get('partNumber')),
            acceptedAt: Date.now(),
          };
          stats.acceptedParts.push(part);
          res.on('finish', () => {
            part.answeredAt = Date.now();
          });
        }
        events.emit('response', op, status);
        if (fault === 'dropResponse') {
          up.resume();
          res.destroy();
          return;
        }
        const outHeaders = { ...up.headers };
        delete outHeaders.connection;
        delete outHeaders['keep-alive'];
        const total = Number(up.headers['content-length'] ?? -1);
        if (fault === 'wrongContentType' && ok) outHeaders['content-type'] = 'text/html; charset=utf-8';

        if (fault === 'shortListing' && ok) {
          // The whole page is read, then only its first half of entries is sent, ending cleanly after a </Contents>.
          const chunks: Buffer[] = [];
          up.on('data', (c: Buffer) => chunks.push(c));
          up.on('end', () => {
            const page = Buffer.concat(chunks).toString('utf8');
            const ends: number[] = [];
            for (let at = page.indexOf('</Contents>'); at >= 0; at = page.indexOf('</Contents>', at + 1))
              ends.push(at + '</Contents>'.length);
            const cutAt = ends.length ? ends[Math.floor((ends.length - 1) / 2)] : Math.floor(page.length / 2);
            delete outHeaders['content-length'];
            outHeaders['transfer-encoding'] = 'chunked';
            res.writeHead(status, outHeaders);
            res.end(page.slice(0, cutAt));
          });
          up.on('error', () => res.destroy());
          return;
        }

        if ((fault === 'resetResponse' || fault === 'truncateBody' || fault === 'shortBody') && ok && total > 1) {
          const cut = Math.floor(total / 2);
          if (fault === 'shortBody') {
            delete outHeaders['content-length'];
            outHeaders['transfer-encoding'] = 'chunked';
          }
          res.writeHead(status, outHeaders);
          let sent = 0;
          let done = false;
          up.on('data', (chunk: Buffer) => {
            if (done) return;
            const room = cut - sent;
            const piece = chunk.length > room ? chunk.subarray(0, room) : chunk;
            sent += piece.length;
            res.write(piece);
            if (sent >= cut) {
              done = true;
              up.destroy();
              if (fault === 'resetResponse') res.destroy();
              else if (fault === 'truncateBody') res.socket?.end();
              else res.end();
            }
          });
          up.on('error', () => res.destroy());
          return;
        }

        if ((fault === 'flipByte' || fault === 'flipPartByte') && ok && total > 0) {
          const at = Math.floor(total / 2);
          let offset = 0;
          res.writeHead(status, outHeaders);
          up.on('data', (chunk: Buffer) => {
            if (at >= offset && at < offset + chunk.length) {
              chunk = Buffer.from(chunk);
              chunk[at - offset] ^= 0xff;
            }
            offset += chunk.length;
            res.write(chunk);
          });
          up.on('end', () => res.end());
          up.on('error', () => res.destroy());
          return;
        }

        const forward = () => {
          if (res.destroyed) return up.destroy();
          res.writeHead(status, outHeaders);
          up.pipe(res);
          up.on('end', () => {
            if (ok) bump(stats.succeeded, op);
          });
          up.on('error', () => res.destroy());
        };
        if (fault === 'slow') setTimeout(forward, slowMs);
        else forward();
      },
    );
    upstream.on('error', (err) => {
      if (!res.headersSent) {
        const body = errorXml('BadGateway', `fault proxy: upstream failed (${err.message})`);
        res.writeHead(502, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
        res.end(body);
      } else res.destroy();
    });
    req.pipe(upstream);
    req.on('error', () => upstream.destroy());
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
  };

  const server = http.createServer(handle);
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    stats,
    events,
    setRates(next) {
      rates = { ...next };
    },
    resetStats() {
      stats.requests = {};
      stats.succeeded = {};
      stats.faults = [];
      stats.acceptedParts = [];
    },
    faultCount(kind) {
      return kind ? stats.faults.filter((f) => f.kind === kind).length : stats.faults.length;
    },
    async waitForFaults(kind, count, timeoutMs = 20_000) {
      const injected = () => stats.faults.filter((f) => f.kind === kind).length;
      const until = Date.now() + timeoutMs;
      while (injected() < count && Date.now() < until) await sleep(50);
      return injected();
    },
    resentParts(opts = {}) {
      const seen = new Set<string>();
      const again: AcceptedPart[] = [];
      for (const p of stats.acceptedParts) {
        const id = `${p.key}\u0000${opts.sameUpload ? p.uploadId : ''}\u0000${p.partNumber}`;
        if (seen.has(id)) again.push(p);
        seen.add(id);
      }
      return again;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
    },
  };
}
