/**
 * Bad inputs through the real CLI (`node bin/dth.mjs s3 sync`): each gives a clear error naming what is
 * wrong, a non-zero exit code, no stack trace, no secret in the output, and nothing lost at the destination.
 * Hostile keys (`../`, 1024-byte, control characters) are copied as the opaque names they are.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBucket, s3Client, servers, uniqueName } from '../support/servers.js';
import { compareWithSource, listKeys, md5Of, runCli, seedObjects, type CliResult, type ObjectSpec } from './helpers.js';

const SECRET = 'h7-Bad-Inputs-Secret-Value-8c1f';
let work: string;
let srcBucket: string;
let dstBucket: string;
let sentinelMd5: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'dth-rel-bad-'));
  writeFileSync(
    join(work, 'secrets.json'),
    JSON.stringify({
      good: { access_key_id: 'S3RVER', secret_access_key: SECRET },
      wrong: { access_key_id: 'NOT-S3RVER-KEY', secret_access_key: SECRET },
      // The shape other tools write (AWS CLI credentials file names), not the one the original documents.
      shaped: { aws_access_key_id: 'S3RVER', aws_secret_access_key: SECRET },
    }),
    { mode: 0o600 },
  );
  srcBucket = await createBucket(servers.s3Source, 'rel-bad-src');
  dstBucket = await createBucket(servers.s3Dest, 'rel-bad-dst');
  await seedObjects(s3Client(servers.s3Source), srcBucket, [{ key: 'data/one.txt', size: 1000 }]);
  // Something already at the destination that no failed run may touch.
  const seeded = await seedObjects(s3Client(servers.s3Dest), dstBucket, [{ key: 'keep/sentinel.txt', size: 4321 }]);
  sentinelMd5 = seeded.get('keep/sentinel.txt')!;
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

function task(overrides: Record<string, unknown>): Record<string, unknown> {
  return {
    srcType: 'S3_Compatible',
    srcEndpoint: servers.s3Source,
    srcBucket,
    srcCredentials: 'good',
    destEndpoint: servers.s3Dest,
    destBucket: dstBucket,
    destRegion: 'us-east-1',
    destCredentials: 'good',
    ...overrides,
  };
}

async function sync(name: string, paramsText: string, extraArgs: string[] = []): Promise<CliResult> {
  const file = join(work, `${name}.json`);
  writeFileSync(file, paramsText);
  return runCli(
    [
      's3',
      'sync',
      '--params',
      file,
      '--state',
      join(work, `${name}.db`),
      '--secrets',
      join(work, 'secrets.json'),
      '--json',
      ...extraArgs,
    ],
    {
      timeoutMs: 90_000,
    },
  );
}

async function expectCleanFailure(result: CliResult, message: RegExp): Promise<void> {
  const out = result.stdout + result.stderr;
  expect(result.code, out).not.toBe(0);
  expect(result.code, out).not.toBeNull(); // exited, was not killed by the timeout
  expect(out).toMatch(message);
  expect(out).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)/); // no stack trace
  expect(out).not.toContain(SECRET);
  // Nothing lost or added at the destination.
  const keys = await listKeys(s3Client(servers.s3Dest), dstBucket);
  expect([...keys.keys()]).toEqual(['keep/sentinel.txt']);
  expect(await md5Of(s3Client(servers.s3Dest), dstBucket, 'keep/sentinel.txt')).toBe(sentinelMd5);
}

describe('dth s3 sync with bad inputs', () => {
  it('malformed params file: names the file and the JSON problem', async () => {
    const r = await sync('malformed', '{ "srcBucket": "abc", ');
    await expectCleanFailure(r, /--params.*not valid JSON/);
    expect(r.code).toBe(2);
  });

  it('a secrets file that is not JSON, or a secret that is not an object of fields: a setting error (exit 2) naming the parameter and the file, never its content', async () => {
    const secretsAt = (name: string, text: string) => {
      const path = join(work, `${name}-secrets.json`);
      writeFileSync(path, text, { mode: 0o600 });
      return path;
    };
    const run = (secrets: string) =>
      runCli(
        ['s3', 'sync', '--params', join(work, 'secrets-case.json'), '--state', join(work, 'secrets-case.db')].concat([
          '--secrets',
          secrets,
        ]),
      );
    writeFileSync(join(work, 'secrets-case.json'), JSON.stringify(task({})));
    const broken = secretsAt('broken', `{"good": {"secret_access_key": "${SECRET}"`);
    const notJson = await run(broken);
    await expectCleanFailure(
      notJson,
      new RegExp(
        `Source credentials \\(srcCredentials\\): secret "good" .*\\(secrets file ${broken} is not valid JSON\\)`,
      ),
    );
    expect(notJson.code).toBe(2);
    const flat = secretsAt('flat', JSON.stringify({ good: `S3RVER:${SECRET}` }));
    const notObject = await run(flat);
    await expectCleanFailure(notObject, /secret "good" .*it is not a JSON object of fields: \{"access_key_id"/);
    expect(notObject.code).toBe(2);
  });

  it('params file that does not exist', async () => {
    const r = await runCli([
      's3',
      'sync',
      '--params',
      join(work, 'nope.json'),
      '--state',
      join(work, 'x.db'),
      '--secrets',
      join(work, 'secrets.json'),
    ]);
    await expectCleanFailure(r, /--params.*cannot read/);
  });

  it('invalid parameter value: names the field', async () => {
    const r = await sync('badclass', JSON.stringify(task({ destStorageClass: 'SUPER_FAST' })));
    await expectCleanFailure(r, /destStorageClass/);
    expect(r.code).toBe(2);
  });

  it('missing source bucket and missing destination bucket', async () => {
    const missing = uniqueName('no-such-bucket');
    const src = await sync('nosrc', JSON.stringify(task({ srcBucket: missing })));
    await expectCleanFailure(src, new RegExp(`bucket "${missing}" does not exist`));
    const dst = await sync('nodst', JSON.stringify(task({ destBucket: missing })));
    await expectCleanFailure(dst, new RegExp(`bucket "${missing}" does not exist`));
  });

  it('unreachable endpoint', async () => {
    const r = await sync('unreachable', JSON.stringify(task({ srcEndpoint: 'http://127.0.0.1:1' })));
    await expectCleanFailure(r, /cannot reach http:\/\/127\.0\.0\.1:1/);
  });

  it('wrong credentials (s3rver accepts only the access key S3RVER) and a missing secret', async () => {
    const wrong = await sync('wrongkey', JSON.stringify(task({ destCredentials: 'wrong' })));
    await expectCleanFailure(
      wrong,
      /destination bucket \S+: ListObjectsV2: credentials of secret "wrong" were rejected/,
    );
    const missing = await sync('nosecret', JSON.stringify(task({ srcCredentials: 'not-in-file' })));
    await expectCleanFailure(
      missing,
      /^dth s3 sync: Source credentials \(srcCredentials\): secret "not-in-file" was not found/m,
    );
    expect(missing.code).toBe(2); // bad input, like any other wrong parameter
    const shaped = await sync('shapedsecret', JSON.stringify(task({ destCredentials: 'shaped' })));
    await expectCleanFailure(
      shaped,
      /^dth s3 sync: Destination credentials \(destCredentials\): secret "shaped" must hold access_key_id and secret_access_key/m,
    );
    expect(shaped.code).toBe(2);
  });

  it('prefix list file missing: names the parameter and the path', async () => {
    const r = await sync(
      'noprefixlist',
      JSON.stringify(task({ srcPrefixsListFile: join(work, 'missing-prefixes.txt') })),
    );
    await expectCleanFailure(r, /srcPrefixsListFile.*missing-prefixes\.txt/);
  });
});

describe('dth s3 sync with hostile keys', () => {
  // s3rver maps keys to files (a `../` key escapes its bucket directory, a >255-byte path segment crashes the server),
  // so these keys travel between two buckets of the in-memory S3 of fauxqs; two spellings of its address keep
  // the copy going through this machine instead of a server-side CopyObject.
  const HOSTILE: ObjectSpec[] = [
    { key: '../escape.txt', size: 100 },
    { key: 'a/../../b.txt', size: 200 },
    { key: './dot.txt', size: 300 },
    { key: '..', size: 1 },
    { key: `long/${'k'.repeat(1019)}`, size: 50 }, // 1024 bytes, the S3 maximum
    { key: 'ctl-\u0001\u001b[31mred\u001b[0m-\u007f.txt', size: 60 },
    // Listings ask for encoding-type=url (which AWS honours); fauxqs answers raw keys, which our parser keeps as they are.
    { key: 'line\nbreak.txt', size: 70 },
    { key: 'carriage\rreturn.txt', size: 75 },
    { key: 'tab\tand space .txt', size: 80 },
    { key: 'back\\slash/%2e%2e/enc', size: 90 },
    { key: 'a//double//slash', size: 110 },
    { key: 'query?x=1&y#frag', size: 120 },
    { key: 'unicode/é😀\uFFFD', size: 130 },
  ];

  it('copies every hostile key byte-identical, writes no local file, keeps control characters out of the output', async () => {
    const port = new URL(servers.sqs).port;
    const srcEndpoint = `http://127.0.0.1:${port}`;
    const dstEndpoint = `http://localhost:${port}`;
    const client = s3Client;
    const src = uniqueName('rel-hostile-src');
    const dst = uniqueName('rel-hostile-dst');
    await client(srcEndpoint).send(new CreateBucketCommand({ Bucket: src }));
    await client(srcEndpoint).send(new CreateBucketCommand({ Bucket: dst }));
    const expected = await seedObjects(client(srcEndpoint), src, HOSTILE);
    await client(dstEndpoint).send(
      new PutObjectCommand({ Bucket: dst, Key: '../escape.txt.keep', Body: 'pre-existing' }),
    );

    const cwd = join(work, 'hostile-cwd');
    rmSync(cwd, { recursive: true, force: true });
    mkdirSync(cwd);
    const file = join(work, 'hostile.json');
    writeFileSync(
      file,
      JSON.stringify({
        srcType: 'S3_Compatible',
        srcEndpoint,
        srcBucket: src,
        srcCredentials: 'good',
        destEndpoint: dstEndpoint,
        destBucket: dst,
        destRegion: 'us-east-1',
        destCredentials: 'good',
        // fauxqs answers GetObjectTagging with the object body (no tagging support), which no engine can parse.
        includeMetadata: false,
      }),
    );
    const r = await runCli(
      [
        's3',
        'sync',
        '--params',
        file,
        '--state',
        join(work, 'hostile.db'),
        '--secrets',
        join(work, 'secrets.json'),
        '--json',
      ],
      {
        cwd,
        timeoutMs: 90_000,
      },
    );
    expect(r.code, r.stderr.slice(-2000)).toBe(0);
    const summary = JSON.parse(r.stdout.trim().split('\n').pop()!) as { complete: boolean; verified: number };
    expect(summary, r.stdout.slice(-1500)).toMatchObject({ complete: true, verified: HOSTILE.length });

    const dest = client(dstEndpoint);
    expect(await compareWithSource(dest, dst, expected)).toEqual(['unexpected ../escape.txt.keep']);
    const kept = await dest.send(new GetObjectCommand({ Bucket: dst, Key: '../escape.txt.keep' }));
    expect(await kept.Body!.transformToString()).toBe('pre-existing');
    // Nothing was written next to the working directory or the state file.
    expect(readdirSync(cwd)).toEqual([]);
    expect(readdirSync(work).filter((f) => /escape|dot\.txt|b\.txt/.test(f))).toEqual([]);
    // Output is JSON lines: control characters from keys appear escaped, never raw.
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the test looks for raw control characters
    expect(r.stdout + r.stderr).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
  });
});
