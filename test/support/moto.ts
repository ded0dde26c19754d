/**
 * A moto server (the AWS API emulator on every machine of this project) for one test file: started on a free port in
 * this worktree's range (20000 + DTH_PORT_BASE + 50…99), stopped by its PID. Never the shared server of
 * scripts/test-servers.sh (DTH_TEST_MOTO): test/cloud owns that one while it runs — it resets it and turns IAM
 * enforcement on — and test files run in parallel. Facts about what moto answers: /work/shared/notes/aws-emulator.md.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll } from 'vitest';

export interface Moto {
  endpoint: string;
  stop(): Promise<void>;
}

function portFree(port: number): Promise<boolean> {
  return new Promise((ok) => {
    const s = createServer();
    s.once('error', () => ok(false));
    s.listen(port, '127.0.0.1', () => s.close(() => ok(true)));
  });
}

async function freePort(): Promise<number> {
  const base = 20_000 + Number(process.env.DTH_PORT_BASE ?? 0) + 50;
  for (let i = 0; i < 100; i++) {
    const port = base + Math.floor(Math.random() * 50);
    if (await portFree(port)) return port;
  }
  throw new Error(`no free port for moto_server in ${base}–${base + 49}`);
}

/**
 * `env`: settings moto reads from its environment, e.g. `SF_EXECUTION_HISTORY_TYPE: 'FAILURE'` (every Step Functions
 * execution it records is FAILED, with a failure in its history).
 */
export async function startMoto(options: { env?: Record<string, string> } = {}): Promise<Moto> {
  if (spawnSync('sh', ['-c', 'command -v moto_server'], { encoding: 'utf8' }).status !== 0) {
    throw new Error(
      "moto_server is not on PATH: the AWS API emulator (moto 5.2.1) ships with this project's machine image",
    );
  }
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const child: ChildProcess = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, ...options.env },
    });
    let err = '';
    child.stderr!.on('data', (d) => {
      err = (err + d).slice(-2000);
    });
    const exited = new Promise<void>((ok) => child.once('exit', () => ok()));
    const endpoint = `http://127.0.0.1:${port}`;
    for (let i = 0; i < 300 && child.exitCode === null; i++) {
      if (
        await fetch(`${endpoint}/moto-api/`).then(
          () => true,
          () => false,
        )
      ) {
        return {
          endpoint,
          stop: async () => {
            child.kill('SIGTERM');
            await exited;
          },
        };
      }
      await sleep(100);
    }
    child.kill('SIGKILL');
    await exited;
    if (!/address already in use/i.test(err)) throw new Error(`moto_server did not start on ${endpoint}: ${err}`);
  }
  throw new Error('moto_server: no free port after 3 attempts');
}

/** SDK client settings for a moto server: any keys sign (moto checks none unless IAM enforcement is on). */
export function motoClientConfig(endpoint: string, region = 'us-east-1') {
  return { region, endpoint, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };
}

/** The moto server of one test file, usable in its tests and in hooks registered after useMoto. */
export interface FileMoto {
  readonly endpoint: string;
  /** SDK client settings for it (motoClientConfig). */
  clientConfig(region?: string): ReturnType<typeof motoClientConfig>;
}

/** Starts a moto server before the file's tests (and before the hooks registered after this call); stops it after. */
export function useMoto(options: { env?: Record<string, string> } = {}): FileMoto {
  let moto: Moto | undefined;
  beforeAll(async () => {
    moto = await startMoto(options);
  }, 60_000);
  afterAll(async () => {
    await moto?.stop();
  });
  const endpoint = (): string => {
    if (!moto) throw new Error('moto is not started yet: use it in a test or in a hook registered after useMoto');
    return moto.endpoint;
  };
  return {
    get endpoint() {
      return endpoint();
    },
    clientConfig: (region) => motoClientConfig(endpoint(), region),
  };
}
