/**
 * The lean HTTP/1.1 client against real servers on loopback: a node:http server (keep-alive, chunked answers, TLS with
 * a certificate made by openssl for the test) and raw TCP servers that answer as broken servers do. It reuses
 * connections and never opens more than allowed, streams bodies both ways byte-identical, stops an upload the server
 * refused, and reports cut, garbled or stalled answers as errors a caller can retry — never as short successes.
 */
import { selfSignedCertificate } from '../../support/self-signed.js';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Http1Client, type Http1Response } from '../../../worker/adapters/s3/http1-client.js';
import { Http1ProtocolError } from '../../../worker/adapters/s3/http1-parser.js';
import { slabCounts } from '../../../worker/core/slab-pool.js';
import { startTestProxy } from '../../support/http-proxy.js';

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
const OPTIONS = { maxSockets: 4, connectTimeoutMs: 2000, idleTimeoutMs: 5000 };

async function readAll(body: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of body) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

async function listen(server: Server | NetServer): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

/** Listens on a free port; the server and its connections are closed when the test ends. */
async function listenUntilTestEnds(server: Server): Promise<number> {
  const port = await listen(server);
  closers.push(
    () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  );
  return port;
}

/** A node:http server that counts connections and serves `handler`. */
async function httpServer(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<{ port: number; connections: () => number }> {
  let connections = 0;
  const server = createServer(handler);
  server.keepAliveTimeout = 60_000;
  server.on('connection', () => connections++);
  return { port: await listenUntilTestEnds(server), connections: () => connections };
}

/** A TCP server whose connections are closed when the test ends; `onConnection` serves each. */
async function netServer(onConnection: (socket: Socket) => void): Promise<number> {
  const sockets = new Set<Socket>();
  const server = createNetServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    onConnection(socket);
  });
  const port = await listen(server);
  closers.push(
    () =>
      new Promise((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  );
  return port;
}

/** A raw TCP server: `onRequest` gets the socket and the request text once a request head has arrived. */
async function rawServer(
  onRequest: (socket: Socket, head: string) => void,
): Promise<{ port: number; connections: () => number }> {
  let connections = 0;
  const port = await netServer((socket) => {
    connections++;
    let seen = '';
    socket.on('data', (d) => {
      seen += d.toString('latin1');
      const end = seen.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = seen.slice(0, end);
      seen = seen.slice(end + 4);
      onRequest(socket, head);
    });
  });
  return { port, connections: () => connections };
}

function client(
  port: number,
  options: Partial<typeof OPTIONS> & { freeSocketTimeoutMs?: number } = {},
  secure = false,
): Http1Client {
  return new Http1Client({ secure, host: '127.0.0.1', port }, { ...OPTIONS, ...options });
}

function get(c: Http1Client, path = '/', headers: Record<string, string> = {}): Promise<Http1Response> {
  return c.request({ method: 'GET', path, headers: { host: 'test', ...headers } });
}

describe('connections', () => {
  it('reuses one keep-alive connection for requests in a row', async () => {
    const server = await httpServer((_req, res) => res.end('ok'));
    const c = client(server.port);
    for (let i = 0; i < 20; i++) expect((await readAll((await get(c)).body)).toString()).toBe('ok');
    expect(server.connections()).toBe(1);
  });

  it('never opens more than maxSockets connections; requests beyond wait and all complete', async () => {
    let open = 0;
    let most = 0;
    const server = await httpServer((_req, res) => {
      open++;
      most = Math.max(most, open);
      setTimeout(() => {
        open--;
        res.end('x');
      }, 20);
    });
    const c = client(server.port, { maxSockets: 3 });
    const bodies = await Promise.all(
      Array.from({ length: 30 }, async () => (await readAll((await get(c)).body)).toString()),
    );
    expect(bodies).toEqual(Array(30).fill('x'));
    expect(most).toBe(3);
    expect(server.connections()).toBe(3);
  });

  it('a connection the server closed while it was idle is not used again: the next request opens a new one', async () => {
    const server = await rawServer((socket) => socket.end('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'));
    const c = client(server.port);
    expect((await readAll((await get(c)).body)).toString()).toBe('ok');
    await new Promise((r) => setTimeout(r, 50));
    expect((await readAll((await get(c)).body)).toString()).toBe('ok');
    expect(server.connections()).toBe(2);
  });

  it('a connection that carried an error answer to a request with a body is not used again; one to a GET is', async () => {
    // Answers from the head alone, without reading the body: what a store does when it rejects the key of a PUT.
    const server = await httpServer((req, res) => {
      if (req.method === 'PUT') res.writeHead(403, { 'content-length': '6' }).end('denied');
      else res.writeHead(404, { 'content-length': '4' }).end('gone');
    });
    const c = client(server.port);
    const put = (body: Buffer | Readable) =>
      c.request({ method: 'PUT', path: '/k', headers: { host: 'test', 'content-length': '300000' }, body });
    expect((await put(randomBytes(300_000))).status).toBe(403);
    expect((await put(Readable.from([randomBytes(100_000), randomBytes(200_000)]))).status).toBe(403);
    await new Promise((r) => setTimeout(r, 50));
    expect(server.connections()).toBe(2);
    for (let i = 0; i < 3; i++) expect((await get(c)).status).toBe(404);
    await new Promise((r) => setTimeout(r, 50));
    expect(server.connections()).toBe(3);
  });

  it('an idle connection is closed after the free-socket timeout', async () => {
    const server = await httpServer((_req, res) => res.end('ok'));
    const c = client(server.port, { freeSocketTimeoutMs: 50 });
    await readAll((await get(c)).body);
    await new Promise((r) => setTimeout(r, 200));
    await readAll((await get(c)).body);
    expect(server.connections()).toBe(2);
  });

  it('idle connections do not keep the process alive', async () => {
    const server = await httpServer((_req, res) => res.end('ok'));
    const script = `
      import { Http1Client } from ${JSON.stringify(new URL('../../../worker/adapters/s3/http1-client.ts', import.meta.url).pathname)};
      const c = new Http1Client({ secure: false, host: '127.0.0.1', port: ${server.port} }, { maxSockets: 2, connectTimeoutMs: 2000, idleTimeoutMs: 60000, freeSocketTimeoutMs: 60000 });
      const res = await c.request({ method: 'GET', path: '/', headers: { host: 't' } });
      for await (const _ of res.body) {}
    `;
    // The free-socket timeout is 60 s: the child ends well before only if its idle connection does not hold it.
    const started = Date.now();
    await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      timeout: 30_000,
    });
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(server.connections()).toBe(1);
  });

  it('a refused connection rejects with ECONNREFUSED', async () => {
    const server = await httpServer(() => {});
    const port = server.port;
    for (const close of closers.splice(0)) await close();
    const err = await get(client(port)).catch((e: unknown) => e);
    expect((err as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
  });
});

describe('bodies', () => {
  it('a 5 MiB answer (read into slabs) and a chunked one arrive byte-identical', async () => {
    const big = randomBytes(5 * 1024 * 1024);
    const server = await httpServer((req, res) => {
      if (req.url === '/big') res.writeHead(200, { 'content-length': big.length }).end(big);
      else {
        res.write('part one, ');
        setTimeout(() => res.end('part two'), 10);
      }
    });
    const c = client(server.port);
    expect(md5(await readAll((await get(c, '/big')).body))).toBe(md5(big));
    const chunked = await get(c, '/chunked');
    expect(chunked.headers['transfer-encoding']).toBe('chunked');
    expect((await readAll(chunked.body)).toString()).toBe('part one, part two');
    expect(server.connections()).toBe(1);
  });

  it('streams a request body of a declared length; one that ends short fails and closes the connection', async () => {
    const received: string[] = [];
    const server = await httpServer((req, res) => {
      // The short upload is aborted by the client: the server sees its request cut.
      readAll(req).then(
        (b) => {
          received.push(md5(b));
          res.end();
        },
        () => {},
      );
    });
    const c = client(server.port);
    const data = randomBytes(3 * 1024 * 1024 + 17);
    const res = await c.request({
      method: 'PUT',
      path: '/x',
      headers: { host: 't', 'content-length': String(data.length) },
      body: Readable.from([data.subarray(0, 1000), data.subarray(1000)]),
    });
    await readAll(res.body);
    expect(received).toEqual([md5(data)]);
    const short = await c
      .request({
        method: 'PUT',
        path: '/y',
        headers: { host: 't', 'content-length': '100' },
        body: Readable.from([Buffer.alloc(60)]),
      })
      .catch((e: unknown) => e);
    expect((short as NodeJS.ErrnoException).code).toBe('ERR_HTTP_CONTENT_LENGTH_MISMATCH');
    await readAll(
      (
        await c.request({
          method: 'PUT',
          path: '/z',
          headers: { host: 't', 'content-length': '1' },
          body: Buffer.from('z'),
        })
      ).body,
    );
    expect(server.connections()).toBe(2);
  });

  it("a streamed body's head goes out with its first chunk, in one write; an empty streamed body still sends its head", async () => {
    const firstReads: string[] = [];
    // Answers each request once its whole body (by Content-Length) has arrived.
    const port = await netServer((socket) => {
      socket.once('data', (d) => firstReads.push(d.toString('latin1')));
      let seen = '';
      socket.on('data', (d) => {
        seen += d.toString('latin1');
        const end = seen.indexOf('\r\n\r\n');
        if (end < 0) return;
        const length = Number(/content-length: (\d+)/.exec(seen.slice(0, end))?.[1]);
        if (seen.length - end - 4 < length) return;
        seen = '';
        socket.write('HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n');
      });
    });
    // A source whose first bytes come 50 ms after the request starts, as a GET's body does.
    async function* late(): AsyncGenerator<Buffer> {
      await new Promise((r) => setTimeout(r, 50));
      yield Buffer.from('first-chunk');
      yield Buffer.from('-second');
    }
    const put = (body: Readable, length: number) =>
      new Http1Client({ secure: false, host: '127.0.0.1', port }, OPTIONS).request({
        method: 'PUT',
        path: '/k',
        headers: { host: 't', 'content-length': String(length) },
        body,
      });
    await readAll((await put(Readable.from(late()), 18)).body);
    await readAll((await put(Readable.from([]), 0)).body);
    expect(firstReads).toHaveLength(2);
    // Written apart, the head would arrive alone, 50 ms before the body.
    expect(firstReads[0]).toMatch(/^PUT \/k HTTP\/1\.1\r\n[\s\S]*\r\n\r\nfirst-chunk/);
    expect(firstReads[1]).toMatch(/^PUT \/k HTTP\/1\.1\r\n[\s\S]*content-length: 0\r\n\r\n$/);
  });

  it('a request body that fails is what the caller sees', async () => {
    const server = await httpServer((req, res) => {
      req.resume();
      req.on('end', () => res.end());
    });
    const broken = new Readable({
      read() {
        this.destroy(new Error('source broke'));
      },
    });
    const err = await client(server.port)
      .request({ method: 'PUT', path: '/x', headers: { host: 't', 'content-length': '10' }, body: broken })
      .catch((e: unknown) => e);
    expect((err as Error).message).toBe('source broke');
  });

  it('a request body that failed or was closed before its request started fails the request at once, sending nothing', async () => {
    // A source GET reset while the destination's connection was still opening: its body is dead before it is attached.
    const heads: string[] = [];
    const server = await rawServer((_socket, head) => heads.push(head));
    const c = client(server.port);
    const dead = (err?: Error) => {
      const body = new Readable({ read() {} });
      body.on('error', () => {});
      body.push(Buffer.alloc(100));
      body.destroy(err);
      return body;
    };
    const put = (body: Readable): Promise<Error & { code?: string }> =>
      c.request({ method: 'PUT', path: '/x', headers: { host: 't', 'content-length': '200' }, body }).then(
        () => new Error('answered'),
        (e: Error) => e,
      );
    const started = Date.now();
    expect((await put(dead(new Error('source reset')))).message).toBe('source reset');
    const closed = await put(dead());
    expect(closed.code).toBe('ERR_STREAM_PREMATURE_CLOSE');
    expect(closed.message).toMatch(/request body was destroyed before it was sent/);
    expect(Date.now() - started).toBeLessThan(OPTIONS.idleTimeoutMs / 2); // not the idle timeout's doing
    expect(heads).toEqual([]);
  });

  it('an error answer while the body is being sent: the answer is returned, the body stopped, the connection not reused', async () => {
    const server = await rawServer((socket, head) => {
      if (head.startsWith('PUT')) socket.write('HTTP/1.1 403 Forbidden\r\nContent-Length: 6\r\n\r\ndenied');
      else socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    });
    const c = client(server.port, { maxSockets: 1 });
    let produced = 0;
    const endless = new Readable({
      read() {
        produced += 65536;
        this.push(Buffer.alloc(65536));
      },
    });
    const res = await c.request({
      method: 'PUT',
      path: '/x',
      headers: { host: 't', 'content-length': String(1 << 30) },
      body: endless,
    });
    expect(res.status).toBe(403);
    expect((await readAll(res.body)).toString()).toBe('denied');
    await new Promise((r) => setTimeout(r, 20));
    expect(endless.destroyed).toBe(true);
    expect(produced).toBeLessThan(1 << 30);
    expect((await readAll((await get(c)).body)).toString()).toBe('ok');
    expect(server.connections()).toBe(2);
  });

  it('a caller that stops reading an answer early closes its connection; the next request gets a fresh one', async () => {
    const big = Buffer.alloc(4 * 1024 * 1024, 1);
    const server = await httpServer((req, res) => res.end(req.url === '/big' ? big : 'small'));
    const c = client(server.port, { maxSockets: 1 });
    const res = await get(c, '/big');
    for await (const _ of res.body) break;
    expect((await readAll((await get(c, '/small')).body)).toString()).toBe('small');
    expect(server.connections()).toBe(2);
  });
});

describe('recycled read memory', () => {
  it('200 streamed copies (GET body → PUT body) at 16 at once, with other bodies kept meanwhile: every byte as sent, slabs reused', async () => {
    const sizeOf = (i: number) => [1024, 70_000, 300_000, 1_048_576, 3_000_001][i % 5]!;
    const bodyOf = (i: number) =>
      createHash('sha256')
        .update(String(i))
        .digest()
        .toString('hex')
        .repeat(Math.ceil(sizeOf(i) / 64))
        .slice(0, sizeOf(i));
    const source = await httpServer((req, res) => {
      const body = Buffer.from(bodyOf(Number(req.url!.slice(1))));
      res.writeHead(200, { 'content-length': body.length });
      // In pieces with pauses, as a disk-backed server sends them: many reads of varied sizes.
      let at = 0;
      const next = () => {
        if (at >= body.length) return void res.end();
        res.write(body.subarray(at, at + 200_000));
        at += 200_000;
        setImmediate(next);
      };
      next();
    });
    const wrong: number[] = [];
    const dest = await httpServer((req, res) => {
      readAll(req).then(
        (b) => {
          if (b.toString() !== bodyOf(Number(req.url!.slice(1)))) wrong.push(Number(req.url!.slice(1)));
          res.end();
        },
        () => {},
      );
    });
    const from = client(source.port, { maxSockets: 16 });
    const to = client(dest.port, { maxSockets: 16 });
    const before = { ...slabCounts() };
    // Bodies read and kept (their chunks never given back) while the copies recycle slabs around them.
    const kept: { i: number; chunks: Buffer[] }[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < 200) {
          const i = next++;
          const res = await get(from, `/${i}`);
          if (i % 10 === 3) {
            const chunks: Buffer[] = [];
            for await (const c of res.body) chunks.push(c as Buffer);
            kept.push({ i, chunks });
            continue;
          }
          const put = await to.request({
            method: 'PUT',
            path: `/${i}`,
            headers: { host: 't', 'content-length': res.headers['content-length']! },
            body: res.body,
          });
          await readAll(put.body);
        }
      }),
    );
    expect(wrong).toEqual([]);
    for (const k of kept) expect(Buffer.concat(k.chunks).toString() === bodyOf(k.i), `kept body ${k.i}`).toBe(true);
    expect(slabCounts().reused - before.reused).toBeGreaterThan(100);
  });

  it('chunks queued behind a stalled upload are not reused while 30 other copies cycle the slabs', async () => {
    const big = randomBytes(40 << 20);
    const small = randomBytes(3 << 20);
    const source = await httpServer((req, res) =>
      res
        .writeHead(200, { 'content-length': req.url === '/big' ? big.length : small.length })
        .end(req.url === '/big' ? big : small),
    );
    let stalled!: () => void;
    const started = new Promise<void>((r) => {
      stalled = r;
    });
    const received = new Map<string, string>();
    const dest = await httpServer((req, res) => {
      if (req.url === '/big') {
        // Read nothing for a while: the kernel buffers fill, then the client's writes wait in its own queue.
        req.pause();
        stalled();
        setTimeout(() => req.resume(), 600);
      }
      readAll(req).then(
        (b) => {
          received.set(req.url!, md5(b));
          res.end();
        },
        () => {},
      );
    });
    const from = client(source.port, { maxSockets: 8 });
    const to = client(dest.port, { maxSockets: 8 });
    const copy = async (path: string) => {
      const res = await get(from, path);
      await readAll(
        (
          await to.request({
            method: 'PUT',
            path,
            headers: { host: 't', 'content-length': res.headers['content-length']! },
            body: res.body,
          })
        ).body,
      );
    };
    const slow = copy('/big');
    await started;
    await new Promise((r) => setTimeout(r, 100));
    let next = 0;
    await Promise.all(
      Array.from({ length: 6 }, async () => {
        while (next < 30) await copy(`/small${next++}`);
      }),
    );
    await slow;
    expect(received.get('/big')).toBe(md5(big));
    for (let i = 0; i < 30; i++) expect(received.get(`/small${i}`)).toBe(md5(small));
  });
});

