/**
 * The ECR API adapter against the AWS API emulator (moto server): STS account of the keys, GetAuthorizationToken signed
 * with a secret's keys (cross-account), CreateRepository (idempotent, racing), DescribeRepositories / ListImages.
 */
import {
  CreateRepositoryCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  ListImagesCommand,
  PutImageCommand,
} from '@aws-sdk/client-ecr';
import { createHash } from 'node:crypto';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EcrCatalog, SdkEcrApi } from '../../worker/adapters/ecr/ecr-registry.js';
import { retryAdviceOf } from '../../worker/core/errors.js';
import { ecrRegistryHost } from '../../worker/ecr/params.js';
import type { AccessKeys } from '../../worker/ports/secret-store.js';
import { restoreProxyEnv, setProxyEnv, startTestProxy } from '../support/http-proxy.js';
import { uniqueName } from '../support/servers.js';
import { DEFAULT_ACCOUNT, freshAccountId, startAwsEmulator, type AwsEmulator } from './aws-emulator.js';

let aws: AwsEmulator;
let api: SdkEcrApi;
let otherKeys: AccessKeys;
const OTHER = freshAccountId();

beforeAll(async () => {
  aws = await startAwsEmulator();
  api = new SdkEcrApi({ clientConfig: { endpoint: aws.endpoint, credentials: aws.defaultKeys } });
  otherKeys = await aws.accountKeys(OTHER);
}, 60_000);
afterAll(async () => {
  await aws?.stop();
});

function ecrAs(keys: AccessKeys, region = 'eu-west-1'): ECRClient {
  return new ECRClient({ region, endpoint: aws.endpoint, credentials: keys });
}

/** A manifest registered in the emulator's ECR with its true digest (tagged or not). */
async function putImage(client: ECRClient, repositoryName: string, size: number, imageTag?: string): Promise<string> {
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
    config: { mediaType: 'application/vnd.docker.container.image.v1+json', digest: `sha256:${'a'.repeat(64)}`, size },
    layers: [],
  });
  const imageDigest = `sha256:${createHash('sha256').update(manifest).digest('hex')}`;
  await client.send(new PutImageCommand({ repositoryName, imageManifest: manifest, imageDigest, imageTag }));
  return imageDigest;
}

