/**
 * The ECR plugin's lister step on a real status table (dynalite): expansion, PENDING records, finder log events, and
 * leaving out images the destination registry already holds (real registries, digests over the registry API).
 */
import { describe, expect, it } from 'vitest';
import { listTaskImages, publishImageList } from '../../../plugins/ecr/runtime/image-lister.js';
import { S3ObjectStore } from '../../../worker/adapters/s3/s3-object-store.js';
import { DynamoStatusStore, ensureStatusTable } from '../../../worker/adapters/aws/index.js';
import { createLogger } from '../../../worker/core/log.js';
import { FileSecretStore } from '../../../worker/adapters/embedded/index.js';
import { silentLogger } from '../../../worker/core/log.js';
import { parseEcrTaskParams } from '../../../worker/ecr/params.js';
import { UNLISTED_REASON } from '../../../worker/ecr/unlisted-images.js';
import { resolveRegistries } from '../../../worker/ecr/registries.js';
import type { RegistryCatalog } from '../../../worker/ports/ecr-api.js';
import { localDynamoClient } from '../../adapters/aws/clients.js';
import {
  copyToAuthRegistry,
  deleteAuthManifest,
  platformDigest,
  registrySecrets,
  seedImages,
} from '../../ecr/image-fixtures.js';
import { createBucket, servers, uniqueName } from '../../support/servers.js';

/** An in-memory registry catalog (the registry side is covered by the ECR engine tests). */
function catalog(repos: Record<string, string[]>, failOn?: string): () => RegistryCatalog {
  return () => ({
    async *repositories() {
      if (failOn === '*') throw new Error('registry answered HTTP 500 to the catalog');
      yield* Object.keys(repos);
    },
    async tags(repository) {
      if (repository === failOn) throw new Error(`${repository}: registry answered HTTP 500`);
      return repos[repository] ?? [];
    },
  });
}

/** Both registries as the lister resolves them: the open one as source, the htpasswd one (login from a secret) as destination. */
async function realRegistries(extra: Record<string, string> = {}) {
  return resolveRegistries(
    parseEcrTaskParams({
      sourceType: 'Public',
      srcRegistry: servers.registryOpen,
      destRegistry: servers.registryAuth,
      destCredential: 'registry',
      insecure: 'true',
      srcImageList: 'x',
      ...extra,
    }),
    { secrets: new FileSecretStore(registrySecrets()), logger: silentLogger },
  );
}

async function setup() {
  const client = localDynamoClient();
  const tableName = uniqueName('images');
  await ensureStatusTable(client, tableName);
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({ taskId: 't1' }, { write: (l) => lines.push(JSON.parse(l) as Record<string, unknown>) });
  return { status: new DynamoStatusStore({ client, tableName }), lines, logger };
}

const params = (raw: Record<string, string>) =>
  parseEcrTaskParams({ sourceType: 'Public', srcRegistry: 'registry.example', destRegistry: 'dest.example', ...raw });

