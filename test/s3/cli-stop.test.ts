/**
 * Ctrl-C on `dth s3 sync` (the real CLI process, README: "Ctrl-C … stops gracefully"): the copies under way finish and
 * are verified, none starts after, the last progress line says `"phase":"stopped"`, the summary `"stopped": true` with
 * what is left, exit 130 — and the next run copies the rest. The source answers each GET late (fault proxy), so the
 * run is still going when the signal comes.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, spawnCli, stdoutMatches } from '../reliability/helpers.js';
import { startFaultProxy } from '../support/fault-proxy.js';
import { servers } from '../support/servers.js';
import { baseParams, bucketPair, putSource, readObject, secretsFile } from './engine-fixtures.js';

const jsonLines = (text: string) =>
  text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));

describe('dth s3 sync stopped', () => {
  it('finishes the copies under way, starts none, says it stopped (exit 130); the next run copies the rest', async () => {
    const { src, dst } = await bucketPair();
    const keys = Array.from({ length: 8 }, (_, i) => `slow-${i}.txt`);
    for (const key of keys) await putSource(src, key, `body of ${key}`);
    const source = await startFaultProxy({
      target: servers.s3Source,
      rates: { slow: 1 },
      faultOps: ['GetObject'],
      slowMs: 800,
    });
    const dir = mkdtempSync(join(tmpdir(), 'dth-s3-stop-'));
    const args = (srcEndpoint: string) => {
      const params = join(dir, `task-${srcEndpoint.replace(/\W/g, '-')}.json`);
      // One object at a time (two of these small ones): most of the list is still to start when the signal comes.
      writeFileSync(params, JSON.stringify(baseParams(src, dst, { srcEndpoint, workerNumber: '1' })));
      return [
        's3',
        'sync',
        '--params',
        params,
        '--secrets',
        secretsFile(),
        '--state',
        join(dir, 'state.db'),
        '--task-id',
        'stop',
        '--json',
      ];
    };
    try {
      const run = spawnCli(args(source.endpoint));
      await stdoutMatches(run.child, /"event":"progress"[^\n]*"done":[1-9]/);
      run.child.kill('SIGINT');
      const stopped = await run.done;
      expect(stopped.code, stopped.stderr).toBe(130);
      const lines = jsonLines(stopped.stdout);
      const summary = lines.at(-1);
      expect(summary).toMatchObject({ event: 'summary', complete: false, stopped: true, failed: 0 });
      expect(summary.copied).toBeGreaterThan(0);
      expect(summary.pending).toBeGreaterThan(0);
      expect(summary.copied + summary.pending).toBe(keys.length);
      expect(lines.filter((l) => l.event === 'progress').at(-1)).toMatchObject({ phase: 'stopped' });
      expect(stopped.stderr).toContain('sync.stopping');
    } finally {
      await source.close();
    }
    // The next run, straight to the source: only what was left.
    const again = await runCli(args(servers.s3Source));
    expect(again.code, again.stderr).toBe(0);
    const summary = jsonLines(again.stdout).at(-1);
    expect(summary).toMatchObject({ complete: true, stopped: false, failed: 0 });
    expect(summary.copied).toBeLessThan(keys.length);
    for (const key of keys) expect((await readObject(servers.s3Dest, dst, key)).toString()).toBe(`body of ${key}`);
  });

  it.each([
    ['a listing page', (url: string) => !url.includes('max-keys=1')],
    ['the access check', (url: string) => url.includes('max-keys=1')],
  ])('stops at once while %s is never answered (exit 130), not after the request timeouts', async (_, hangs) => {
    // Before: the stop was seen only between listed keys; a store that accepts the connection and never answers held
    // the run (and a hub's stopTask) for its socket timeouts and retries, up to ~20 minutes.
    const { src, dst } = await bucketPair();
    await putSource(src, 'a.txt', 'a');
    const source = await startFaultProxy({
      target: servers.s3Source,
      rates: { slow: 1 },
      slowMs: 120_000,
      faultOps: ['ListObjects'],
      faultWhen: (op, url) => op === 'ListObjects' && url.includes(`/${src}`) && hangs(url),
    });
    const dir = mkdtempSync(join(tmpdir(), 'dth-s3-stop-'));
    const params = join(dir, 'task.json');
    writeFileSync(params, JSON.stringify(baseParams(src, dst, { srcEndpoint: source.endpoint })));
    try {
      const run = spawnCli(
        ['s3', 'sync', '--params', params, '--secrets', secretsFile(), '--state', join(dir, 's.db'), '--json'],
        { timeoutMs: 60_000 },
      );
      expect(await source.waitForFaults('slow', 1)).toBe(1);
      const signalled = Date.now();
      run.child.kill('SIGTERM');
      const stopped = await run.done;
      expect(Date.now() - signalled).toBeLessThan(10_000);
      expect(stopped.code, stopped.stderr).toBe(130);
      expect(jsonLines(stopped.stdout).at(-1)).toMatchObject({ event: 'summary', complete: false, stopped: true });
    } finally {
      await source.close();
    }
  });
});