describe('broken answers are errors', () => {
  it('a body cut before its Content-Length: the body fails with ECONNRESET', async () => {
    const server = await rawServer((socket) => socket.end('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this'));
    const res = await get(client(server.port));
    const err = await readAll(res.body).catch((e: unknown) => e);
    expect((err as NodeJS.ErrnoException).code).toBe('ECONNRESET');
  });

  it('no answer at all: the request fails with ECONNRESET', async () => {
    const server = await rawServer((socket) => socket.destroy());
    const err = await get(client(server.port)).catch((e: unknown) => e);
    expect((err as NodeJS.ErrnoException).code).toBe('ECONNRESET');
  });

  it('a garbled answer fails with Http1ProtocolError', async () => {
    const server = await rawServer((socket) => socket.write('<html>not http</html>\r\n\r\n'));
    expect(await get(client(server.port)).catch((e: unknown) => e)).toBeInstanceOf(Http1ProtocolError);
  });

  it('an answer that stalls fails with ETIMEDOUT after the idle limit', async () => {
    const server = await rawServer((socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc'));
    const res = await get(client(server.port, { idleTimeoutMs: 150 }));
    const err = await readAll(res.body).catch((e: unknown) => e);
    expect((err as NodeJS.ErrnoException).code).toBe('ETIMEDOUT');
  });

  it('a header value with CR or LF is refused before anything is sent', async () => {
    const server = await rawServer((socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'));
    const err = await get(client(server.port), '/', { 'x-amz-meta-a': 'v\r\nx-injected: 1' }).catch((e: unknown) => e);
    expect((err as NodeJS.ErrnoException).code).toBe('ERR_INVALID_CHAR');
    expect(server.connections()).toBe(0);
  });
});

describe('TLS', () => {
  let dir: string;
  let key: Buffer;
  let cert: Buffer;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'dth-http1-tls-'));
    ({ key, cert } = selfSignedCertificate(dir));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a 3 MiB answer and a streamed upload over TLS arrive byte-identical, on one connection; an unknown certificate is refused', async () => {
    const big = randomBytes(3 * 1024 * 1024);
    let uploaded = '';
    let connections = 0;
    const server = createHttpsServer({ key, cert }, (req, res) => {
      readAll(req).then(
        (b) => {
          if (req.method === 'PUT') uploaded = md5(b);
          res.end(req.method === 'GET' ? big : '');
        },
        () => {},
      );
    });
    server.on('secureConnection', () => connections++);
    const port = await listenUntilTestEnds(server);
    const secure = new Http1Client({ secure: true, host: 'localhost', port }, { ...OPTIONS, ca: [cert.toString()] });
    expect(
      md5(await readAll((await secure.request({ method: 'GET', path: '/', headers: { host: 'localhost' } })).body)),
    ).toBe(md5(big));
    const put = await secure.request({
      method: 'PUT',
      path: '/',
      headers: { host: 'localhost', 'content-length': String(big.length) },
      body: Readable.from([big]),
    });
    await readAll(put.body);
    expect(uploaded).toBe(md5(big));
    expect(connections).toBe(1);
    const untrusted = new Http1Client({ secure: true, host: 'localhost', port }, OPTIONS);
    const err = await untrusted
      .request({ method: 'GET', path: '/', headers: { host: 'localhost' } })
      .catch((e: unknown) => e);
    expect((err as NodeJS.ErrnoException).code).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
  });

  it('through an HTTP proxy: TLS in a CONNECT tunnel, plain HTTP in absolute form; a login is sent, a refusal names the proxy', async () => {
    const big = randomBytes(3 * 1024 * 1024);
    let uploaded = '';
    const seen: string[] = [];
    const handler = (req: IncomingMessage, res: ServerResponse) => {
      seen.push(`${req.method} ${req.url} host=${req.headers.host} auth=${req.headers['proxy-authorization'] ?? '-'}`);
      readAll(req).then(
        (b) => {
          if (req.method === 'PUT') uploaded = md5(b);
          res.end(req.method === 'GET' ? big : '');
        },
        () => {},
      );
    };
    const tlsPort = await listenUntilTestEnds(createHttpsServer({ key, cert }, handler));
    const plainPort = (await httpServer(handler)).port;
    const proxy = await startTestProxy({ login: 'me:s3cret' });
    closers.push(proxy.close);
    const port = Number(new URL(proxy.url).port);
    const login = {
      host: '127.0.0.1',
      port,
      label: proxy.url,
      authorization: `Basic ${Buffer.from('me:s3cret').toString('base64')}`,
    };

    const secure = new Http1Client(
      { secure: true, host: 'localhost', port: tlsPort, proxy: login },
      { ...OPTIONS, ca: [cert.toString()] },
    );
    const got = await secure.request({ method: 'GET', path: '/a', headers: { host: 'localhost' } });
    expect(md5(await readAll(got.body))).toBe(md5(big));
    const put = await secure.request({
      method: 'PUT',
      path: '/b',
      headers: { host: 'localhost', 'content-length': String(big.length) },
      body: Readable.from([big]),
    });
    await readAll(put.body);
    expect(uploaded).toBe(md5(big));
    // One tunnel, kept alive for both requests; the origin saw origin-form paths and no proxy login.
    expect(proxy.tunnels).toEqual([`localhost:${tlsPort}`]);
    expect(seen).toEqual(['GET /a host=localhost auth=-', 'PUT /b host=localhost auth=-']);

    seen.length = 0;
    const plain = new Http1Client({ secure: false, host: '127.0.0.1', port: plainPort, proxy: login }, OPTIONS);
    expect(
      md5(await readAll((await plain.request({ method: 'GET', path: '/c?x=1', headers: { host: 'h' } })).body)),
    ).toBe(md5(big));
    expect(proxy.forwarded).toEqual([`GET http://127.0.0.1:${plainPort}/c?x=1`]);
    expect(seen).toEqual(['GET /c?x=1 host=h auth=-']);

    const noLogin = { host: '127.0.0.1', port, label: proxy.url };
    const refused = await new Http1Client(
      { secure: true, host: 'localhost', port: tlsPort, proxy: noLogin },
      { ...OPTIONS, ca: [cert.toString()] },
    )
      .request({ method: 'GET', path: '/', headers: { host: 'localhost' } })
      .catch((e: unknown) => e);
    expect((refused as NodeJS.ErrnoException).code).toBe('EPROXYAUTH');
    expect((refused as Error).message).toBe(
      `proxy ${proxy.url} refused a tunnel to localhost:${tlsPort}: 407 (proxy authentication required: user:password in the proxy URL)`,
    );
  });
});
