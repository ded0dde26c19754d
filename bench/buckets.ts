/** Bucket chores of the benchmark: create, drop (by deleting s3rver's directory), list, and compare listings. */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { CreateBucketCommand, ListObjectsV2Command, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';

/** An SDK client for the benchmark's s3rver; `extra` adds settings such as a shared keep-alive agent. */
export function benchS3Client(endpoint: string, extra: S3ClientConfig = {}): S3Client {
  return new S3Client({
    ...extra,
    endpoint,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

export async function createBucket(endpoint: string, bucket: string): Promise<void> {
  await benchS3Client(endpoint).send(new CreateBucketCommand({ Bucket: bucket }));
}

/** s3rver keeps a bucket as one directory and caches nothing: removing it drops the bucket at once. */
export function dropBucket(dataDir: string, bucket: string): void {
  rmSync(join(dataDir, bucket), { recursive: true, force: true });
}

export interface ListingEntry {
  size: number;
  etag: string;
}

export async function listBucket(endpoint: string, bucket: string, prefix = ''): Promise<Map<string, ListingEntry>> {
  const s3 = benchS3Client(endpoint);
  const out = new Map<string, ListingEntry>();
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    for (const o of page.Contents ?? []) out.set(o.Key!, { size: o.Size ?? 0, etag: (o.ETag ?? '').replace(/"/g, '') });
    token = page.NextContinuationToken;
  } while (token);
  return out;
}

/**
 * s3rver's ETag is the MD5 of the whole object even after a multipart upload, so equal ETags mean equal bytes.
 * Returns a description of the first differences, or undefined when the destination matches.
 */
export function compareListings(
  source: Map<string, ListingEntry>,
  dest: Map<string, ListingEntry>,
): string | undefined {
  const problems: string[] = [];
  for (const [key, s] of source) {
    const d = dest.get(key);
    if (!d) problems.push(`missing ${key}`);
    else if (d.size !== s.size || d.etag !== s.etag)
      problems.push(`differs ${key} (${s.size}/${s.etag} vs ${d.size}/${d.etag})`);
    if (problems.length >= 5) break;
  }
  const extra = dest.size - source.size;
  if (problems.length === 0 && extra === 0) return undefined;
  return `${problems.length} problem(s) shown, destination has ${dest.size} of ${source.size} objects: ${problems.join('; ')}`;
}
