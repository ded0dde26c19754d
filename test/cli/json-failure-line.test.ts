/**
 * A sync run that fails before its summary still ends its JSON-lines output with one readable line,
 * `{"event":"error",…}`, carrying the exit code, the error's code and the field it names (the message also goes to
 * stderr). Before, stdout was empty: a script reading the last line as the summary got nothing to parse. The real
 * CLI process, a missing source bucket on s3rver, and bad parameters of both sync commands.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../reliability/helpers.js';
import { baseParams, secretsFile } from '../s3/engine-fixtures.js';
import { createBucket, servers } from '../support/servers.js';

const lastLine = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1) ?? 'null');

describe('the last JSON line of a sync run that fails before its summary', () => {
  it('names the error of a source bucket that cannot be listed (exit 1)', async () => {
    const work = mkdtempSync(join(tmpdir(), 'dth-json-failure-'));
    const params = join(work, 'task.json');
    const dst = await createBucket(servers.s3Dest, 'json-failure');
    writeFileSync(params, JSON.stringify(baseParams('no-such-source-bucket', dst)));
    const { code, stdout, stderr } = await runCli([
      's3',
      'sync',
      '--params',
      params,
      '--secrets',
      secretsFile(),
      '--state',
      join(work, 'state.db'),
      '--json',
    ]);
    expect(code).toBe(1);
    expect(stderr).toContain('no-such-source-bucket');
    expect(lastLine(stdout)).toMatchObject({
      event: 'error',
      exitCode: 1,
      code: 'BUCKET_NOT_FOUND',
      message: expect.stringContaining('source bucket no-such-source-bucket'),
    });
  });

  it('names the field of bad input (exit 2), for dth s3 sync and dth ecr sync', async () => {
    const s3 = await runCli(['s3', 'sync', '--src-bucket', 'x', '--json']);
    expect(s3.code).toBe(2);
    expect(lastLine(s3.stdout)).toMatchObject({ event: 'error', exitCode: 2, field: 'srcBucket' });
    const ecr = await runCli(['ecr', 'sync', '--src-image-list', 'a:b', '--src-list', 'NOT_A_LIST_TYPE', '--json']);
    expect(ecr.code).toBe(2);
    expect(lastLine(ecr.stdout)).toMatchObject({ event: 'error', exitCode: 2, field: 'srcList' });
  });

  it('names every bad parameter at once, each with its field (stderr: one per line)', async () => {
    const run = await runCli(['s3', 'sync', '--src-bucket', 'x', '--worker-number', 'many', '--json']);
    expect(run.code).toBe(2);
    const line = lastLine(run.stdout);
    expect(line).toMatchObject({ event: 'error', exitCode: 2, code: 'INVALID_PARAMETER', field: 'srcBucket' });
    expect(line.problems.map((p: { field: string }) => p.field)).toEqual(['srcBucket', 'destBucket', 'workerNumber']);
    expect(run.stderr).toContain('dth s3 sync: 3 parameters are invalid:\n  Source bucket (srcBucket): "x" is not');
    expect(run.stderr).toContain('\n  Destination bucket (destBucket): is required\n');
  });
});
