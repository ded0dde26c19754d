/**
 * Image tasks with Amazon ECR sides, the original's way: the ECR API (STS, GetAuthorizationToken, CreateRepository,
 * DescribeRepositories / ListImages) is the AWS API emulator (moto server); each ECR registry is a local docker-registry
 * behind a front that accepts exactly the login ECR hands out for that account (`AWS:<account>-auth-token` in moto), so
 * a copy succeeds only with the token of the right account. Real skopeo.
 */
import { CreateRepositoryCommand, DescribeRepositoriesCommand, ECRClient, PutImageCommand } from '@aws-sdk/client-ecr';
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FileSecretStore, openSqliteDatabase, SqliteStatusStore } from '../../worker/adapters/embedded/index.js';
import { SdkEcrApi } from '../../worker/adapters/ecr/ecr-registry.js';
import { createLogger, silentLogger } from '../../worker/core/log.js';
import { MANIFEST_ACCEPT } from '../../worker/ecr/registry-client.js';
import { parseEcrTaskParams } from '../../worker/ecr/params.js';
import { runImageSync } from '../../worker/ecr/run-image-sync.js';
import type { AccessKeys } from '../../worker/ports/secret-store.js';
import { restoreProxyEnv, setProxyEnv, startTestProxy } from '../support/http-proxy.js';
import { servers, uniqueName } from '../support/servers.js';
import { startRelay } from '../support/tcp-relay.js';
import { DEFAULT_ACCOUNT, freshAccountId, startAwsEmulator, type AwsEmulator } from './aws-emulator.js';
import { countingSkopeo, registryDigest, seedImages } from './image-fixtures.js';
import { startRegistryFront, type RegistryFront } from './registry-front.js';

const SOURCE_REGION = 'eu-west-1';
const DEST_REGION = 'us-east-1';

let aws: AwsEmulator;
const fronts: RegistryFront[] = [];
afterAll(async () => {
  await Promise.all(fronts.map((f) => f.close()));
  await aws?.stop();
});
beforeAll(async () => {
  aws = await startAwsEmulator();
}, 60_000);

/** The local registry standing in for an account's ECR registry: only that account's ECR login gets in. */
async function ecrRegistryFor(account: string): Promise<RegistryFront> {
  const front = await startRegistryFront({
    upstream: servers.registryOpen,
    mode: 'basic',
    login: { username: 'AWS', password: `${account}-auth-token` },
  });
  fronts.push(front);
  return front;
}

/** A source account with its own keys (in a secret file) and ECR registry stand-in. */
async function sourceAccount(account: string) {
  const keys = await aws.accountKeys(account);
  const registry = await ecrRegistryFor(account);
  return {
    account,
    keys,
    registry,
    ecr: new ECRClient({ region: SOURCE_REGION, endpoint: aws.endpoint, credentials: keys }),
  };
}

function secretsFile(fields: Record<string, Record<string, string>>): string {
  const path = join(mkdtempSync(join(tmpdir(), 'dth-ecr-secrets-')), 'secrets.json');
  writeFileSync(path, JSON.stringify(fields), { mode: 0o600 });
  return path;
}

function keySecret(keys: AccessKeys): Record<string, string> {
  return { access_key_id: keys.accessKeyId, secret_access_key: keys.secretAccessKey };
}

/** Registers the seeded image's tags (real manifest bytes and digests) in the source account's ECR catalogue. */
async function registerInEcr(
  ecr: ECRClient,
  repository: string,
  tags: (string | undefined)[],
  manifestOf = (tag: string) => `${repository}:${tag}`,
) {
  await ecr.send(new CreateRepositoryCommand({ repositoryName: repository })).catch((err) => {
    if (err.name !== 'RepositoryAlreadyExistsException') throw err;
  });
  for (const tag of tags) {
    const [repo, ref] = manifestOf(tag ?? 'v1').split(':');
    const res = await fetch(`http://${servers.registryOpen}/v2/${repo}/manifests/${ref}`, {
      headers: { accept: MANIFEST_ACCEPT },
    });
    const manifest = await res.text();
    const imageDigest = `sha256:${createHash('sha256').update(manifest).digest('hex')}`;
    await ecr.send(
      new PutImageCommand({ repositoryName: repository, imageManifest: manifest, imageDigest, imageTag: tag }),
    );
  }
}

