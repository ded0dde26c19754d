/**
 * Runs a child process under GNU time and returns its wall time, CPU seconds (user + sys of the
 * child and everything it waited for) and peak RSS: the client-side cost of one tool run.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Measured {
  command: string;
  exitCode: number;
  wallSec: number;
  userSec: number;
  sysSec: number;
  cpuSec: number;
  maxRssMb: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  /** Names removed from the child's environment (rclone 1.60 refuses AWS_CA_BUNDLE). */
  unsetEnv?: string[];
  cwd?: string;
  timeoutSec?: number;
  /** Keep at most this many characters of stdout/stderr (default 200k). */
  keepChars?: number;
}

const TIME = '/usr/bin/time';

export async function runMeasured(cmd: string, args: string[], options: RunOptions = {}): Promise<Measured> {
  const dir = mkdtempSync(join(tmpdir(), 'dth-bench-time-'));
  const timeFile = join(dir, 'time');
  const env: NodeJS.ProcessEnv = { ...process.env, ...options.env };
  for (const name of options.unsetEnv ?? []) delete env[name];
  const keep = options.keepChars ?? 200_000;
  const started = process.hrtime.bigint();
  const child = spawn(TIME, ['-f', '%e %U %S %M', '-o', timeFile, cmd, ...args], {
    env,
    cwd: options.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    if (stdout.length < keep) stdout += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    if (stderr.length < keep) stderr += d.toString();
  });
  const timer = options.timeoutSec ? setTimeout(() => child.kill('SIGKILL'), options.timeoutSec * 1000) : undefined;
  const exitCode = await new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
  if (timer) clearTimeout(timer);
  const wallNs = Number(process.hrtime.bigint() - started);
  let userSec = NaN;
  let sysSec = NaN;
  let maxRssKb = NaN;
  try {
    // GNU time writes "Command exited with non-zero status N" first when the command failed.
    const line = readFileSync(timeFile, 'utf8').trim().split('\n').pop() ?? '';
    const [e, u, s, m] = line.split(/\s+/).map(Number);
    if ([e, u, s, m].every(Number.isFinite)) {
      userSec = u!;
      sysSec = s!;
      maxRssKb = m!;
    }
  } catch {
    // killed before time could write: leave NaN
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  // GNU time's %e has 10 ms resolution; our own clock is finer and times the same child.
  const wallSec = wallNs / 1e9;
  return {
    command: [cmd, ...args].join(' '),
    exitCode,
    wallSec,
    userSec,
    sysSec,
    cpuSec: userSec + sysSec,
    maxRssMb: maxRssKb / 1024,
    stdout,
    stderr,
  };
}

/** Throws with the tail of stderr when a measured run failed. */
export function mustSucceed(run: Measured, what: string): Measured {
  if (run.exitCode !== 0) {
    throw new Error(
      `${what} failed with exit code ${run.exitCode}: ${run.command}\n${run.stderr.slice(-3000)}\n${run.stdout.slice(-1000)}`,
    );
  }
  return run;
}

export function median(values: number[]): number {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
}

/**
 * CPU-seconds (user + sys) a running process has used so far, from /proc (Linux): read before and after a tool run,
 * it gives the servers' share of the same 2 cores — what a tool's requests cost the S3 server.
 */
export function processCpuSec(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start after the last ')'; utime and stime are 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SEC;
  } catch {
    return NaN;
  }
}

/** USER_HZ: 100 on every Linux this runs on (getconf CLK_TCK). */
const CLOCK_TICKS_PER_SEC = 100;
