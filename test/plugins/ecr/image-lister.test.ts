/**
 * The ECR plugin's lister step on a real status table (dynalite): expansion, PENDING records, finder log events, and
 * leaving out images the destination registry already holds (real registries, digests over the registry API).
 */
import { describe, expect, it } from 'vitest';
import { listTaskImages, publishImageList } from '../../../plugins/ecr/runtime/image-lister.js';
import { S3ObjectStore } from '../../../worker/adapters/s3/s3-object-store.js';
import { DynamoStatusStore, ensureStatusTable } from '../../../worker/adapters/aws/index.js';
import { createLogger } from '../../../worker/core/log.js';
import type { RegistryCatalog } from '../../../worker/ecr/catalog.js';
import { parseEcrTaskParams } from '../../../worker/ecr/params.js';
import { localDynamoClient } from '../../adapters/aws/clients.js';
import { RegistryClient } from '../../../worker/ecr/registry-client.js';
import { copyToAuthRegistry, seedImages } from '../../ecr/image-fixtures.js';
import { createBucket, servers, uniqueName } from '../../support/servers.js';

/** An in-memory registry catalog (the registry side is covered by the ECR engine tests). */
function catalog(repos: Record<string, string[]>, failOn?: string): RegistryCatalog {
  return {
    async *repositories() { yield* Object.keys(repos); },
    async tags(repository) {
      if (repository === failOn) throw new Error(`${repository}: registry answered HTTP 500`);
      return repos[repository] ?? [];
    },
  };
}

async function setup() {
  const client = localDynamoClient();
  const tableName = uniqueName('images');
  await ensureStatusTable(client, tableName);
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({ taskId: 't1' }, { write: (l) => lines.push(JSON.parse(l) as Record<string, unknown>) });
  return { status: new DynamoStatusStore({ client, tableName }), lines, logger };
}

const params = (raw: Record<string, string>) => parseEcrTaskParams({ sourceType: 'Public', srcRegistry: 'registry.example', destRegistry: 'dest.example', ...raw });

describe('listTaskImages (dynalite status table)', () => {
  it('expands ALL_TAGS, records each image PENDING, keeps DONE images DONE, and logs finder.done with the count', async () => {
    const { status, lines, logger } = await setup();
    await status.put({ key: 'app:v1', size: 0, status: 'DONE', attempts: 1, verified: true });
    const out = await listTaskImages({
      params: params({ srcList: 'SELECTED', srcImageList: 'app:ALL_TAGS,base:3.20' }),
      catalog: catalog({ app: ['v1', 'v2'] }), status, logger,
    });
    expect(out.images).toEqual([{ image: 'app:v1' }, { image: 'app:v2' }, { image: 'base:3.20' }]);
    expect((await status.get('app:v1'))?.status).toBe('DONE');
    expect((await status.get('app:v2'))?.status).toBe('PENDING');
    expect((await status.get('base:3.20'))?.status).toBe('PENDING');
    expect(await status.summary()).toMatchObject({ total: 3, done: 1 });
    expect(lines.map((l) => l.event)).toEqual(['finder.done']);
    expect(lines[0]).toMatchObject({ images: 3, taskId: 't1' });
  });

  it('leaves out images whose destination digest equals the source\'s: SKIPPED (or kept DONE), no copy task for them', async () => {
    const { status, lines, logger } = await setup();
    const { repository: mirrored } = seedImages();
    copyToAuthRegistry(mirrored);
    const { repository: fresh } = seedImages();
    await status.put({ key: `${mirrored}:multi`, size: 0, status: 'DONE', attempts: 1, verified: true });
    const registries = {
      source: new RegistryClient({ registry: servers.registryOpen, insecure: true }),
      dest: new RegistryClient({ registry: servers.registryAuth, insecure: true, login: { username: servers.registryUser, password: servers.registryPassword } }),
    };
    const out = await listTaskImages({
      params: params({ srcList: 'SELECTED', srcImageList: `${mirrored}:v1,${mirrored}:multi,${fresh}:v1,${fresh}:nope` }),
      catalog: catalog({}), status, logger, registries,
    });
    // A tag the source lacks is not "unchanged": its copy task reports it.
    expect(out.images).toEqual([{ image: `${fresh}:v1` }, { image: `${fresh}:nope` }]);
    const skipped = await status.get(`${mirrored}:v1`);
    expect(skipped).toMatchObject({ status: 'SKIPPED', verified: true, error: 'unchanged: destination has the same digest' });
    expect(skipped?.checksum).toBe(await registries.source.manifestDigest(mirrored, 'v1'));
    expect((await status.get(`${mirrored}:multi`))?.status).toBe('DONE');
    expect((await status.get(`${fresh}:v1`))?.status).toBe('PENDING');
    expect(lines.at(-1)).toMatchObject({ event: 'finder.done', images: 2, unchanged: 2 });

    // The same list with the destination unreachable: nothing can be told unchanged, everything not DONE is listed.
    const { status: status2, logger: logger2 } = await setup();
    const unreachable = { ...registries, dest: new RegistryClient({ registry: '127.0.0.1:1', insecure: true }) };
    const all = await listTaskImages({ params: params({ srcList: 'SELECTED', srcImageList: `${mirrored}:v1,${fresh}:v1` }), catalog: catalog({}), status: status2, logger: logger2, registries: unreachable });
    expect(all.images).toEqual([{ image: `${mirrored}:v1` }, { image: `${fresh}:v1` }]);
  });

  it('publishes the list as one JSON array object for the Distributed Map (no state size limit: 6,000 images)', async () => {
    const bucket = await createBucket(servers.s3Dest, 'image-lists');
    const store = new S3ObjectStore({ bucket, region: 'us-east-1', endpoint: servers.s3Dest, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
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
    const out = await listTaskImages({ params: params({ sourceType: 'Amazon_ECR', srcRegion: 'us-east-1', srcList: 'ALL' }), catalog: catalog({ a: ['1'], b: ['x', 'y'] }), status, logger });
    expect(out.images.map((i) => i.image)).toEqual(['a:1', 'b:x', 'b:y']);
  });

  it('logs finder.failed with the cause and rethrows when the registry fails', async () => {
    const { status, lines, logger } = await setup();
    await expect(listTaskImages({ params: params({ sourceType: 'Amazon_ECR', srcRegion: 'us-east-1', srcList: 'ALL' }), catalog: catalog({ a: ['1'], bad: ['2'] }, 'bad'), status, logger }))
      .rejects.toThrow('HTTP 500');
    expect(lines.map((l) => l.event)).toEqual(['finder.failed']);
    expect(String(lines[0].error)).toContain('bad: registry answered HTTP 500');
  });
});
