/** Shared set-up for engine tests: buckets on the two local s3rver instances, and a run of the engine on embedded state. */
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, type PutObjectCommandInput } from '@aws-sdk/client-s3';
import { FileSecretStore, openSqliteDatabase, SqliteJobQueue, SqliteStatusStore } from '../../worker/adapters/embedded/index.js';
import { openTaskBuckets } from '../../worker/adapters/s3/open-buckets.js';
import { silentLogger } from '../../worker/core/log.js';
import type { ObjectStore } from '../../worker/ports/object-store.js';
import { parseS3TaskParams } from '../../worker/s3/params.js';
import { runS3Transfer } from '../../worker/s3/run-transfer.js';
import type { TransferJob } from '../../worker/s3/transfer-job.js';
import { createBucket, s3Client, servers } from '../support/servers.js';

export function secretsFile(): string {
  const path = join(mkdtempSync(join(tmpdir(), 'dth-test-')), 'secrets.json');
  writeFileSync(path, JSON.stringify({ s3rver: { access_key_id: 'S3RVER', secret_access_key: 'S3RVER' } }), { mode: 0o600 });
  return path;
}

export async function bucketPair(): Promise<{ src: string; dst: string }> {
  return { src: await createBucket(servers.s3Source, 'src'), dst: await createBucket(servers.s3Dest, 'dst') };
}

export function baseParams(src: string, dst: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    srcType: 'S3_Compatible', srcEndpoint: servers.s3Source, srcBucket: src, srcCredentials: 's3rver',
    destEndpoint: servers.s3Dest, destBucket: dst, destCredentials: 's3rver', destRegion: 'us-east-1',
    multipartThreshold: '8MiB', chunkSize: '5MiB', ...extra,
  };
}

export async function putSource(bucket: string, key: string, body: Buffer | string, extra: Partial<PutObjectCommandInput> = {}) {
  await s3Client(servers.s3Source).send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ...extra }));
}

export async function readObject(endpoint: string, bucket: string, key: string): Promise<Buffer> {
  const out = await s3Client(endpoint).send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(await out.Body!.transformToByteArray());
}

export async function headObject(endpoint: string, bucket: string, key: string) {
  return s3Client(endpoint).send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
}

export function md5(b: Buffer): string {
  return createHash('md5').update(b).digest('hex');
}

/** Deterministic pseudo-random bytes (incompressible, reproducible). */
export function bytes(size: number, seed = 1): Buffer {
  const out = Buffer.alloc(size);
  let x = seed * 2654435761 >>> 0;
  for (let i = 0; i < size; i += 4) {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    out.writeUInt32LE(x, i <= size - 4 ? i : 0);
  }
  return out;
}

/** Opens embedded state (one SQLite file) and runs one full transfer; `wrap` may decorate the buckets. */
export async function runEmbedded(
  raw: Record<string, string>,
  options: { db?: string; taskId?: string; secrets?: string; wrap?: (b: { source: ObjectStore; dest: ObjectStore }) => { source: ObjectStore; dest: ObjectStore } } = {},
) {
  const params = parseS3TaskParams(raw);
  const dbPath = options.db ?? join(mkdtempSync(join(tmpdir(), 'dth-state-')), 'state.db');
  const db = openSqliteDatabase(dbPath);
  const taskId = options.taskId ?? 't';
  const queue = new SqliteJobQueue<TransferJob>(db, taskId, { maxReceiveCount: params.maxAttempts });
  queue.purge();
  const status = new SqliteStatusStore(db, taskId);
  const secrets = new FileSecretStore(options.secrets ?? secretsFile());
  const opened = await openTaskBuckets(params, secrets);
  const buckets = options.wrap ? options.wrap(opened) : opened;
  const report = await runS3Transfer({ params, queue, status, secrets, logger: silentLogger, buckets });
  return { report, status, dbPath, queue, db };
}
