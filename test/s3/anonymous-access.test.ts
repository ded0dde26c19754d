/**
 * A side not in this account and without credentials is read and written with unsigned requests — public and
 * open-data buckets, also across partitions (a China key is unknown to a global bucket and the other way round)
 * and on OSS/COS, which answer the same. Fronts over s3rver play such buckets: one refuses any signed request
 * (403 InvalidAccessKeyId, as a bucket of another partition does), one refuses unsigned ones (not public).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { servers } from '../support/servers.js';
import { bucketPair, putSource, readObject, runEmbedded } from './engine-fixtures.js';
import { startS3Front, type S3Front } from './s3-front.js';

const fronts: S3Front[] = [];
const saved: Record<string, string | undefined> = {};
const CREDENTIAL_ENV = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE'];

// No credentials anywhere in the environment: signing could only fail, so every request must go unsigned.
beforeEach(() => {
  for (const k of CREDENTIAL_ENV) {
    saved[k] = process.env[k];
    delete process.env[k];
  }
});
afterEach(async () => {
  for (const k of CREDENTIAL_ENV) if (saved[k] !== undefined) process.env[k] = saved[k];
  await Promise.all(fronts.splice(0).map((f) => f.close()));
});

async function front(options: Parameters<typeof startS3Front>[0]): Promise<S3Front> {
  const f = await startS3Front(options);
  fronts.push(f);
  return f;
}

/** The original portal's parameters for an S3-compatible source and destination not in this account, without secrets. */
function anonymousParams(
  src: string,
  srcEndpoint: string,
  dst: string,
  destEndpoint: string,
  extra: Record<string, string> = {},
) {
  return {
    srcType: 'Amazon_S3',
    srcEndpoint,
    srcRegion: '',
    srcBucket: src,
    srcInCurrentAccount: 'false',
    srcCredentials: '',
    destEndpoint,
    destBucket: dst,
    destRegion: 'us-east-1',
    destInCurrentAccount: 'false',
    destCredentials: '',
    multipartThreshold: '8MiB',
    chunkSize: '5MiB',
    ...extra,
  };
}

describe('anonymous sides', () => {
  it('reads a public source and writes an open destination with unsigned requests (no Authorization, no signing headers)', async () => {
    const { src, dst } = await bucketPair();
    await putSource(src, 'open/data.csv', 'a,b\n1,2\n');
    await putSource(src, 'open/big.bin', Buffer.alloc(9 * 1024 * 1024, 7));
    const source = await front({ target: servers.s3Source, refuseSigned: true });
    const dest = await front({ target: servers.s3Dest, refuseSigned: true });
    const run = await runEmbedded(anonymousParams(src, source.endpoint, dst, dest.endpoint));
    expect(run.report).toMatchObject({ complete: true, done: 2, verified: 2, failed: 0 });
    expect((await readObject(servers.s3Dest, dst, 'open/data.csv')).toString()).toBe('a,b\n1,2\n');
    const all = [...source.requests, ...dest.requests];
    expect(source.of('ListObjects', 'GetObject').length).toBeGreaterThan(0);
    expect(
      dest.of('PutObject', 'CreateMultipartUpload', 'UploadPart', 'CompleteMultipartUpload').length,
    ).toBeGreaterThan(0);
    for (const r of all) {
      expect(r.headers.authorization, `${r.op} ${r.url}`).toBeUndefined();
      expect(r.headers['x-amz-date']).toBeUndefined();
      expect(r.headers['x-amz-security-token']).toBeUndefined();
    }
  });

  it('a source that is not public: the error names the side, the bucket and the field to set', async () => {
    const { src, dst } = await bucketPair();
    await putSource(src, 'private.txt', 'p');
    const source = await front({ target: servers.s3Source, refuseUnsigned: true });
    const run = runEmbedded(
      anonymousParams(src, source.endpoint, dst, servers.s3Dest, {
        destInCurrentAccount: 'false',
        destCredentials: 's3rver',
      }),
    );
    await expect(run).rejects.toThrow(
      new RegExp(
        `^source bucket ${src}: ListObjectsV2: anonymous \\(unsigned\\) requests were refused \\(403 AccessDenied\\): the bucket does not allow public s3:ListBucket; name a secret in srcCredentials, or set srcInCurrentAccount=true$`,
      ),
    );
  });
});
