/** Starts a real `dth serve` process for tests and talks GraphQL to it over HTTP. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export const TEST_SECRET_VALUE = 'hub-test-secret-value-7f3a';

export interface HubProcess {
  url: string;
  token: string;
  dataDir: string;
  /** The process id of `dth serve` (the Node process itself: the bin's sh lines exec it in place). */
  pid: number;
  output: () => string;
  gql<T = any>(
    query: string,
    variables?: Record<string, unknown>,
    token?: string | null,
  ): Promise<{
    status: number;
    body: {
      data?: T;
      errors?: {
        message: string;
        errorType?: string;
        errorInfo?: Record<string, unknown> | null;
        extensions?: Record<string, unknown>;
      }[];
    };
  }>;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export function newDataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'dth-hub-'));
  writeFileSync(
    join(dir, 'secrets.json'),
    JSON.stringify({ s3rver: { access_key_id: 'S3RVER', secret_access_key: TEST_SECRET_VALUE } }),
    { mode: 0o600 },
  );
  return dir;
}

export async function startHubProcess(
  dataDir = newDataDir(),
  token = `test-token-${Math.random().toString(36).slice(2)}`,
  options: { nodeWarnings?: boolean; asCommand?: boolean } = {},
): Promise<HubProcess> {
  const env: NodeJS.ProcessEnv = { ...process.env, DTH_TOKEN: token, DTH_FROM_SOURCE: '1' };
  // Node's own warnings (deprecations, leak warnings) are off unless a test looks for them.
  if (options.nodeWarnings) delete env.NODE_NO_WARNINGS;
  else env.NODE_NO_WARNINGS = '1';
  // asCommand: the bin run as npm installs it (`dth serve`), so that its first lines start node with its flags.
  const args = ['serve', '--port', '0', '--data', dataDir];
  const child: ChildProcess = options.asCommand
    ? spawn('bin/dth.mjs', args, { env, stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn(process.execPath, ['bin/dth.mjs', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => {
    out += d;
  });
  child.stderr!.on('data', (d) => {
    out += d;
  });
  const exited = new Promise<void>((ok) => child.once('exit', () => ok()));
  let url: string | undefined;
  for (let i = 0; i < 300 && !url; i++) {
    url = /running at (http:\/\/\S+)/.exec(out)?.[1];
    if (!url) await sleep(100);
  }
  if (!url) throw new Error(`dth serve did not start:\n${out}`);
  const hubUrl = url;
  return {
    url: hubUrl,
    token,
    dataDir,
    pid: child.pid!,
    output: () => out,
    gql(query, variables, useToken = token) {
      return postJson(`${hubUrl}/graphql`, JSON.stringify({ query, variables }), useToken);
    },
    async stop(signal = 'SIGTERM') {
      child.kill(signal);
      await exited;
    },
  };
}

/**
 * One POST on a connection of its own. A kept-alive connection races the server's idle timeout: a test blocked in a
 * spawnSync (skopeo seeding images) past it reused a socket the hub had already closed ("other side closed").
 */
function postJson(url: string, body: string, token: string | null): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const headers = {
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(body)),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    };
    const req = request(url, { method: 'POST', headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
      });
      res.on('end', () => {
        try {
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) });
        } catch (err) {
          reject(err);
        }
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

export async function waitForTask(
  hub: HubProcess,
  id: string,
  done: (t: any) => boolean,
  timeoutMs = 60_000,
): Promise<any> {
  const end = Date.now() + timeoutMs;
  let last: any;
  while (Date.now() < end) {
    last = (
      await hub.gql(
        `query($id: ID!) { getTask(id: $id) { id progress errorCode errorMessage stoppedAt
      progressInfo { total replicated failed verified bytesTotal bytesDone } } }`,
        { id },
      )
    ).body.data?.getTask;
    if (last && done(last)) return last;
    await sleep(300);
  }
  throw new Error(`task ${id} did not reach the expected state; last: ${JSON.stringify(last)}`);
}

export const CREATE = `mutation($input: CreateTaskInput!) { createTask(input: $input) { id progress type scheduleType parameters { ParameterKey ParameterValue } } }`;

export function params(obj: Record<string, string>) {
  return Object.entries(obj).map(([ParameterKey, ParameterValue]) => ({ ParameterKey, ParameterValue }));
}

/** createTask of a task with these parameters; its id. A refusal fails the test with the API's answer. */
export async function createTaskId(
  on: { gql(query: string, variables?: Record<string, unknown>): Promise<{ body: any }> },
  type: 'S3EC2' | 'ECR',
  parameters: Record<string, string>,
  scheduleType: 'ONE_TIME' | 'FIXED_RATE' = 'ONE_TIME',
): Promise<string> {
  const created = await on.gql(CREATE, { input: { type, scheduleType, parameters: params(parameters) } });
  const id = created.body.data?.createTask?.id;
  if (!id) throw new Error(`createTask refused the task: ${JSON.stringify(created.body)}`);
  return id;
}
