import { afterEach, describe, expect, it } from 'vitest';
import { RegistryV2Catalog } from '../../worker/ecr/catalog.js';
import { parseChallenge, RegistryClient } from '../../worker/ecr/registry-client.js';
import { servers } from '../support/servers.js';
import { copyToAuthRegistry, registryDigest, seedImages } from './image-fixtures.js';
import { startRegistryFront, TOKEN_SERVICE, type RegistryFront } from './registry-front.js';

const login = { username: servers.registryUser, password: servers.registryPassword };
const auth = `${login.username}:${login.password}`;

let fronts: RegistryFront[] = [];
afterEach(async () => {
  await Promise.all(fronts.map((f) => f.close()));
  fronts = [];
});
async function front(o: Parameters<typeof startRegistryFront>[0]): Promise<RegistryFront> {
  const f = await startRegistryFront(o);
  fronts.push(f);
  return f;
}

describe('registry HTTP client: manifest digests without skopeo', () => {
  it('reads the digests skopeo reports, single-arch and multi-arch (OCI index), on the open and the htpasswd registry', async () => {
    const { repository } = seedImages();
    copyToAuthRegistry(repository);
    const open = new RegistryClient({ registry: servers.registryOpen, insecure: true });
    const withLogin = new RegistryClient({ registry: servers.registryAuth, insecure: true, login });
    for (const tag of ['v1', 'multi']) {
      const expected = registryDigest(servers.registryOpen, `${repository}:${tag}`);
      expect(await open.manifestDigest(repository, tag)).toBe(expected);
      expect(await withLogin.manifestDigest(repository, tag)).toBe(
        registryDigest(servers.registryAuth, `${repository}:${tag}`, auth),
      );
      expect(await withLogin.manifestDigest(repository, tag)).toBe(expected);
      // By digest, as an untagged image is read.
      expect(await open.manifestDigest(repository, expected)).toBe(expected);
    }
    expect(await open.manifestDigest(repository, 'multi')).not.toBe(await open.manifestDigest(repository, 'v1'));
  });

  it('answers absent (undefined) for a missing tag or repository', async () => {
    const { repository } = seedImages();
    copyToAuthRegistry(repository);
    for (const client of [
      new RegistryClient({ registry: servers.registryOpen, insecure: true }),
      new RegistryClient({ registry: servers.registryAuth, insecure: true, login }),
    ]) {
      expect(await client.manifestDigest(repository, 'no-such-tag')).toBeUndefined();
      expect(await client.manifestDigest(`${repository}-missing`, 'v1')).toBeUndefined();
    }
  });

  it('names the registry when the basic login is rejected, without the password; asks for one when none is given', async () => {
    const { repository } = seedImages();
    const wrong = new RegistryClient({
      registry: servers.registryAuth,
      insecure: true,
      login: { ...login, password: 'not-the-password-7' },
    });
    const err = await wrong.manifestDigest(repository, 'v1').catch((e: Error) => e);
    expect(String(err)).toContain(`${servers.registryAuth}: credentials were rejected (HTTP 401)`);
    expect(String(err)).not.toContain('not-the-password-7');
    const anonymous = await new RegistryClient({ registry: servers.registryAuth, insecure: true })
      .manifestDigest(repository, 'v1')
      .catch((e: Error) => e);
    expect(String(anonymous)).toMatch(/authentication required \(HTTP 401\)/);
  });

  it("a manifest read the registry refuses fails in the registry's words (403 DENIED), not a bare status", async () => {
    const { repository } = seedImages();
    const f = await front({
      upstream: servers.registryOpen,
      mode: 'basic',
      login,
      allows: (_user, method, path) => !(method === 'GET' && path.includes('/manifests/')),
    });
    const client = new RegistryClient({ registry: f.registry, insecure: true, login });
    await expect(client.imageSize(repository, 'v1')).rejects.toThrow(
      `${f.registry}: GET /v2/${repository}/manifests/v1 answered HTTP 403 (DENIED: requested access to the resource is denied)`,
    );
  });

  it('hashes the manifest bytes when the registry sends no Docker-Content-Digest', async () => {
    const { repository } = seedImages();
    const f = await front({ upstream: servers.registryOpen, mode: 'no-digest-header' });
    const client = new RegistryClient({ registry: f.registry, insecure: true });
    for (const tag of ['v1', 'multi'])
      expect(await client.manifestDigest(repository, tag)).toBe(
        registryDigest(servers.registryOpen, `${repository}:${tag}`),
      );
    expect(f.forwarded.filter((r) => r.startsWith('GET ') && r.includes('/manifests/'))).toHaveLength(2);
    expect(await client.manifestDigest(repository, 'nope')).toBeUndefined();
  });

  it('Bearer challenge: gets a token for the service and scope with the basic login, reuses it, and reads the digests skopeo reports', async () => {
    const { repository } = seedImages();
    const f = await front({ upstream: servers.registryOpen, mode: 'bearer', login });
    const client = new RegistryClient({ registry: f.registry, insecure: true, login });
    const [v1, multi] = await Promise.all([
      client.manifestDigest(repository, 'v1'),
      client.manifestDigest(repository, 'multi'),
    ]);
    expect(v1).toBe(registryDigest(servers.registryOpen, `${repository}:v1`));
    expect(multi).toBe(registryDigest(servers.registryOpen, `${repository}:multi`));
    expect(await client.manifestDigest(repository, 'missing')).toBeUndefined();
    // One token for the repository's pull scope, shared by the parallel reads and reused afterwards.
    expect(f.tokenRequests).toEqual([
      { service: TOKEN_SERVICE, scopes: [`repository:${repository}:pull`], user: login.username, granted: true },
    ]);
    // The same client lists tags through the same auth (catalog and digests share it).
    expect(
      (await new RegistryV2Catalog({ registry: f.registry, insecure: true, login }).tags(repository)).sort(),
    ).toEqual(['multi', 'v1']);
  });

  it('Bearer challenge: anonymous access_token, and a token server that rejects the login fails without the password', async () => {
    const { repository } = seedImages();
    const anonymous = await front({ upstream: servers.registryOpen, mode: 'bearer', tokenField: 'access_token' });
    expect(
      await new RegistryClient({ registry: anonymous.registry, insecure: true }).manifestDigest(repository, 'v1'),
    ).toBe(registryDigest(servers.registryOpen, `${repository}:v1`));
    expect(anonymous.tokenRequests).toMatchObject([{ user: undefined, granted: true }]);

    const strict = await front({ upstream: servers.registryOpen, mode: 'bearer', login });
    const wrong = new RegistryClient({
      registry: strict.registry,
      insecure: true,
      login: { ...login, password: 'wrong-password-99' },
    });
    const err = await wrong.manifestDigest(repository, 'v1').catch((e: Error) => e);
    expect(String(err)).toMatch(/token server 127\.0\.0\.1:\d+ answered HTTP 401 \(credentials rejected\)/);
    expect(String(err)).not.toContain('wrong-password-99');
    expect(strict.forwarded).toEqual([]);
  });

  it('parses challenges with quoted commas and unquoted values', () => {
    expect(
      parseChallenge(
        'Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull,push"',
      ),
    ).toEqual({
      scheme: 'bearer',
      params: { realm: 'https://auth.example/token', service: 'registry.example', scope: 'repository:a/b:pull,push' },
    });
    expect(parseChallenge('Basic realm=basic-realm')).toEqual({ scheme: 'basic', params: { realm: 'basic-realm' } });
    expect(parseChallenge(null)).toBeUndefined();
  });
});