describe('ECR API adapter on the emulator', () => {
  it("finds the account of the credentials: a secret's keys give their own account, no keys the runtime's", async () => {
    expect(await api.registry({ region: 'eu-west-1', keys: otherKeys }).callerAccount()).toBe(OTHER);
    expect(await api.registry({ region: 'eu-west-1' }).callerAccount()).toBe(DEFAULT_ACCOUNT);
  });

  it("logs in with GetAuthorizationToken signed with the given keys: that account's token and registry host", async () => {
    const auth = await api.registry({ region: 'eu-west-1', accountId: OTHER, keys: otherKeys }).authorize();
    // moto's token for an account is AWS:<account>-auth-token: the keys reached ECR and acted in their account.
    expect(auth).toEqual({
      registry: `${OTHER}.dkr.ecr.eu-west-1.amazonaws.com`,
      login: { username: 'AWS', password: `${OTHER}-auth-token` },
    });
    const own = await api.registry({ region: 'us-east-1' }).authorize();
    expect(own.login.password).toBe(`${DEFAULT_ACCOUNT}-auth-token`);
    expect(ecrRegistryHost(OTHER, 'cn-north-1')).toBe(`${OTHER}.dkr.ecr.cn-north-1.amazonaws.com.cn`);
  });

  it('creates a missing repository once: a second call and five racing calls are not errors', async () => {
    const target = api.registry({ region: 'us-west-2', accountId: OTHER, keys: otherKeys });
    const name = `${uniqueName('mirror')}/app`;
    expect(await target.ensureRepository(name)).toBe(true);
    expect(await target.ensureRepository(name)).toBe(false);
    const raced = `${uniqueName('race')}/app`;
    const results = await Promise.all(Array.from({ length: 5 }, () => target.ensureRepository(raced)));
    expect(results.filter(Boolean)).toHaveLength(1);
    const repos = await ecrAs(otherKeys, 'us-west-2').send(new DescribeRepositoriesCommand({}));
    expect(
      repos.repositories
        ?.map((r) => r.repositoryName)
        .filter((n) => n === name || n === raced)
        .sort(),
    ).toEqual([name, raced].sort());
    // The default account has neither: CreateRepository went to the keys' account.
    const mine = await ecrAs(aws.defaultKeys, 'us-west-2').send(new DescribeRepositoriesCommand({}));
    expect(mine.repositories?.map((r) => r.repositoryName)).not.toContain(name);
  });

  it("lists repositories and tags of the keys' account (untagged images by digest only when asked), and names a missing repository", async () => {
    const region = 'ap-southeast-1';
    const client = ecrAs(otherKeys, region);
    const repo = `${uniqueName('cat')}/svc`;
    await client.send(new CreateRepositoryCommand({ repositoryName: repo }));
    await putImage(client, repo, 10, 'v1');
    await putImage(client, repo, 11, 'v2');
    const untagged = await putImage(client, repo, 12);
    const tagged = api.registry({ region, accountId: OTHER, keys: otherKeys }).catalog({ untagged: false });
    const repos: string[] = [];
    for await (const r of tagged.repositories()) repos.push(r);
    expect(repos).toContain(repo);
    expect((await tagged.tags(repo)).sort()).toEqual(['v1', 'v2']);
    const all = api.registry({ region, accountId: OTHER, keys: otherKeys }).catalog({ untagged: true });
    expect((await all.tags(repo)).sort()).toEqual(['v1', 'v2', untagged].sort());
    await expect(tagged.tags(`${repo}-missing`)).rejects.toThrow(
      `repository "${repo}-missing" does not exist in registry ${OTHER}`,
    );
  });

  it('logs in through the proxy the environment names (with its login), and names the proxy when it cannot be reached', async () => {
    const proxy = await startTestProxy({ login: 'corp:pa ss' });
    try {
      const withLogin = `http://corp:pa%20ss@${new URL(proxy.url).host}`;
      setProxyEnv({ HTTP_PROXY: withLogin });
      const viaProxy = new SdkEcrApi({ clientConfig: { endpoint: aws.endpoint, credentials: aws.defaultKeys } });
      const auth = await viaProxy.registry({ region: 'eu-west-1', keys: otherKeys }).authorize();
      expect(auth.login.password).toBe(`${OTHER}-auth-token`);
      // GetAuthorizationToken, then STS for the keys' account: both forwarded by the proxy, none refused.
      expect(proxy.forwarded.filter((r) => r.startsWith(`POST ${aws.endpoint}`))).toHaveLength(2);
      expect(proxy.refused).toBe(0);

      // An https:// endpoint (AWS's own) goes through a CONNECT tunnel: moto speaks no TLS, so the handshake then fails.
      setProxyEnv({ HTTPS_PROXY: withLogin });
      const tls = new SdkEcrApi({
        clientConfig: {
          endpoint: aws.endpoint.replace('http:', 'https:'),
          credentials: aws.defaultKeys,
          maxAttempts: 1,
        },
      });
      await expect(
        tls.registry({ region: 'eu-west-1', accountId: OTHER, keys: otherKeys }).authorize(),
      ).rejects.toThrow();
      expect(proxy.tunnels).toEqual([new URL(aws.endpoint).host]);

      // The proxy refusing the tunnel (here 407: HTTPS_PROXY without the login) is the proxy's error, with its status;
      // before, proxy-agent replayed its answer as the endpoint's and the SDK said "Unknown".
      setProxyEnv({ HTTPS_PROXY: proxy.url });
      const refusedBefore = proxy.refused;
      const noLogin = new SdkEcrApi({
        clientConfig: {
          endpoint: aws.endpoint.replace('http:', 'https:'),
          credentials: aws.defaultKeys,
          maxAttempts: 1,
        },
      });
      const refusal = noLogin.registry({ region: 'eu-west-1', keys: otherKeys }).callerAccount();
      await expect(refusal).rejects.toThrow(
        `proxy ${proxy.url} refused a tunnel to ${new URL(aws.endpoint).host}: 407 (proxy authentication required: user:password in the proxy URL); check the proxy`,
      );
      const refused = await refusal.catch((err: unknown) => err);
      expect(refused).toMatchObject({ code: 'ENDPOINT_UNREACHABLE' });
      expect(retryAdviceOf(refused)).toMatchObject({ retryable: false });
      expect(proxy.refused).toBe(refusedBefore + 1);

      setProxyEnv({ HTTP_PROXY: withLogin, NO_PROXY: '127.0.0.1' });
      const direct = new SdkEcrApi({ clientConfig: { endpoint: aws.endpoint, credentials: aws.defaultKeys } });
      await direct.registry({ region: 'eu-west-1', accountId: OTHER, keys: otherKeys }).authorize();
      expect(proxy.forwarded).toHaveLength(2);
    } finally {
      restoreProxyEnv();
      await proxy.close();
    }
    const closed = await startTestProxy();
    await closed.close();
    try {
      setProxyEnv({ HTTP_PROXY: closed.url });
      const unreachable = new SdkEcrApi({
        clientConfig: { endpoint: aws.endpoint, credentials: aws.defaultKeys, maxAttempts: 1 },
      });
      await expect(unreachable.registry({ region: 'eu-west-1', accountId: OTHER }).authorize()).rejects.toThrow(
        `cannot reach 127.0.0.1 through the proxy ${closed.url} (HTTPS_PROXY/HTTP_PROXY): ECONNREFUSED`,
      );
    } finally {
      restoreProxyEnv();
    }
  });

  // moto answers DescribeRepositories and ListImages in one page whatever maxResults says, so paging is checked
  // against a call mock: the only test of this file that does not reach the emulator.
  it('follows nextToken across pages (call mock: the emulator does not paginate)', async () => {
    const ecr = mockClient(ECRClient);
    ecr
      .on(DescribeRepositoriesCommand, { nextToken: undefined })
      .resolves({ repositories: [{ repositoryName: 'a' }], nextToken: 'p2' });
    ecr.on(DescribeRepositoriesCommand, { nextToken: 'p2' }).resolves({ repositories: [{ repositoryName: 'b/c' }] });
    ecr
      .on(ListImagesCommand, { repositoryName: 'a', nextToken: undefined })
      .resolves({ imageIds: [{ imageTag: '1' }, { imageDigest: 'sha256:ab' }], nextToken: 't2' });
    ecr.on(ListImagesCommand, { repositoryName: 'a', nextToken: 't2' }).resolves({ imageIds: [{ imageTag: '2' }] });
    try {
      const catalog = new EcrCatalog(new ECRClient({ region: 'us-east-1' }), {
        registryId: '123456789012',
        includeUntagged: true,
      });
      const repos: string[] = [];
      for await (const r of catalog.repositories()) repos.push(r);
      expect(repos).toEqual(['a', 'b/c']);
      expect(await catalog.tags('a')).toEqual(['1', 'sha256:ab', '2']);
      expect(ecr.commandCalls(ListImagesCommand)[0].args[0].input).toMatchObject({
        registryId: '123456789012',
        filter: { tagStatus: 'ANY' },
      });
    } finally {
      ecr.restore();
    }
  });
});
