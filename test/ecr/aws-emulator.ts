/**
 * The AWS API emulator (moto server, on every machine of this project) for the ECR and STS calls: one server per test
 * file on a free port of this worktree's range, stopped by its PID. Accounts other than moto's default
 * (123456789012) are made by creating an IAM user under `x-moto-account-id`: requests signed with that user's keys
 * then act in that account (STS answers its id, ECR keeps its own repositories and hands out `AWS:<account>-auth-token`).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AccessKeys } from '../../worker/ports/secret-store.js';

export interface AwsEmulator {
  /** http://127.0.0.1:PORT */
  endpoint: string;
  /** Keys moto accepts for its default account 123456789012 (the "runtime's own" credentials in tests). */
  defaultKeys: AccessKeys;
  /** An IAM user's access keys in `accountId`. */
  accountKeys(accountId: string): Promise<AccessKeys>;
  stop(): Promise<void>;
}

export const DEFAULT_ACCOUNT = '123456789012';

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer().once('error', () => resolve(false)).listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

async function ready(endpoint: string, child: ChildProcess): Promise<boolean> {
  for (let i = 0; i < 150 && child.exitCode === null; i++) {
    const ok = await fetch(`${endpoint}/moto-api/`).then((r) => r.ok, () => false);
    if (ok) return true;
    await sleep(100);
  }
  return false;
}

/** Starts moto_server on a free port in [20050 + DTH_PORT_BASE, 20099 + DTH_PORT_BASE]. */
export async function startAwsEmulator(): Promise<AwsEmulator> {
  if (spawnSync('sh', ['-c', 'command -v moto_server']).status !== 0) {
    throw new Error('moto_server is not on PATH: it ships with the machine image\'s Python (moto 5.2.1); no PyPI here to install it');
  }
  const base = 20050 + Number(process.env.DTH_PORT_BASE ?? 0);
  const first = Math.floor(Math.random() * 50);
  for (let i = 0; i < 50; i++) {
    const port = base + ((first + i) % 50);
    if (!(await portFree(port))) continue;
    const child = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
    child.on('error', () => {});
    const endpoint = `http://127.0.0.1:${port}`;
    // Another test file may have taken the port between the check and the start: try the next one.
    // (An answer from someone else's server on that port is caught by ours having exited.)
    if (!(await ready(endpoint, child)) || (await sleep(200), child.exitCode !== null)) {
      child.kill();
      continue;
    }
    const stop = async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    };
    const accountKeys = async (accountId: string): Promise<AccessKeys> => {
      const user = `dth-test-${Math.random().toString(36).slice(2, 10)}`;
      const call = async (body: string) => {
        const res = await fetch(endpoint, {
          method: 'POST', body,
          headers: {
            'content-type': 'application/x-www-form-urlencoded', 'x-moto-account-id': accountId,
            // moto routes by the credential scope's service; the signature itself is not checked.
            authorization: 'AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0',
          },
        });
        const text = await res.text();
        if (!res.ok) throw new Error(`moto IAM answered ${res.status}: ${text}`);
        return text;
      };
      await call(`Action=CreateUser&UserName=${user}&Version=2010-05-08`);
      const xml = await call(`Action=CreateAccessKey&UserName=${user}&Version=2010-05-08`);
      const field = (name: string) => new RegExp(`<${name}>([^<]+)</${name}>`).exec(xml)?.[1] ?? '';
      return { accessKeyId: field('AccessKeyId'), secretAccessKey: field('SecretAccessKey') };
    };
    return { endpoint, defaultKeys: { accessKeyId: 'test', secretAccessKey: 'test' }, accountKeys, stop };
  }
  throw new Error(`no free port for moto_server in ${base}-${base + 49}`);
}
