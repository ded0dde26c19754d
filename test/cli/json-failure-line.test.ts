/**
 * A sync run that fails before its summary still ends its JSON-lines output with one readable line,
 * `{"event":"error",…}`, carrying the exit code, the error's code and the field it names (the message also goes to
 * stderr). Before, stdout was empty: a script reading the last line as the summary got nothing to parse. The real
 * CLI process, a missing source bucket on s3rver, and bad parameters of both sync commands.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
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
      field: 'srcBucket',
      message: expect.stringContaining('source bucket no-such-source-bucket'),
    });
  });

  it('names the endpoint of a store that is not there (refused) or takes the connection and never answers (silent)', async () => {
    const work = mkdtempSync(join(tmpdir(), 'dth-json-failure-'));
    const dst = await createBucket(servers.s3Dest, 'json-failure');
    // A port that takes connections and never answers (a service that is not S3, a firewall holding them).
    const silent = createServer((socket) => socket.resume());
    await new Promise<void>((ok) => silent.listen(0, '127.0.0.1', ok));
    const refused = createServer();
    await new Promise<void>((ok) => refused.listen(0, '127.0.0.1', ok));
    const refusedPort = (refused.address() as AddressInfo).port;
    await new Promise((ok) => refused.close(ok));
    const run = async (srcEndpoint: string) => {
      const params = join(work, `task-${srcEndpoint.split(':').at(-1)}.json`);
      writeFileSync(params, JSON.stringify({ ...baseParams('silent-source', dst), srcEndpoint }));
      const started = Date.now();
      const out = await runCli(['s3', 'sync', '--params', params, '--secrets', secretsFile(), '--json'], {
        cwd: work,
        timeoutMs: 120_000,
      });
      return { ...out, seconds: (Date.now() - started) / 1000 };
    };
    try {
      const silentRun = await run(`http://127.0.0.1:${(silent.address() as AddressInfo).port}`);
      expect(silentRun.code).toBe(1);
      expect(lastLine(silentRun.stdout)).toMatchObject({
        code: 'ENDPOINT_SILENT',
        field: 'srcEndpoint',
        message: expect.stringMatching(/took the connection but answered nothing in 20 s/),
      });
      // Two first-contact attempts of 20 s, not the 300 s idle limit of a copy four times over.
      expect(silentRun.seconds).toBeLessThan(60);
      const refusedRun = await run(`http://127.0.0.1:${refusedPort}`);
      expect(lastLine(refusedRun.stdout)).toMatchObject({ code: 'ENDPOINT_UNREACHABLE', field: 'srcEndpoint' });
    } finally {
      silent.close();
    }
  }, 150_000);

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
