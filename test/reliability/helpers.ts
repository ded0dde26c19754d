/** Shared pieces of the reliability suite: seeded objects, byte-for-byte comparison, and running the real CLI. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const DTH = fileURLToPath(new URL('../../bin/dth.mjs', import.meta.url));
export const MiB = 1024 * 1024;

export interface ObjectSpec {
  key: string;
  size: number;
}

/** Deterministic, incompressible-enough bytes for `key` (so a wrong object never passes for a right one). */
export function bodyFor(key: string, size: number): Buffer {
  const out = Buffer.allocUnsafe(size);
  let block = createHash('sha256').update(key).digest();
  for (let pos = 0; pos < size; pos += block.length) {
    block.copy(out, pos, 0, Math.min(block.length, size - pos));
    if (pos % 4096 === 0) block = createHash('sha256').update(block).digest();
  }
  return out;
}

export async function seedObjects(
  s3: S3Client,
  bucket: string,
  specs: ObjectSpec[],
  concurrency = 8,
): Promise<Map<string, string>> {
  const md5s = new Map<string, string>();
  const queue = [...specs];
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let spec = queue.shift(); spec; spec = queue.shift()) {
        const body = bodyFor(spec.key, spec.size);
        md5s.set(spec.key, createHash('md5').update(body).digest('hex'));
        await s3.send(new PutObjectCommand({ Bucket: bucket, Key: spec.key, Body: body, ContentLength: body.length }));
      }
    }),
  );
  return md5s;
}

export async function listKeys(s3: S3Client, bucket: string, prefix = ''): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    for (const o of page.Contents ?? []) out.set(o.Key!, o.Size ?? 0);
    token = page.NextContinuationToken;
  } while (token);
  return out;
}

export async function md5Of(s3: S3Client, bucket: string, key: string): Promise<string> {
  const res = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const hash = createHash('md5');
  for await (const chunk of res.Body as AsyncIterable<Uint8Array>) hash.update(chunk);
  return hash.digest('hex');
}

/**
 * Downloads every destination object and compares its MD5 with the seeded source MD5.
 * Returns human-readable problems (missing / different / unexpected keys); empty means byte-identical.
 */
export async function compareWithSource(
  dest: S3Client,
  bucket: string,
  expected: Map<string, string>,
  prefix = '',
): Promise<string[]> {
  const problems: string[] = [];
  // The SDK's XML parser turns a CR in a listed key into LF (XML end-of-line handling), so listed names are matched
  // in that form; the exact key is then proven by a GET of it.
  const asListed = (key: string) => key.replace(/\r\n?/g, '\n');
  const present = await listKeys(dest, bucket);
  for (const [key, md5] of expected) {
    const destKey = prefix + key;
    if (!present.has(asListed(destKey))) {
      problems.push(`missing ${destKey}`);
      continue;
    }
    const got = await md5Of(dest, bucket, destKey).catch((err: Error) => `unreadable (${err.name})`);
    if (got !== md5) problems.push(`different bytes in ${destKey}`);
  }
  const expectedAsListed = new Set([...expected.keys()].map(asListed));
  for (const key of present.keys())
    if (!expectedAsListed.has(asListed(key.slice(prefix.length)))) problems.push(`unexpected ${key}`);
  return problems;
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  timeoutMs?: number;
}

/** The last JSON line of a command's output (a cloud role's report: `finder.report`, `worker.report`). */
export function lastJson(stdout: string): Record<string, unknown> {
  const lines = stdout
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('{'));
  return JSON.parse(lines.at(-1) ?? '{}') as Record<string, unknown>;
}

/** Starts `node bin/dth.mjs …` as its own process (so it can be killed with SIGKILL). */
export function spawnCli(args: string[], options: CliOptions = {}): { child: ChildProcess; done: Promise<CliResult> } {
  const child = spawn(process.execPath, [DTH, ...args], {
    cwd: options.cwd ?? ROOT,
    // Always the sources under test, never a dist/ bundle that may be stale.
    env: { ...process.env, NODE_NO_WARNINGS: '1', DTH_FROM_SOURCE: '1', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
  const done = new Promise<CliResult>((resolve) => {
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
  return { child, done };
}

/** Resolves once the child's stdout so far matches `pattern` (e.g. a progress line); rejects if it ends first. */
export function stdoutMatches(child: ChildProcess, pattern: RegExp): Promise<void> {
  let out = '';
  return new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (pattern.test(out)) resolve();
    });
    child.on('close', () => reject(new Error(`ended before its output matched ${pattern}: ${out}`)));
  });
}

export function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  return spawnCli(args, options).done;
}
