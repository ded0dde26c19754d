/** The ECR plugin's lister step on a real status table (dynalite): expansion, PENDING records, finder log events. */
import { describe, expect, it } from 'vitest';
import { listTaskImages } from '../../lambda/aws/image-lister.js';
import { DynamoStatusStore, ensureStatusTable } from '../../worker/adapters/aws/index.js';
import { createLogger } from '../../worker/core/log.js';
import type { RegistryCatalog } from '../../worker/ecr/catalog.js';
import { parseEcrTaskParams } from '../../worker/ecr/params.js';
import { localDynamoClient } from '../adapters/aws/clients.js';
import { uniqueName } from '../support/servers.js';

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
