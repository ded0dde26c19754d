import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { servers } from '../../support/servers.js';
import { registryDigest, seedImages } from '../../ecr/image-fixtures.js';
import { CREATE, newDataDir, params, startHubProcess, waitForTask, type HubProcess } from './hub-process.js';

let hub: HubProcess | undefined;
afterAll(async () => {
  await hub?.stop();
});

describe('dth serve: image task through GraphQL', () => {
  it('creates an ECR task between two registries and reaches DONE', async () => {
    const { repository } = seedImages();
    const dataDir = newDataDir();
    const secretsPath = join(dataDir, 'secrets.json');
    const secrets = JSON.parse(readFileSync(secretsPath, 'utf8'));
    secrets.registry = { username: servers.registryUser, password: servers.registryPassword };
    writeFileSync(secretsPath, JSON.stringify(secrets), { mode: 0o600 });
    hub = await startHubProcess(dataDir);
    const created = await hub.gql(CREATE, {
      input: {
        type: 'ECR',
        scheduleType: 'ONE_TIME',
        parameters: params({
          sourceType: 'Public',
          srcRegistry: servers.registryOpen,
          srcImageList: `${repository}:v1\n${repository}:multi`,
          destRegistry: servers.registryAuth,
          destCredential: 'registry',
          destPrefix: 'hub',
          insecure: 'true',
        }),
      },
    });
    const id = created.body.data.createTask.id;
    const done = await waitForTask(hub, id, (t) => t.progress === 'DONE' || t.progress === 'ERROR');
    expect(done.progress, JSON.stringify(done)).toBe('DONE');
    expect(done.progressInfo).toMatchObject({ total: 2, replicated: 2, failed: 0 });
    const auth = `${servers.registryUser}:${servers.registryPassword}`;
    expect(registryDigest(servers.registryAuth, `hub/${repository}:multi`, auth)).toBe(
      registryDigest(servers.registryOpen, `${repository}:multi`),
    );
    expect(JSON.stringify(created.body) + hub.output()).not.toContain(servers.registryPassword);
  });
});
