/**
 * What the syncs print on a terminal: a progress bar on stderr that `--quiet` leaves out, and the summary in words.
 * The commands run under util-linux `script`, which gives them a real pseudo-terminal (no TTY is faked in-process).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { publicTaskParams, registrySecrets, seedImages } from '../ecr/image-fixtures.js';
import { baseParams, bucketPair, putSource, secretsFile } from '../s3/engine-fixtures.js';

/** Runs `dth` on a pseudo-terminal; answers everything it wrote there (stdout and stderr together). */
function onTerminal(args: string[]): string {
  const quoted = ['node', 'bin/dth.mjs', ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
  return execFileSync('script', ['-qec', quoted, '/dev/null'], {
    encoding: 'utf8',
    env: { ...process.env, NODE_NO_WARNINGS: '1' },
    timeout: 120_000,
  });
}

function paramsFile(params: Record<string, string>): string {
  const path = join(mkdtempSync(join(tmpdir(), 'dth-term-')), 'task.json');
  writeFileSync(path, JSON.stringify(params));
  return path;
}

const state = () => join(mkdtempSync(join(tmpdir(), 'dth-term-state-')), 'state.db');
const PROGRESS_BAR = /\[[#-]{24}\] \d+\/\d+ (objects|images)/;

describe('dth on a terminal', () => {
  it('s3 sync draws a progress bar unless --quiet, and says the outcome in words', async () => {
    const { src, dst } = await bucketPair();
    await putSource(src, 'a.txt', 'alpha');
    const params = paramsFile(baseParams(src, dst));
    const secrets = secretsFile();
    const shown = onTerminal(['s3', 'sync', '--params', params, '--secrets', secrets, '--state', state()]);
    expect(shown).toMatch(PROGRESS_BAR);
    expect(shown).not.toContain('"event"');
    expect(shown).toMatch(/\nDone: 1 of 1 objects copied \(5 B of 5 B\), 1 scanned, in 0m0\ds; 1 verified, 0 failed/);
    const quiet = onTerminal(['s3', 'sync', '--params', params, '--secrets', secrets, '--state', state(), '--quiet']);
    expect(quiet).not.toMatch(PROGRESS_BAR);
    expect(quiet).not.toContain('"event"');
    // Only the outcome: no blank line left where a progress bar would have ended.
    expect(quiet).toMatch(/^Done: nothing to copy, 1 scanned/);
  });

  it('ecr sync draws a progress bar unless --quiet (which it refused), and says the outcome in words', () => {
    const { repository } = seedImages();
    const params = paramsFile(publicTaskParams({ srcImageList: `${repository}:v1`, destPrefix: 'terminal' }));
    const secrets = registrySecrets();
    const shown = onTerminal(['ecr', 'sync', '--params', params, '--secrets', secrets, '--state', state()]);
    expect(shown).toMatch(PROGRESS_BAR);
    expect(shown).toMatch(/Done: 1 copied \([^)]+\), 0 unchanged, 0 failed/);
    const quiet = onTerminal(['ecr', 'sync', '--params', params, '--secrets', secrets, '--state', state(), '--quiet']);
    expect(quiet).not.toMatch(PROGRESS_BAR);
    expect(quiet).not.toContain('"event"');
    expect(quiet).toMatch(/Done: 0 copied \(0 B\), 1 unchanged, 0 failed/);
  });
});
