import { startRelay } from '../support/tcp-relay.js';
import { selfSignedCertificate } from '../support/self-signed.js';
import { describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { writeOciLayout } from '../../bench/oci-images.js';
import { FileSecretStore, openSqliteDatabase, SqliteStatusStore } from '../../worker/adapters/embedded/index.js';
import { retryAdviceOf } from '../../worker/core/errors.js';
import { createLogger, silentLogger } from '../../worker/core/log.js';
import { RegistryV2Catalog } from '../../worker/ecr/catalog.js';
import { parseEcrTaskParams } from '../../worker/ecr/params.js';
import { runImageSync } from '../../worker/ecr/run-image-sync.js';
import type { Skopeo } from '../../worker/ecr/skopeo.js';
import { UNLISTED_REASON } from '../../worker/ecr/unlisted-images.js';
import { isComplete } from '../../worker/ports/status-store.js';
import { servers, uniqueName } from '../support/servers.js';
import {
  countingSkopeo,
  deleteAuthManifest,
  imageBytes,
  platformDigest,
  publicTaskParams,
  registryDigest,
  registrySecrets,
  seedImages,
} from './image-fixtures.js';
import { startRegistryFront } from './registry-front.js';

function task(extra: Record<string, string>) {
  return parseEcrTaskParams(publicTaskParams(extra));
}

async function sync(
  params: ReturnType<typeof task>,
  secretsPath = registrySecrets(),
  logLines?: string[],
  skopeo?: Skopeo,
) {
  const status = new SqliteStatusStore(openSqliteDatabase(':memory:'), 't');
  const logger = logLines ? createLogger({}, { write: (l) => logLines.push(l) }) : silentLogger;
  const report = await runImageSync({ params, status, secrets: new FileSecretStore(secretsPath), logger, skopeo });
  return { report, status };
}

const auth = `${servers.registryUser}:${servers.registryPassword}`;

/** HTTPS in front of a plain-HTTP registry, with a certificate made here by openssl (no CA vouches for it). */
async function startTlsRelay(upstream: string) {
  const dir = mkdtempSync(join(tmpdir(), 'dth-tls-registry-'));
  const tls = selfSignedCertificate(dir);
  rmSync(dir, { recursive: true, force: true });
  const relay = await startRelay(upstream, { tls });
  return { ...relay, registry: `localhost:${relay.port}` };
}

describe('image sync with skopeo between real registries', () => {
  it('copies single-arch and multi-arch images under destPrefix with equal digests, then skips them', async () => {
    const { repository } = seedImages();
    const params = task({ srcImageList: `${repository}:v1\n${repository}:multi`, destPrefix: 'mirror' });
    const first = await sync(params);
    expect(first.report).toMatchObject({ complete: true, done: 2, failed: 0 });
    for (const tag of ['v1', 'multi']) {
      const srcDigest = registryDigest(servers.registryOpen, `${repository}:${tag}`);
      expect(registryDigest(servers.registryAuth, `mirror/${repository}:${tag}`, auth)).toBe(srcDigest);
      expect((await first.status.get(`${repository}:${tag}`))?.checksum).toBe(srcDigest);
    }
    // The multi-arch index kept both platforms.
    const index = JSON.parse(
      spawnSync(
        'skopeo',
        [
          'inspect',
          '--raw',
          '--tls-verify=false',
          '--creds',
          auth,
          `docker://${servers.registryAuth}/mirror/${repository}:multi`,
        ],
        { encoding: 'utf8' },
      ).stdout,
    );
    expect(index.manifests.map((m: { platform: { architecture: string } }) => m.platform.architecture).sort()).toEqual([
      'amd64',
      'arm64',
    ]);

    const again = await sync(params);
    expect(again.report).toMatchObject({ complete: true, done: 0, skipped: 2 });
  });

  it('copies again a multi-arch image whose destination lost a child manifest (same index digest), not "unchanged"', async () => {
    const { repository } = seedImages();
    const params = task({ srcImageList: `${repository}:multi` });
    expect((await sync(params)).report).toMatchObject({ complete: true, done: 1 });
    // An ECR lifecycle rule expiring untagged images deletes the index's children; the index stays, digest unchanged.
    const arm64 = platformDigest(`${repository}:multi`, 'arm64');
    await deleteAuthManifest(repository, arm64);
    const lost = await fetch(`http://${servers.registryAuth}/v2/${repository}/manifests/${arm64}`, {
      method: 'HEAD',
      headers: { authorization: `Basic ${Buffer.from(auth).toString('base64')}` },
    });
    expect(lost.status).toBe(404);

    const lines: string[] = [];
    const again = await sync(params, registrySecrets(), lines);
    expect(again.report).toMatchObject({ complete: true, done: 1, skipped: 0 });
    expect(lines.map((l) => JSON.parse(l)).find((l) => l.event === 'image.dest_incomplete')).toMatchObject({
      missing: [arm64],
    });
    // The child is back: the arm64 image pulls from the destination again.
    expect(registryDigest(servers.registryAuth, `${repository}@${arm64}`, auth)).toBe(arm64);
    expect(registryDigest(servers.registryAuth, `${repository}:multi`, auth)).toBe(
      registryDigest(servers.registryOpen, `${repository}:multi`),
    );
    // Whole again: the next pass finds it unchanged.
    expect((await sync(params)).report).toMatchObject({ complete: true, done: 0, skipped: 1 });
  });

  it('copies with skopeo sync and starts no process for an unchanged image, from a Bearer-token source', async () => {
    const { repository } = seedImages();
    const source = await startRegistryFront({
      upstream: servers.registryOpen,
      mode: 'bearer',
      login: { username: servers.registryUser, password: servers.registryPassword },
    });
    try {
      const params = task({
        srcRegistry: source.registry,
        srcCredential: 'registry',
        srcImageList: `${repository}:v1\n${repository}:multi`,
        destPrefix: 'counted',
      });
      const first = countingSkopeo();
      expect((await sync(params, registrySecrets(), undefined, first.skopeo)).report).toMatchObject({
        complete: true,
        done: 2,
      });
      // Two images: the first alone (the pilot), then the other: one sync process each.
      expect(first.verbs()).toEqual(['sync', 'sync']);
      for (const tag of ['v1', 'multi']) {
        expect(registryDigest(servers.registryAuth, `counted/${repository}:${tag}`, auth)).toBe(
          registryDigest(servers.registryOpen, `${repository}:${tag}`),
        );
      }
      const again = countingSkopeo();
      expect((await sync(params, registrySecrets(), undefined, again.skopeo)).report).toMatchObject({
        complete: true,
        done: 0,
        skipped: 2,
      });
      expect(again.verbs()).toEqual([]);
      expect(source.tokenRequests.filter((t) => !t.granted)).toEqual([]);
      // Without a login the token server gives no token: said once, naming the parameter (before: "credentials
      // rejected" for each image, none having been sent).
      const anonymous = countingSkopeo();
      await expect(
        sync({ ...params, srcCredential: undefined }, registrySecrets(), undefined, anonymous.skopeo),
      ).rejects.toThrow(
        `source registry ${source.registry} requires a login (401): name a secret with its username and password in srcCredential`,
      );
      expect(anonymous.verbs()).toEqual([]);
    } finally {
      await source.close();
    }
  });

  it('copies N images in at most min(concurrency, 4) skopeo sync processes, names and digests (single and multi-arch) unchanged', async () => {
    const team = uniqueName('team');
    const repositories = ['app1', 'app2', 'app3'].map((app) => seedImages(`${team}/${app}`).repository);
    const params = task({
      srcImageList: repositories.flatMap((r) => [`${r}:v1`, `${r}:multi`]).join('\n'),
      destPrefix: 'batched',
      concurrency: '2',
    });
    const counted = countingSkopeo();
    const { report, status } = await sync(params, registrySecrets(), undefined, counted.skopeo);
    expect(report).toMatchObject({ complete: true, done: 6, failed: 0 });
    // The first image alone (the pilot), then the other five over the two slots.
    expect(counted.verbs()).toEqual(['sync', 'sync', 'sync']);
    for (const repository of repositories) {
      for (const tag of ['v1', 'multi']) {
        const srcDigest = registryDigest(servers.registryOpen, `${repository}:${tag}`);
        expect(registryDigest(servers.registryAuth, `batched/${repository}:${tag}`, auth)).toBe(srcDigest);
        expect(await status.get(`${repository}:${tag}`)).toMatchObject({
          status: 'DONE',
          checksum: srcDigest,
          verified: true,
        });
      }
    }
  });

  it('copies alone, with its own skopeo error, an image that fails inside a batch (tag deleted after its digest was read); the others end DONE', async () => {
    const { repository } = seedImages();
    const source = await startRegistryFront({
      upstream: servers.registryOpen,
      mode: 'deleted-after-head',
      deleted: [`${repository}:v1`],
    });
    try {
      const params = task({
        srcRegistry: source.registry,
        srcImageList: `${repository}:v1\n${repository}:multi`,
        destPrefix: 'partial',
        concurrency: '1',
      });
      const counted = countingSkopeo();
      const { report, status } = await sync(params, registrySecrets(), undefined, counted.skopeo);
      expect(report).toMatchObject({ complete: false, done: 1, failed: 1 });
      // A sync process for each (the pilot first, whichever image's digests came first), and the failed image again
      // alone (a missing manifest is not retried).
      expect(counted.verbs().sort()).toEqual(['copy', 'sync', 'sync']);
      const failedRec = await status.get(`${repository}:v1`);
      expect(failedRec?.status).toBe('FAILED');
      expect(failedRec?.error).toMatch(/^skopeo copy failed: .*manifest unknown/);
      expect(failedRec?.error).toContain(`${source.registry}/${repository}:v1`);
      expect(await status.get(`${repository}:multi`)).toMatchObject({ status: 'DONE' });
      expect(registryDigest(servers.registryAuth, `partial/${repository}:multi`, auth)).toBe(
        registryDigest(servers.registryOpen, `${repository}:multi`),
      );
    } finally {
      await source.close();
    }
  });

  it('a tag moved at the source into a destination with immutable tags (ECR) fails once, saying so; the old image stays', async () => {
    const { repository } = seedImages();
    const dest = await startRegistryFront({ upstream: servers.registryOpen, mode: 'immutable-tags' });
    try {
      const params = task({
        destRegistry: dest.registry,
        destCredential: '',
        srcImageList: `${repository}:v1`,
        destPrefix: uniqueName('immutable'),
      });
      const copied = `${params.destPrefix}/${repository}:v1`;
      expect((await sync(params)).report).toMatchObject({ complete: true, done: 1 });
      const first = registryDigest(servers.registryOpen, copied);
      // The source's v1 now names another image (the multi-arch one).
      execFileSync('skopeo', [
        'copy',
        '--all',
        '--src-tls-verify=false',
        '--dest-tls-verify=false',
        `docker://${servers.registryOpen}/${repository}:multi`,
        `docker://${servers.registryOpen}/${repository}:v1`,
      ]);
      const counted = countingSkopeo();
      const { report, status } = await sync(params, registrySecrets(), undefined, counted.skopeo);
      expect(report).toMatchObject({ complete: false, done: 0, failed: 1 });
      // The batch, then the image alone once: a refusal that every attempt would meet again is not retried.
      expect(counted.verbs().sort()).toEqual(['copy', 'sync']);
      // skopeo's last words are about manifest types (it takes TAG_INVALID for "type not accepted"); ours say why.
      const error = (await status.get(`${repository}:v1`))?.error ?? '';
      expect(error).toContain(
        `destination ${dest.registry}/${copied} already holds another image (${first}) and the registry refused to ` +
          "move the tag: its repository's tags are immutable (ECR tag immutability) — delete the tag there, make the " +
          "repository's tags mutable, or copy under another destPrefix (skopeo copy failed: ",
      );
      expect(error.startsWith('destination ')).toBe(true);
      expect(error).toMatch(/preserve digests/);
      expect(registryDigest(servers.registryOpen, copied)).toBe(first);
    } finally {
      await dest.close();
    }
  });

  it('one registry on both sides with two logins (read-only robot, writer of mirror/ only): each side copies with its own login, batch and alone', async () => {
    const { repository } = seedImages();
    const logins = { reader: 'reader-pass-1', writer: 'writer-pass-2' };
    const front = await startRegistryFront({
      upstream: servers.registryOpen,
      mode: 'basic',
      accepts: (user, password) => logins[user as keyof typeof logins] === password,
      allows: (user, method, path) =>
        user === 'reader' ? method === 'GET' || method === 'HEAD' : path.startsWith('/v2/mirror/'),
    });
    const secrets = join(mkdtempSync(join(tmpdir(), 'dth-reg-')), 'secrets.json');
    writeFileSync(
      secrets,
      JSON.stringify(
        Object.fromEntries(Object.entries(logins).map(([user, password]) => [user, { username: user, password }])),
      ),
      { mode: 0o600 },
    );
    try {
      const params = (destPrefix: string) =>
        task({
          srcRegistry: front.registry,
          srcCredential: 'reader',
          destRegistry: front.registry,
          destCredential: 'writer',
          srcImageList: `${repository}:v1\n${repository}:multi`,
          destPrefix,
        });
      const batch = countingSkopeo();
      expect((await sync(params('mirror/batch'), secrets, undefined, batch.skopeo)).report).toMatchObject({
        complete: true,
        done: 2,
        failed: 0,
      });
      expect(batch.verbs()).toEqual(['sync', 'sync']);
      const alone = countingSkopeo(['sync']);
      expect((await sync(params('mirror/alone'), secrets, undefined, alone.skopeo)).report).toMatchObject({
        complete: true,
        done: 2,
        failed: 0,
      });
      expect(alone.verbs().filter((v) => v === 'copy')).toHaveLength(2);
      for (const prefix of ['mirror/batch', 'mirror/alone'])
        for (const tag of ['v1', 'multi'])
          expect(registryDigest(servers.registryOpen, `${prefix}/${repository}:${tag}`)).toBe(
            registryDigest(servers.registryOpen, `${repository}:${tag}`),
          );
      expect(front.denied).toEqual([]);
    } finally {
      await front.close();
    }
  });

  it('copies each image alone when the batch process fails, verifying every image at the destination', async () => {
    const { repository } = seedImages();
    const params = task({
      srcImageList: `${repository}:v1\n${repository}:multi`,
      destPrefix: 'nobatch',
      concurrency: '1',
    });
    const counted = countingSkopeo(['sync']);
    const lines: string[] = [];
    const { report } = await sync(params, registrySecrets(), lines, counted.skopeo);
    expect(report).toMatchObject({ complete: true, done: 2, failed: 0 });
    // Each image's batch (the pilot, then the other) fails, and each is copied again alone.
    expect(counted.verbs().sort()).toEqual(['copy', 'copy', 'sync', 'sync']);
    for (const tag of ['v1', 'multi']) {
      expect(registryDigest(servers.registryAuth, `nobatch/${repository}:${tag}`, auth)).toBe(
        registryDigest(servers.registryOpen, `${repository}:${tag}`),
      );
    }
    expect(lines.map((l) => JSON.parse(l)).filter((l) => l.event === 'image.batch_failed')).toMatchObject([
      { images: 1, error: expect.stringMatching(/simulated sync failure/) },
      { images: 1, error: expect.stringMatching(/simulated sync failure/) },
    ]);
  });

  it.each([
    ['drops-manifests', /does not hold the manifest skopeo wrote \(sha256:\w+\)/],
    ['alters-manifests', /holds digest sha256:\w+ after the copy, the source sha256:\w+/],
  ] as const)(
    'fails, never DONE, an image the destination answers as stored but does not hold as sent (%s)',
    async (mode, why) => {
      const { repository } = seedImages();
      const front = await startRegistryFront({ upstream: servers.registryOpen, mode });
      try {
        const params = task({
          srcImageList: `${repository}:v1`,
          destRegistry: front.registry,
          destCredential: '',
          destPrefix: mode,
        });
        const { report, status } = await sync(params);
        expect(report).toMatchObject({ complete: false, done: 0, failed: 1 });
        const [record] = await status.list({ status: 'FAILED', limit: 10 });
        expect(record?.error).toMatch(why);
        // skopeo's batch and its copies alone all wrote through the front, and each was read back.
        expect(
          front.forwarded.filter((r) => r.startsWith('PUT') && r.includes('/manifests/v1')).length,
        ).toBeGreaterThan(1);
      } finally {
        await front.close();
      }
    },
  );

  it('uploads a layer shared by several images once: the first image goes alone, the later processes mount it', async () => {
    const team = uniqueName('shared');
    const layout = mkdtempSync(join(tmpdir(), 'dth-oci-shared-'));
    const tags = writeOciLayout(layout, 5, 1024 * 1024, 64 * 1024);
    for (const tag of tags) {
      execFileSync(
        'skopeo',
        [
          'copy',
          '--dest-tls-verify=false',
          '--dest-creds',
          auth,
          `oci:${layout}:${tag}`,
          `docker://${servers.registryAuth}/${team}/${tag}:v1`,
        ],
        { stdio: 'pipe' },
      );
    }
    // From the htpasswd registry to the open one, through a front that counts what it forwards.
    const dest = await startRegistryFront({ upstream: servers.registryOpen, mode: 'no-digest-header' });
    try {
      const params = task({
        srcRegistry: servers.registryAuth,
        srcCredential: 'registry',
        destRegistry: dest.registry,
        destCredential: '',
        srcImageList: tags.map((t) => `${team}/${t}:v1`).join('\n'),
        destPrefix: 'mounted',
        concurrency: '4',
      });
      expect((await sync(params)).report).toMatchObject({ complete: true, done: 5 });
      // Fresh blob uploads (a POST without mount=): the shared base once, then each image's own layer and config.
      const fresh = dest.forwarded.filter((r) => /^POST \/v2\/.+\/blobs\/uploads\//.test(r) && !r.includes('mount='));
      expect(fresh).toHaveLength(1 + 2 * tags.length);
      for (const tag of tags) {
        expect(registryDigest(servers.registryOpen, `mounted/${team}/${tag}:v1`)).toBe(
          registryDigest(servers.registryAuth, `${team}/${tag}:v1`, auth),
        );
      }
    } finally {
      await dest.close();
    }
  });

  it('reads a digest with skopeo inspect when the HTTP read fails (an auth scheme it does not speak), logging it once', async () => {
    const { repository } = seedImages();
    const source = await startRegistryFront({ upstream: servers.registryOpen, mode: 'negotiate-head' });
    try {
      const params = task({
        srcRegistry: source.registry,
        srcImageList: `${repository}:v1\n${repository}:multi`,
        destPrefix: 'fallback',
      });
      const counted = countingSkopeo();
      const lines: string[] = [];
      expect((await sync(params, registrySecrets(), lines, counted.skopeo)).report).toMatchObject({
        complete: true,
        done: 2,
      });
      expect(counted.verbs().sort()).toEqual(['inspect', 'inspect', 'sync', 'sync']);
      const fallbacks = lines.map((l) => JSON.parse(l)).filter((l) => l.event === 'image.digest_fallback');
      expect(fallbacks).toMatchObject([
        { registry: source.registry, reason: expect.stringMatching(/unsupported authentication scheme "negotiate"/) },
      ]);
    } finally {
      await source.close();
    }
  });

  it('asks again after its Retry-After a registry that throttles a digest read (429), instead of falling back to skopeo inspect', async () => {
    const { repository } = seedImages();
    const source = await startRegistryFront({
      upstream: servers.registryOpen,
      mode: 'fails-reads',
      readFailure: { requests: 'manifest-heads', status: 429, retryAfterSeconds: 1, times: 1 },
    });
    try {
      const counted = countingSkopeo();
      const lines: string[] = [];
      const params = task({ srcRegistry: source.registry, srcImageList: `${repository}:v1`, destPrefix: 'throttled' });
      const { report } = await sync(params, registrySecrets(), lines, counted.skopeo);
      expect(report).toMatchObject({ complete: true, done: 1, failed: 0 });
      expect(source.failedReads).toEqual([`HEAD /v2/${repository}/manifests/v1`]);
      expect(counted.verbs()).toEqual(['sync']);
      expect(lines.map((l) => JSON.parse(l).event)).not.toContain('image.digest_fallback');
    } finally {
      await source.close();
    }
  });

  it('insecure: reads and copies from a registry on HTTPS with a certificate no CA vouches for, as skopeo does', async () => {
    const { repository } = seedImages();
    const relay = await startTlsRelay(servers.registryOpen);
    try {
      const params = task({ srcRegistry: relay.registry, srcImageList: `${repository}:v1`, destPrefix: 'from-tls' });
      const counted = countingSkopeo();
      const lines: string[] = [];
      const first = await sync(params, registrySecrets(), lines, counted.skopeo);
      expect(first.report).toMatchObject({ complete: true, done: 1, failed: 0 });
      const srcDigest = registryDigest(servers.registryOpen, `${repository}:v1`);
      expect(registryDigest(servers.registryAuth, `from-tls/${repository}:v1`, auth)).toBe(srcDigest);
      // The rerun reads both digests over the API (HTTPS to the source, plain HTTP to the destination): unchanged,
      // and no process started. Before, every read of this source failed over plain HTTP and went to skopeo inspect.
      expect((await sync(params, registrySecrets(), lines, counted.skopeo)).report).toMatchObject({
        complete: true,
        done: 0,
        skipped: 1,
      });
      expect(counted.verbs()).toEqual(['sync']);
      expect(lines.map((l) => JSON.parse(l).event)).not.toContain('image.digest_fallback');
      expect(relay.connections()).toBeGreaterThan(0);
      // Without insecure, each way the registry fails TLS is said in words, not as OpenSSL's internals.
      const tagsOf = (registry: string) =>
        new RegistryV2Catalog({ registry, insecure: false }).tags(repository).then(
          () => new Error('listed'),
          (e: unknown) => e as Error,
        );
      expect((await tagsOf(relay.registry)).message).toBe(
        `${relay.registry}: cannot reach https://${relay.registry}: its certificate is self-signed (insecure=true, or trust its CA in NODE_EXTRA_CA_CERTS and /etc/containers/certs.d/<registry>/ca.crt) (DEPTH_ZERO_SELF_SIGNED_CERT)`,
      );
      expect(retryAdviceOf(await tagsOf(relay.registry))?.retryable).toBe(false); // the same on every attempt
      expect((await tagsOf(servers.registryOpen)).message).toBe(
        `${servers.registryOpen}: cannot reach https://${servers.registryOpen}: no TLS answer there (a plain-HTTP registry: insecure=true) (ERR_SSL_WRONG_VERSION_NUMBER)`,
      );
    } finally {
      await relay.close();
    }
  });

  it('copies an image pinned by digest (repo@sha256:…) to the same digest, then skips it', async () => {
    const { repository } = seedImages();
    const digest = registryDigest(servers.registryOpen, `${repository}:v1`);
    const params = task({ srcImageList: `${repository}@${digest}`, destPrefix: 'pinned' });
    const { report, status } = await sync(params);
    expect(report).toMatchObject({ complete: true, done: 1, failed: 0 });
    expect(registryDigest(servers.registryAuth, `pinned/${repository}@${digest}`, auth)).toBe(digest);
    expect(await status.get(`${repository}@${digest}`)).toMatchObject({ checksum: digest });
    expect((await sync(params)).report).toMatchObject({ complete: true, done: 0, skipped: 1 });
    // A tag before the digest is ignored, as docker and skopeo do; a digest of another form is refused by name.
    expect(task({ srcImageList: `${repository}:v9@${digest}` }).srcImageList).toEqual([{ repository, tag: digest }]);
    expect(() => task({ srcImageList: `${repository}@sha256:abc` })).toThrow(
      /entry 1 ".+@sha256:abc": a digest must be sha256:<64 hex digits>/,
    );
  });

  it("keeps the task's own earlier copy a copy in its record when a later run finds it unchanged (a resumed task)", async () => {
    const { repository } = seedImages();
    const params = task({ srcImageList: `${repository}:v1`, destPrefix: 'resumed' });
    const status = new SqliteStatusStore(openSqliteDatabase(':memory:'), 't');
    const run = () =>
      runImageSync({ params, status, secrets: new FileSecretStore(registrySecrets()), logger: silentLogger });
    expect(await run()).toMatchObject({ done: 1, skipped: 0 });
    const copied = await status.get(`${repository}:v1`);
    expect(copied).toMatchObject({ status: 'DONE' });
    expect(copied?.size).toBeGreaterThan(0);
    // The run reports it unchanged; the task's record still says it copied it, with its bytes (before: SKIPPED, 0 bytes).
    expect(await run()).toMatchObject({ done: 0, skipped: 1 });
    expect(await status.get(`${repository}:v1`)).toMatchObject({ status: 'DONE', size: copied?.size });
    expect((await status.summary()).done).toBe(1);
  });

  it('counts copied, not unchanged, what the same pass copied before the hub died under it (done, or cut before its record)', async () => {
    const { repository } = seedImages();
    const image = `${repository}:v1`;
    const params = task({ srcImageList: image, destPrefix: 'resumed-pass' });
    const status = new SqliteStatusStore(openSqliteDatabase(':memory:'), 't');
    const run = (copiedSince?: Date) =>
      runImageSync({
        params,
        status,
        secrets: new FileSecretStore(registrySecrets()),
        logger: silentLogger,
        copiedSince,
      });
    const passStart = new Date(Date.now() - 1000);
    expect(await run()).toMatchObject({ done: 1 });
    const copied = await status.get(image);
    // The pass the hub resumes began before that copy: it is this pass's, with its bytes (before: "unchanged", 0).
    expect(await run(passStart)).toMatchObject({ done: 1, skipped: 0, bytesDone: copied?.size });
    // A pass that began after it (the next FIXED_RATE pass) finds it unchanged.
    expect(await run(new Date(Date.now() + 1000))).toMatchObject({ done: 0, skipped: 1 });
    // Copied, then the hub died before its DONE was written: the record says IN_PROGRESS since this pass began.
    await status.put({ key: image, size: 0, status: 'IN_PROGRESS', attempts: 0, startedAt: new Date().toISOString() });
    expect(await run(passStart)).toMatchObject({ done: 1, skipped: 0, bytesDone: copied?.size });
    expect(await status.get(image)).toMatchObject({ status: 'DONE', size: copied?.size });
  });

  it('expands repo:ALL_TAGS and treats a bare repo as :latest', async () => {
    const { repository } = seedImages();
    const params = task({ srcImageList: `${repository}:ALL_TAGS` });
    const { report } = await sync(params);
    expect(report).toMatchObject({ complete: true, done: 2 });
    expect(registryDigest(servers.registryAuth, `${repository}:multi`, auth)).toBe(
      registryDigest(servers.registryOpen, `${repository}:multi`),
    );
    expect(task({ srcImageList: 'library/nginx' }).srcImageList).toEqual([
      { repository: 'library/nginx', tag: 'latest' },
    ]);
  });

  it('copies a tag shaped like a digest (sha256-<hex>, the OCI referrers fallback tag) as that tag, not as the digest it names', async () => {
    const { repository } = seedImages();
    const v1 = registryDigest(servers.registryOpen, `${repository}:v1`);
    const multi = registryDigest(servers.registryOpen, `${repository}:multi`);
    // Where signing tools keep v1's signature on a registry without the referrers API: another manifest, tagged by v1's digest.
    const referrersTag = v1.replace(':', '-');
    execFileSync('skopeo', [
      'copy',
      '--all',
      '--preserve-digests',
      '--src-tls-verify=false',
      '--dest-tls-verify=false',
      `docker://${servers.registryOpen}/${repository}:multi`,
      `docker://${servers.registryOpen}/${repository}:${referrersTag}`,
    ]);
    const { report, status } = await sync(task({ srcImageList: `${repository}:ALL_TAGS`, destPrefix: 'referrers' }));
    expect(report).toMatchObject({ complete: true, done: 3, failed: 0 });
    expect(registryDigest(servers.registryAuth, `referrers/${repository}:${referrersTag}`, auth)).toBe(multi);
    expect(await status.get(`${repository}:${referrersTag}`)).toMatchObject({ status: 'DONE', checksum: multi });
    expect(task({ srcImageList: `${repository}:${referrersTag}` }).srcImageList).toEqual([
      { repository, tag: referrersTag },
    ]);
  });

  it('stops with one clear reason when a registry refuses the login: no image touched, no skopeo process, no password shown', async () => {
    const { repository } = seedImages();
    const lines: string[] = [];
    const wrong = 'definitely-wrong-password-42';
    const counted = countingSkopeo();
    const status = new SqliteStatusStore(openSqliteDatabase(':memory:'), 't');
    const run = runImageSync({
      params: task({ srcImageList: `${repository}:v1\n${repository}:multi` }),
      status,
      secrets: new FileSecretStore(registrySecrets(wrong)),
      logger: createLogger({}, { write: (l) => lines.push(l) }),
      skopeo: counted.skopeo,
    });
    await expect(run).rejects.toThrow(
      `destination registry ${servers.registryAuth} rejected the login of secret 'registry' (401)`,
    );
    expect(counted.verbs()).toEqual([]);
    expect(await status.summary()).toMatchObject({ total: 0 });
    expect(lines.join('\n')).not.toContain(wrong);

    // The real CLI says it once, exits 1, and starts no skopeo process either.
    const cli = spawnSync(
      process.execPath,
      [
        'bin/dth.mjs',
        'ecr',
        'sync',
        '--source-type',
        'Public',
        '--src-registry',
        servers.registryOpen,
        '--dest-registry',
        servers.registryAuth,
        '--dest-credential',
        'registry',
        '--insecure',
        'true',
        '--json',
        '--state',
        ':memory:',
        '--src-image-list',
        `${repository}:v1,${repository}:multi`,
        '--secrets',
        registrySecrets(wrong),
      ],
      { encoding: 'utf8', env: { ...process.env, PATH: `${dirname(counted.wrapper)}:${process.env.PATH}` } },
    );
    expect(cli.status).toBe(1);
    expect(cli.stderr.split('rejected the login').length - 1).toBe(1);
    expect(cli.stderr).toContain(
      `dth ecr sync: destination registry ${servers.registryAuth} rejected the login of secret 'registry' (401)`,
    );
    expect(cli.stderr + cli.stdout).not.toContain(wrong);
    expect(counted.verbs()).toEqual([]);
  });

  it('a wrong source password is refused once, in our words, before any process; a side without a login on a registry that needs one names the secret to give', async () => {
    const { repository } = seedImages();
    const wrong = 'wrong-source-password-7';
    const counted = countingSkopeo();
    const fromAuth = (extra: Record<string, string>) =>
      parseEcrTaskParams({
        sourceType: 'Public',
        srcRegistry: servers.registryAuth,
        destRegistry: servers.registryOpen,
        insecure: 'true',
        srcImageList: `${repository}:v1`,
        destPrefix: uniqueName('login'),
        ...extra,
      });
    const status = new SqliteStatusStore(openSqliteDatabase(':memory:'), 't');
    const run = (params: ReturnType<typeof fromAuth>, secretsPath = registrySecrets(wrong)) =>
      runImageSync({
        params,
        status,
        secrets: new FileSecretStore(secretsPath),
        logger: silentLogger,
        skopeo: counted.skopeo,
      });
    await expect(run(fromAuth({ srcCredential: 'registry' }))).rejects.toThrow(
      `source registry ${servers.registryAuth} rejected the login of secret 'registry' (401)`,
    );
    // The parameter an API form marks (errorInfo.field); before, none.
    await expect(run(fromAuth({ srcCredential: 'registry' }))).rejects.toMatchObject({ field: 'srcCredential' });
    // Before: each image failed alone with "127.0.0.1:…: authentication required (HTTP 401)", naming no side or parameter.
    await expect(run(fromAuth({}))).rejects.toThrow(
      `source registry ${servers.registryAuth} requires a login (401): name a secret with its username and password in srcCredential`,
    );
    await expect(run(fromAuth({}))).rejects.toMatchObject({ field: 'srcCredential' });
    await expect(run(task({ srcImageList: `${repository}:v1`, destCredential: '' }))).rejects.toThrow(
      `destination registry ${servers.registryAuth} requires a login (401): name a secret with its username and password in destCredential`,
    );
    expect(counted.verbs()).toEqual([]);
    expect(await status.summary()).toMatchObject({ total: 0 });
    // Every image names another registry: srcRegistry is never read, so its missing login stops nothing.
    const elsewhere = await run(fromAuth({ srcImageList: `${servers.registryOpen}/${repository}:v1` }));
    expect(elsewhere).toMatchObject({ complete: true, done: 1 });
  });

  it('a host that serves no registry API (an S3 server answering 404 to /v2/) is an error of its parameter, not every image missing', async () => {
    const counted = countingSkopeo();
    const s3Host = new URL(servers.s3Source).host;
    const run = (extra: Record<string, string>) =>
      sync(task({ srcImageList: 'library/app:v1', ...extra }), registrySecrets(), undefined, counted.skopeo);
    // Before: the source, anonymous, went on, and the image failed as "source image …/library/app:v1 does not exist".
    await expect(run({ srcRegistry: s3Host })).rejects.toThrow(
      `Source registry (srcRegistry): ${s3Host} does not serve the container registry API (GET /v2/ answered 404): give a registry's host[:port]`,
    );
    await expect(run({ destRegistry: s3Host, destCredential: '' })).rejects.toThrow(
      `Destination registry (destRegistry): ${s3Host} does not serve the container registry API`,
    );
    // A registry that is not there at all stops the run once, naming its side, with or without a login (before: an
    // anonymous side left each image to fail with skopeo's raw text; a side with a login named no side).
    await expect(run({ srcRegistry: '127.0.0.1:1' })).rejects.toThrow(
      'Source registry (srcRegistry): 127.0.0.1:1: cannot reach http://127.0.0.1:1: ECONNREFUSED',
    );
    await expect(run({ destRegistry: '127.0.0.1:1' })).rejects.toThrow(
      'Destination registry (destRegistry): 127.0.0.1:1: cannot reach http://127.0.0.1:1: ECONNREFUSED',
    );
    // A typed error naming its field, so an API answers it as the registry's (before: an untyped Error, INTERNAL).
    for (const [extra, field] of [
      [{ srcRegistry: '127.0.0.1:1' }, 'srcRegistry'],
      [{ destRegistry: '127.0.0.1:1' }, 'destRegistry'],
    ] as const)
      await expect(run(extra)).rejects.toMatchObject({ code: 'REGISTRY_UNAVAILABLE', field });
    expect(counted.verbs()).toEqual([]);
  });

  it('a secret of the wrong shape or a missing one is an error of its parameter, in words, as on the S3 side', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dth-reg-shape-'));
    const path = join(dir, 'secrets.json');
    writeFileSync(path, JSON.stringify({ odd: { user_name: 'x', pass: 'y' } }), { mode: 0o600 });
    await expect(sync(task({ srcImageList: 'a:v1', destCredential: 'odd' }), path)).rejects.toThrow(
      'Destination credentials (destCredential): secret "odd" must hold access_key_id and secret_access_key (ECR) or username and password (a registry login)',
    );
    await expect(sync(task({ srcImageList: 'a:v1', destCredential: 'absent' }), path)).rejects.toThrow(
      'Destination credentials (destCredential): secret "absent" was not found or is not readable',
    );
    await expect(sync(task({ srcImageList: 'a:v1', srcCredential: 'absent' }), path)).rejects.toThrow(
      'Source credentials (srcCredential): secret "absent" was not found',
    );
  });

  it('ignores AWS keys left in srcCredential of a Public source, as the original (copied without a login, a warning); a registry destination still refuses them', async () => {
    const { repository } = seedImages();
    const dir = mkdtempSync(join(tmpdir(), 'dth-reg-keys-'));
    const path = join(dir, 'secrets.json');
    const registry = { username: servers.registryUser, password: servers.registryPassword };
    writeFileSync(path, JSON.stringify({ registry, keys: { access_key_id: 'AKIA0', secret_access_key: 's' } }), {
      mode: 0o600,
    });
    const lines: string[] = [];
    const prefix = uniqueName('left-keys');
    const { report } = await sync(
      task({ srcImageList: `${repository}:v1`, srcCredential: 'keys', destPrefix: prefix }),
      path,
      lines,
    );
    expect(report).toMatchObject({ complete: true, done: 1, failed: 0 });
    expect(registryDigest(servers.registryAuth, `${prefix}/${repository}:v1`, auth)).toBe(
      registryDigest(servers.registryOpen, `${repository}:v1`),
    );
    const ignored = lines.map((l) => JSON.parse(l)).find((l) => l.event === 'image.credential_ignored');
    expect(ignored).toMatchObject({ level: 'warn', field: 'srcCredential' });
    expect(JSON.stringify(lines)).not.toContain('"s"');
    await expect(sync(task({ srcImageList: `${repository}:v1`, destCredential: 'keys' }), path)).rejects.toThrow(
      'holds AWS access keys, which log in to Amazon ECR only',
    );
  });

  it('an Amazon ECR side on a machine whose default chain is empty says no credentials were found and which secret would do (real CLI)', () => {
    const env: NodeJS.ProcessEnv = { ...process.env, AWS_EC2_METADATA_DISABLED: 'true', NODE_NO_WARNINGS: '1' };
    for (const name of Object.keys(env)) {
      if (
        /^AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN|PROFILE|DEFAULT_PROFILE|WEB_IDENTITY_TOKEN_FILE|ROLE_ARN|CONTAINER_.*)$/.test(
          name,
        )
      )
        delete env[name];
    }
    const none = join(mkdtempSync(join(tmpdir(), 'dth-nochain-')), 'absent');
    const cli = spawnSync(
      process.execPath,
      [
        'bin/dth.mjs',
        'ecr',
        'sync',
        '--source-type',
        'Amazon_ECR',
        '--src-region',
        'us-east-1',
        '--src-list',
        'ALL',
        '--dest-registry',
        servers.registryOpen,
        '--insecure',
        'true',
        '--state',
        ':memory:',
        '--secrets',
        registrySecrets(),
      ],
      { encoding: 'utf8', env: { ...env, AWS_SHARED_CREDENTIALS_FILE: none, AWS_CONFIG_FILE: none }, timeout: 60_000 },
    );
    expect(cli.status).toBe(1);
    // Before: "… failed: Could not load credentials from any providers".
    expect(cli.stderr).toContain(
      "dth ecr sync: source ECR: finding the account (STS GetCallerIdentity in us-east-1) with the runtime's own credentials failed: " +
        "no AWS credentials found (this machine's default chain: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, a profile (AWS_PROFILE) or an instance role); " +
        'or name a secret with access keys in srcCredential',
    );
  });

  it('judges only the images this run was asked for: a FAILED record from an earlier run with another list does not fail it', async () => {
    const { repository } = seedImages();
    const status = new SqliteStatusStore(openSqliteDatabase(':memory:'), 'shared-state');
    const earlier = await runImageSync({
      params: task({ srcImageList: `${repository}:nope\n${repository}:v1`, destPrefix: 'judged' }),
      status,
      secrets: new FileSecretStore(registrySecrets()),
      logger: silentLogger,
    });
    expect(earlier).toMatchObject({ complete: false, total: 2, done: 1, failed: 1 });
    const later = await runImageSync({
      params: task({ srcImageList: `${repository}:multi`, destPrefix: 'judged' }),
      status,
      secrets: new FileSecretStore(registrySecrets()),
      logger: silentLogger,
    });
    expect(later).toMatchObject({ complete: true, total: 1, done: 1, failed: 0, failures: [] });
    // The state still remembers the earlier failure; it just does not decide this run.
    expect(await status.get(`${repository}:nope`)).toMatchObject({ status: 'FAILED' });
  });

  it("settles a task's unresolved records of images its whole listing no longer names (the hub): a later pass can end complete", async () => {
    const later = `${uniqueName('later')}/app`;
    const { repository } = seedImages();
    const status = new SqliteStatusStore(openSqliteDatabase(':memory:'), 'scheduled');
    const params = task({ srcImageList: `${later}:ALL_TAGS\n${repository}:ALL_TAGS`, destPrefix: 'unlisted' });
    const pass = () =>
      runImageSync({
        params,
        status,
        secrets: new FileSecretStore(registrySecrets()),
        logger: silentLogger,
        settleUnlisted: true,
      });
    // An earlier pass's failure of a tag deleted at the source since: no listing will name it again.
    await status.put({ key: `${repository}:deleted`, size: 5, status: 'FAILED', attempts: 3, error: 'layer unknown' });
    // First pass: the repository `later` does not exist yet — its entry fails, and its own old records wait for it.
    await status.put({ key: `${later}:old`, size: 0, status: 'FAILED', attempts: 1, error: 'earlier failure' });
    expect(await pass()).toMatchObject({ complete: false, failed: 1, done: 2 });
    expect(await status.get(`${repository}:deleted`)).toMatchObject({
      status: 'SKIPPED',
      error: UNLISTED_REASON,
      size: 0,
    });
    expect(await status.get(`${later}:old`)).toMatchObject({ status: 'FAILED', error: 'earlier failure' });
    expect(isComplete(await status.summary())).toBe(false);
    // The repository appears: the next pass copies its tags, and what the first pass could not list is settled.
    seedImages(later);
    expect(await pass()).toMatchObject({ complete: true, failed: 0, done: 2, skipped: 2 });
    expect(await status.get(`${later}:ALL_TAGS`)).toMatchObject({ status: 'SKIPPED', error: UNLISTED_REASON });
    expect(await status.get(`${later}:old`)).toMatchObject({ status: 'SKIPPED', error: UNLISTED_REASON });
    const summary = await status.summary();
    expect(summary).toMatchObject({ failed: 0, pending: 0, done: 4, skipped: 3 });
    expect(isComplete(summary)).toBe(true);
  });

  it('a registry that stops answering mid-run fails each image in our words, naming the side and its parameter (no skopeo fallback)', async () => {
    const { repository } = seedImages();
    const relay = await startRelay(servers.registryAuth);
    const lines: string[] = [];
    // The destination goes down after the logins were checked, while the list is expanded: before the digests are read.
    const catalog = {
      async *repositories() {},
      async tags() {
        await relay.close();
        return ['v1', 'multi'];
      },
    };
    const skopeo = countingSkopeo();
    const report = await runImageSync({
      params: task({
        srcImageList: `${repository}:ALL_TAGS`,
        destRegistry: `127.0.0.1:${relay.port}`,
        maxAttempts: '2',
      }),
      status: new SqliteStatusStore(openSqliteDatabase(':memory:'), 'down'),
      secrets: new FileSecretStore(registrySecrets()),
      logger: createLogger({}, { write: (l) => lines.push(l) }),
      catalog,
      skopeo: skopeo.skopeo,
    });
    expect(report).toMatchObject({ complete: false, failed: 2, done: 0 });
    for (const f of report.failures)
      expect(f.error).toMatch(
        new RegExp(
          `^Destination registry \\(destRegistry\\): 127\\.0\\.0\\.1:${relay.port}: cannot reach http://127\\.0\\.0\\.1:${relay.port}: `,
        ),
      );
    // Before: "skopeo inspect failed: … Error parsing image name …: pinging container registry …".
    expect(lines.join('\n')).not.toMatch(/digest_fallback|skopeo inspect/);
    expect(skopeo.calls()).toEqual([]);
  });

  it('fails repo:ALL_TAGS of a repository the source lacks as that entry alone; images after it still copy', async () => {
    const { repository } = seedImages();
    const missing = `${uniqueName('gone')}/app`;
    const { report, status } = await sync(
      task({ srcImageList: `${missing}:ALL_TAGS\n${repository}:v1\n${repository}:multi`, destPrefix: 'alltags' }),
    );
    expect(report).toMatchObject({ complete: false, total: 3, done: 2, failed: 1 });
    const rec = await status.get(`${missing}:ALL_TAGS`);
    expect(rec?.status).toBe('FAILED');
    expect(rec?.error).toContain(`the tags of "${missing}" could not be listed`);
    // In the registry's own words: the repository is unknown, not a refusal.
    expect(rec?.error).toMatch(/HTTP 404 \(NAME_UNKNOWN: repository name not known to registry\)/);
    expect(registryDigest(servers.registryAuth, `alltags/${repository}:multi`, auth)).toBe(
      registryDigest(servers.registryOpen, `${repository}:multi`),
    );
  });

  it('a source that answers its tag list with something else fails repo:ALL_TAGS, naming the registry: not DONE with nothing', async () => {
    const { repository } = seedImages();
    const source = await startRegistryFront({ upstream: servers.registryOpen, mode: 'not-listings' });
    try {
      const { report, status } = await sync(
        task({ srcRegistry: source.registry, srcImageList: `${repository}:ALL_TAGS`, destPrefix: 'not-listed' }),
      );
      expect(report).toMatchObject({ complete: false, total: 1, done: 0, failed: 1 });
      const rec = await status.get(`${repository}:ALL_TAGS`);
      expect(rec?.status).toBe('FAILED');
      expect(rec?.error).toContain(`${source.registry}: /v2/${repository}/tags/list answered JSON without "tags"`);
    } finally {
      await source.close();
    }
  });

  it('fails, naming both, the second of two images that would land on one destination; the first is copied', async () => {
    const hostPath = servers.registryOpen.replace(':', '-');
    const { repository } = seedImages();
    // Another image in a repository named as the first one's registry and repository land: `<host>-<port>/<repo>`.
    const { repository: lookalike } = seedImages(`${hostPath}/${repository}`);
    const list = `${servers.registryOpen}/${repository}:v1\n${lookalike}:v1`;
    const { report, status } = await sync(task({ srcImageList: list, destPrefix: 'clash' }));
    expect(report).toMatchObject({ complete: false, total: 2, done: 1, failed: 1 });
    expect(registryDigest(servers.registryAuth, `clash/${lookalike}:v1`, auth)).toBe(
      registryDigest(servers.registryOpen, `${repository}:v1`),
    );
    const clash = await status.get(`${lookalike}:v1`);
    expect(clash?.status).toBe('FAILED');
    expect(clash?.error).toBe(
      `${lookalike}:v1 would be copied to ${servers.registryAuth}/clash/${lookalike}:v1, where ` +
        `${servers.registryOpen}/${repository}:v1 of the same list goes: not copied (give one of them another task, with its own destPrefix)`,
    );
  });

  it('copies images that name their own registries in one task (anonymous, Bearer), each to <registry-host>/<repository>', async () => {
    const { repository: plain } = seedImages();
    const { repository: tokened } = seedImages();
    // A registry that hands out anonymous Bearer tokens, as Docker Hub, quay.io and gcr.io do for public images.
    const bearer = await startRegistryFront({ upstream: servers.registryOpen, mode: 'bearer' });
    try {
      const list = `${servers.registryOpen}/${plain}:v1\n${bearer.registry}/${tokened}:multi`;
      const { report, status } = await sync(task({ srcRegistry: '', srcImageList: list, destPrefix: 'mixed' }));
      expect(report).toMatchObject({ complete: true, total: 2, done: 2 });
      const hostPath = (registry: string) => registry.replace(':', '-');
      expect(registryDigest(servers.registryAuth, `mixed/${hostPath(servers.registryOpen)}/${plain}:v1`, auth)).toBe(
        registryDigest(servers.registryOpen, `${plain}:v1`),
      );
      expect(registryDigest(servers.registryAuth, `mixed/${hostPath(bearer.registry)}/${tokened}:multi`, auth)).toBe(
        registryDigest(servers.registryOpen, `${tokened}:multi`),
      );
      expect(await status.get(`${bearer.registry}/${tokened}:multi`)).toMatchObject({ status: 'DONE' });
      expect(bearer.tokenRequests.filter((t) => t.granted).length).toBeGreaterThan(0);
    } finally {
      await bearer.close();
    }
  });

  it('reports the bytes copied (config, layers and manifests of every platform) in progress, status and the summary', async () => {
    const { repository } = seedImages();
    const progress: number[] = [];
    const status = new SqliteStatusStore(openSqliteDatabase(':memory:'), 't');
    const report = await runImageSync({
      params: task({ srcImageList: `${repository}:v1\n${repository}:multi`, destPrefix: 'bytes' }),
      status,
      secrets: new FileSecretStore(registrySecrets()),
      logger: silentLogger,
      onProgress: (p) => progress.push(p.bytesDone),
    });
    const expected = imageBytes(`${repository}:v1`) + imageBytes(`${repository}:multi`);
    expect(report).toMatchObject({ complete: true, done: 2, bytesDone: expected, bytesTotal: expected });
    expect(progress.at(-1)).toBe(expected);
    expect((await status.get(`${repository}:v1`))?.size).toBe(imageBytes(`${repository}:v1`));
  });

  it("with includeUntagged=false copies only the image of the copying machine's platform out of a multi-arch index", async () => {
    const { repository } = seedImages();
    const arm64 = platformDigest(`${repository}:multi`, 'arm64');
    const counted = countingSkopeo();
    const status = new SqliteStatusStore(openSqliteDatabase(':memory:'), 't');
    const params = task({ srcImageList: `${repository}:multi`, destPrefix: 'system', includeUntagged: 'false' });
    const platform = { os: 'linux', architecture: 'arm64' };
    const report = await runImageSync({
      params,
      status,
      secrets: new FileSecretStore(registrySecrets()),
      logger: silentLogger,
      skopeo: counted.skopeo,
      platform,
    });
    expect(report).toMatchObject({ complete: true, done: 1 });
    // The destination holds the arm64 image itself (no index), digest kept.
    expect(registryDigest(servers.registryAuth, `system/${repository}:multi`, auth)).toBe(arm64);
    expect(await status.get(`${repository}:multi`)).toMatchObject({ status: 'DONE', checksum: arm64 });
    expect(counted.calls()[0].slice(0, 4)).toEqual(['--override-os', 'linux', '--override-arch', 'arm64']);
    const again = await runImageSync({
      params,
      status,
      secrets: new FileSecretStore(registrySecrets()),
      logger: silentLogger,
      platform,
    });
    expect(again).toMatchObject({ complete: true, skipped: 1 });
  });

  it('reads a list as the original does: a literal \\n breaks a line, whitespace inside an entry is dropped, comment lines go whole', () => {
    const expected = [
      { repository: 'ubuntu', tag: '14.04' },
      { repository: 'amazon-linux', tag: 'latest' },
      { repository: 'app', tag: 'v1' },
    ];
    // The original's documented CloudFormation form, pasted with its two-character \n.
    expect(task({ srcImageList: String.raw`ubuntu:14.04,\namazon-linux:latest,\napp : v1` }).srcImageList).toEqual(
      expected,
    );
    expect(
      task({ srcImageList: '# base images, then ours\r\nubuntu :14.04,\tamazon-linux\napp:\tv1' }).srcImageList,
    ).toEqual(expected);
    // A message still quotes the entry as written.
    expect(() => task({ srcImageList: String.raw`ubuntu:14.04,\nBad Repo:tag` })).toThrow(/line 2 "Bad Repo:tag"/);
  });

  it('rejects a malformed list entry, naming its line, its place on the line and its text', () => {
    expect(() => task({ srcImageList: 'good/repo:1\n\nBad Repo:tag' })).toThrow(
      /srcImageList, source side\): line 3 "Bad Repo:tag"/,
    );
    expect(() => task({ srcImageList: 'repo:bad tag!' })).toThrow(/entry 1 "repo:bad tag!"/);
    expect(() => task({ srcImageList: 'bad_host!.io/app:1' })).toThrow(/entry 1 "bad_host!.io\/app:1"/);
    // Two images joined by a space (spaces inside an entry are dropped) and a capital letter are each said plainly.
    expect(() => task({ srcImageList: 'busybox:1 busybox:2' })).toThrow(
      /"busybox:1busybox" is not a repository name \(spaces inside an entry are dropped: separate images with commas or lines\)$/,
    );
    expect(() => task({ srcImageList: 'Busybox:latest' })).toThrow(
      /"Busybox" is not a repository name \(lowercase only\)$/,
    );
    expect(() => task({ srcImageList: 'app:v1', destPrefix: 'Mirror' })).toThrow(
      /\(destPrefix\): "Mirror" is not a valid repository path prefix \(lowercase only\)$/,
    );
    // Commas count within a line, not as lines: the third image of one line; the second line of a list with commas.
    expect(() => task({ srcImageList: 'ubuntu:latest,, nginx::x' })).toThrow(/entry 3 "nginx::x"/);
    expect(() => task({ srcImageList: 'a:1,b:2\nbad!' })).toThrow(/line 2 "bad!"/);
    expect(() => task({ srcImageList: 'a:1\nb:2, c:3,bad!' })).toThrow(/line 2, entry 3 "bad!"/);
    expect(() => parseEcrTaskParams({ sourceType: 'Public', srcList: 'ALL', destRegistry: 'x.io' })).toThrow(
      /srcList, source side\): ALL is only possible/,
    );
  });

  it("reads the original's parameters with its defaults: srcList ALL for ECR, blank account ids, includeUntagged true, registries per image", () => {
    const ecr = parseEcrTaskParams({
      sourceType: 'Amazon_ECR',
      srcRegion: 'us-west-2',
      srcAccountId: '',
      destRegion: 'cn-north-1',
      destAccountId: '',
      destCredential: 'cn-keys',
    });
    expect(ecr).toMatchObject({
      srcList: 'ALL',
      srcAccountId: undefined,
      destAccountId: undefined,
      srcRegistry: undefined,
      destRegistry: undefined,
      includeUntagged: true,
      includeUntaggedByDigest: false,
    });
    expect(() => parseEcrTaskParams({ sourceType: 'Amazon_ECR', destRegion: 'us-east-1' })).toThrow(
      /\(srcRegion\): is required/,
    );
    expect(() => parseEcrTaskParams({ sourceType: 'Public', srcImageList: 'nginx' })).toThrow(
      /\(destRegion\): is required/,
    );
    const pub = parseEcrTaskParams({
      sourceType: 'Public',
      srcImageList: 'ubuntu:14.04, mysql, public.ecr.aws/amazonlinux/amazonlinux:latest, localhost:5000/a/b',
      destRegion: 'us-east-1',
    });
    expect(pub.srcList).toBe('SELECTED');
    expect(pub.srcImageList).toEqual([
      { repository: 'ubuntu', tag: '14.04' },
      { repository: 'mysql', tag: 'latest' },
      { registry: 'public.ecr.aws', repository: 'amazonlinux/amazonlinux', tag: 'latest' },
      { registry: 'localhost:5000', repository: 'a/b', tag: 'latest' },
    ]);
    // An ECR list names repositories of the source ECR: a dot in the first element is part of the name there.
    expect(
      parseEcrTaskParams({
        sourceType: 'Amazon_ECR',
        srcRegion: 'us-east-1',
        srcList: 'SELECTED',
        srcImageList: 'my.team/app:1',
        destRegion: 'us-east-1',
      }).srcImageList,
    ).toEqual([{ repository: 'my.team/app', tag: '1' }]);
  });

  it('dth ecr sync (real CLI) copies and exits 0, exits 1 when an image fails', async () => {
    const { repository } = seedImages();
    const base = [
      'ecr',
      'sync',
      '--source-type',
      'Public',
      '--src-registry',
      servers.registryOpen,
      '--dest-registry',
      servers.registryAuth,
      '--dest-credential',
      'registry',
      '--insecure',
      'true',
      '--json',
    ];
    const state = ['--state', ':memory:'];
    const ok = spawnSync(
      process.execPath,
      ['bin/dth.mjs', ...base, ...state, '--src-image-list', `${repository}:v1`, '--secrets', registrySecrets()],
      { encoding: 'utf8' },
    );
    expect(ok.status, ok.stderr).toBe(0);
    const events = ok.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(events.at(-1)).toMatchObject({
      event: 'summary',
      complete: true,
      copied: 1,
      bytes: imageBytes(`${repository}:v1`),
    });
    // Piped progress carries the bytes too.
    expect(events.filter((e) => e.event === 'progress').at(-1)).toMatchObject({
      bytesDone: imageBytes(`${repository}:v1`),
      bytesTotal: imageBytes(`${repository}:v1`),
    });
    const missing = spawnSync(
      process.execPath,
      ['bin/dth.mjs', ...base, ...state, '--src-image-list', `${repository}:nope`, '--secrets', registrySecrets()],
      { encoding: 'utf8' },
    );
    expect(missing.status).toBe(1);
    expect(missing.stdout).toMatch(/does not exist|manifest unknown/);
  });

  it('dth ecr sync on a terminal keeps each warning on its own line, never glued to the progress line', async () => {
    const { repository } = seedImages();
    // Batch processes that fail: the engine warns (image.batch_failed) after the progress line is drawn, then copies alone.
    const counted = countingSkopeo(['sync']);
    const args = [
      'bin/dth.mjs',
      'ecr',
      'sync',
      '--source-type',
      'Public',
      '--src-registry',
      servers.registryOpen,
      '--dest-registry',
      servers.registryAuth,
      '--dest-credential',
      'registry',
      '--insecure',
      'true',
      '--state',
      ':memory:',
      '--secrets',
      registrySecrets(),
      '--src-image-list',
      `${repository}:v1,${repository}:multi`,
      '--dest-prefix',
      'tty',
    ];
    const command = [process.execPath, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
    // script(1) gives the CLI a terminal, so it draws its progress line.
    const out = spawnSync('script', ['-qec', command, '/dev/null'], {
      encoding: 'utf8',
      env: { ...process.env, PATH: `${dirname(counted.wrapper)}:${process.env.PATH}` },
    });
    expect(out.status, out.stdout).toBe(0);
    expect(counted.verbs().sort()).toEqual(['copy', 'copy', 'sync', 'sync']);
    const firstProgress = out.stdout.search(/\[[#-]{24}\] \d+\/2 images/);
    const firstWarning = out.stdout.indexOf('{"time"');
    expect(firstProgress).toBeGreaterThanOrEqual(0);
    expect(firstWarning).toBeGreaterThan(firstProgress);
    // Every log line starts a line of its own: after a newline, or after the progress line was cleared (CR, erase).
    for (const m of out.stdout.matchAll(/\{"time"/g)) {
      const before = out.stdout.slice(Math.max(0, m.index - 4), m.index);
      expect(before.endsWith('\n') || before.endsWith('\r\x1b[K'), JSON.stringify(out.stdout)).toBe(true);
    }
    expect(out.stdout).toContain('image.batch_failed');
    expect(out.stdout).toMatch(/Done: 2 copied \(\d+(\.\d)? KiB\), 0 unchanged, 0 failed/);
  });
});
