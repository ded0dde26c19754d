/**
 * How the lean S3 client addresses a bucket, seen by a node:http server on loopback: a path-style bucket goes under the
 * endpoint's own path, each key segment encoded and slashes kept, the Host header carries the endpoint's port, and what
 * was signed is what went on the wire (the signature recomputed from the received request matches the one sent); an
 * IPv6 endpoint keeps its brackets in Host.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { S3HttpClient } from '../../../worker/adapters/s3/s3-http.js';
import { SigV4Signer } from '../../../worker/adapters/s3/sigv4.js';

const KEYS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const received: IncomingMessage[] = [];
/** Records each request and answers 200 with an empty body. */
const recorder = () =>
  createServer((req, res) => {
    received.push(req);
    req.resume();
    req.on('end', () =>
      res.writeHead(200, { etag: '"d41d8cd98f00b204e9800998ecf8427e"', 'content-length': '0' }).end(),
    );
  });
const server = recorder();
const server6 = recorder();
let port = 0;
let port6 = 0;

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server6.listen(0, '::1', resolve));
  port6 = (server6.address() as AddressInfo).port;
});
afterAll(async () => {
  for (const s of [server, server6]) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
});
beforeEach(() => {
  received.length = 0;
});

/** The Authorization a correct signer gives the request as the server received it. */
function expectedAuthorization(req: IncomingMessage): string {
  const url = new URL(req.url ?? '/', 'http://x');
  const signedNames = /SignedHeaders=([^,]+)/.exec(req.headers.authorization ?? '')?.[1].split(';') ?? [];
  const headers: Record<string, string> = {};
  for (const name of signedNames) headers[name] = String(req.headers[name]);
  const stamp = headers['x-amz-date'];
  const now = new Date(
    `${stamp.slice(0, 4)}-${stamp.slice(4, 6)}-${stamp.slice(6, 8)}T${stamp.slice(9, 11)}:${stamp.slice(11, 13)}:${stamp.slice(13, 15)}Z`,
  );
  new SigV4Signer('eu-west-1').sign(
    {
      method: req.method ?? '',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers,
      payloadHash: headers['x-amz-content-sha256'],
    },
    KEYS,
    now,
  );
  return headers.authorization;
}

describe('S3HttpClient addressing', () => {
  // A bucket with dots is never virtual-hosted (its name would break the TLS host name), so it goes path-style.
  const client = () =>
    new S3HttpClient({
      bucket: 'my.bucket',
      region: 'eu-west-1',
      endpoint: `http://127.0.0.1:${port}/store/`,
      forcePathStyle: false,
      credentials: async () => KEYS,
      maxSockets: 2,
    });

  it('puts the bucket and the encoded key under the endpoint path, with the port in Host, signed as sent', async () => {
    const s3 = client();
    await s3.send({ method: 'PUT', key: 'dir/a b+c (1).txt', body: Buffer.from('x') });
    await s3.send({ method: 'GET', query: { 'list-type': '2', prefix: 'dir/a b' } });
    expect(received.map((r) => r.url)).toEqual([
      '/store/my.bucket/dir/a%20b%2Bc%20%281%29.txt',
      '/store/my.bucket/?list-type=2&prefix=dir%2Fa%20b',
    ]);
    for (const req of received) {
      expect(req.headers.host).toBe(`127.0.0.1:${port}`);
      expect(req.headers.authorization).toMatch(/SignedHeaders=[^,]*\bhost\b/);
      expect(req.headers.authorization).toBe(expectedAuthorization(req));
    }
  });

  it('keeps an IPv6 endpoint in brackets in Host (the socket gets the bare address), signed as sent', async () => {
    const s3 = new S3HttpClient({
      bucket: 'bkt',
      region: 'eu-west-1',
      endpoint: `http://[::1]:${port6}`,
      forcePathStyle: true,
      credentials: async () => KEYS,
      maxSockets: 2,
    });
    await s3.send({ method: 'GET', key: 'k' });
    expect(received.map((r) => [r.url, r.headers.host])).toEqual([['/bkt/k', `[::1]:${port6}`]]);
    expect(received[0].headers.authorization).toBe(expectedAuthorization(received[0]));
  });
});
