/**
 * Archived source objects, as AWS lists them: the listing names the storage class (GLACIER, DEEP_ARCHIVE), so the
 * finder leaves an unrestored one out before any copy — and says so: SKIPPED with the reason, named in the CLI's
 * summary, counted by the plan. A restored one is copied. The source is a moto server (AWS's listings and restores;
 * s3rver lists every object as STANDARD), the destination an s3rver.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, PutObjectCommand, RestoreObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../reliability/helpers.js';
import { useMoto } from '../support/moto.js';
import { createBucket, servers } from '../support/servers.js';
import { readObject, secretsFile } from './engine-fixtures.js';

const moto = useMoto();
const SRC = 'archived-src';
let work: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'dth-archived-'));
  const s3 = new S3Client({ ...moto.clientConfig(), forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: SRC }));
  const put = (Key: string, StorageClass?: 'GLACIER' | 'DEEP_ARCHIVE') =>
    s3.send(new PutObjectCommand({ Bucket: SRC, Key, Body: `bytes of ${Key}`, StorageClass }));
  await put('hot.txt');
  await put('cold/glacier.txt', 'GLACIER');
  await put('cold/deep.txt', 'DEEP_ARCHIVE');
  await put('cold/restored.txt', 'GLACIER');
  await s3.send(new RestoreObjectCommand({ Bucket: SRC, Key: 'cold/restored.txt', RestoreRequest: { Days: 1 } }));
}, 60_000);

async function sync(dstBucket: string, extra: string[] = []) {
  const params = join(work, `${dstBucket}.json`);
  writeFileSync(
    params,
    JSON.stringify({
      srcType: 'S3_Compatible',
      srcEndpoint: moto.endpoint,
      srcBucket: SRC,
      srcCredentials: 's3rver',
      destEndpoint: servers.s3Dest,
      destBucket: dstBucket,
      destRegion: 'us-east-1',
      destCredentials: 's3rver',
    }),
  );
  const run = await runCli(
    [
      's3',
      'sync',
      '--params',
      params,
      '--state',
      join(work, `${dstBucket}.db`),
      '--secrets',
      secretsFile(),
      '--json',
      ...extra,
    ],
    { timeoutMs: 90_000 },
  );
  const last = run.stdout.trim().split('\n').at(-1) ?? '{}';
  return { run, out: JSON.parse(last) as Record<string, unknown> };
}

describe('archived source objects', () => {
  it('are left out as SKIPPED with the reason, named in the summary and counted by the plan; a restored one is copied', async () => {
    const dst = await createBucket(servers.s3Dest, 'archived-dst');
    const plan = await sync(dst, ['--dry-run']);
    expect(plan.out).toMatchObject({ event: 'plan', scanned: 4, toTransfer: 2, skippedArchived: 2, unchanged: 0 });

    const { run, out } = await sync(dst);
    expect(run.code, run.stderr).toBe(0);
    expect(out).toMatchObject({ event: 'summary', complete: true, copied: 2, skipped: 2, failed: 0 });
    // Before: complete, "skipped": 0, and no word of the two left behind but a count in a verbose line.
    expect(out.skippedObjects).toEqual([
      { key: 'cold/deep.txt', reason: 'source object "cold/deep.txt" is in DEEP_ARCHIVE and not restored' },
      { key: 'cold/glacier.txt', reason: 'source object "cold/glacier.txt" is in GLACIER and not restored' },
    ]);
    expect(run.stderr).toContain('"event":"finder.source_not_copyable"');
    expect((await readObject(servers.s3Dest, dst, 'cold/restored.txt')).toString()).toBe('bytes of cold/restored.txt');
    expect((await readObject(servers.s3Dest, dst, 'hot.txt')).toString()).toBe('bytes of hot.txt');
    await expect(readObject(servers.s3Dest, dst, 'cold/glacier.txt')).rejects.toThrow();
    // Run again: the two copies are unchanged, the two archived ones skipped again; neither counted as the other.
    const again = await sync(dst);
    expect(again.out).toMatchObject({ complete: true, copied: 0, queued: 0, scanned: 4, unchanged: 2, skipped: 2 });
  });
});
