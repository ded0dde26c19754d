/**
 * A bucket in another region than the task says — the most common setup mistake — through the real CLI. S3 answers a
 * request sent to the wrong region with 301 PermanentRedirect (x-amz-bucket-region, the bucket's endpoint) or, signed
 * for the wrong region, 400 AuthorizationHeaderMalformed naming the expected one; either way the run stops at once
 * with the side, the bucket, the region to set and the parameter that sets it. s3rver has one region, so a front
 * answers as S3 does.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../reliability/helpers.js';
import { servers } from '../support/servers.js';
import { baseParams, bucketPair, putSource, secretsFile } from './engine-fixtures.js';
import { startS3Front, type S3Front } from './s3-front.js';

const fronts: S3Front[] = [];
afterEach(async () => {
  await Promise.all(fronts.splice(0).map((f) => f.close()));
});

async function syncWith(overrides: Record<string, string>) {
  const { src, dst } = await bucketPair();
  await putSource(src, 'a.txt', 'a');
  const dir = mkdtempSync(join(tmpdir(), 'dth-region-'));
  const file = join(dir, 'task.json');
  writeFileSync(file, JSON.stringify(baseParams(src, dst, overrides)));
  const run = await runCli(
    ['s3', 'sync', '--params', file, '--secrets', secretsFile(), '--state', join(dir, 's.db'), '--json'],
    { timeoutMs: 60_000 },
  );
  return { run, src, dst };
}

describe('a bucket in another region', () => {
  it('source answered 301 PermanentRedirect: stops at once naming srcRegion and the region to set', async () => {
    const front = await startS3Front({
      target: servers.s3Source,
      wrongRegion: { region: 'eu-west-1', answer: 'redirect' },
    });
    fronts.push(front);
    const { run, src } = await syncWith({ srcEndpoint: front.endpoint });
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain(
      `source bucket ${src}: ListObjectsV2: the bucket is in region eu-west-1 (301 PermanentRedirect): set srcRegion to eu-west-1`,
    );
    // Asked once: a wrong region does not go away by retrying.
    expect(front.of('ListObjects')).toHaveLength(1);
  });

  it("an OSS source asked at another region's endpoint (403 AccessDenied naming the bucket's endpoint): names srcRegion and the region, not permissions", async () => {
    const front = await startS3Front({
      target: servers.s3Source,
      wrongRegion: { region: 'cn-beijing', answer: 'oss' },
    });
    fronts.push(front);
    const { run, src } = await syncWith({
      srcType: 'Aliyun_OSS',
      srcEndpoint: front.endpoint,
      srcRegion: 'cn-hangzhou',
    });
    expect(run.code).not.toBe(0);
    // Before: "the role/keys lack permission s3:ListBucket (403 AccessDenied: The bucket you are attempting to access…)".
    expect(run.stderr).toContain(
      `source bucket ${src}: ListObjectsV2: the bucket is in region cn-beijing (403 AccessDenied): set srcRegion to cn-beijing`,
    );
  });

  it('destination answered 400 AuthorizationHeaderMalformed: names destRegion and the region to set', async () => {
    const front = await startS3Front({
      target: servers.s3Dest,
      wrongRegion: { region: 'ap-southeast-2', answer: 'authorization' },
    });
    fronts.push(front);
    const { run, dst } = await syncWith({ destEndpoint: front.endpoint });
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain(
      `destination bucket ${dst}: ListObjectsV2: the bucket is in region ap-southeast-2 (400 AuthorizationHeaderMalformed): set destRegion to ap-southeast-2`,
    );
  });
});
