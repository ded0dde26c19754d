/**
 * How the lean S3 client addresses a bucket, seen by a node:http server on loopback: a path-style bucket goes under the
 * endpoint's own path, each key segment encoded and slashes kept, the Host header carries the endpoint's port, and what
 * was signed is what went on the wire (the signature recomputed from the received request matches the one sent). The
 * address worked out for other endpoints (AWS's own, China's, IPv6, default ports) is checked as data: no socket needed.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bucketAddress, S3HttpClient } from '../../../worker/adapters/s3/s3-http.js';
import { SigV4Signer } from '../../../worker/adapters/s3/sigv4.js';

const KEYS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
/** Every request the server got; it answers each with 200 and an empty body. */
const received: IncomingMessage[] = [];
const server = createServer((req, res) => {
  received.push(req);
  req.resume();
  req.on('end', () => res.writeHead(200, { etag: '"d41d8cd98f00b204e9800998ecf8427e"', 'content-length': '0' }).end());
});
let port = 0;

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
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
  it('puts the bucket and the encoded key under the endpoint path, with the port in Host, signed as sent', async () => {
    // A bucket with dots is never virtual-hosted (its name would break the TLS host name), so it goes path-style.
    const s3 = new S3HttpClient({
      bucket: 'my.bucket',
      region: 'eu-west-1',
      endpoint: `http://127.0.0.1:${port}/store/`,
      forcePathStyle: false,
      credentials: async () => KEYS,
      maxSockets: 2,
    });
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
});

describe('bucketAddress', () => {
  const of = (bucket: string, endpoint?: string, forcePathStyle = false, region = 'eu-west-1') =>
    bucketAddress({ bucket, region, endpoint, forcePathStyle });

  it('addresses AWS buckets virtual-hosted on the regional endpoint, China under amazonaws.com.cn', () => {
    expect(of('my-bucket')).toEqual({
      socket: { secure: true, host: 'my-bucket.s3.eu-west-1.amazonaws.com', port: 443 },
      hostHeader: 'my-bucket.s3.eu-west-1.amazonaws.com',
      bucketPath: '',
    });
    expect(of('bucket-cn', undefined, false, 'cn-north-1').hostHeader).toBe('bucket-cn.s3.cn-north-1.amazonaws.com.cn');
  });

  it('puts a bucket with dots, or any bucket when forced, path-style under the endpoint path', () => {
    expect(of('my.bucket')).toMatchObject({
      socket: { host: 's3.eu-west-1.amazonaws.com' },
      hostHeader: 's3.eu-west-1.amazonaws.com',
      bucketPath: '/my.bucket',
    });
    expect(of('b', 'https://store.example:8443/base//', true)).toEqual({
      socket: { secure: true, host: 'store.example', port: 8443 },
      hostHeader: 'store.example:8443',
      bucketPath: '/base/b',
    });
  });

  it('keeps an IPv6 address in brackets in Host and bare for the socket; a default port is not written', () => {
    expect(of('b', 'http://[::1]:9000', true)).toEqual({
      socket: { secure: false, host: '::1', port: 9000 },
      hostHeader: '[::1]:9000',
      bucketPath: '/b',
    });
    expect(of('b', 'http://[fd00::5]:80', true).hostHeader).toBe('[fd00::5]');
    expect(of('b', 'https://minio.local:443', true)).toMatchObject({
      socket: { port: 443 },
      hostHeader: 'minio.local',
    });
  });
});