/** ECR to ECR: the source account's keys in secret 'src-keys', both account ids blank, copies under `prefix`. */
function ecrToEcrUnder(prefix: string, more: Record<string, string> = {}) {
  return parseEcrTaskParams({
    sourceType: 'Amazon_ECR',
    srcRegion: SOURCE_REGION,
    srcCredential: 'src-keys',
    destRegion: DEST_REGION,
    destPrefix: prefix,
    insecure: 'true',
    ...more,
  });
}

/** The ECR API on the emulator; registry hosts of the accounts mapped to their local stand-ins. */
function ecrApi(hosts: Record<string, RegistryFront>): SdkEcrApi {
  return new SdkEcrApi({
    clientConfig: { endpoint: aws.endpoint, credentials: aws.defaultKeys },
    registryHost: (account) => {
      const front = hosts[account];
      if (!front) throw new Error(`no registry stand-in for account ${account}`);
      return front.registry;
    },
  });
}

/**
 * The emulator's ECR API behind a front that stamps every authorization token it hands out with the time it was made
 * (`<account>-auth-token@<ms>`), so registry stand-ins can refuse old ones. Requests pass unchanged (still signed).
 */
async function startStampingEcrApi(target: string) {
  const upstream = new URL(target);
  let logins = 0;
  const server = http.createServer((req, res) => {
    const forward = http.request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (c: Buffer) => chunks.push(c));
        answer.on('end', () => {
          let body = Buffer.concat(chunks);
          if (String(req.headers['x-amz-target']).endsWith('.GetAuthorizationToken') && answer.statusCode === 200) {
            logins++;
            const doc = JSON.parse(body.toString()) as { authorizationData?: { authorizationToken?: string }[] };
            for (const d of doc.authorizationData ?? [])
              d.authorizationToken = Buffer.from(
                `${Buffer.from(d.authorizationToken ?? '', 'base64').toString()}@${Date.now()}`,
              ).toString('base64');
            body = Buffer.from(JSON.stringify(doc));
          }
          const headers = { ...answer.headers, 'content-length': String(body.length) };
          delete headers['transfer-encoding'];
          res.writeHead(answer.statusCode ?? 502, headers).end(body);
        });
      },
    );
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    logins: () => logins,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function destRepositories(): Promise<string[]> {
  const out = await new ECRClient({ region: DEST_REGION, endpoint: aws.endpoint, credentials: aws.defaultKeys }).send(
    new DescribeRepositoriesCommand({}),
  );
  return (out.repositories ?? []).map((r) => r.repositoryName!);
}

