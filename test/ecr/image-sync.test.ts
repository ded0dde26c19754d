import { describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeOciLayout } from '../../bench/oci-images.js';
import { FileSecretStore, openSqliteDatabase, SqliteStatusStore } from '../../worker/adapters/embedded/index.js';
import { createLogger, silentLogger } from '../../worker/core/log.js';
import { parseEcrTaskParams } from '../../worker/ecr/params.js';
import { runImageSync } from '../../worker/ecr/run-image-sync.js';
import type { Skopeo } from '../../worker/ecr/skopeo.js';
import { servers, uniqueName } from '../support/servers.js';
import { countingSkopeo, registryDigest, registrySecrets, seedImages } from './image-fixtures.js';
import { startRegistryFront } from './registry-front.js';

function task(extra: Record<string, string>) {
  return parseEcrTaskParams({
    sourceType: 'Public', srcRegistry: servers.registryOpen, destRegistry: servers.registryAuth,
    destCredential: 'registry', insecure: 'true', ...extra,
  });
}

async function sync(params: ReturnType<typeof task>, secretsPath = registrySecrets(), logLines?: string[], skopeo?: Skopeo) {
  const status = new SqliteStatusStore(openSqliteDatabase(':memory:'), 't');
  const logger = logLines ? createLogger({}, { write: (l) => logLines.push(l) }) : silentLogger;
  const report = await runImageSync({ params, status, secrets: new FileSecretStore(secretsPath), logger, skopeo });
  return { report, status };
}

