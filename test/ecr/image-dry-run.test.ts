/**
 * `dth ecr sync --dry-run` (planImageSync): what a run would copy, leave or fail, from the real registries' digests —
 * and nothing written: no copy, no repository, no skopeo process, no status record.
 */
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileSecretStore } from '../../worker/adapters/embedded/index.js';
import { silentLogger } from '../../worker/core/log.js';
import { parseEcrTaskParams } from '../../worker/ecr/params.js';
import { planImageSync } from '../../worker/ecr/plan-image-sync.js';
import { runCli } from '../reliability/helpers.js';
import { servers, uniqueName } from '../support/servers.js';
import {
  copyToAuthRegistry,
  countingSkopeo,
  imageBytes,
  publicTaskParams,
  registrySecrets,
  seedImages,
} from './image-fixtures.js';
import { startRegistryFront } from './registry-front.js';

const auth = `${servers.registryUser}:${servers.registryPassword}`;

/** Whether the authenticated registry holds the image (skopeo, independent of the engine). */
function atDestination(ref: string): boolean {
  return (
    spawnSync('skopeo', [
      'inspect',
      '--raw',
      '--tls-verify=false',
      '--creds',
      auth,
      `docker://${servers.registryAuth}/${ref}`,
    ]).status === 0
  );
}

describe('image sync dry run', () => {
  it('says which images it would copy (with their bytes), which are unchanged and which cannot be read, copying nothing', async () => {
    const { repository: copied } = seedImages();
    copyToAuthRegistry(copied);
    const { repository: fresh } = seedImages();
    const missing = uniqueName('missing');
    const params = parseEcrTaskParams(
      publicTaskParams({
        srcImageList: `${copied}:ALL_TAGS\n${fresh}:v1\n${missing}/app:v1\n${missing}/gone:ALL_TAGS`,
      }),
    );
    const counted = countingSkopeo();
    const plan = await planImageSync({
      params,
      secrets: new FileSecretStore(registrySecrets()),
      logger: silentLogger,
      skopeo: counted.skopeo,
    });
    // In the list's order; the tags of ALL_TAGS in the registry's.
    expect(plan.images.slice(0, 2).map(({ image, action }) => [image, action])).toEqual(
      expect.arrayContaining([
        [`${copied}:multi`, 'unchanged'],
        [`${copied}:v1`, 'unchanged'],
      ]),
    );
    expect(plan.images.slice(2).map(({ image, action }) => [image, action])).toEqual([
      [`${fresh}:v1`, 'copy'],
      [`${missing}/app:v1`, 'error'],
      [`${missing}/gone:ALL_TAGS`, 'error'],
    ]);
    expect(plan.images[2]).toMatchObject({
      dest: `${servers.registryAuth}/${fresh}:v1`,
      bytes: imageBytes(`${fresh}:v1`),
    });
    expect(plan.images[3].error).toMatch(/does not exist/);
    expect(plan.images[4].error).toMatch(/could not be listed/);
    expect(plan).toMatchObject({ toCopy: 1, unchanged: 2, errors: 2, bytesToCopy: imageBytes(`${fresh}:v1`) });
    // Nothing written, and no process started (digests over HTTP).
    expect(atDestination(`${fresh}:v1`)).toBe(false);
    expect(counted.calls()).toEqual([]);
  });

  it('stopped by its signal (the API time limit), says it is partial and counts the unanswered image nowhere', async () => {
    const { repository: fast } = seedImages();
    const { repository: slow } = seedImages();
    // The source registry behind a front that never answers for the slow repository's manifests.
    const front = await startRegistryFront({ upstream: servers.registryOpen, mode: 'holds-manifests', held: [slow] });
    try {
      const params = parseEcrTaskParams(
        publicTaskParams({
          srcRegistry: front.registry,
          srcImageList: `${fast}:v1\n${slow}:v1`,
        }),
      );
      const plan = await planImageSync({
        params,
        secrets: new FileSecretStore(registrySecrets()),
        logger: silentLogger,
        signal: AbortSignal.timeout(3000),
      });
      expect(plan).toMatchObject({ complete: false, toCopy: 1, errors: 0 });
      expect(plan.images.map((p) => p.image)).toEqual([`${fast}:v1`]);
    } finally {
      await front.close();
    }
  });

  it('counts a source that answers web pages for every path as unreadable, not as an image to copy', async () => {
    // A web server (a sign-in page, a default site) answering 200 HTML to /v2/ and to every manifest read.
    const site = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(req.method === 'HEAD' ? undefined : '<html><body>Sign in</body></html>');
    });
    await new Promise<void>((ok) => site.listen(0, '127.0.0.1', ok));
    try {
      const registry = `127.0.0.1:${(site.address() as AddressInfo).port}`;
      const plan = await planImageSync({
        params: parseEcrTaskParams(publicTaskParams({ srcRegistry: registry, srcImageList: 'team/app:v1' })),
        secrets: new FileSecretStore(registrySecrets()),
        logger: silentLogger,
      });
      expect(plan).toMatchObject({ toCopy: 0, errors: 1 });
      expect(plan.images[0]).toMatchObject({
        action: 'error',
        error: `${registry}: team/app:v1 answered something that is not an image manifest (no JSON with a schemaVersion)`,
      });
    } finally {
      site.close();
    }
  });

  it('is a CLI flag: the plan as JSON, exit 1 when an image cannot be read, no state file written', async () => {
    const { repository } = seedImages();
    const dir = mkdtempSync(join(tmpdir(), 'dth-image-plan-'));
    const params = join(dir, 'task.json');
    writeFileSync(params, JSON.stringify(publicTaskParams()));
    const state = join(dir, 'images.db');
    const counted = countingSkopeo();
    const run = (list: string) =>
      runCli(
        [
          'ecr',
          'sync',
          '--params',
          params,
          '--src-image-list',
          list,
          '--secrets',
          registrySecrets(),
          '--state',
          state,
          '--dry-run',
          '--json',
        ],
        { env: { ...process.env, PATH: `${dirname(counted.wrapper)}:${process.env.PATH}` } },
      );
    const good = await run(`${repository}:v1`);
    expect(good.code).toBe(0);
    expect(JSON.parse(good.stdout.trim())).toMatchObject({ event: 'plan', toCopy: 1, unchanged: 0, errors: 0 });
    const bad = await run(`${repository}:v1,${repository}:nope`);
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.stdout.trim())).toMatchObject({ toCopy: 1, errors: 1 });
    expect(existsSync(state)).toBe(false);
    expect(counted.calls()).toEqual([]);
    expect(atDestination(`${repository}:v1`)).toBe(false);
  });
});