describe('image sync with Amazon ECR sides (ECR API on the emulator)', () => {
  it("copies ALL images of another account's ECR (its keys in srcCredential, blank srcAccountId) into this account's ECR (blank destAccountId): repositories created, digests equal, rerun skips", async () => {
    const src = await sourceAccount(freshAccountId());
    const dest = await ecrRegistryFor(DEFAULT_ACCOUNT);
    const a = seedImages().repository;
    const b = seedImages().repository;
    await registerInEcr(src.ecr, a, ['v1', 'multi']);
    await registerInEcr(src.ecr, b, ['v1']);
    const prefix = uniqueName('from-ecr');
    // The original's parameters: srcList defaults to ALL, account ids blank, the secret holds access keys.
    const params = parseEcrTaskParams({
      sourceType: 'Amazon_ECR',
      srcRegion: SOURCE_REGION,
      srcAccountId: '',
      srcCredential: 'src-keys',
      destRegion: DEST_REGION,
      destAccountId: '',
      destPrefix: prefix,
      insecure: 'true',
    });
    expect(params.srcList).toBe('ALL');
    const secrets = new FileSecretStore(secretsFile({ 'src-keys': keySecret(src.keys) }));
    const ecr = ecrApi({ [src.account]: src.registry, [DEFAULT_ACCOUNT]: dest });
    const status = new SqliteStatusStore(openSqliteDatabase(':memory:'), 't');
    const first = await runImageSync({ params, status, secrets, logger: silentLogger, ecr });
    expect(first).toMatchObject({ complete: true, total: 3, done: 3, failed: 0 });
    for (const ref of [`${a}:v1`, `${a}:multi`, `${b}:v1`]) {
      expect(registryDigest(servers.registryOpen, `${prefix}/${ref}`)).toBe(registryDigest(servers.registryOpen, ref));
      expect(await status.get(ref)).toMatchObject({ status: 'DONE', verified: true });
    }
    // Each registry was entered with its own account's ECR token (the source's from the secret's keys).
    expect(src.registry.acceptedUsers.length).toBeGreaterThan(0);
    expect(dest.acceptedUsers.length).toBeGreaterThan(0);
    expect(src.registry.challenges + dest.challenges).toBeGreaterThan(0);
    // The destination repositories were created in this account (moto's default), where there were none.
    expect((await destRepositories()).filter((r) => r.startsWith(prefix)).sort()).toEqual(
      [`${prefix}/${a}`, `${prefix}/${b}`].sort(),
    );

    const counted = countingSkopeo();
    const again = await runImageSync({ params, status, secrets, logger: silentLogger, ecr, skopeo: counted.skopeo });
    expect(again).toMatchObject({ complete: true, total: 3, skipped: 3, done: 0 });
    expect(counted.verbs()).toEqual([]);
  });

  it('behind a proxy (HTTP_PROXY, no NO_PROXY): every ECR API call (logins, STS, listings) goes through it, and the copy completes', async () => {
    const src = await sourceAccount(freshAccountId());
    const dest = await ecrRegistryFor(DEFAULT_ACCOUNT);
    const a = seedImages().repository;
    await registerInEcr(src.ecr, a, ['v1']);
    const prefix = uniqueName('via-proxy');
    const params = ecrToEcrUnder(prefix);
    const proxy = await startTestProxy();
    try {
      setProxyEnv({ HTTP_PROXY: proxy.url });
      const secrets = new FileSecretStore(secretsFile({ 'src-keys': keySecret(src.keys) }));
      const ecr = ecrApi({ [src.account]: src.registry, [DEFAULT_ACCOUNT]: dest });
      const status = new SqliteStatusStore(openSqliteDatabase(':memory:'), 't');
      const run = await runImageSync({ params, status, secrets, logger: silentLogger, ecr });
      expect(run).toMatchObject({ complete: true, total: 1, done: 1, failed: 0 });
      expect(registryDigest(servers.registryOpen, `${prefix}/${a}:v1`)).toBe(
        registryDigest(servers.registryOpen, `${a}:v1`),
      );
      // Before: the SDK's ECR and STS calls went to the emulator directly (only the registry reads were proxied).
      // (skopeo copies, and Go sends nothing for 127.0.0.1 through a proxy; the registry reads of ours through one
      // are in registry-catalog.test.ts.)
      const ecrCalls = proxy.forwarded.filter((r) => r === `POST ${aws.endpoint}/`);
      expect(ecrCalls.length).toBeGreaterThanOrEqual(4); // STS, both logins, the source's repositories and tags
      expect(proxy.forwarded.length).toBe(ecrCalls.length);
    } finally {
      restoreProxyEnv();
      await proxy.close();
    }
  });

  it('a run longer than an ECR login (12 hours) makes the logins again: the registries refuse the first ones by then, the images still copy', async () => {
    // moto's token never changes, so a front over the emulator's ECR API stamps each token with the time it was made,
    // and the registry stand-ins refuse a token older than 12 hours, as ECR does. Only Date is faked here.
    const stamping = await startStampingEcrApi(aws.endpoint);
    const fresh = (account: string) => (user: string, password: string) => {
      const made = new RegExp(`^${account}-auth-token@(\\d+)$`).exec(password)?.[1];
      return user === 'AWS' && made !== undefined && Date.now() - Number(made) < 12 * 3600_000;
    };
    const src = await sourceAccount(freshAccountId());
    const srcRegistry = await startRegistryFront({
      upstream: servers.registryOpen,
      mode: 'basic',
      accepts: fresh(src.account),
    });
    const dest = await startRegistryFront({
      upstream: servers.registryOpen,
      mode: 'basic',
      accepts: fresh(DEFAULT_ACCOUNT),
    });
    fronts.push(srcRegistry, dest);
    const a = seedImages().repository;
    await registerInEcr(src.ecr, a, ['v1', 'multi']);
    const prefix = uniqueName('long-run');
    const params = ecrToEcrUnder(prefix);
    const ecr = new SdkEcrApi({
      clientConfig: { endpoint: stamping.endpoint, credentials: aws.defaultKeys },
      registryHost: (account) => (account === src.account ? srcRegistry.registry : dest.registry),
    });
    // The source's repositories are listed after both logins were made and checked: the clock jumps there.
    const listing = ecr
      .registry({ region: SOURCE_REGION, keys: src.keys, accountId: src.account })
      .catalog({ untagged: false });
    const catalog = {
      async *repositories() {
        vi.setSystemTime(Date.now() + 12.5 * 3600_000);
        yield* listing.repositories();
      },
      tags: (repository: string) => listing.tags(repository),
    };
    const lines: Record<string, unknown>[] = [];
    const logger = createLogger({}, { write: (l) => lines.push(JSON.parse(l) as Record<string, unknown>) });
    vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true });
    try {
      const secrets = new FileSecretStore(secretsFile({ 'src-keys': keySecret(src.keys) }));
      const status = new SqliteStatusStore(openSqliteDatabase(':memory:'), 't');
      const run = await runImageSync({ params, status, secrets, logger, ecr, catalog });
      expect(run, JSON.stringify(run.failures)).toMatchObject({ complete: true, total: 2, done: 2, failed: 0 });
    } finally {
      vi.useRealTimers();
      await stamping.close();
    }
    expect(registryDigest(servers.registryOpen, `${prefix}/${a}:v1`)).toBe(
      registryDigest(servers.registryOpen, `${a}:v1`),
    );
    expect(
      lines
        .filter((l) => l.event === 'image.login_renewed')
        .map((l) => l.side)
        .sort(),
    ).toEqual(['destination', 'source']);
    expect(stamping.logins()).toBe(4); // two at the start, two 12.5 hours later
  });

  it('ALL into a prefix of the same ECR registry copies each image once: its copies are not listed as sources again', async () => {
    // One account and region on both sides: the source catalog then holds the copies' repositories as well.
    const account = await sourceAccount(freshAccountId());
    const a = seedImages().repository;
    await registerInEcr(account.ecr, a, ['v1']);
    const prefix = uniqueName('snap');
    const params = parseEcrTaskParams({
      sourceType: 'Amazon_ECR',
      srcRegion: SOURCE_REGION,
      srcAccountId: account.account,
      srcCredential: 'keys',
      destRegion: SOURCE_REGION,
      destAccountId: account.account,
      destCredential: 'keys',
      destPrefix: prefix,
      insecure: 'true',
    });
    const secrets = new FileSecretStore(secretsFile({ keys: keySecret(account.keys) }));
    const ecr = ecrApi({ [account.account]: account.registry });
    const status = new SqliteStatusStore(openSqliteDatabase(':memory:'), 't');
    const lines: Record<string, unknown>[] = [];
    const logger = createLogger({}, { write: (l) => lines.push(JSON.parse(l) as Record<string, unknown>) });
    expect(await runImageSync({ params, status, secrets, logger, ecr })).toMatchObject({ total: 1, done: 1 });
    const repositories = async () =>
      ((await account.ecr.send(new DescribeRepositoriesCommand({}))).repositories ?? [])
        .map((r) => r.repositoryName)
        .sort();
    expect(await repositories()).toEqual([a, `${prefix}/${a}`].sort());
    // Real ECR lists a pushed image's tags; the stand-in registry does not tell the emulator, so the test does.
    await registerInEcr(account.ecr, `${prefix}/${a}`, ['v1']);
    // The scheduled rerun: the catalog now lists the copy's repository too; it is left out, not copied to prefix/prefix/.
    const again = await runImageSync({ params, status, secrets, logger, ecr });
    expect(again).toMatchObject({ complete: true, total: 1, skipped: 1, failed: 0 });
    expect(await repositories()).toEqual([a, `${prefix}/${a}`].sort());
    expect(lines.filter((l) => l.event === 'image.own_copy_left_out').map((l) => l.repository)).toEqual([
      `${prefix}/${a}`,
    ]);
  });

  it('fails repo:ALL_TAGS of a repository the source ECR lacks as its own entry; the rest of the list copies', async () => {
    const src = await sourceAccount(freshAccountId());
    const dest = await ecrRegistryFor(DEFAULT_ACCOUNT);
    const a = seedImages().repository;
    await registerInEcr(src.ecr, a, ['v1', 'multi']);
    const missing = `${uniqueName('gone')}/app`;
    const params = parseEcrTaskParams({
      sourceType: 'Amazon_ECR',
      srcList: 'SELECTED',
      srcImageList: `${missing}:ALL_TAGS,${a}:ALL_TAGS`,
      srcRegion: SOURCE_REGION,
      srcAccountId: src.account,
      srcCredential: 'src-keys',
      destRegion: DEST_REGION,
      destPrefix: uniqueName('partial'),
      insecure: 'true',
    });
    const status = new SqliteStatusStore(openSqliteDatabase(':memory:'), 't');
    const report = await runImageSync({
      params,
      status,
      secrets: new FileSecretStore(secretsFile({ 'src-keys': keySecret(src.keys) })),
      logger: silentLogger,
      ecr: ecrApi({ [src.account]: src.registry, [DEFAULT_ACCOUNT]: dest }),
    });
    expect(report).toMatchObject({ complete: false, total: 3, done: 2, failed: 1 });
    expect(report.failures).toEqual([
      {
        image: `${missing}:ALL_TAGS`,
        error: expect.stringContaining(`repository "${missing}" does not exist in registry ${src.account}`),
      },
    ]);
    expect(await status.get(`${missing}:ALL_TAGS`)).toMatchObject({ status: 'FAILED' });
    expect(await status.get(`${a}:multi`)).toMatchObject({ status: 'DONE' });
  });

  it('copies untagged images by digest only with includeUntaggedByDigest, to the same digest', async () => {
    const src = await sourceAccount(freshAccountId());
    const dest = await ecrRegistryFor(DEFAULT_ACCOUNT);
    const a = seedImages().repository;
    // ECR holds the v1 manifest without a tag (the registry behind it has the bytes under that digest).
    await registerInEcr(src.ecr, a, [undefined], () => `${a}:v1`);
    const digest = registryDigest(servers.registryOpen, `${a}:v1`);
    const prefix = uniqueName('untagged');
    const secrets = new FileSecretStore(secretsFile({ 'src-keys': keySecret(src.keys) }));
    const ecr = ecrApi({ [src.account]: src.registry, [DEFAULT_ACCOUNT]: dest });
    const taggedOnly = await runImageSync({
      params: ecrToEcrUnder(prefix),
      status: new SqliteStatusStore(openSqliteDatabase(':memory:'), 't'),
      secrets,
      logger: silentLogger,
      ecr,
    });
    expect(taggedOnly).toMatchObject({ complete: true, total: 0 });
    const status = new SqliteStatusStore(openSqliteDatabase(':memory:'), 't');
    const report = await runImageSync({
      params: ecrToEcrUnder(prefix, { includeUntaggedByDigest: 'true' }),
      status,
      secrets,
      logger: silentLogger,
      ecr,
    });
    expect(report).toMatchObject({ complete: true, total: 1, done: 1 });
    expect(registryDigest(servers.registryOpen, `${prefix}/${a}@${digest}`)).toBe(digest);
    expect(await status.get(`${a}@${digest}`)).toMatchObject({ status: 'DONE', checksum: digest });
  });

  it('an ECR API that cannot be reached names the side, the call, the region and the host, and no process starts', async () => {
    const counted = countingSkopeo();
    // A name that never resolves (RFC 6761 .invalid): the same ENOTFOUND a machine without network gets for api.ecr.<region>.amazonaws.com.
    const unreachable = new SdkEcrApi({
      clientConfig: { endpoint: 'http://api.ecr.unreachable.invalid', credentials: aws.defaultKeys, maxAttempts: 1 },
    });
    const params = parseEcrTaskParams({
      sourceType: 'Amazon_ECR',
      srcRegion: 'us-east-1',
      srcAccountId: '111122223333',
      destRegistry: servers.registryOpen,
      insecure: 'true',
    });
    const run = runImageSync({
      params,
      status: new SqliteStatusStore(openSqliteDatabase(':memory:'), 't'),
      logger: silentLogger,
      skopeo: counted.skopeo,
      secrets: new FileSecretStore(secretsFile({})),
      ecr: unreachable,
    });
    // Before: "getaddrinfo ENOTFOUND api.ecr.us-east-1.amazonaws.com", with no side, call or advice.
    await expect(run).rejects.toThrow(
      "source ECR: logging in to the ECR of account 111122223333 in us-east-1 (GetAuthorizationToken) with the runtime's own " +
        "credentials failed: cannot reach api.ecr.unreachable.invalid (ENOTFOUND); check the region and this machine's network",
    );
    expect(counted.verbs()).toEqual([]);
  });

  it('an ECR registry that cannot be reached is named by the account and region the task gave, not by srcRegistry', async () => {
    const src = await sourceAccount(freshAccountId());
    const a = seedImages().repository;
    await registerInEcr(src.ecr, a, ['v1']);
    const counted = countingSkopeo();
    // The source account's registry host answers nothing (a registry endpoint this network cannot reach).
    const closed = await startRelay(new URL(`http://${servers.registryOpen}`).host);
    await closed.close();
    const ecr = new SdkEcrApi({
      clientConfig: { endpoint: aws.endpoint, credentials: aws.defaultKeys },
      registryHost: (account) => (account === src.account ? `127.0.0.1:${closed.port}` : servers.registryOpen),
    });
    const run = runImageSync({
      params: ecrToEcrUnder(uniqueName('unreachable')),
      status: new SqliteStatusStore(openSqliteDatabase(':memory:'), 't'),
      logger: silentLogger,
      skopeo: counted.skopeo,
      secrets: new FileSecretStore(secretsFile({ 'src-keys': keySecret(src.keys) })),
      ecr,
    });
    // Before: "Source registry (srcRegistry): 127.0.0.1:…", a parameter this task leaves blank.
    await expect(run).rejects.toThrow(
      new RegExp(
        `^source ECR of account ${src.account} in ${SOURCE_REGION} \\(srcAccountId, srcRegion\\): 127\\.0\\.0\\.1:${closed.port}: cannot reach`,
      ),
    );
    await expect(run).rejects.toMatchObject({ code: 'REGISTRY_UNAVAILABLE', field: 'srcRegion' });
    expect(counted.verbs()).toEqual([]);
  });

  it('stops before copying when a registry refuses the ECR login, naming the side, registry and account', async () => {
    const src = await sourceAccount(freshAccountId());
    // The destination registry expects another account's token than the one ECR hands out for this account.
    const wrongDest = await ecrRegistryFor('999999999999');
    const a = seedImages().repository;
    await registerInEcr(src.ecr, a, ['v1']);
    const counted = countingSkopeo();
    const params = parseEcrTaskParams({
      sourceType: 'Amazon_ECR',
      srcRegion: SOURCE_REGION,
      srcCredential: 'src-keys',
      destRegion: DEST_REGION,
      destPrefix: uniqueName('refused'),
      insecure: 'true',
    });
    await expect(
      runImageSync({
        params,
        status: new SqliteStatusStore(openSqliteDatabase(':memory:'), 't'),
        logger: silentLogger,
        skopeo: counted.skopeo,
        secrets: new FileSecretStore(secretsFile({ 'src-keys': keySecret(src.keys) })),
        ecr: ecrApi({ [src.account]: src.registry, [DEFAULT_ACCOUNT]: wrongDest }),
      }),
    ).rejects.toThrow(
      `destination registry ${wrongDest.registry} rejected the ECR login of account ${DEFAULT_ACCOUNT} (401)`,
    );
    expect(counted.verbs()).toEqual([]);
  });
});
