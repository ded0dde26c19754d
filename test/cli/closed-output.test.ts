/**
 * A reader that goes away (`dth s3 sync --json | head -1`) must not end the transfer or crash it: the output stops, the
 * copy finishes, and the exit code is the transfer's. Before, the next write to the closed pipe threw EPIPE as an
 * unhandled 'error': a stack trace and exit 1, mid-copy or after a complete one.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listKeys, seedObjects, spawnCli } from '../reliability/helpers.js';
import { baseParams, bucketPair, secretsFile } from '../s3/engine-fixtures.js';
import { s3Client, servers } from '../support/servers.js';

describe('dth with its output closed by the reader', () => {
  it('s3 sync --json piped into a reader that quits after one line copies everything and exits 0, without a trace', async () => {
    const { src, dst } = await bucketPair();
    const count = 1500;
    await seedObjects(
      s3Client(servers.s3Source),
      src,
      Array.from({ length: count }, (_, i) => ({ key: `k/${i}`, size: 4096 })),
      16,
    );
    const dir = mkdtempSync(join(tmpdir(), 'dth-closed-out-'));
    const params = join(dir, 'task.json');
    writeFileSync(params, JSON.stringify(baseParams(src, dst)));
    const { child, done } = spawnCli([
      's3',
      'sync',
      '--params',
      params,
      '--state',
      join(dir, 'state.db'),
      '--secrets',
      secretsFile(),
      '--json',
    ]);
    let firstChunk = '';
    child.stdout!.once('data', (chunk: Buffer) => {
      firstChunk = chunk.toString();
      child.stdout!.destroy(); // as `head -1` exits: the pipe's read end is closed
    });
    const result = await done;
    // At least the summary was written after the reader left (else this would prove nothing).
    expect(firstChunk).not.toContain('"event":"summary"');
    expect(result.stderr).not.toMatch(/EPIPE|Unhandled 'error'/);
    expect(result.code).toBe(0);
    expect((await listKeys(s3Client(servers.s3Dest), dst)).size).toBe(count);
  });
});
