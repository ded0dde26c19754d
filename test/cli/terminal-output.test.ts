/**
 * What the syncs print on a terminal: a progress bar on stderr that `--quiet` leaves out, and the summary in words.
 * The commands run under util-linux `script`, which gives them a real pseudo-terminal (no TTY is faked in-process).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { publicTaskParams, registrySecrets, seedImages } from '../ecr/image-fixtures.js';
import { startRegistryFront } from '../ecr/registry-front.js';
import { baseParams, bucketPair, putSource, secretsFile } from '../s3/engine-fixtures.js';
import { startFaultProxy } from '../support/fault-proxy.js';
import { servers } from '../support/servers.js';

/** `node bin/dth.mjs …` as one shell command line, what `script -c` runs. */
const dthCommand = (args: string[]) =>
  ['node', 'bin/dth.mjs', ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');

/**
 * Runs `dth` on a pseudo-terminal; answers its exit code and everything it wrote there (stdout and stderr together).
 * With `interruptWhen`, presses Ctrl-C there (the terminal sends the command SIGINT, as a keyboard does) once the
 * output matches it. Asynchronous, so a fault proxy in this process can answer it.
 */
function runOnTerminal(args: string[], interruptWhen?: RegExp): Promise<{ code: number | null; out: string }> {
  const child = spawn('script', ['-qec', dthCommand(args), '/dev/null'], {
    env: { ...process.env, NODE_NO_WARNINGS: '1' },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let out = '';
  let pressed = false;
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    if (interruptWhen && !pressed && interruptWhen.test(out)) {
      pressed = true;
      child.stdin.write('\x03');
    }
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out }));
  });
}

/** `dth` on a pseudo-terminal, expected to exit 0: everything it wrote there. */
async function onTerminal(args: string[]): Promise<string> {
  const { code, out } = await runOnTerminal(args);
  if (code !== 0) throw new Error(`exit ${code}: ${out}`);
  return out;
}

/** What each terminal line shows once redrawn: the text after its last \r, without erasures (ESC [K). */
const shownLines = (out: string) =>
  out
    .split(/\r?\n/) // the terminal ends lines with \r\n
    .map((line) => line.slice(line.lastIndexOf('\r') + 1).replaceAll('\x1b[K', '')); // ESC [K erases, shows nothing

function paramsFile(params: Record<string, string>): string {
  const path = join(mkdtempSync(join(tmpdir(), 'dth-term-')), 'task.json');
  writeFileSync(path, JSON.stringify(params));
  return path;
}

/**
 * Presses Ctrl-C once the terminal shows `when`: the run exits 130, shows `stopping` at once and a summary line matching
 * `stopped`, and no JSON log line.
 */
async function expectStopSaidInWords(args: string[], when: RegExp, stopping: string, stopped: RegExp): Promise<void> {
  const { code, out } = await runOnTerminal(args, when);
  expect(code, out).toBe(130);
  const lines = shownLines(out);
  expect(lines).toContain(stopping);
  expect(out).not.toContain('"event"');
  expect(
    lines.some((l) => stopped.test(l)),
    out,
  ).toBe(true);
}

/** A bucket pair whose source answers every GetObject `slowMs` late (a fault proxy), copied one object at a time. */
async function slowCopies(keys: string[], slowMs: number) {
  const { src, dst } = await bucketPair();
  for (const key of keys) await putSource(src, key, `body of ${key}`);
  const source = await startFaultProxy({
    target: servers.s3Source,
    rates: { slow: 1 },
    faultOps: ['GetObject'],
    slowMs,
  });
  return { source, params: paramsFile(baseParams(src, dst, { srcEndpoint: source.endpoint, workerNumber: '1' })) };
}

const state = () => join(mkdtempSync(join(tmpdir(), 'dth-term-state-')), 'state.db');
/** `dth <s3|ecr> sync` on a terminal with a fresh state file. */
const syncOnTerminal = (command: 's3' | 'ecr', params: string, secrets: string, ...extra: string[]) =>
  onTerminal([command, 'sync', '--params', params, '--secrets', secrets, '--state', state(), ...extra]);
