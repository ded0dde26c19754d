/**
 * Security: the hub's API refuses every call without the exact bearer token, and a recognizable secret
 * value from the secrets file never appears in CLI output (verbose, with retries and failures), hub output,
 * API responses, logs served by the API, or any state file (SQLite DBs and their WAL), byte for byte.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CREATE, params, startHubProcess, waitForTask, type HubProcess } from '../control-plane/local/hub-process.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { createBucket, s3Client, servers } from '../support/servers.js';
import { runCli, seedObjects } from './helpers.js';

// Recognizable in any encoding we could plausibly leak it in.
const SECRET = 'h7SecretValue-Zq81-DoNotLeak';
const SECRET_B64 = Buffer.from(SECRET).toString('base64');
const SECRET_HEX = Buffer.from(SECRET).toString('hex');

let work: string;
let hub: HubProcess | undefined;
let proxy: FaultProxy | undefined;
let srcBucket: string;
let dstBucket: string;

/** Every file under `dir` (recursively) except the secrets file itself, as raw bytes. */
function stateFiles(dir: string): Array<{ path: string; bytes: Buffer }> {
  const out: Array<{ path: string; bytes: Buffer }> = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...stateFiles(path));
    else if (name !== 'secrets.json') out.push({ path, bytes: readFileSync(path) });
  }
  return out;
}

function leaks(text: string | Buffer): boolean {
  const s = Buffer.isBuffer(text) ? text.toString('latin1') : text;
  return s.includes(SECRET) || s.includes(SECRET_B64) || s.includes(SECRET_HEX);
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'dth-rel-sec-'));
  const secrets = {
    // s3rver checks only the access key, so the secret value travels (signed) on every request and must go nowhere else.
    s3rver: { access_key_id: 'S3RVER', secret_access_key: SECRET },
    rejected: { access_key_id: 'NOT-A-KEY', secret_access_key: SECRET, session_token: SECRET },
  };
  for (const dir of ['cli', 'hub']) {
    mkdirSync(join(work, dir));
    writeFileSync(join(work, dir, 'secrets.json'), JSON.stringify(secrets), { mode: 0o600 });
  }
  srcBucket = await createBucket(servers.s3Source, 'rel-sec-src');
  dstBucket = await createBucket(servers.s3Dest, 'rel-sec-dst');
  await seedObjects(
    s3Client(servers.s3Source),
    srcBucket,
    Array.from({ length: 12 }, (_, i) => ({ key: `o/${i}`, size: 1000 + i * 250_000 })),
  );
});
afterAll(async () => {
  await hub?.stop().catch(() => {});
  await proxy?.close();
  rmSync(work, { recursive: true, force: true });
});