const auth = `${servers.registryUser}:${servers.registryPassword}`;

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
    const index = JSON.parse(spawnSync('skopeo', ['inspect', '--raw', '--tls-verify=false', '--creds', auth, `docker://${servers.registryAuth}/mirror/${repository}:multi`], { encoding: 'utf8' }).stdout);
    expect(index.manifests.map((m: { platform: { architecture: string } }) => m.platform.architecture).sort()).toEqual(['amd64', 'arm64']);

    const again = await sync(params);
    expect(again.report).toMatchObject({ complete: true, done: 0, skipped: 2 });
  });

  it('copies with skopeo sync and starts no process for an unchanged image, from a Bearer-token source', async () => {
    const { repository } = seedImages();
    const source = await startRegistryFront({ upstream: servers.registryOpen, mode: 'bearer', login: { username: servers.registryUser, password: servers.registryPassword } });
    try {
      const params = task({ srcRegistry: source.registry, srcCredential: 'registry', srcImageList: `${repository}:v1\n${repository}:multi`, destPrefix: 'counted' });
      const first = countingSkopeo();
      expect((await sync(params, registrySecrets(), undefined, first.skopeo)).report).toMatchObject({ complete: true, done: 2 });
      // Two images: the first alone (the pilot), then the other: one sync process each.
      expect(first.verbs()).toEqual(['sync', 'sync']);
      for (const tag of ['v1', 'multi']) {
        expect(registryDigest(servers.registryAuth, `counted/${repository}:${tag}`, auth)).toBe(registryDigest(servers.registryOpen, `${repository}:${tag}`));
      }
      const again = countingSkopeo();
      expect((await sync(params, registrySecrets(), undefined, again.skopeo)).report).toMatchObject({ complete: true, done: 0, skipped: 2 });
      expect(again.verbs()).toEqual([]);
      expect(source.tokenRequests.filter((t) => !t.granted)).toEqual([]);
    } finally {
      await source.close();
    }
  });

  it('copies N images in at most min(concurrency, 4) skopeo sync processes, names and digests (single and multi-arch) unchanged', async () => {
    const team = uniqueName('team');
    const repositories = ['app1', 'app2', 'app3'].map((app) => seedImages(`${team}/${app}`).repository);
    const params = task({ srcImageList: repositories.flatMap((r) => [`${r}:v1`, `${r}:multi`]).join('\n'), destPrefix: 'batched', concurrency: '2' });
    const counted = countingSkopeo();
    const { report, status } = await sync(params, registrySecrets(), undefined, counted.skopeo);
    expect(report).toMatchObject({ complete: true, done: 6, failed: 0 });
    // The first image alone (the pilot), then the other five over the two slots.
    expect(counted.verbs()).toEqual(['sync', 'sync', 'sync']);
    for (const repository of repositories) {
      for (const tag of ['v1', 'multi']) {
        const srcDigest = registryDigest(servers.registryOpen, `${repository}:${tag}`);
        expect(registryDigest(servers.registryAuth, `batched/${repository}:${tag}`, auth)).toBe(srcDigest);
        expect(await status.get(`${repository}:${tag}`)).toMatchObject({ status: 'DONE', checksum: srcDigest, verified: true });
      }
    }
  });

  it('copies alone, with its own skopeo error, an image that fails inside a batch (tag deleted after its digest was read); the others end DONE', async () => {
    const { repository } = seedImages();
    const source = await startRegistryFront({ upstream: servers.registryOpen, mode: 'deleted-after-head', deleted: [`${repository}:v1`] });
    try {
      const params = task({ srcRegistry: source.registry, srcImageList: `${repository}:v1\n${repository}:multi`, destPrefix: 'partial', concurrency: '1' });
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
      expect(registryDigest(servers.registryAuth, `partial/${repository}:multi`, auth)).toBe(registryDigest(servers.registryOpen, `${repository}:multi`));
    } finally {
      await source.close();
    }
  });

  it('copies each image alone when the batch process fails, verifying every image at the destination', async () => {
    const { repository } = seedImages();
    const params = task({ srcImageList: `${repository}:v1\n${repository}:multi`, destPrefix: 'nobatch', concurrency: '1' });
    const counted = countingSkopeo(['sync']);
    const lines: string[] = [];
    const { report } = await sync(params, registrySecrets(), lines, counted.skopeo);
    expect(report).toMatchObject({ complete: true, done: 2, failed: 0 });
    // Each image's batch (the pilot, then the other) fails, and each is copied again alone.
    expect(counted.verbs().sort()).toEqual(['copy', 'copy', 'sync', 'sync']);
    for (const tag of ['v1', 'multi']) {
      expect(registryDigest(servers.registryAuth, `nobatch/${repository}:${tag}`, auth)).toBe(registryDigest(servers.registryOpen, `${repository}:${tag}`));
    }
    expect(lines.map((l) => JSON.parse(l)).filter((l) => l.event === 'image.batch_failed')).toMatchObject([
      { images: 1, error: expect.stringMatching(/simulated sync failure/) }, { images: 1, error: expect.stringMatching(/simulated sync failure/) },
    ]);
  });

  it('uploads a layer shared by several images once: the first image goes alone, the later processes mount it', async () => {
    const team = uniqueName('shared');
    const layout = mkdtempSync(join(tmpdir(), 'dth-oci-shared-'));
    const tags = writeOciLayout(layout, 5, 1024 * 1024, 64 * 1024);
    for (const tag of tags) {
      execFileSync('skopeo', ['copy', '--dest-tls-verify=false', '--dest-creds', auth, `oci:${layout}:${tag}`, `docker://${servers.registryAuth}/${team}/${tag}:v1`], { stdio: 'pipe' });
    }
    // From the htpasswd registry to the open one, through a front that counts what it forwards.
    const dest = await startRegistryFront({ upstream: servers.registryOpen, mode: 'no-digest-header' });
    try {
      const params = task({
        srcRegistry: servers.registryAuth, srcCredential: 'registry', destRegistry: dest.registry, destCredential: '',
        srcImageList: tags.map((t) => `${team}/${t}:v1`).join('\n'), destPrefix: 'mounted', concurrency: '4',
      });
      expect((await sync(params)).report).toMatchObject({ complete: true, done: 5 });
      // Fresh blob uploads (a POST without mount=): the shared base once, then each image's own layer and config.
      const fresh = dest.forwarded.filter((r) => /^POST \/v2\/.+\/blobs\/uploads\//.test(r) && !r.includes('mount='));
      expect(fresh).toHaveLength(1 + 2 * tags.length);
      for (const tag of tags) {
        expect(registryDigest(servers.registryOpen, `mounted/${team}/${tag}:v1`)).toBe(registryDigest(servers.registryAuth, `${team}/${tag}:v1`, auth));
      }
    } finally {
      await dest.close();
    }
  });

  it('reads a digest with skopeo inspect when the HTTP read fails (an auth scheme it does not speak), logging it once', async () => {
    const { repository } = seedImages();
    const source = await startRegistryFront({ upstream: servers.registryOpen, mode: 'negotiate-head' });
    try {
      const params = task({ srcRegistry: source.registry, srcImageList: `${repository}:v1\n${repository}:multi`, destPrefix: 'fallback' });
      const counted = countingSkopeo();
      const lines: string[] = [];
      expect((await sync(params, registrySecrets(), lines, counted.skopeo)).report).toMatchObject({ complete: true, done: 2 });
      expect(counted.verbs().sort()).toEqual(['inspect', 'inspect', 'sync', 'sync']);
      const fallbacks = lines.map((l) => JSON.parse(l)).filter((l) => l.event === 'image.digest_fallback');
      expect(fallbacks).toMatchObject([{ registry: source.registry, reason: expect.stringMatching(/unsupported authentication scheme "negotiate"/) }]);
    } finally {
      await source.close();
    }
  });

  it('expands repo:ALL_TAGS and treats a bare repo as :latest', async () => {
    const { repository } = seedImages();
    const params = task({ srcImageList: `${repository}:ALL_TAGS` });
    const { report } = await sync(params);
    expect(report).toMatchObject({ complete: true, done: 2 });
    expect(registryDigest(servers.registryAuth, `${repository}:multi`, auth)).toBe(registryDigest(servers.registryOpen, `${repository}:multi`));
    expect(task({ srcImageList: 'library/nginx' }).srcImageList).toEqual([{ repository: 'library/nginx', tag: 'latest' }]);
  });

  it('marks images FAILED with a clear error on wrong credentials, without leaking the password', async () => {
    const { repository } = seedImages();
    const lines: string[] = [];
    const wrong = 'definitely-wrong-password-42';
    const { report, status } = await sync(task({ srcImageList: `${repository}:v1` }), registrySecrets(wrong), lines);
    expect(report).toMatchObject({ complete: false, failed: 1 });
    const rec = await status.get(`${repository}:v1`);
    expect(rec?.status).toBe('FAILED');
    expect(rec?.error).toMatch(/unauthorized|authentication required/i);
    expect(JSON.stringify(rec) + lines.join('\n')).not.toContain(wrong);
  });

  it('copies an untagged image (includeUntagged lists it as sha256-<hex>) by digest', async () => {
    const { repository } = seedImages();
    const hex = registryDigest(servers.registryOpen, `${repository}:v1`).slice('sha256:'.length);
    const catalog = { async *repositories() { yield repository; }, async tags() { return [`sha256-${hex}`]; } };
    const params = parseEcrTaskParams({ sourceType: 'Amazon_ECR', srcList: 'ALL', includeUntagged: 'true', srcRegistry: servers.registryOpen,
      destRegistry: servers.registryAuth, destCredential: 'registry', destPrefix: 'untagged', insecure: 'true' });
    const status = new SqliteStatusStore(openSqliteDatabase(':memory:'), 't');
    const report = await runImageSync({ params, status, secrets: new FileSecretStore(registrySecrets()), logger: silentLogger, catalog });
    expect(report).toMatchObject({ complete: true, done: 1 });
    expect(registryDigest(servers.registryAuth, `untagged/${repository}@sha256:${hex}`, auth)).toBe(`sha256:${hex}`);
    expect((await status.get(`${repository}:sha256-${hex}`))?.status).toBe('DONE');
  });

  it('rejects a malformed list line, naming it', () => {
    expect(() => task({ srcImageList: 'good/repo:1\n\nBad Repo:tag' })).toThrow(/srcImageList\): line 3 "Bad Repo:tag"/);
    expect(() => task({ srcImageList: 'repo:bad tag!' })).toThrow(/line 1/);
    expect(() => parseEcrTaskParams({ sourceType: 'Public', srcList: 'ALL', destRegistry: 'x.io' })).toThrow(/srcList\): ALL is only possible/);
  });

  it('dth ecr sync (real CLI) copies and exits 0, exits 1 when an image fails', async () => {
    const { repository } = seedImages();
    const base = ['ecr', 'sync', '--source-type', 'Public', '--src-registry', servers.registryOpen, '--dest-registry', servers.registryAuth,
      '--dest-credential', 'registry', '--insecure', 'true', '--json'];
    const state = ['--state', ':memory:'];
    const ok = spawnSync(process.execPath, ['bin/dth.mjs', ...base, ...state, '--src-image-list', `${repository}:v1`, '--secrets', registrySecrets()], { encoding: 'utf8' });
    expect(ok.status, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout.trim().split('\n').at(-1)!)).toMatchObject({ event: 'summary', complete: true, copied: 1 });
    const missing = spawnSync(process.execPath, ['bin/dth.mjs', ...base, ...state, '--src-image-list', `${repository}:nope`, '--secrets', registrySecrets()], { encoding: 'utf8' });
    expect(missing.status).toBe(1);
    expect(missing.stdout).toMatch(/does not exist|manifest unknown/);
  });
});
