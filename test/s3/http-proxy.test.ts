/**
 * S3 requests through an HTTP proxy named by the environment, as other S3 tools (and the original's Go workers) read
 * it: HTTP_PROXY / HTTPS_PROXY / NO_PROXY. A real forward proxy (test/support/http-proxy.ts) between the engine and
 * the two s3rver: every request goes through it, NO_PROXY bypasses it, and a proxy that wants a login is named in the
 * error (and passed it from user:password in the URL). TLS through CONNECT is proved in http1-client.test.ts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { servers } from '../support/servers.js';
import { restoreProxyEnv, setProxyEnv, startTestProxy, type TestProxy } from '../support/http-proxy.js';
import { baseParams, bucketPair, bytes, md5, putSource, readObject, runEmbedded } from './engine-fixtures.js';

const MiB = 1024 * 1024;
const proxies: TestProxy[] = [];

afterEach(async () => {
  restoreProxyEnv();
  await Promise.all(proxies.splice(0).map((p) => p.close()));
});

describe('S3 through an HTTP proxy (HTTP_PROXY, NO_PROXY)', () => {
  it('every request of both sides goes through the proxy; NO_PROXY bypasses it', async () => {
    const { src, dst } = await bucketPair();
    const objects = { 'a.txt': Buffer.from('a'), 'dir/big.bin': bytes(9 * MiB, 4) };
    for (const [k, v] of Object.entries(objects)) await putSource(src, k, v);
    const proxy = await startTestProxy();
    proxies.push(proxy);

    setProxyEnv({ HTTP_PROXY: proxy.url });
    const { report } = await runEmbedded(baseParams(src, dst));
    expect(report).toMatchObject({ complete: true, failed: 0, done: 2 });
    for (const [k, v] of Object.entries(objects)) expect(md5(await readObject(servers.s3Dest, dst, k)), k).toBe(md5(v));
    const hosts = new Set(proxy.forwarded.map((r) => new URL(r.split(' ')[1]).origin));
    expect([...hosts].sort()).toEqual([servers.s3Source, servers.s3Dest].sort());
    expect(proxy.forwarded.some((r) => r.startsWith(`PUT ${servers.s3Dest}/${dst}/dir/big.bin?partNumber=`))).toBe(
      true,
    );

    const through = proxy.forwarded.length;
    const other = await bucketPair();
    await putSource(other.src, 'b.txt', 'b');
    setProxyEnv({ HTTP_PROXY: proxy.url, NO_PROXY: '127.0.0.1' });
    expect((await runEmbedded(baseParams(other.src, other.dst))).report).toMatchObject({ complete: true, done: 1 });
    expect(proxy.forwarded).toHaveLength(through);
  });

  it('a proxy that wants a login: without it the error names the proxy; with user:password in the URL all goes through', async () => {
    const { src, dst } = await bucketPair();
    await putSource(src, 'c.txt', 'c');
    const proxy = await startTestProxy({ login: 'dth:pr0xy' });
    proxies.push(proxy);

    setProxyEnv({ HTTP_PROXY: proxy.url });
    await expect(runEmbedded(baseParams(src, dst))).rejects.toThrow(
      /^source bucket .*: ListObjectsV2: the proxy \(HTTPS_PROXY\/HTTP_PROXY\) requires a login \(407\): give user:password in the proxy URL$/,
    );
    setProxyEnv({ HTTP_PROXY: proxy.url.replace('http://', 'http://dth:pr0xy@') });
    expect((await runEmbedded(baseParams(src, dst))).report).toMatchObject({ complete: true, done: 1 });
    expect(proxy.forwarded.length).toBeGreaterThan(0);
  });
});
