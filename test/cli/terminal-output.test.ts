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
import { baseParams, bucketPair, putSource, secretsFile } from '../s3/engine-fixtures.js';
import { startFaultProxy } from '../support/fault-proxy.js';
import { servers } from '../support/servers.js';

/**
 * Runs `dth` on a pseudo-terminal; answers everything it wrote there (stdout and stderr together). Asynchronous, so a
 * fault proxy in this process can answer it.
 */
function onTerminal(args: string[]): Promise<string> {
  const quoted = ['node', 'bin/dth.mjs', ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
  const child = spawn('script', ['-qec', quoted, '/dev/null'], {
    env: { ...process.env, NODE_NO_WARNINGS: '1' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`exit ${code}: ${out}`))));
  });
}

/** What each terminal line shows once carriage returns have redrawn it: the text after its last \r. */
const shownLines = (out: string) => out.split(/\r?\n/).map((line) => line.slice(line.lastIndexOf('\r') + 1)); // the terminal ends lines with \r\n

function paramsFile(params: Record<string, string>): string {
  const path = join(mkdtempSync(join(tmpdir(), 'dth-term-')), 'task.json');
  writeFileSync(path, JSON.stringify(params));
  return path;
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
    expect(quiet).toMatch(/^Done: nothing to copy, 1 scanned/);
  });

  it('s3 sync --verbose: log lines never run into the progress bar (each on its own line, the bar drawn again)', async () => {
    const { src, dst } = await bucketPair();
    for (const key of ['a.txt', 'b.txt', 'c.txt', 'd.txt']) await putSource(src, key, `body of ${key}`);
    // Late answers, one object at a time: progress is drawn between the copies' log lines.
    const source = await startFaultProxy({
      target: servers.s3Source,
      rates: { slow: 1 },
      faultOps: ['GetObject'],
      slowMs: 700,
    });
    try {
      const params = paramsFile(baseParams(src, dst, { srcEndpoint: source.endpoint, workerNumber: '1' }));
      const out = await syncOnTerminal('s3', params, secretsFile(), '--verbose');
      const lines = shownLines(out);
      expect(lines.filter((l) => l.includes('"event":"worker.copied"'))).toHaveLength(4);
      expect(lines.some((l) => PROGRESS_BAR.test(l))).toBe(true);
      for (const line of lines) expect(PROGRESS_BAR.test(line) && line.includes('{"time"'), line).toBe(false);
    } finally {
      await source.close();
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