const PROGRESS_BAR = /\[[#-]{24}\] \d+\/\d+ (objects|images)/;

describe('dth on a terminal', () => {
  it('s3 sync draws a progress bar unless --quiet, and says the outcome in words', async () => {
    const { src, dst } = await bucketPair();
    await putSource(src, 'a.txt', 'alpha');
    const params = paramsFile(baseParams(src, dst));
    const secrets = secretsFile();
    const shown = await syncOnTerminal('s3', params, secrets);
    expect(shown).toMatch(PROGRESS_BAR);
    expect(shown).not.toContain('"event"');
    expect(shown).toMatch(/\nDone: 1 of 1 objects copied \(5 B of 5 B\), 1 scanned, in 0m0\ds; 1 verified, 0 failed/);
    const quiet = await syncOnTerminal('s3', params, secrets, '--quiet');
    expect(quiet).not.toMatch(PROGRESS_BAR);
    expect(quiet).not.toContain('"event"');
    // Only the outcome: no blank line left where a progress bar would have ended.
    // The object the first run copied is counted as it is: unchanged (before: "1 scanned … 0 verified" alone).
    expect(quiet).toMatch(/^Done: nothing to copy, 1 scanned \(1 unchanged\), in /);
  });

  it('s3 sync --verbose: log lines never run into the progress bar (each on its own line, the bar drawn again)', async () => {
    // Late answers, one object at a time: progress is drawn between the copies' log lines.
    const { source, params } = await slowCopies(['a.txt', 'b.txt', 'c.txt', 'd.txt'], 700);
    try {
      const out = await syncOnTerminal('s3', params, secretsFile(), '--verbose');
      const lines = shownLines(out);
      expect(lines.filter((l) => l.includes('"event":"worker.copied"'))).toHaveLength(4);
      expect(lines.some((l) => PROGRESS_BAR.test(l))).toBe(true);
      for (const line of lines) expect(PROGRESS_BAR.test(line) && line.includes('{"time"'), line).toBe(false);
    } finally {
      await source.close();
    }
  });

  it('s3 sync stopped with Ctrl-C says in words what happens to the copies under way, then how far it got', async () => {
    // Before: a raw JSON log line ({"level":"warn","event":"sync.stopping",…}) was all a terminal showed of the stop.
    const { source, params } = await slowCopies(['a.txt', 'b.txt', 'c.txt', 'd.txt', 'e.txt'], 600);
    try {
      await expectStopSaidInWords(
        ['s3', 'sync', '--params', params, '--secrets', secretsFile(), '--state', state()],
        /\] [1-9]\/5 objects/,
        'Stopping (SIGINT): the copies under way finish, no new one starts. Ctrl-C again quits at once; the next run redoes what that cuts.',
        /^Stopped: [1-4] of 5 objects copied/,
      );
    } finally {
      await source.close();
    }
  });

  it('ecr sync stopped with Ctrl-C says in words what happens to the images under way, then how far it got', async () => {
    const { repository: fast } = seedImages();
    const { repository: slow } = seedImages();
    // The slow image's manifest is never answered: it is under way when Ctrl-C comes.
    const front = await startRegistryFront({ upstream: servers.registryOpen, mode: 'holds-manifests', held: [slow] });
    try {
      const params = paramsFile(
        publicTaskParams({ srcRegistry: front.registry, srcImageList: `${fast}:v1\n${slow}:v1`, destPrefix: 'ctrl-c' }),
      );
      await expectStopSaidInWords(
        ['ecr', 'sync', '--params', params, '--secrets', registrySecrets(), '--state', state()],
        /\] 1\/2 images/,
        'Stopping (SIGINT): the image copies under way are stopped; what they did not finish is left for the next run. Ctrl-C again quits at once; the next run redoes what that cuts.',
        /^Stopped: 1 copied \([^)]+\), 0 unchanged, 0 failed, 1 not copied yet$/,
      );
    } finally {
      await front.close();
    }
  });

  it('ecr sync draws a progress bar unless --quiet (which it refused), and says the outcome in words', async () => {
    const { repository } = seedImages();
    const params = paramsFile(publicTaskParams({ srcImageList: `${repository}:v1`, destPrefix: 'terminal' }));
    const secrets = registrySecrets();
    const shown = await syncOnTerminal('ecr', params, secrets);
    expect(shown).toMatch(PROGRESS_BAR);
    expect(shown).toMatch(/Done: 1 copied \([^)]+\), 0 unchanged, 0 failed/);
    const quiet = await syncOnTerminal('ecr', params, secrets, '--quiet');
    expect(quiet).not.toMatch(PROGRESS_BAR);
    expect(quiet).not.toContain('"event"');
    expect(quiet).toMatch(/Done: 0 copied \(0 B\), 1 unchanged, 0 failed/);
  });
});
