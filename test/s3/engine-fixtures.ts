/** Shared set-up for engine tests: buckets on the two local s3rver instances, and a run of the engine on embedded state. */
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type PutObjectCommandInput,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import {
  FileSecretStore,
  openSqliteDatabase,
  SqliteJobQueue,
  SqliteStatusStore,
} from '../../worker/adapters/embedded/index.js';
import { openTaskBuckets } from '../../worker/adapters/s3/open-buckets.js';
import { type Logger, silentLogger } from '../../worker/core/log.js';
import type { ObjectStore } from '../../worker/ports/object-store.js';
import { parseS3TaskParams } from '../../worker/s3/params.js';
import { runS3Transfer } from '../../worker/s3/run-transfer.js';
import type { TransferJob } from '../../worker/s3/transfer-job.js';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoStatusStore, ensureSqsQueue, ensureStatusTable, SqsJobQueue } from '../../worker/adapters/aws/index.js';
import type { JobQueue } from '../../worker/ports/job-queue.js';
import type { StatusStore } from '../../worker/ports/status-store.js';
import { createBucket, s3Client, servers, uniqueName } from '../support/servers.js';

export function secretsFile(): string {
  const path = join(mkdtempSync(join(tmpdir(), 'dth-test-')), 'secrets.json');
  writeFileSync(path, JSON.stringify({ s3rver: { access_key_id: 'S3RVER', secret_access_key: 'S3RVER' } }), {
    mode: 0o600,
  });
  return path;
}

export async function bucketPair(): Promise<{ src: string; dst: string }> {
  return { src: await createBucket(servers.s3Source, 'src'), dst: await createBucket(servers.s3Dest, 'dst') };
}

export function baseParams(src: string, dst: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    srcType: 'S3_Compatible',
    srcEndpoint: servers.s3Source,
    srcBucket: src,
    srcCredentials: 's3rver',
    destEndpoint: servers.s3Dest,
    destBucket: dst,
    destCredentials: 's3rver',
    destRegion: 'us-east-1',
    multipartThreshold: '8MiB',
    chunkSize: '5MiB',
    ...extra,
  };
}

export async function putSource(
  bucket: string,
  key: string,
  body: Buffer | string,
  extra: Partial<PutObjectCommandInput> = {},
) {
  await s3Client(servers.s3Source).send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ...extra }));
}

/**
 * Writes `key` through `endpoint` as one multipart upload of parts of these sizes (its ETag then names them, "…-N",
 * where the store answers AWS's multipart ETags); returns its body.
 */
export async function putInParts(endpoint: string, bucket: string, key: string, sizes: number[], seed: number) {
  const body = bytes(
    sizes.reduce((a, b) => a + b, 0),
    seed,
  );
  const client = s3Client(endpoint);
  const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
  const parts = [];
  let start = 0;
  for (const [i, size] of sizes.entries()) {
    const Body = body.subarray(start, start + size);
    start += size;
    const { ETag } = await client.send(
      new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: i + 1, Body }),
    );
    parts.push({ PartNumber: i + 1, ETag });
  }
  await client.send(
    new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId, MultipartUpload: { Parts: parts } }),
  );
  return body;
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
  let x = (seed * 2654435761) >>> 0;
  for (let i = 0; i < size; i += 4) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out.writeUInt32LE(x, i <= size - 4 ? i : 0);
  }
  return out;
}

/** Where a test run keeps its queue and status: the engine suite runs once per kind. */
export interface EngineAdapters {
  name: string;
  /** Opens (or reopens, given the `state` of an earlier run) a queue and a status store for one task. */
  open(
    maxAttempts: number,
    state?: string,
  ): Promise<{ queue: JobQueue<TransferJob>; status: StatusStore; state: string }>;
}

/** Local mode: one SQLite file holds queue and status. */
export const embeddedAdapters: EngineAdapters = {
  name: 'SQLite queue + status',
  async open(maxAttempts, state) {
    const dbPath = state ?? join(mkdtempSync(join(tmpdir(), 'dth-state-')), 'state.db');
    const db = openSqliteDatabase(dbPath);
    const queue = new SqliteJobQueue<TransferJob>(db, 't', { maxReceiveCount: maxAttempts });
    queue.purge();
    return { queue, status: new SqliteStatusStore(db, 't'), state: dbPath };
  },
};

/** Cloud mode: an SQS queue with its dead-letter queue (fauxqs) and a DynamoDB status table (dynalite). */
export const awsAdapters: EngineAdapters = {
  name: 'SQS queue + DynamoDB status',
  async open(maxAttempts, state) {
    const name = state ?? uniqueName('task');
    const sqs = new SQSClient({ ...localAws, endpoint: servers.sqs });
    const ddb = new DynamoDBClient({ ...localAws, endpoint: servers.dynamodb });
    const { queueUrl, dlqUrl } = await ensureSqsQueue(sqs, name, {
      maxReceiveCount: maxAttempts,
      visibilityTimeoutSec: 120,
    });
    await ensureStatusTable(ddb, name);
    return {
      queue: new SqsJobQueue<TransferJob>({ client: sqs, queueUrl, dlqUrl }),
      status: new DynamoStatusStore({ client: ddb, tableName: name }),
      state: name,
    };
  },
};

const localAws = { region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };

/**
 * The source store, stopping the run (as the time limit or a Ctrl-C would) once `after` keys were listed, counted
 * over all its listings.
 */
export function stoppingAfter(store: ObjectStore, after: number, stop: AbortController): ObjectStore {
  let n = 0;
  return Object.assign(Object.create(store) as ObjectStore, {
    async *list(prefix: string, startAfter?: string) {
      for await (const o of store.list(prefix, startAfter)) {
        if (++n > after) stop.abort(new Error('time limit'));
        yield o;
      }
    },
  });
}

export type Wrap = (b: { source: ObjectStore; dest: ObjectStore }) => { source: ObjectStore; dest: ObjectStore };

/** Runs one full transfer on the given adapters; pass `db` (the `dbPath` of an earlier run) to rerun on its state. */
export async function runEngine(
  adapters: EngineAdapters,
  raw: Record<string, string>,
  options: { db?: string; secrets?: string; wrap?: Wrap; logger?: Logger } = {},
) {
  const params = parseS3TaskParams(raw);
  const { queue, status, state } = await adapters.open(params.maxAttempts, options.db);
  const secrets = new FileSecretStore(options.secrets ?? secretsFile());
  const opened = await openTaskBuckets(params, secrets);
  const buckets = options.wrap ? options.wrap(opened) : opened;
  const report = await runS3Transfer({ params, queue, status, logger: options.logger ?? silentLogger, buckets });
  return { report, status, dbPath: state, queue };
}

/** Opens embedded state (one SQLite file) and runs one full transfer; `wrap` may decorate the buckets. */
export async function runEmbedded(
  raw: Record<string, string>,
  options: { db?: string; secrets?: string; wrap?: Wrap } = {},
) {
  return runEngine(embeddedAdapters, raw, options);
}
