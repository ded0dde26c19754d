import { execFileSync } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { retryAdviceOf } from '../../worker/core/errors.js';
import { RegistryV2Catalog } from '../../worker/ecr/catalog.js';
import { restoreProxyEnv, setProxyEnv, startTestProxy } from '../support/http-proxy.js';
import { startRelay } from '../support/tcp-relay.js';
import { servers } from '../support/servers.js';
import { seedImages } from './image-fixtures.js';
import { startRegistryFront } from './registry-front.js';

const login = { username: servers.registryUser, password: servers.registryPassword };

describe('Docker Registry v2 catalog against the real registries', () => {
  it('follows Link pagination for repositories and tags', async () => {
    const { repository } = seedImages();
    const catalog = new RegistryV2Catalog({ registry: servers.registryOpen, insecure: true }, 1);
    expect((await catalog.tags(repository)).sort()).toEqual(['multi', 'v1']);
    const repos: string[] = [];
    for await (const r of new RegistryV2Catalog({ registry: servers.registryOpen, insecure: true }, 3).repositories())
      repos.push(r);
    expect(repos).toContain(repository);
    expect(new Set(repos).size).toBe(repos.length);
  });

  it("a repository the registry does not know fails in the registry's words (NAME_UNKNOWN), not a bare status", async () => {
    const catalog = new RegistryV2Catalog({ registry: servers.registryOpen, insecure: true });
    await expect(catalog.tags('never/pushed')).rejects.toThrow(
      `${servers.registryOpen}: /v2/never/pushed/tags/list answered HTTP 404 (NAME_UNKNOWN: repository name not known to registry)`,
    );
  });

  it('a registry that ignores `last` (the first page and its Link again) fails naming the registry, not a listing without end', async () => {
    seedImages();
    const front = await startRegistryFront({ upstream: servers.registryOpen, mode: 'ignores-last' });
    try {
      // The catalog pages (this registry answers a repository's tags in one page whatever `n`).
      const repos = new RegistryV2Catalog({ registry: front.registry, insecure: true }, 1).repositories();
      await expect(
        (async () => {
          for await (const _ of repos);
        })(),
      ).rejects.toThrow(
        new RegExp(`${front.registry}.*the listing links back to a page it already gave \\(/v2/_catalog\\)`),
      );
      // The first page, then the second (the first again, with the same Link): refused there.
      expect(front.forwarded.filter((r) => r.includes('/v2/_catalog')).length).toBe(2);
    } finally {
      await front.close();
    }
  });

  it('a listing answered 200 with something else (a sign-in page, JSON without the list) fails naming the registry, not an empty listing', async () => {
    const { repository } = seedImages();
    const front = await startRegistryFront({ upstream: servers.registryOpen, mode: 'not-listings' });
    try {
      const catalog = new RegistryV2Catalog({ registry: front.registry, insecure: true });
      await expect(catalog.tags(repository)).rejects.toThrow(
        new RegExp(
          `${front.registry}: /v2/${repository}/tags/list answered JSON without "tags", not a registry listing`,
        ),
      );
      await expect(
        (async () => {
          for await (const _ of catalog.repositories());
        })(),
      ).rejects.toThrow(
        /\/v2\/_catalog answered a page that is not JSON \(content type text\/html\), not a registry listing/,
      );
    } finally {
      await front.close();
    }
  });

  it("a listing throttled once (429, Retry-After: 1) is asked again after the registry's wait, not failed", async () => {
    const { repository } = seedImages();
    const front = await startRegistryFront({
      upstream: servers.registryOpen,
      mode: 'fails-reads',
      readFailure: { requests: 'listings', status: 429, retryAfterSeconds: 1, times: 1 },
    });
    try {
      const started = Date.now();
      expect(
        (await new RegistryV2Catalog({ registry: front.registry, insecure: true }).tags(repository)).sort(),
      ).toEqual(['multi', 'v1']);
      expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
      expect(front.failedReads).toEqual([`GET /v2/${repository}/tags/list?n=100`]);
    } finally {
      await front.close();
    }
  });

  it("a listing that keeps failing (503) fails in the registry's words after a few attempts, not at once and not for ever", async () => {
    const { repository } = seedImages();
    const front = await startRegistryFront({
      upstream: servers.registryOpen,
      mode: 'fails-reads',
      readFailure: { requests: 'listings', status: 503 },
    });
    try {
      await expect(
        new RegistryV2Catalog({ registry: front.registry, insecure: true }).tags(repository),
      ).rejects.toThrow(
        `${front.registry}: /v2/${repository}/tags/list answered HTTP 503 (UNAVAILABLE: try again later)`,
      );
      expect(front.failedReads).toHaveLength(4);
    } finally {
      await front.close();
    }
  });

  it('goes through the proxy the environment names (HTTP_PROXY), as skopeo does; NO_PROXY bypasses it', async () => {
    const { repository } = seedImages();
    const proxy = await startTestProxy();
    try {
      setProxyEnv({ HTTP_PROXY: proxy.url });
      const catalog = new RegistryV2Catalog({ registry: servers.registryOpen, insecure: true });
      expect((await catalog.tags(repository)).sort()).toEqual(['multi', 'v1']);
      expect(proxy.tunnels.length + proxy.forwarded.length).toBeGreaterThan(0);
      expect([...proxy.tunnels, ...proxy.forwarded].every((r) => r.includes(servers.registryOpen))).toBe(true);
      const through = proxy.tunnels.length + proxy.forwarded.length;
      setProxyEnv({ HTTP_PROXY: proxy.url, NO_PROXY: '127.0.0.1' });
      expect(
        (await new RegistryV2Catalog({ registry: servers.registryOpen, insecure: true }).tags(repository)).length,
      ).toBe(2);
      expect(proxy.tunnels.length + proxy.forwarded.length).toBe(through);
    } finally {
      restoreProxyEnv();
      await proxy.close();
    }
  });

  it('reads a registry on a port fetch refuses (the Fetch standard\'s "bad ports", e.g. 10080), as skopeo does', async () => {
    const { repository } = seedImages();
    // A relay to the test registry on the first of these ports that is free here.
    const relay = await startRelay(servers.registryOpen, {
      ports: [10080, 6665, 6666, 6667, 6668, 6669, 6000, 6566, 6679, 6697],
    });
    try {
      const catalog = new RegistryV2Catalog({ registry: `127.0.0.1:${relay.port}`, insecure: true });
      expect((await catalog.tags(repository)).sort()).toEqual(['multi', 'v1']);
    } finally {
      await relay.close();
    }
  });

  it('a registry that cannot be reached, directly or through the proxy, is named with the reason (not "fetch failed"), retryable', async () => {
    const closed = createServer();
    await new Promise<void>((listening) => closed.listen(0, '127.0.0.1', listening));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((done) => closed.close(done)); // nothing listens there now
    const registry = `127.0.0.1:${port}`;
    const direct = await new RegistryV2Catalog({ registry, insecure: true }).tags('any').catch((e: unknown) => e);
    expect((direct as Error).message).toBe(`${registry}: cannot reach http://${registry}: ECONNREFUSED`);
    expect(retryAdviceOf(direct)?.retryable).toBe(true);

    const proxy = await startTestProxy({ login: 'user:secret' }); // wants a login the environment does not give
    try {
      setProxyEnv({ HTTP_PROXY: proxy.url });
      const refused = await new RegistryV2Catalog({ registry: servers.registryOpen, insecure: true })
        .tags('any')
        .catch((e: unknown) => e);
      expect((refused as Error).message).toMatch(
        new RegExp(
          `^${servers.registryOpen}: cannot reach http://${servers.registryOpen} through the proxy ${proxy.url} \\(HTTPS_PROXY/HTTP_PROXY\\): .*407`,
        ),
      );
    } finally {
      restoreProxyEnv();
      await proxy.close();
    }
  });

  it('uses basic auth, and names the registry when the login is rejected', async () => {
    const { repository } = seedImages();
    execFileSync(
      'skopeo',
      [
        'copy',
        '--all',
        '--src-tls-verify=false',
        '--dest-tls-verify=false',
        '--dest-creds',
        `${login.username}:${login.password}`,
        `docker://${servers.registryOpen}/${repository}:v1`,
        `docker://${servers.registryAuth}/${repository}:v1`,
      ],
      { stdio: 'pipe' },
    );
    const ok = new RegistryV2Catalog({ registry: servers.registryAuth, insecure: true, login }, 2);
    expect(await ok.tags(repository)).toEqual(['v1']);
    const wrong = new RegistryV2Catalog({
      registry: servers.registryAuth,
      insecure: true,
      login: { ...login, password: 'not-the-password' },
    });
    const err = await ok
      .tags(repository)
      .then(() => wrong.tags(repository))
      .catch((e: Error) => e);
    expect(String(err)).toMatch(
      new RegExp(`${servers.registryAuth.replace(/[.]/g, '\\.')}: credentials were rejected \\(HTTP 401\\)`),
    );
    expect(String(err)).not.toContain('not-the-password');
  });
});
