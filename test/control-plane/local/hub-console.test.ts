import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../worker/core/log.js';
import { startHub, type RunningHub } from '../../../control-plane/local/hub.js';
import { findRepoPath } from '../../../control-plane/local/repo-files.js';

let hub: RunningHub;
const token = 'console-test-token';

beforeAll(async () => {
  const root = mkdtempSync(join(tmpdir(), 'dth-console-'));
  const consoleDir = join(root, 'dist');
  mkdirSync(join(consoleDir, 'assets'), { recursive: true });
  writeFileSync(join(consoleDir, 'index.html'), '<!doctype html><div id="root">console</div>');
  writeFileSync(join(consoleDir, 'assets', 'app.js'), 'console.log("app")');
  writeFileSync(join(root, 'outside.txt'), 'must not be served');
  mkdirSync(join(root, 'dist-other'));
  writeFileSync(join(root, 'dist-other', 'secret.txt'), 'must not be served');
  hub = await startHub({
    dataDir: root,
    port: 0,
    token,
    consoleDir,
    logger: createLogger({ role: 'test' }, { write: () => {} }),
  });
});
afterAll(async () => {
  await hub?.close();
});

/** Raw GET (fetch would normalise `..` away). */
function rawGet(path: string): Promise<{ status: number; type?: string; body: string }> {
  const { hostname, port } = new URL(hub.url);
  return new Promise((ok, fail) => {
    request({ host: hostname, port, path }, (res) => {
      let body = '';
      res.on('data', (d) => {
        body += d;
      });
      res.on('end', () => ok({ status: res.statusCode!, type: res.headers['content-type'], body }));
    })
      .on('error', fail)
      .end();
  });
}

describe('dth serve: console and config (in-process hub on port 0)', () => {
  it('serves the built console with a single-page-app fallback and tells it that it runs locally', async () => {
    expect(hub.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const index = await rawGet('/');
    expect(index).toMatchObject({ status: 200, type: 'text/html; charset=utf-8' });
    expect(index.body).toContain('console');
    expect(await rawGet('/assets/app.js')).toMatchObject({
      status: 200,
      type: 'text/javascript',
      body: 'console.log("app")',
    });
    expect((await rawGet('/tasks/123/details')).body).toContain('console'); // client-side route
    expect(JSON.parse((await rawGet('/config.json')).body)).toEqual({ authType: 'LOCAL', apiUrl: '/graphql' });
  });

  it('never serves files outside the console folder', async () => {
    for (const path of [
      '/../outside.txt',
      '/%2e%2e/outside.txt',
      '/assets/..%2f..%2foutside.txt',
      '/..%2fdist-other/secret.txt',
    ]) {
      const r = await rawGet(path);
      expect(r.body, path).not.toContain('must not be served');
    }
    expect((await rawGet('/%E0%A4%A')).status).toBe(400);
  });

  it('answers GraphQL only with the bearer token, and only on POST', async () => {
    const post = (auth?: string) =>
      fetch(`${hub.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(auth ? { authorization: auth } : {}) },
        body: JSON.stringify({ query: '{ listTasksV2 { total } }' }),
      });
    expect((await post()).status).toBe(401);
    expect((await post(`Bearer ${token}x`)).status).toBe(401);
    expect((await post(token)).status).toBe(401);
    const ok = await post(`Bearer ${token}`);
    expect(await ok.json()).toEqual({ data: { listTasksV2: { total: 0 } } });
    expect((await fetch(`${hub.url}/graphql`)).status).toBe(405);
    const bad = await fetch(`${hub.url}/graphql`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: '{not json',
    });
    expect(bad.status).toBe(400);
  });

  it("names the field in GraphQL's own input errors too", async () => {
    const gql = async (variables: unknown) =>
      (await (
        await fetch(`${hub.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({ query: 'mutation($i: CreateTaskInput!) { createTask(input: $i) { id } }', variables }),
        })
      ).json()) as { errors: { message: string; extensions?: { field?: string } }[] };
    expect(
      (await gql({ i: { type: 'FTP', scheduleType: 'ONE_TIME', parameters: [] } })).errors[0].extensions?.field,
    ).toBe('type');
    expect((await gql({ i: { type: 'S3EC2', parameters: [] } })).errors[0].extensions?.field).toBe('scheduleType');
    expect(
      (await gql({ i: { type: 'S3EC2', scheduleType: 'DAILY', parameters: [] } })).errors[0].extensions?.field,
    ).toBe('scheduleType');
  });

  it('finds the schema and the console from the sources', () => {
    expect(findRepoPath('control-plane/api/schema.graphql')).toMatch(/control-plane\/api\/schema\.graphql$/);
    expect(findRepoPath('no/such/file.txt')).toBeUndefined();
  });
});
