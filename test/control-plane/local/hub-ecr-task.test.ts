import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { servers } from '../../support/servers.js';
import { imageBytes, registryDigest, seedImages } from '../../ecr/image-fixtures.js';
import { startRegistryFront } from '../../ecr/registry-front.js';
import { CREATE, newDataDir, params, startHubProcess, waitForTask, type HubProcess } from './hub-process.js';

let hub: HubProcess | undefined;
afterAll(async () => {
  await hub?.stop();
});

describe('dth serve: image task through GraphQL', () => {
  it('estimates an ECR task, creates it between two registries, copies what it can and estimates it again', async () => {
    const { repository } = seedImages();
    const dataDir = newDataDir();
    const secretsPath = join(dataDir, 'secrets.json');
    const secrets = JSON.parse(readFileSync(secretsPath, 'utf8'));
    secrets.registry = { username: servers.registryUser, password: servers.registryPassword };
    writeFileSync(secretsPath, JSON.stringify(secrets), { mode: 0o600 });
    hub = await startHubProcess(dataDir);
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
      const created = await hub!.gql(CREATE, {
        input: {
          type: 'ECR',
          scheduleType: 'ONE_TIME',
          parameters: params({
            sourceType: 'Public',
            srcRegistry: front.registry,
            srcImageList: `${fast}:v1\n${slow}:v1`,
            destRegistry: servers.registryAuth,
            destCredential: 'registry',
            destPrefix: 'hub-stop',
            insecure: 'true',
          }),
        },
      });
      const id = created.body.data.createTask.id;
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
});
