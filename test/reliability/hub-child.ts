/**
 * A real `dth serve` child process for the hub-hardening tests: any flags and environment, its exit observed (a hub
 * that refuses to start must exit non-zero with a message), raw HTTP requests with any Host/Origin header.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { DTH, ROOT } from './helpers.js';

export interface HubChild {
  url: string;
  port: number;
  token: string;
  child: ChildProcess;
  output(): string;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  exited: Promise<number | string>;
  hasExited(): boolean;
  gql<T = any>(
    query: string,
    variables?: Record<string, unknown>,
  ): Promise<{
    status: number;
    body: { data?: T; errors?: { message: string; extensions?: Record<string, unknown> }[] };
  }>;
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

export interface HubStartFailure {
  code: number | string;
  output: string;
}

function spawnServe(dataDir: string, token: string, args: string[], env: NodeJS.ProcessEnv, script?: string) {
  const command = script
    ? ['--import', 'tsx', script, '--data', dataDir, ...args]
    : [DTH, 'serve', '--port', '0', '--data', dataDir, ...args];
  const child = spawn(process.execPath, command, {
    cwd: ROOT,
    env: { ...process.env, DTH_TOKEN: token, NODE_NO_WARNINGS: '1', DTH_FROM_SOURCE: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => {
    out += d;
  });
  child.stderr!.on('data', (d) => {
    out += d;
  });
  let done = false;
  const exited = new Promise<number | string>((ok) =>
    child.once('exit', (code, signal) => {
      done = true;
      ok(code ?? signal ?? 'unknown');
    }),
  );
  return { child, exited, output: () => out, hasExited: () => done };
}

/**
 * Starts `dth serve` and waits until it listens, or until it exits (then resolves with the failure, so a test can
 * assert on a refused start).
 */
export async function startServe(
  dataDir: string,
  options: {
    args?: string[];
    env?: NodeJS.ProcessEnv;
    token?: string;
    timeoutMs?: number;
    /** A TypeScript file to run (with tsx) instead of `dth serve`; it gets `--data DIR` and prints "running at URL". */
    script?: string;
  } = {},
): Promise<HubChild | HubStartFailure> {
  const token = options.token ?? `hh-token-${Math.random().toString(36).slice(2)}`;
  const p = spawnServe(dataDir, token, options.args ?? [], options.env ?? {}, options.script);
  const end = Date.now() + (options.timeoutMs ?? 30_000);
  let url: string | undefined;
  while (!url && !p.hasExited() && Date.now() < end) {
    url = /running at (http:\/\/\S+)/.exec(p.output())?.[1];
    if (!url) await sleep(50);
  }
  if (!url) {
    if (!p.hasExited()) p.child.kill('SIGKILL');
    return { code: await p.exited, output: p.output() };
  }
  const hubUrl = url;
  return {
    url: hubUrl,
    port: Number(new URL(hubUrl).port),
    token,
    child: p.child,
    output: p.output,
    exited: p.exited,
    hasExited: p.hasExited,
    async gql(query, variables) {
      const res = await fetch(`${hubUrl}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query, variables }),
      });
      return { status: res.status, body: await res.json() };
    },
    async stop(signal = 'SIGTERM') {
      if (!p.hasExited()) p.child.kill(signal);
      return p.exited;
    },
  };
}

/** Starts `dth serve` and fails the test with its output when it does not come up. */
export async function mustStartServe(
  dataDir: string,
  options: Parameters<typeof startServe>[1] = {},
): Promise<HubChild> {
  const hub = await startServe(dataDir, options);
  if (!('url' in hub)) throw new Error(`dth serve exited with ${hub.code}:\n${hub.output}`);
  return hub;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * One HTTP request with exactly the headers given (fetch cannot set Host): what a browser tricked by DNS rebinding,
 * or a page of another origin, would send.
 */
export function rawRequest(
  port: number,
  options: { method?: string; path?: string; headers?: Record<string, string>; body?: string },
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: options.method ?? 'GET',
        path: options.path ?? '/',
        headers: options.headers ?? {},
        setHost: false,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d) => {
          body += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}