describe('listTaskImages (dynalite status table)', () => {
  it('expands ALL_TAGS, records each image to copy PENDING (a DONE one too: it is copied again), and logs finder.done with the count', async () => {
    const { status, lines, logger } = await setup();
    await status.put({ key: 'app:v1', size: 0, status: 'DONE', attempts: 1, verified: true });
    const out = await listTaskImages({
      params: params({ srcList: 'SELECTED', srcImageList: 'app:ALL_TAGS,base:3.20' }),
      catalogFor: catalog({ app: ['v1', 'v2'] }),
      status,
      logger,
    });
    expect(out.images).toEqual([{ image: 'app:v1' }, { image: 'app:v2' }, { image: 'base:3.20' }]);
    // Listed to be copied again (no digest to compare here): not done until its copy task says so. Before, it stayed
    // DONE, and a copy task that then failed before writing left the pass DONE with the destination's old image.
    expect((await status.get('app:v1'))?.status).toBe('PENDING');
    expect((await status.get('app:v2'))?.status).toBe('PENDING');
    expect((await status.get('base:3.20'))?.status).toBe('PENDING');
    expect(await status.summary()).toMatchObject({ total: 3, done: 0, pending: 3 });
    expect(lines.map((l) => l.event)).toEqual(['finder.done']);
    expect(lines[0]).toMatchObject({ images: 3, taskId: 't1' });
  });

  it("leaves out images whose destination digest equals the source's: SKIPPED (or kept DONE), no copy task for them", async () => {
    const { status, lines, logger } = await setup();
    const { repository: mirrored } = seedImages();
    copyToAuthRegistry(mirrored);
    const { repository: fresh } = seedImages();
    await status.put({ key: `${mirrored}:multi`, size: 0, status: 'DONE', attempts: 1, verified: true });
    const registries = await realRegistries();
    const out = await listTaskImages({
      params: params({
        srcList: 'SELECTED',
        srcImageList: `${mirrored}:v1,${mirrored}:multi,${fresh}:v1,${fresh}:nope`,
      }),
      catalogFor: catalog({}),
      status,
      logger,
      registries,
    });
    // A tag the source lacks is not "unchanged": its copy task reports it.
    expect(out.images).toEqual([{ image: `${fresh}:v1` }, { image: `${fresh}:nope` }]);
    const skipped = await status.get(`${mirrored}:v1`);
    expect(skipped).toMatchObject({
      status: 'SKIPPED',
      verified: true,
      error: 'unchanged: destination has the same digest',
    });
    expect(skipped?.checksum).toBe(await registries.source.client.manifestDigest(mirrored, 'v1'));
    expect((await status.get(`${mirrored}:multi`))?.status).toBe('DONE');
    expect((await status.get(`${fresh}:v1`))?.status).toBe('PENDING');
    expect(lines.at(-1)).toMatchObject({ event: 'finder.done', images: 2, unchanged: 2 });

    // The destination loses a child manifest of the multi-arch index (same index digest): listed to be copied again.
    await deleteAuthManifest(mirrored, platformDigest(`${mirrored}:multi`, 'amd64'));
    const { status: status3, logger: logger3 } = await setup();
    const relisted = await listTaskImages({
      params: params({ srcList: 'SELECTED', srcImageList: `${mirrored}:v1,${mirrored}:multi` }),
      catalogFor: catalog({}),
      status: status3,
      logger: logger3,
      registries,
    });
    expect(relisted.images).toEqual([{ image: `${mirrored}:multi` }]);

    // The same list with the destination unreachable: nothing can be told unchanged, everything not DONE is listed.
    const { status: status2, logger: logger2 } = await setup();
    const unreachable = await realRegistries({ destRegistry: '127.0.0.1:1', destCredential: '' });
    const all = await listTaskImages({
      params: params({ srcList: 'SELECTED', srcImageList: `${mirrored}:v1,${fresh}:v1` }),
      catalogFor: catalog({}),
      status: status2,
      logger: logger2,
      registries: unreachable,
    });
    expect(all.images).toEqual([{ image: `${mirrored}:v1` }, { image: `${fresh}:v1` }]);
  });

  it("with ALL into a prefix of the source registry itself, leaves the copies' repositories out of the list", async () => {
    const { status, lines, logger } = await setup();
    // One registry on both sides; digests cannot be read (the fake answers nothing), so nothing is "unchanged".
    const unreadable = async () => {
      throw new Error('no digest');
    };
    const side = {
      endpoint: { registry: '123456789012.dkr.ecr.eu-west-1.amazonaws.com' },
      client: { manifestDigest: unreadable },
    };
    const registries = { sourceFor: () => side, dest: side } as unknown as Parameters<
      typeof listTaskImages
    >[0]['registries'];
    const ecrParams = parseEcrTaskParams({
      sourceType: 'Amazon_ECR',
      srcRegion: 'eu-west-1',
      destRegion: 'eu-west-1',
      destPrefix: 'snap',
    });
    const out = await listTaskImages({
      params: ecrParams,
      catalogFor: catalog({ app: ['v1'], 'snap/app': ['v1'], 'snapshots/db': ['v2'] }),
      status,
      logger,
      registries,
    });
    expect(out.images).toEqual([{ image: 'app:v1' }, { image: 'snapshots/db:v2' }]);
    expect(lines.find((l) => l.event === 'image.own_copy_left_out')).toMatchObject({ repository: 'snap/app' });
  });

  it('publishes the list as one JSON array object for the Distributed Map (no state size limit: 6,000 images)', async () => {
    const bucket = await createBucket(servers.s3Dest, 'image-lists');
    const store = new S3ObjectStore({
      bucket,
      region: 'us-east-1',
      endpoint: servers.s3Dest,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
    const images = Array.from({ length: 6000 }, (_, i) => ({ image: `team/service-${i}:release-2026.11.${i}` }));
    const out = await publishImageList(store, 'image-lists/exec-1.json', { images });
    expect(out).toEqual({ listBucket: bucket, listKey: 'image-lists/exec-1.json', count: 6000 });
    const opened = await store.open('image-lists/exec-1.json');
    const chunks: Buffer[] = [];
    for await (const c of opened!.body) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    expect(body.length).toBeGreaterThan(256 * 1024);
    expect(JSON.parse(body.toString('utf8'))).toEqual(images);
    expect(opened!.head.contentType).toBe('application/json');
  });

  it('lists every repository and tag for ALL', async () => {
    const { status, logger } = await setup();
    const out = await listTaskImages({
      params: params({ sourceType: 'Amazon_ECR', srcRegion: 'us-east-1', srcList: 'ALL' }),
      catalogFor: catalog({ a: ['1'], b: ['x', 'y'] }),
      status,
      logger,
    });
    expect(out.images.map((i) => i.image)).toEqual(['a:1', 'b:x', 'b:y']);
  });

  it('records a repository whose tags cannot be listed as its own FAILED entry and lists the rest; logs finder.failed and rethrows when the catalogue itself fails', async () => {
    const { status, lines, logger } = await setup();
    const out = await listTaskImages({
      params: params({ sourceType: 'Amazon_ECR', srcRegion: 'us-east-1', srcList: 'ALL' }),
      catalogFor: catalog({ a: ['1'], bad: ['2'], c: ['3'] }, 'bad'),
      status,
      logger,
    });
    expect(out.images).toEqual([{ image: 'a:1' }, { image: 'c:3' }]);
    const bad = await status.get('bad:ALL_TAGS');
    expect(bad).toMatchObject({ status: 'FAILED' });
    expect(bad?.error).toContain('bad: registry answered HTTP 500');
    expect(lines.at(-1)).toMatchObject({ event: 'finder.done', images: 2, failed: 1 });

    const broken = await setup();
    await expect(
      listTaskImages({
        params: params({ sourceType: 'Amazon_ECR', srcRegion: 'us-east-1', srcList: 'ALL' }),
        catalogFor: catalog({}, '*'),
        status: broken.status,
        logger: broken.logger,
      }),
    ).rejects.toThrow('HTTP 500 to the catalog');
    expect(broken.lines.map((l) => l.event)).toEqual(['finder.failed']);
  });

  it("settles what a whole listing no longer names (a deleted tag, a repository now listed) SKIPPED in the task's counts; a repository it could not list keeps its records", async () => {
    const { status, lines, logger } = await setup();
    const run = (repos: Record<string, string[]>, failOn?: string) =>
      listTaskImages({
        params: params({ sourceType: 'Amazon_ECR', srcRegion: 'us-east-1', srcList: 'ALL' }),
        catalogFor: catalog(repos, failOn),
        status,
        logger,
      });
    // Pass 1: `b` cannot be listed; an old failure of a:gone (a tag deleted since) and of b:9 are on the table.
    await status.put({ key: 'a:gone', size: 7, status: 'FAILED', attempts: 3, error: 'copy failed' });
    await status.put({ key: 'b:9', size: 0, status: 'FAILED', attempts: 3, error: 'copy failed' });
    await run({ a: ['1'], b: ['9'] }, 'b');
    expect(await status.get('a:gone')).toMatchObject({ status: 'SKIPPED', error: UNLISTED_REASON, size: 0 });
    expect(await status.get('b:9')).toMatchObject({ status: 'FAILED' });
    expect(await status.summary()).toMatchObject({ total: 4, pending: 1, failed: 2, skipped: 1, bytesTotal: 0 });
    expect(lines.at(-1)).toMatchObject({ event: 'finder.done', images: 1, failed: 1, unlisted: 1 });
    // Pass 2: `b` lists again (its tag 9 is gone, 10 is new): its entry's failure and its old tag are settled.
    await run({ a: ['1'], b: ['10'] });
    expect(await status.get('b:ALL_TAGS')).toMatchObject({ status: 'SKIPPED', error: UNLISTED_REASON });
    expect(await status.get('b:9')).toMatchObject({ status: 'SKIPPED', error: UNLISTED_REASON });
    expect(await status.summary()).toMatchObject({ total: 5, pending: 2, failed: 0, skipped: 3 });
    expect(lines.at(-1)).toMatchObject({ event: 'finder.done', images: 2, failed: 0, unlisted: 2 });
  });

  it("with includeUntagged=false compares the copy task's platform image: an arm64 copy at the destination is unchanged for an arm64 copy task", async () => {
    const { status, logger } = await setup();
    const { repository } = seedImages();
    const arm64 = platformDigest(`${repository}:multi`, 'arm64');
    // The destination holds only the arm64 image under the tag (what an arm64 copy task writes without --all).
    const { execFileSync } = await import('node:child_process');
    execFileSync(
      'skopeo',
      [
        'copy',
        '--override-arch',
        'arm64',
        '--preserve-digests',
        '--src-tls-verify=false',
        '--dest-tls-verify=false',
        '--dest-creds',
        `${servers.registryUser}:${servers.registryPassword}`,
        `docker://${servers.registryOpen}/${repository}:multi`,
        `docker://${servers.registryAuth}/${repository}:multi`,
      ],
      { stdio: 'pipe' },
    );
    const registries = await realRegistries();
    const p = params({ srcList: 'SELECTED', srcImageList: `${repository}:multi`, includeUntagged: 'false' });
    const onArm = await listTaskImages({
      params: p,
      catalogFor: catalog({}),
      status,
      logger,
      registries,
      platform: { os: 'linux', architecture: 'arm64' },
    });
    expect(onArm.images).toEqual([]);
    expect(await status.get(`${repository}:multi`)).toMatchObject({ status: 'SKIPPED', checksum: arm64 });
    const onAmd = await listTaskImages({
      params: p,
      catalogFor: catalog({}),
      status,
      logger,
      registries,
      platform: { os: 'linux', architecture: 'amd64' },
    });
    expect(onAmd.images).toEqual([{ image: `${repository}:multi` }]);
  });
});
