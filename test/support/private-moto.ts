/**
 * A moto server (the AWS API emulator every machine of this project has) that only this test talks to — never the
 * shared one (DTH_TEST_MOTO): the CLI test bootstraps an account and counts the requests it makes. Other tests use
 * test/support/moto.ts. Started on a free port of this worktree's range (20000 + DTH_PORT_BASE + 0…49; moto.ts uses
 * 50…99), stopped by its PID. Fails clearly when moto is missing.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createServer } from 'node:net';

export interface PrivateMoto {
  endpoint: string;
  port: number;
  /** Environment for a child process (SDK, cdk CLI, aws CLI) that talks to this server. */
  env: Record<string, string>;
  /** HTTP requests the server has answered so far (from its request log). */
  requests(): number;
  stop(): Promise<void>;
}

/** The exact message when moto or cfn-lint is not installed (they ship with the machine image, not with npm). */
export function requireTool(tool: 'moto_server' | 'cfn-lint'): void {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
  } catch {
    throw new Error(
      `${tool} is not installed: the CDK/cloud tests need it (moto 5.2.1 and cfn-lint 1.51 from the machine image's Python 3.11; no PyPI here)`,
    );
  }
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

async function freePort(): Promise<number> {
  const base = 20000 + Number(process.env.DTH_PORT_BASE ?? 0);
  // Start at a random offset: test files of one run start their servers at the same time.
  const start = Math.floor(Math.random() * 50);
  for (let i = 0; i < 50; i++) {
    const port = base + ((start + i) % 50);
    if (await portIsFree(port)) return port;
  }
  throw new Error(`no free port in ${base}…${base + 49} for moto_server`);
}

async function waitUntilUp(endpoint: string, child: ChildProcess, log: () => string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`moto_server exited (${child.exitCode}): ${log()}`);
    try {
      const res = await fetch(`${endpoint}/moto-api/`);
      if (res.status < 500) return;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`moto_server at ${endpoint} did not start in 30 s: ${log()}`);
}

export async function startPrivateMoto(): Promise<PrivateMoto> {
  requireTool('moto_server');
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const child = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let requests = 0;
    const onData = (d: Buffer) => {
      const text = d.toString();
      requests += (text.match(/"(GET|POST|PUT|DELETE|HEAD) [^"]*HTTP\/1\.1" \d{3}/g) ?? []).length;
      output = (output + text).slice(-4000);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    const endpoint = `http://127.0.0.1:${port}`;
    try {
      await waitUntilUp(endpoint, child, () => output);
    } catch (err) {
      child.kill('SIGTERM');
      if (attempt < 3 && /Address already in use/.test(output)) continue; // another test took the port meanwhile
      throw err;
    }
    return {
      endpoint,
      port,
      requests: () => requests,
      env: {
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
        AWS_REGION: 'us-east-1',
        AWS_DEFAULT_REGION: 'us-east-1',
        AWS_ENDPOINT_URL: endpoint,
      },
      stop: () =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
        }),
    };
  }
}
