/**
 * The benchmark's own servers, on its own ports and in its own scratch directory:
 * two s3rver processes (source, destination) and, for the image workload, two docker-registry processes.
 * Each is a separate OS process so the client's CPU is measured apart from the servers'.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface RunningServer {
  name: string;
  endpoint: string;
  dataDir: string;
  process: ChildProcess;
}

/** Waits until `child` answers HTTP at `url`; fails at once if it exits first. */
export async function waitHttp(url: string, child: ChildProcess, name: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null)
      throw new Error(`${name} exited with code ${child.exitCode} before answering at ${url}`);
    try {
      await fetch(url, { signal: AbortSignal.timeout(1000) });
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`${name} did not answer at ${url}`);
}

export async function startS3rver(name: string, root: string, port: number, s3rverBin: string): Promise<RunningServer> {
  const dataDir = join(root, name);
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  // s3rver encrypts continuation tokens with DES: Node 20's OpenSSL needs the legacy provider.
  const child = spawn(
    process.execPath,
    ['--openssl-legacy-provider', s3rverBin, '-d', dataDir, '-a', '127.0.0.1', '-p', String(port), '-s'],
    {
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  const endpoint = `http://127.0.0.1:${port}`;
  await waitHttp(`${endpoint}/`, child, name);
  return { name, endpoint, dataDir, process: child };
}

export async function startRegistry(name: string, root: string, port: number): Promise<RunningServer> {
  const dataDir = join(root, name);
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  const configFile = join(root, `${name}.yml`);
  writeFileSync(
    configFile,
    [
      'version: 0.1',
      'log: { level: error, accesslog: { disabled: true } }',
      `storage: { filesystem: { rootdirectory: ${dataDir} }, delete: { enabled: true } }`,
      `http: { addr: "127.0.0.1:${port}", secret: bench-registry }`,
      '',
    ].join('\n'),
  );
  const child = spawn('docker-registry', ['serve', configFile], { stdio: ['ignore', 'ignore', 'ignore'] });
  await waitHttp(`http://127.0.0.1:${port}/v2/`, child, name);
  return { name, endpoint: `127.0.0.1:${port}`, dataDir, process: child };
}

export async function stopServer(server: RunningServer): Promise<void> {
  if (server.process.exitCode !== null || server.process.signalCode !== null) return;
  const exited = new Promise<void>((r) => server.process.once('exit', () => r()));
  server.process.kill('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
  if (server.process.exitCode === null && server.process.signalCode === null) server.process.kill('SIGKILL');
}