describe('security', () => {
  it('the hub API refuses calls without the exact bearer token, and unauthenticated calls change nothing', async () => {
    const token = `sec-token-${Math.random().toString(36).slice(2)}`;
    hub = await startHubProcess(join(work, 'hub'), token);
    const post = async (headers: Record<string, string>, body: unknown, path = '/graphql') =>
      fetch(hub!.url + path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });
    const create = {
      query: CREATE,
      variables: {
        input: {
          type: 'S3EC2',
          scheduleType: 'ONE_TIME',
          parameters: params({ srcBucket: 'aaa', destBucket: 'bbb', srcRegion: 'us-east-1' }),
        },
      },
    };
    const attempts: Array<[Record<string, string>, unknown, string?]> = [
      [{}, { query: '{ listTasksV2 { total } }' }],
      [{}, create],
      [{}, { query: '{ __schema { types { name } } }' }],
      [{}, { query: '{ listSecrets { name } }' }],
      [{ authorization: token }, { query: '{ listSecrets { name } }' }], // no "Bearer "
      // The scheme's case is free (RFC 9110 §11.1: `bearer` is taken, hub-request-origin.test.ts); another scheme is not.
      [{ authorization: `Basic ${token}` }, { query: '{ listSecrets { name } }' }],
      [{ authorization: `Bearer ${token}x` }, create],
      [{ authorization: `Bearer ${token.slice(0, -1)}` }, create],
      [{ authorization: 'Bearer ' }, create],
      [{ cookie: `token=${token}` }, create],
      [{}, create, `/graphql?token=${token}`],
    ];
    for (const [headers, body, path] of attempts) {
      const res = await post(headers, body, path);
      const text = await res.text();
      expect(res.status, `${JSON.stringify(headers)} ${path ?? ''}: ${text}`).toBe(401);
      expect(text).not.toContain('"data"');
    }
    expect((await fetch(`${hub.url}/graphql`)).status).not.toBe(200); // GET is not an API door either
    // Nothing was created by the refused calls; the right token works.
    expect((await hub.gql('{ listTasksV2 { total } }')).body.data).toEqual({ listTasksV2: { total: 0 } });
  });

  it('a secret value never reaches CLI output, hub output, API responses, served logs or state files', async () => {
    // 1. CLI, verbose, through a faulty proxy (retries and warnings are logged), then a run with rejected credentials.
    proxy = await startFaultProxy({
      target: servers.s3Source,
      seed: 5,
      rates: { serverError: 0.1, resetResponse: 0.1, slowDown: 0.05 },
      // Which requests are hit depends on timing; capped below maxAttempts, no pattern can fail the good run.
      limits: { serverError: 2, resetResponse: 2, slowDown: 1 },
    });
    const cliDir = join(work, 'cli');
    const task = (over: Record<string, unknown>) =>
      JSON.stringify({
        srcType: 'S3_Compatible',
        srcEndpoint: proxy!.endpoint,
        srcBucket,
        srcCredentials: 's3rver',
        destEndpoint: servers.s3Dest,
        destBucket: dstBucket,
        destRegion: 'us-east-1',
        destCredentials: 's3rver',
        maxAttempts: 6,
        ...over,
      });
    writeFileSync(join(cliDir, 'good.json'), task({}));
    writeFileSync(join(cliDir, 'bad.json'), task({ destCredentials: 'rejected' }));
    const cli = (file: string) =>
      runCli([
        's3',
        'sync',
        '--params',
        join(cliDir, file),
        '--state',
        join(cliDir, 'sync.db'),
        '--secrets',
        join(cliDir, 'secrets.json'),
        '--verbose',
        '--json',
      ]);
    const good = await cli('good.json');
    expect(good.code, good.stderr.slice(-1500)).toBe(0);
    expect(good.stderr).toContain('worker.copied'); // verbose logging really ran
    const bad = await cli('bad.json');
    expect(bad.code).not.toBe(0);
    expect(bad.stdout + bad.stderr).toMatch(/credentials of secret "rejected" were rejected/);
    expect(proxy.faultCount()).toBeGreaterThan(0);

    // 2. A hub session: tasks that succeed and fail, then everything the API can show about them.
    hub ??= await startHubProcess(join(work, 'hub'));
    const h = hub;
    const hubParams = (over: Record<string, string>) =>
      params({
        srcType: 'S3_Compatible',
        srcEndpoint: servers.s3Source,
        srcBucket,
        srcCredentials: 's3rver',
        destEndpoint: servers.s3Dest,
        destBucket: dstBucket,
        destRegion: 'us-east-1',
        destCredentials: 's3rver',
        ...over,
      });
    const responses: unknown[] = [];
    const ask = async (query: string, variables?: Record<string, unknown>) => {
      const r = await h.gql(query, variables);
      responses.push(r.body);
      return r.body;
    };
    await ask('{ listSecrets { name arn } }');
    const ok = (await ask(CREATE, {
      input: { type: 'S3EC2', scheduleType: 'ONE_TIME', parameters: hubParams({}) },
    })) as any;
    const fail = (await ask(CREATE, {
      input: { type: 'S3EC2', scheduleType: 'ONE_TIME', parameters: hubParams({ destCredentials: 'rejected' }) },
    })) as any;
    const ids = [ok.data.createTask.id, fail.data.createTask.id];
    for (const id of ids) await waitForTask(h, id, (t) => ['DONE', 'ERROR', 'STOPPED'].includes(t.progress));
    for (const id of ids) {
      await ask(
        `query($id: ID!) { getTask(id: $id) { id progress errorCode errorMessage parameters { ParameterKey ParameterValue } progressInfo { total failed } } }`,
        { id },
      );
      await ask(`query($id: String!) { getErrorMessage(id: $id) { errCode errMessage } }`, { id });
      await ask(`query($id: ID!) { listTaskObjects(id: $id, limit: 50) { key status error checksum } }`, { id });
      // Every log group of the task (finder and worker), as the console reads them from stackOutputs.
      const outputs = (await ask(`query($id: ID!) { getTask(id: $id) { stackOutputs { OutputKey OutputValue } } }`, {
        id,
      })) as any;
      const groups = (outputs.data?.getTask?.stackOutputs ?? [])
        .filter((o: { OutputKey: string }) => /LogGroup$/.test(o.OutputKey))
        .map((o: { OutputValue: string }) => o.OutputValue);
      expect(groups).toHaveLength(2);
      for (const g of groups) {
        const streams = (await ask(
          `query($g: String) { listLogStreams(logGroupName: $g) { logStreams { logStreamName } } }`,
          { g },
        )) as any;
        for (const s of streams.data?.listLogStreams?.logStreams ?? []) {
          await ask(
            `query($g: String, $s: String) { getLogEvents(logGroupName: $g, logStreamName: $s, limit: 1000) { logEvents { message } } }`,
            { g, s: s.logStreamName },
          );
        }
      }
    }
    await ask('{ listTasksV2 { total items { id progress parameters { ParameterKey ParameterValue } } } }');
    expect(JSON.stringify(responses)).toMatch(/credentials of secret \\"[^"\\]+\\" were rejected|CREDENTIALS/); // the failing task really failed on credentials
    await h.stop();
    hub = undefined;

    // 3. Grep everything.
    const found: string[] = [];
    if (leaks(good.stdout + good.stderr)) found.push('CLI output (good run)');
    if (leaks(bad.stdout + bad.stderr)) found.push('CLI output (rejected credentials)');
    if (leaks(JSON.stringify(responses))) found.push('hub API responses');
    if (leaks(h.output())) found.push('hub process output');
    const files = [...stateFiles(cliDir), ...stateFiles(join(work, 'hub'))];
    expect(files.some((f) => /\.db$/.test(f.path))).toBe(true);
    for (const f of files) if (leaks(f.bytes)) found.push(f.path);
    expect(found).toEqual([]);
  });
});
