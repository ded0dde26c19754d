/**
 * Prefixes are taken as given, as the original lists and names keys: a leading "/" is part of the prefix (S3 keys may
 * begin with one), in srcPrefix, destPrefix and the lines of a prefix list; a destPrefix of "/" alone is none. Before,
 * every leading "/" was dropped: "/" selected the whole bucket and "/lead" nothing. The buckets are on a moto server
 * (s3rver cannot store a key beginning with "/"), the real CLI process runs the copy.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../reliability/helpers.js';
import { useMoto } from '../support/moto.js';
import { secretsFile } from './engine-fixtures.js';

const moto = useMoto();
const SRC = 'slash-src';
const KEYS = ['/lead.txt', '//two.txt', 'lead.txt'];
let s3: S3Client;
let work: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'dth-prefix-'));
  s3 = new S3Client({ ...moto.clientConfig(), forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: SRC }));
  for (const Key of KEYS) await s3.send(new PutObjectCommand({ Bucket: SRC, Key, Body: `bytes of ${Key}` }));
}, 60_000);

async function sync(dest: string, params: Record<string, string>, extra: string[] = []) {
  await s3.send(new CreateBucketCommand({ Bucket: dest }));
  const file = join(work, `${dest}.json`);
  const side = { endpoint: moto.endpoint, credentials: 's3rver' };
  writeFileSync(
    file,
    JSON.stringify({
      srcType: 'Amazon_S3',
      srcEndpoint: side.endpoint,
      srcBucket: SRC,
      srcCredentials: side.credentials,
      destEndpoint: side.endpoint,
      destBucket: dest,
      destRegion: 'us-east-1',
      destCredentials: side.credentials,
      ...params,
    }),
  );
  const run = await runCli(
    [
      's3',
      'sync',
      '--params',
      file,
      '--state',
      join(work, `${dest}.db`),
      '--secrets',
      secretsFile(),
      '--json',
      ...extra,
    ],
    { timeoutMs: 90_000 },
  );
  expect(run.code, run.stderr).toBe(0);
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: dest }));
  return {
    summary: JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '{}'),
    keys: (listed.Contents ?? []).map((o) => o.Key),
  };
}

describe('prefixes as given', () => {
  it('srcPrefix "/" selects the keys that begin with "/"; destPrefix "/bk" is kept whole', async () => {
    const { summary, keys } = await sync('slash-dst-a', { srcPrefix: '/', destPrefix: '/bk' });
    expect(summary).toMatchObject({ complete: true, copied: 2 });
    expect(keys.sort()).toEqual(['/bk///two.txt', '/bk//lead.txt']);
    const body = await s3.send(new GetObjectCommand({ Bucket: 'slash-dst-a', Key: '/bk//lead.txt' }));
    expect(await body.Body?.transformToString()).toBe('bytes of /lead.txt');
  });

  it('a destPrefix of "/" alone is none, as the original', async () => {
    const { keys } = await sync('slash-dst-b', { srcPrefix: '/lead', destPrefix: '/' });
    expect(keys).toEqual(['/lead.txt']);
  });

  it('a prefix list line "/lead" selects "/lead.txt" only, in a file with a byte-order mark too', async () => {
    const list = join(work, 'prefixes.txt');
    // Saved with a byte-order mark, as a Windows editor does: it is no part of the first prefix.
    writeFileSync(list, '\uFEFF/lead\r\n# keys that begin with a slash\n');
    const { summary, keys } = await sync('slash-dst-c', {}, ['--local-prefix-list', list]);
    expect(summary).toMatchObject({ complete: true, copied: 1 });
    expect(keys).toEqual(['/lead.txt']);
  });
});
