import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { servers } from '../support/servers.js';
import { baseParams, bucketPair, putSource, readObject, secretsFile } from './engine-fixtures.js';

function dth(args: string[]) {
  const r = spawnSync(process.execPath, ['bin/dth.mjs', ...args], { encoding: 'utf8', env: { ...process.env, NODE_NO_WARNINGS: '1' }, timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function paramsFile(params: Record<string, string>): string {
  const path = join(mkdtempSync(join(tmpdir(), 'dth-cli-')), 'task.json');
  writeFileSync(path, JSON.stringify(params));
  return path;
}

function stateArgs(secrets = secretsFile()): string[] {
  return ['--secrets', secrets, '--state', join(mkdtempSync(join(tmpdir(), 'dth-cli-state-')), 'state.db'), '--json'];
}

describe('dth s3 sync (real CLI process)', () => {
  it('copies, prints a JSON summary, exits 0; --dry-run plans without copying', async () => {
    const { src, dst } = await bucketPair();
    await putSource(src, 'a.txt', 'alpha');
    await putSource(src, 'b.txt', 'bravo!');
    const file = paramsFile(baseParams(src, dst));
    const secrets = secretsFile();

    const plan = dth(['s3', 'sync', '--params', file, '--dry-run', ...stateArgs(secrets)]);
    expect(plan.code).toBe(0);
    expect(JSON.parse(plan.stdout.trim().split('\n').at(-1)!)).toMatchObject({ event: 'plan', toTransfer: 2, bytesToTransfer: 11 });
    await expect(readObject(servers.s3Dest, dst, 'a.txt')).rejects.toThrow();

    const run = dth(['s3', 'sync', '--params', file, ...stateArgs(secrets)]);
    expect(run.code, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout.trim().split('\n').at(-1)!);
    expect(summary).toMatchObject({ event: 'summary', complete: true, verified: 2, failed: 0 });
    expect((await readObject(servers.s3Dest, dst, 'b.txt')).toString()).toBe('bravo!');
  });

  it('flags override the params file (kebab-case)', async () => {
    const { src, dst } = await bucketPair();
    await putSource(src, 'x/1', '1');
    await putSource(src, 'y/2', '2');
    const run = dth(['s3', 'sync', '--params', paramsFile(baseParams(src, dst)), '--src-prefix', 'y/', ...stateArgs()]);
    expect(run.code, run.stderr).toBe(0);
    expect((await readObject(servers.s3Dest, dst, 'y/2')).toString()).toBe('2');
    await expect(readObject(servers.s3Dest, dst, 'x/1')).rejects.toThrow();
  });

  it('names the problem and exits non-zero on a missing bucket, a dead endpoint, wrong keys or bad params', async () => {
    const { src, dst } = await bucketPair();
    await putSource(src, 'keep.txt', 'keep');

    const noBucket = dth(['s3', 'sync', '--params', paramsFile(baseParams('no-such-bucket-dth', dst)), ...stateArgs()]);
    expect(noBucket.code).not.toBe(0);
    expect(noBucket.stderr).toMatch(/bucket "no-such-bucket-dth" does not exist/);

    const deadEndpoint = dth(['s3', 'sync', '--params', paramsFile({ ...baseParams(src, dst), srcEndpoint: 'http://127.0.0.1:1' }), ...stateArgs()]);
    expect(deadEndpoint.code).not.toBe(0);
    expect(deadEndpoint.stderr).toMatch(/cannot reach http:\/\/127\.0\.0\.1:1/);

    const badKeys = join(mkdtempSync(join(tmpdir(), 'dth-bad-')), 'secrets.json');
    writeFileSync(badKeys, JSON.stringify({ s3rver: { access_key_id: 'WRONGKEY', secret_access_key: 'nope-secret-value' } }), { mode: 0o600 });
    const wrongKeys = dth(['s3', 'sync', '--params', paramsFile(baseParams(src, dst)), ...stateArgs(badKeys)]);
    expect(wrongKeys.code).not.toBe(0);
    expect(wrongKeys.stderr).toMatch(/source bucket \S+: ListObjectsV2: credentials of secret "s3rver" were rejected \(403 InvalidAccessKeyId\)/);
    expect(wrongKeys.stderr + wrongKeys.stdout).not.toContain('nope-secret-value');

    const missingSecret = dth(['s3', 'sync', '--params', paramsFile({ ...baseParams(src, dst), srcCredentials: 'absent' }), ...stateArgs()]);
    expect(missingSecret.code).not.toBe(0);
    expect(missingSecret.stderr).toMatch(/secret "absent" was not found/);

    const badParam = dth(['s3', 'sync', '--params', paramsFile({ ...baseParams(src, dst), destStorageClass: 'COLD' }), ...stateArgs()]);
    expect(badParam.code).toBe(2);
    expect(badParam.stderr).toMatch(/Storage class \(destStorageClass\): "COLD" is not one of/);

    const malformed = join(mkdtempSync(join(tmpdir(), 'dth-bad-')), 'task.json');
    writeFileSync(malformed, '{ "srcBucket": ');
    const badFile = dth(['s3', 'sync', '--params', malformed, ...stateArgs()]);
    expect(badFile.code).toBe(2);
    expect(badFile.stderr).toMatch(/--params: .* is not valid JSON/);

    const unknownFlag = dth(['s3', 'sync', '--params', paramsFile(baseParams(src, dst)), '--src-buckett', 'x', ...stateArgs()]);
    expect(unknownFlag.code).toBe(2);
    expect(unknownFlag.stderr).toMatch(/--src-buckett: is not a known option/);

    // Nothing was written to the destination by any failed run.
    await expect(readObject(servers.s3Dest, dst, 'keep.txt')).rejects.toThrow();
  });
});
