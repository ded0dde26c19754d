import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../reliability/helpers.js';
import { startFaultProxy } from '../support/fault-proxy.js';
import { servers } from '../support/servers.js';
import { baseParams, bucketPair, headObject, putSource, readObject, secretsFile } from './engine-fixtures.js';

function dth(args: string[], env: NodeJS.ProcessEnv = process.env) {
  const r = spawnSync(process.execPath, ['bin/dth.mjs', ...args], {
    encoding: 'utf8',
    env: { ...env, NODE_NO_WARNINGS: '1' },
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** This environment without anything the SDK's default chain reads: no keys, profile, files, container or instance role. */
function noDefaultChain(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, AWS_EC2_METADATA_DISABLED: 'true' };
  for (const name of Object.keys(env)) {
    if (
      /^AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN|PROFILE|DEFAULT_PROFILE|WEB_IDENTITY_TOKEN_FILE|ROLE_ARN|CONTAINER_.*)$/.test(
        name,
      )
    )
      delete env[name];
  }
  const none = join(mkdtempSync(join(tmpdir(), 'dth-nochain-')), 'absent');
  return { ...env, AWS_SHARED_CREDENTIALS_FILE: none, AWS_CONFIG_FILE: none };
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
    expect(JSON.parse(plan.stdout.trim().split('\n').at(-1)!)).toMatchObject({
      event: 'plan',
      toTransfer: 2,
      bytesToTransfer: 11,
    });
    // Each object it would copy, named (as aws s3 sync --dryrun and rclone --dry-run do).
    const planned = plan.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .filter((l) => l.event === 'would_copy');
    expect(planned.sort((a, b) => a.key.localeCompare(b.key))).toEqual([
      { event: 'would_copy', key: 'a.txt', size: 5 },
      { event: 'would_copy', key: 'b.txt', size: 6 },
    ]);
    await expect(readObject(servers.s3Dest, dst, 'a.txt')).rejects.toThrow();

    const run = dth(['s3', 'sync', '--params', file, ...stateArgs(secrets)]);
    expect(run.code, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout.trim().split('\n').at(-1)!);
    expect(summary).toMatchObject({ event: 'summary', complete: true, verified: 2, failed: 0 });
    expect((await readObject(servers.s3Dest, dst, 'b.txt')).toString()).toBe('bravo!');
  });

  it('a switch written with a value, as scripts write it: --dry-run=true plans, --dry-run=false copies', async () => {
    const { src, dst } = await bucketPair();
    await putSource(src, 'a.txt', 'alpha');
    const file = paramsFile(baseParams(src, dst));
    const state = stateArgs();
    const last = (r: { stdout: string }) => JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    // Before: "--dry-run: needs a value" (exit 2) for both.
    const plan = await runCli(['s3', 'sync', '--params', file, '--dry-run=true', ...state]);
    expect(plan.code, plan.stderr).toBe(0);
    expect(last(plan)).toMatchObject({ event: 'plan', toTransfer: 1 });
    await expect(readObject(servers.s3Dest, dst, 'a.txt')).rejects.toThrow();
    const run = await runCli(['s3', 'sync', '--params', file, '--dry-run=false', ...state]);
    expect(run.code, run.stderr).toBe(0);
    expect(last(run)).toMatchObject({ event: 'summary', complete: true, copied: 1 });
    expect((await readObject(servers.s3Dest, dst, 'a.txt')).toString()).toBe('alpha');
  });

  it("--dry-run reads the task's state as the run does (never writes it): its plan is what the run then copies", async () => {
    const { src, dst } = await bucketPair();
    await putSource(src, 'doc.txt', 'same bytes');
    const file = paramsFile(baseParams(src, dst));
    const state = stateArgs();
    const last = (r: { stdout: string }) => JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    expect(last(await runCli(['s3', 'sync', '--params', file, ...state]))).toMatchObject({ complete: true, copied: 1 });
    await new Promise((ok) => setTimeout(ok, 1100));
    await putSource(src, 'doc.txt', 'same bytes'); // newer, same ETag: the verified copy stands
    const plan = last(await runCli(['s3', 'sync', '--params', file, '--dry-run', ...state]));
    // Before: 1, the run then copied 0. Newer by its date, in place by its record: counted unchanged, by both.
    expect(plan).toMatchObject({ event: 'plan', toTransfer: 0, unchanged: 1 });
    expect(last(await runCli(['s3', 'sync', '--params', file, ...state]))).toMatchObject({
      complete: true,
      copied: 0,
      unchanged: 1,
    });
  });

  it('takes a true/false parameter given alone as true, and still reads a value after it', async () => {
    const { src, dst } = await bucketPair();
    await putSource(src, 'tagged.txt', 'with metadata', { Metadata: { owner: 'me' } });
    const file = paramsFile(baseParams(src, dst));
    const state = stateArgs();
    const summaryOf = (r: { stdout: string }) => JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    // "--include-metadata false" keeps its value; a bare flag last on the line is true.
    const first = dth(['s3', 'sync', '--params', file, '--include-metadata', 'false', ...state, '--src-skip-compare']);
    expect(first.stderr).toBe('');
    expect(summaryOf(first)).toMatchObject({ event: 'summary', complete: true, copied: 1 });
    expect((await headObject(servers.s3Dest, dst, 'tagged.txt')).Metadata).toEqual({});
    // Bare before another flag: true too, so the unchanged object is sent again (no comparison).
    const again = dth(['s3', 'sync', '--params', file, '--src-skip-compare', ...state]);
    expect(summaryOf(again)).toMatchObject({ complete: true, copied: 1, unchanged: 0 });
    const compared = dth(['s3', 'sync', '--params', file, '--src-skip-compare', 'false', ...state]);
    expect(summaryOf(compared)).toMatchObject({ complete: true, copied: 0, unchanged: 1 });
    // Any other word after it is still the value, and refused by name.
    const bad = dth(['s3', 'sync', '--params', file, '--src-skip-compare', 'maybe', ...state]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/srcSkipCompare.*"maybe" is not true or false/);
  });

  it("the summary counts this run's verified copies, not what it queued: a refused object is failed, not copied", async () => {
    const { src, dst } = await bucketPair();
    await putSource(src, 'a.txt', 'alpha');
    await putSource(src, 'b.txt', 'bravo!');
    await putSource(src, 'refused.txt', 'the source refuses to serve this one');
    // The source answers 403 AccessDenied to every GET of one key (a bucket policy denying it): failed at once.
    const source = await startFaultProxy({
      target: servers.s3Source,
      rates: { accessDenied: 1 },
      faultOps: ['GetObject'],
      faultWhen: (_op, url) => url.includes('refused.txt'),
    });
    try {
      const file = paramsFile(baseParams(src, dst, { srcEndpoint: source.endpoint }));
      // Asynchronously: the proxy answers in this process.
      const { code, stdout } = await runCli(['s3', 'sync', '--params', file, ...stateArgs()]);
      expect(code).toBe(1);
      const summary = JSON.parse(stdout.trim().split('\n').at(-1)!);
      expect(summary).toMatchObject({
        event: 'summary',
        complete: false,
        queued: 3,
        copied: 2,
        bytesCopied: 'alpha'.length + 'bravo!'.length,
        failed: 1,
        verified: 2,
      });
      expect(summary.failures).toEqual([{ key: 'refused.txt', error: expect.stringMatching(/AccessDenied|denied/i) }]);
    } finally {
      await source.close();
    }
  });

  it("a run with other include patterns keeps its own state: an earlier selection's unfinished objects are not its own", async () => {
    const { src, dst } = await bucketPair();
    for (const key of ['a/1', 'a/2', 'b/1']) await putSource(src, key, key);
    // The destination refuses every object under a/ (a bucket policy), so the first selection ends unfinished.
    const dest = await startFaultProxy({
      target: servers.s3Dest,
      rates: { accessDenied: 1 },
      faultOps: ['PutObject'],
      faultWhen: (_op, url) => url.includes('/a/'),
    });
    try {
      const state = stateArgs();
      const params = (include: string) =>
        paramsFile({ ...baseParams(src, dst, { destEndpoint: dest.endpoint }), include });
      expect((await runCli(['s3', 'sync', '--params', params('a/**'), ...state])).code).toBe(1);
      // Before: "complete": false with the first selection's failures, exit 1 — and so on every later run.
      const second = await runCli(['s3', 'sync', '--params', params('b/**'), ...state]);
      expect(second.code, second.stdout).toBe(0);
      expect(JSON.parse(second.stdout.trim().split('\n').at(-1)!)).toMatchObject({
        complete: true,
        copied: 1,
        failed: 0,
      });
      // The same with a local prefix list rewritten in place: its contents, not its path, are the selection.
      const list = join(mkdtempSync(join(tmpdir(), 'dth-list-')), 'prefixes.txt');
      const listState = stateArgs();
      const byList = () =>
        runCli([
          's3',
          'sync',
          '--params',
          paramsFile(baseParams(src, dst, { destEndpoint: dest.endpoint })),
          '--local-prefix-list',
          list,
          ...listState,
        ]);
      writeFileSync(list, 'a/\n');
      expect((await byList()).code).toBe(1);
      writeFileSync(list, 'b/\n');
      const third = await byList();
      expect(third.code, third.stdout).toBe(0);
      expect(JSON.parse(third.stdout.trim().split('\n').at(-1)!)).toMatchObject({ complete: true, failed: 0 });
    } finally {
      await dest.close();
    }
  });

  it('run as a user runs it (warnings not silenced), the default credential chain prints no SDK notice', async () => {
    const { src, dst } = await bucketPair();
    await putSource(src, 'role.txt', 'read with the default chain');
    const env: NodeJS.ProcessEnv = { ...process.env, AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' };
    delete env.NODE_NO_WARNINGS; // the test command sets it; a user's shell does not
    const file = paramsFile(baseParams(src, dst, { srcCredentials: '', srcInCurrentAccount: 'true' }));
    const r = spawnSync(process.execPath, ['bin/dth.mjs', 's3', 'sync', '--params', file, ...stateArgs()], {
      encoding: 'utf8',
      env,
      timeout: 60_000,
    });
    expect(r.status, r.stderr).toBe(0);
    expect((await readObject(servers.s3Dest, dst, 'role.txt')).toString()).toBe('read with the default chain');
    // Before: eight lines of the SDK's NodeVersionSupportWarning on every run that used the default chain.
    expect(r.stderr).not.toMatch(/Warning|node >=22/);
  });

  it("takes the original template's parameter names as flags, its cloud settings accepted and checked, with no effect", async () => {
    const { src, dst } = await bucketPair();
    await putSource(src, 'orig/1.txt', 'one');
    // The original plugin template's names (camelCase, as a CloudFormation parameter list has them) and its values.
    const original = [
      '--srcType',
      'Amazon_S3',
      '--srcEndpoint',
      servers.s3Source,
      '--srcBucket',
      src,
      '--srcPrefix',
      'orig/',
      '--srcRegion',
      '',
      '--srcInCurrentAccount',
      'false',
      '--srcCredentials',
      's3rver',
      '--srcEvent',
      'No',
      '--srcSkipCompare',
      'false',
      '--isPayerRequest',
      'false',
      '--destBucket',
      dst,
      '--destEndpoint',
      servers.s3Dest,
      '--destRegion',
      'us-east-1',
      '--destInCurrentAccount',
      'false',
      '--destCredentials',
      's3rver',
      '--destStorageClass',
      'STANDARD',
      '--destAcl',
      'bucket-owner-full-control',
      '--destPutObjectSSEType',
      'None',
      '--includeMetadata',
      'false',
      '--workerNumber',
      '4',
      '--maxCapacity',
      '20',
      '--minCapacity',
      '1',
      '--desiredCapacity',
      '1',
      '--finderDepth',
      '0',
      '--finderNumber',
      '1',
      '--finderEc2Memory',
      '8',
      '--ec2CronExpression',
      '0/60 * * * ? *',
      '--alarmEmail',
      'ops@example.com',
      '--ec2VpcId',
      'vpc-0123456789abcdef0',
      '--ec2Subnets',
      'subnet-0a1b2c3d,subnet-0f1e2d3c',
    ];
    const run = dth(['s3', 'sync', ...original, ...stateArgs()]);
    expect(run.code, run.stderr).toBe(0);
    expect((await readObject(servers.s3Dest, dst, 'orig/1.txt')).toString()).toBe('one');
    // Kebab-case too, and a wrong value of a cloud setting is still named.
    const bad = dth(['s3', 'sync', ...original, '--finder-ec2-memory', '7', ...stateArgs()]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--finder-ec2-memory: is the same parameter as --finderEc2Memory/);
    const badValue = dth([
      's3',
      'sync',
      '--src-bucket',
      src,
      '--src-endpoint',
      servers.s3Source,
      '--dest-bucket',
      dst,
      '--finder-ec2-memory',
      '7',
      ...stateArgs(),
    ]);
    expect(badValue.code).toBe(2);
    expect(badValue.stderr).toMatch(/Finder memory \(GiB\) \(finderEc2Memory\): "7" is not one of 8, 16/);
    // S3 events reach only the cloud deployment: a local run refuses them instead of copying once and ignoring them.
    const events = dth(['s3', 'sync', ...original.map((v) => (v === 'No' ? 'Create' : v)), ...stateArgs()]);
    expect(events.code).toBe(2);
    expect(events.stderr).toMatch(
      /Enable S3 event \(srcEvent, source side\): Create: no S3 event notification reaches a local run/,
    );
    // A misspelt flag is named with the one meant.
    const typo = dth(['s3', 'sync', '--src-bukcet', src, ...stateArgs()]);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/--src-bukcet: is not a known option \(did you mean --src-bucket\? see --help\)/);
    // A value starting with "-" (a prefix, a negative number) is not taken for a missing one: the message says how.
    const dashValue = dth(['s3', 'sync', '--src-bucket', src, '--src-prefix', '-logs/', ...stateArgs()]);
    expect(dashValue.code).toBe(2);
    expect(dashValue.stderr).toContain(
      '--src-prefix: needs a value; one starting with "-" is written --src-prefix=-logs/',
    );
    // --help names them, saying what they do here.
    const help = dth(['s3', 'sync', '--help']);
    expect(help.stdout).toMatch(/--max-capacity/);
    expect(help.stdout).toMatch(/no effect on a local sync/);
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

  it('adds up a repeated --include/--exclude (as rclone and aws s3 sync); another flag given twice, or a list in the params file for a one-value parameter, is refused', async () => {
    const { src, dst } = await bucketPair();
    for (const key of ['a/1.txt', 'b/2.txt', 'c/3.txt']) await putSource(src, key, key);
    const file = paramsFile(baseParams(src, dst));
    // Before: only the last --exclude held, and a/1.txt was copied.
    const run = await runCli([
      's3',
      'sync',
      '--params',
      file,
      '--exclude',
      'a/**',
      '--exclude',
      'b/**',
      ...stateArgs(),
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect((await readObject(servers.s3Dest, dst, 'c/3.txt')).toString()).toBe('c/3.txt');
    for (const key of ['a/1.txt', 'b/2.txt']) await expect(readObject(servers.s3Dest, dst, key), key).rejects.toThrow();

    const twice = await runCli([
      's3',
      'sync',
      '--params',
      file,
      '--src-prefix',
      'a/',
      '--src-prefix',
      'b/',
      ...stateArgs(),
    ]);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toMatch(/--src-prefix: is given 2 times; give it once/);
    // The duplicated parameter is still read: what depends on it is not refused as if it were absent.
    const endpointTwice = await runCli([
      's3',
      'sync',
      '--src-bucket',
      src,
      '--dest-bucket',
      dst,
      '--src-endpoint',
      servers.s3Source,
      '--src-endpoint',
      servers.s3Source,
      '--dest-endpoint',
      servers.s3Dest,
      ...stateArgs(),
    ]);
    expect(endpointTwice.code).toBe(2);
    expect(endpointTwice.stderr).toMatch(/--src-endpoint: is given 2 times; give it once/);
    expect(endpointTwice.stderr).not.toMatch(/srcRegion/);
    // Before: joined into the prefix "a/,b/", which no key has: nothing copied, exit 0.
    const listed = await runCli([
      's3',
      'sync',
      '--params',
      paramsFile({ ...baseParams(src, dst), srcPrefix: ['a/', 'b/'] } as never),
      ...stateArgs(),
    ]);
    expect(listed.code).toBe(2);
    expect(listed.stderr).toMatch(/srcPrefix\): takes one value, not a list/);
  });

  it('says so when the selection matches no source object, with the likely slip; and that srcPrefix is unused beside a prefix list', async () => {
    const { src, dst } = await bucketPair();
    for (const key of ['data/a.jpg', 'data/sub/b.jpg', 'lists/prefixes.txt']) await putSource(src, key, key);
    const warnings = (stderr: string) =>
      stderr
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l))
        .filter((l) => l.level === 'warn');
    const slash = dth([
      's3',
      'sync',
      '--params',
      paramsFile({ ...baseParams(src, dst), srcPrefix: '/data/' }),
      ...stateArgs(),
    ]);
    expect(slash.code, slash.stderr).toBe(0);
    expect(JSON.parse(slash.stdout.trim().split('\n').at(-1)!)).toMatchObject({ scanned: 0, copied: 0 });
    expect(warnings(slash.stderr)).toContainEqual(
      expect.objectContaining({
        event: 'finder.nothing_selected',
        srcPrefix: '/data/',
        hints: [expect.stringMatching(/begins with "\/": a prefix is matched from a key's first character/)],
      }),
    );
    const relative = dth([
      's3',
      'sync',
      '--params',
      paramsFile({ ...baseParams(src, dst), srcPrefix: 'data/', include: 'sub/*.jpg' }),
      ...stateArgs(),
    ]);
    expect(warnings(relative.stderr)).toContainEqual(
      expect.objectContaining({
        event: 'finder.nothing_selected',
        include: ['sub/*.jpg'],
        hints: [expect.stringMatching(/include globs match the whole key, srcPrefix included/)],
      }),
    );
    // A selection that matches says nothing of the kind; srcPrefix beside a prefix list is named as unused.
    await putSource(src, 'lists/prefixes.txt', 'data/sub/\n');
    const listed = dth([
      's3',
      'sync',
      '--params',
      paramsFile({ ...baseParams(src, dst), srcPrefix: 'data/', srcPrefixsListFile: 'lists/prefixes.txt' }),
      ...stateArgs(),
    ]);
    expect(listed.code, listed.stderr).toBe(0);
    expect(JSON.parse(listed.stdout.trim().split('\n').at(-1)!)).toMatchObject({ copied: 1 });
    expect(warnings(listed.stderr).map((w) => w.event)).toEqual(['finder.src_prefix_ignored']);
  });

  it('takes a prefix as given: one ending in a space selects the keys with that space only', async () => {
    const { src, dst } = await bucketPair();
    for (const key of ['tp/a b', 'tp/ab', 'tp/a/c']) await putSource(src, key, key);
    const run = dth([
      's3',
      'sync',
      '--params',
      paramsFile({ ...baseParams(src, dst), srcPrefix: 'tp/a ' }),
      ...stateArgs(),
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout.trim().split('\n').at(-1)!)).toMatchObject({ copied: 1 });
    expect((await readObject(servers.s3Dest, dst, 'tp/a b')).toString()).toBe('tp/a b');
    await expect(readObject(servers.s3Dest, dst, 'tp/ab')).rejects.toThrow();
  });

  it('names the problem and exits non-zero on a missing bucket, a dead endpoint, wrong keys or bad params', async () => {
    const { src, dst } = await bucketPair();
    await putSource(src, 'keep.txt', 'keep');

    const noBucket = dth(['s3', 'sync', '--params', paramsFile(baseParams('no-such-bucket-dth', dst)), ...stateArgs()]);
    expect(noBucket.code).not.toBe(0);
    expect(noBucket.stderr).toMatch(/bucket "no-such-bucket-dth" does not exist/);

    const deadEndpoint = dth([
      's3',
      'sync',
      '--params',
      paramsFile({ ...baseParams(src, dst), srcEndpoint: 'http://127.0.0.1:1' }),
      ...stateArgs(),
    ]);
    expect(deadEndpoint.code).not.toBe(0);
    expect(deadEndpoint.stderr).toMatch(/cannot reach http:\/\/127\.0\.0\.1:1/);

    const badKeys = join(mkdtempSync(join(tmpdir(), 'dth-bad-')), 'secrets.json');
    writeFileSync(
      badKeys,
      JSON.stringify({ s3rver: { access_key_id: 'WRONGKEY', secret_access_key: 'nope-secret-value' } }),
      { mode: 0o600 },
    );
    const wrongKeys = dth(['s3', 'sync', '--params', paramsFile(baseParams(src, dst)), ...stateArgs(badKeys)]);
    expect(wrongKeys.code).not.toBe(0);
    expect(wrongKeys.stderr).toMatch(
      /source bucket \S+: ListObjectsV2: credentials of secret "s3rver" were rejected \(403 InvalidAccessKeyId\)/,
    );
    expect(wrongKeys.stderr + wrongKeys.stdout).not.toContain('nope-secret-value');

    // A side in this account on a machine whose default chain is empty: nothing was rejected, nothing was found.
    const emptyChain = dth(
      [
        's3',
        'sync',
        '--params',
        paramsFile(baseParams(src, dst, { srcCredentials: '', srcInCurrentAccount: 'true' })),
        ...stateArgs(),
      ],
      noDefaultChain(),
    );
    expect(emptyChain.code).not.toBe(0);
    expect(emptyChain.stderr).toContain(
      `source bucket ${src}: ListObjectsV2: no AWS credentials found (srcInCurrentAccount=true uses this machine's default chain`,
    );
    expect(emptyChain.stderr).toMatch(/or name a secret in srcCredentials/);
    expect(emptyChain.stderr).not.toMatch(/rejected/);

    // The same with a secret named as well: the advice is not to name one, but that srcInCurrentAccount=true leaves it unused.
    const namedButUnused = dth(
      ['s3', 'sync', '--params', paramsFile(baseParams(src, dst, { srcInCurrentAccount: 'true' })), ...stateArgs()],
      noDefaultChain(),
    );
    expect(namedButUnused.code).not.toBe(0);
    expect(namedButUnused.stderr).toMatch(
      /no AWS credentials found \(srcInCurrentAccount=true [^\n]*; srcCredentials \("s3rver"\) is not used while srcInCurrentAccount=true: set srcInCurrentAccount to false to sign with that secret/,
    );
    expect(namedButUnused.stderr).not.toMatch(/or name a secret/);

    // An endpoint without a scheme is https:// (as the original's); a plain-HTTP store on either side says so.
    for (const [side, field] of [
      ['source', 'srcEndpoint'],
      ['destination', 'destEndpoint'],
    ] as const) {
      const plain = side === 'source' ? servers.s3Source : servers.s3Dest;
      const bare = plain.replace(/^http:\/\//, '');
      const noScheme = dth([
        's3',
        'sync',
        '--params',
        paramsFile({ ...baseParams(src, dst), [field]: bare }),
        ...stateArgs(),
      ]);
      expect(noScheme.code).not.toBe(0);
      expect(noScheme.stderr).toContain(`${side} endpoint https://${bare} does not speak TLS`);
      expect(noScheme.stderr).toContain(`if the store is plain HTTP, write http://${bare}`);
      expect(noScheme.stderr).not.toMatch(/SSL routines|openssl/);
    }

    const missingSecret = dth([
      's3',
      'sync',
      '--params',
      paramsFile({ ...baseParams(src, dst), srcCredentials: 'absent' }),
      ...stateArgs(),
    ]);
    expect(missingSecret.code).not.toBe(0);
    expect(missingSecret.stderr).toMatch(/secret "absent" was not found or is not readable \(not in \/.+\.json\)/);
    // A mistyped --secrets path says so, instead of blaming the secret.
    const noFile = join(mkdtempSync(join(tmpdir(), 'dth-cli-')), 'secrets.jsn');
    const missingFile = dth(['s3', 'sync', '--params', paramsFile(baseParams(src, dst)), ...stateArgs(noFile)]);
    expect(missingFile.code).toBe(2);
    expect(missingFile.stderr).toContain(
      `Source credentials (srcCredentials): secret "s3rver" was not found or is not readable (the secrets file ${noFile} does not exist)`,
    );

    const badParam = dth([
      's3',
      'sync',
      '--params',
      paramsFile({ ...baseParams(src, dst), destStorageClass: 'COLD' }),
      ...stateArgs(),
    ]);
    expect(badParam.code).toBe(2);
    expect(badParam.stderr).toMatch(/Storage class \(destStorageClass, destination side\): "COLD" is not one of/);

    const malformed = join(mkdtempSync(join(tmpdir(), 'dth-bad-')), 'task.json');
    writeFileSync(malformed, '{ "srcBucket": ');
    const badFile = dth(['s3', 'sync', '--params', malformed, ...stateArgs()]);
    expect(badFile.code).toBe(2);
    expect(badFile.stderr).toMatch(/--params: .* is not valid JSON/);

    const unknownFlag = dth([
      's3',
      'sync',
      '--params',
      paramsFile(baseParams(src, dst)),
      '--src-buckett',
      'x',
      ...stateArgs(),
    ]);
    expect(unknownFlag.code).toBe(2);
    expect(unknownFlag.stderr).toMatch(/--src-buckett: is not a known option/);

    // Nothing was written to the destination by any failed run.
    await expect(readObject(servers.s3Dest, dst, 'keep.txt')).rejects.toThrow();
  });
});
