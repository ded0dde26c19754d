import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { servers } from '../../support/servers.js';
import { imageBytes, registryDigest, seedImages } from '../../ecr/image-fixtures.js';
import { startRegistryFront } from '../../ecr/registry-front.js';
import {
  CREATE,
  createTaskId,
  newDataDir,
  params,
  startHubProcess,
  waitForTask,
  type HubProcess,
} from './hub-process.js';

let hub: HubProcess | undefined;
afterAll(async () => {
  await hub?.stop();
});

/** A hub data directory whose secrets hold the login of the authenticated test registry as `registry`. */
function dataDirWithRegistryLogin(): string {
  const dataDir = newDataDir();
  const secretsPath = join(dataDir, 'secrets.json');
  const secrets = JSON.parse(readFileSync(secretsPath, 'utf8'));
  secrets.registry = { username: servers.registryUser, password: servers.registryPassword };
  writeFileSync(secretsPath, JSON.stringify(secrets), { mode: 0o600 });
  return dataDir;
}

/** createTask of a ONE_TIME image task from an open registry to the authenticated one, under `destPrefix`; its id. */
async function createImageTask(on: HubProcess, srcRegistry: string, images: string[], destPrefix: string) {
  return createTaskId(on, 'ECR', {
    sourceType: 'Public',
    srcRegistry,
    srcImageList: images.join('\n'),
    destRegistry: servers.registryAuth,
    destCredential: 'registry',
    destPrefix,
    insecure: 'true',
  });
}

describe('dth serve: image task through GraphQL', () => {
  it('estimates an ECR task, creates it between two registries, copies what it can and estimates it again', async () => {
    const { repository } = seedImages();
    hub = await startHubProcess(dataDirWithRegistryLogin());
    const parameters = params({
      sourceType: 'Public',
      srcRegistry: servers.registryOpen,
      srcImageList: `${repository}:v1\n${repository}:multi\n${repository}:absent`,
      destRegistry: servers.registryAuth,
      destCredential: 'registry',
      destPrefix: 'hub',
      insecure: 'true',
    });
    // The dry run first: two images to copy (their bytes as their manifests state them), one that does not exist.
    const estimate = () =>
      hub!.gql(
        `query($p: [TaskParameterInput]!) {
          estimateTask(type: ECR, parameters: $p) { scanned objects bytes unchanged unreadable unreadableImages { image error } estimatedRequestCostUsd complete }
        }`,
        { p: parameters },
      );
    const before = (await estimate()).body.data.estimateTask;
    expect(before).toEqual({
      scanned: 3,
      objects: 2,
      bytes: imageBytes(`${repository}:v1`) + imageBytes(`${repository}:multi`),
      unchanged: 0,
      unreadable: 1,
      // Named, with its reason, so the list can be mended before the task is created.
      unreadableImages: [
        {
          image: `${repository}:absent`,
          error: `source image ${servers.registryOpen}/${repository}:absent does not exist`,
        },
      ],
      estimatedRequestCostUsd: null,
      complete: true,
    });
    // A registry that cannot be reached is the error of its parameter (before: InternalError, no errorInfo).
    const unreachable = await hub.gql(
      `query($p: [TaskParameterInput]!) { estimateTask(type: ECR, parameters: $p) { objects } }`,
      { p: parameters.map((p) => (p.ParameterKey === 'srcRegistry' ? { ...p, ParameterValue: '127.0.0.1:1' } : p)) },
    );
    expect(unreachable.body.errors?.[0]).toMatchObject({
      errorType: 'RegistryUnavailableError',
      errorInfo: { field: 'srcRegistry', code: 'REGISTRY_UNAVAILABLE' },
      message: expect.stringMatching(/^Source registry \(srcRegistry\): 127\.0\.0\.1:1: cannot reach/),
    });
    const created = await hub.gql(CREATE, {
      input: { type: 'ECR', scheduleType: 'ONE_TIME', parameters },
    });
    const id = created.body.data.createTask.id;
    const done = await waitForTask(hub, id, (t) => t.progress === 'DONE' || t.progress === 'ERROR');
    expect(done.progress, JSON.stringify(done)).toBe('ERROR');
    expect(done.progressInfo).toMatchObject({ total: 3, replicated: 2, failed: 1 });
    expect((await estimate()).body.data.estimateTask).toMatchObject({
      objects: 0,
      bytes: 0,
      unchanged: 2,
      unreadable: 1,
    });
    const auth = `${servers.registryUser}:${servers.registryPassword}`;
    expect(registryDigest(servers.registryAuth, `hub/${repository}:multi`, auth)).toBe(
      registryDigest(servers.registryOpen, `${repository}:multi`),
    );
    expect(JSON.stringify(created.body) + hub.output()).not.toContain(servers.registryPassword);
  });
  it('stopping an image task leaves the image under way pending, not failed', async () => {
    const { repository: fast } = seedImages();
    const { repository: slow } = seedImages();
    const front = await startRegistryFront({ upstream: servers.registryOpen, mode: 'holds-manifests', held: [slow] });
    try {
      const id = await createImageTask(hub!, front.registry, [`${fast}:v1`, `${slow}:v1`], 'hub-stop');
      await waitForTask(hub!, id, (t) => t.progressInfo?.replicated === 1);
      await hub!.gql('mutation($id: String) { stopTask(id: $id) { id } }', { id });
      const stopped = await waitForTask(hub!, id, (t) => t.progress === 'STOPPED');
      expect(stopped.progressInfo).toMatchObject({ replicated: 1, failed: 0 });
      const failed = await hub!.gql('query($id: ID!) { listTaskObjects(id: $id, status: FAILED) { key error } }', {
        id,
      });
      expect(failed.body.data.listTaskObjects).toEqual([]);
      const pending = await hub!.gql('query($id: ID!) { listTaskObjects(id: $id, status: PENDING) { key } }', { id });
      expect(pending.body.data.listTaskObjects).toEqual([{ key: `${slow}:v1` }]);
    } finally {
      await front.close();
    }
  });

  it('a hub killed (SIGKILL) in the middle of an image task resumes it at its next start and counts every image once', async () => {
    const { repository: fast } = seedImages();
    const { repository: slow } = seedImages();
    const held = [slow];
    const front = await startRegistryFront({ upstream: servers.registryOpen, mode: 'holds-manifests', held });
    const dataDir = dataDirWithRegistryLogin();
    let killed: HubProcess | undefined = await startHubProcess(dataDir);
    let resumed: HubProcess | undefined;
    try {
      const id = await createImageTask(killed, front.registry, [`${fast}:v1`, `${slow}:v1`], 'hub-killed');
      await waitForTask(killed, id, (t) => t.progressInfo?.replicated === 1);
      await killed.stop('SIGKILL');
      killed = undefined;
      held.length = 0; // the registry answers again
      resumed = await startHubProcess(dataDir);
      const done = await waitForTask(resumed, id, (t) => t.progress === 'DONE' || t.progress === 'ERROR');
      expect(done.progress, JSON.stringify(done)).toBe('DONE');
      expect(done.progressInfo).toMatchObject({ total: 2, replicated: 2, failed: 0 });
      const auth = `${servers.registryUser}:${servers.registryPassword}`;
      for (const repository of [fast, slow])
        expect(registryDigest(servers.registryAuth, `hub-killed/${repository}:v1`, auth)).toBe(
          registryDigest(servers.registryOpen, `${repository}:v1`),
        );
    } finally {
      await killed?.stop('SIGKILL');
      await resumed?.stop();
      await front.close();
    }
  }, 120_000);
});
