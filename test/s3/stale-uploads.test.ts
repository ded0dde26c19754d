/**
 * A multipart copy cut short leaves its upload open at the destination and recorded, so that the next run resumes it.
 * When the next run will not resume it — the source object was overwritten or deleted meanwhile, the task is now cut
 * another way (chunkSize) or copies the object in one request (multipartThreshold) — the upload is aborted and its
 * parts forgotten. Before, each of these left the upload open with its parts stored (billed on AWS), and nothing
 * recorded it any more. The destination is a moto server: it lists open multipart uploads, which s3rver does not.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListMultipartUploadsCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { withRetryAdvice } from '../../worker/core/errors.js';
import type { ObjectStore } from '../../worker/ports/object-store.js';
import { useMoto } from '../support/moto.js';
import { createBucket, s3Client, servers, uniqueName } from '../support/servers.js';
import { FileSecretStore } from '../../worker/adapters/embedded/index.js';
import { openTaskBuckets } from '../../worker/adapters/s3/open-buckets.js';
import { createLogger } from '../../worker/core/log.js';
import { parseS3TaskParams } from '../../worker/s3/params.js';
import { bytes, embeddedAdapters, md5, putSource, runEmbedded, runEngine } from './engine-fixtures.js';

const moto = useMoto();
const MiB = 1024 * 1024;

function secrets(): string {
  const path = join(mkdtempSync(join(tmpdir(), 'dth-stale-uploads-')), 'secrets.json');
  writeFileSync(
    path,
    JSON.stringify({
      s3rver: { access_key_id: 'S3RVER', secret_access_key: 'S3RVER' },
      moto: { access_key_id: 'test', secret_access_key: 'test' },
    }),
    { mode: 0o600 },
  );
  return path;
}

/** The destination refusing every part after the first: the copy fails with its upload open and one part recorded. */
function cutAfterFirstPart(dest: ObjectStore): ObjectStore {
  return Object.assign(Object.create(dest) as ObjectStore, {
    uploadPart(...args: Parameters<ObjectStore['uploadPart']>) {
      if (args[2] >= 2) return Promise.reject(withRetryAdvice(new Error('cut off'), { retryable: false }));
      return dest.uploadPart(...args);
    },
  });
}

/** A 12 MiB source object `big.bin` on s3rver, an empty moto destination, and the task's parameters (5 MiB parts). */
async function motoTask(name: string, seed: number) {
  const src = await createBucket(servers.s3Source, `${name}-src`);
  const dst = uniqueName(`${name}-dst`);
  const motoS3 = new S3Client({ ...moto.clientConfig(), forcePathStyle: true });
  await motoS3.send(new CreateBucketCommand({ Bucket: dst }));
  await putSource(src, 'big.bin', bytes(12 * MiB, seed));
  const params = (extra: Record<string, string> = {}) => ({
    srcType: 'Amazon_S3',
    srcEndpoint: servers.s3Source,
    srcBucket: src,
    srcCredentials: 's3rver',
    destEndpoint: moto.endpoint,
    destBucket: dst,
    destRegion: 'us-east-1',
    destCredentials: 'moto',
    multipartThreshold: String(5 * MiB),
    chunkSize: String(5 * MiB),
    maxAttempts: '1',
    ...extra,
  });
  return { src, dst, motoS3, secretsPath: secrets(), params };
}

async function setUp() {
  const { src, dst, motoS3, secretsPath, params } = await motoTask('stale', 1);
  const openUploads = async () =>
    ((await motoS3.send(new ListMultipartUploadsCommand({ Bucket: dst }))).Uploads ?? []).map((u) => u.UploadId);
  // The cut run: the object FAILED, its upload open at the destination and on its record, one part recorded.
  const cut = await runEmbedded(params(), {
    secrets: secretsPath,
    wrap: ({ source, dest }) => ({ source, dest: cutAfterFirstPart(dest) }),
  });
  expect(cut.report).toMatchObject({ failed: 1 });
  const record = await cut.status.get('big.bin');
  expect(record?.uploadId).toBeDefined();
  expect(await openUploads()).toEqual([record?.uploadId]);
  expect(await cut.status.listParts('big.bin', record!.uploadId!)).toHaveLength(1);
  const rerun = (extra: Record<string, string> = {}) =>
    runEmbedded(params(extra), { secrets: secretsPath, db: cut.dbPath });
  const readDest = async (key: string) =>
    Buffer.from(
      await (await motoS3.send(new GetObjectCommand({ Bucket: dst, Key: key }))).Body!.transformToByteArray(),
    );
  return { src, dst, uploadId: record!.uploadId!, openUploads, rerun, readDest };
}

describe('an upload the next run will not resume', () => {
  it('is aborted when the source object was overwritten meanwhile', async () => {
    const t = await setUp();
    const changed = bytes(12 * MiB, 2);
    await putSource(t.src, 'big.bin', changed);
    const { report, status } = await t.rerun();
    expect(report).toMatchObject({ complete: true, done: 1, failed: 0 });
    expect(md5(await t.readDest('big.bin'))).toBe(md5(changed));
    expect(await t.openUploads()).toEqual([]);
    expect(await status.listParts('big.bin', t.uploadId)).toEqual([]);
  });

  it('is aborted when the source object was deleted meanwhile', async () => {
    const t = await setUp();
    await s3Client(servers.s3Source).send(new DeleteObjectCommand({ Bucket: t.src, Key: 'big.bin' }));
    const { status } = await t.rerun();
    expect((await status.get('big.bin'))?.status).toBe('SKIPPED');
    expect(await t.openUploads()).toEqual([]);
    expect((await status.get('big.bin'))?.uploadId).toBeUndefined();
  });

  it('is aborted when the task now cuts the object another way (chunkSize)', async () => {
    const t = await setUp();
    const { report } = await t.rerun({ chunkSize: String(6 * MiB) });
    expect(report).toMatchObject({ complete: true, done: 1 });
    expect(await t.openUploads()).toEqual([]);
  });

  it('is aborted when the task now copies the object in one request (multipartThreshold)', async () => {
    const t = await setUp();
    const { report, status } = await t.rerun({ multipartThreshold: String(64 * MiB) });
    expect(report).toMatchObject({ complete: true, done: 1 });
    expect(await t.openUploads()).toEqual([]);
    expect((await status.get('big.bin'))?.uploadId).toBeUndefined();
  });

  it('and one the next run resumes is completed, not aborted', async () => {
    const t = await setUp();
    const { report, status } = await t.rerun();
    expect(report).toMatchObject({ complete: true, done: 1 });
    expect(await t.openUploads()).toEqual([]);
    expect((await status.get('big.bin'))?.uploadId).toBeUndefined();
    expect(md5(await t.readDest('big.bin'))).toBe(md5(bytes(12 * MiB, 1)));
  });
});

describe('an upload begun by an attempt that died before recording it', () => {
  it("is aborted by the next run (every upload open for that key); other keys' uploads are left alone", async () => {
    // Before: a kill between CreateMultipartUpload's answer and the record of its uploadId left the upload open and
    // unknown; the rerun copied the object afresh and ended DONE with the empty upload still there (hubscale probe).
    const { dst, motoS3, secretsPath, params: paramsWith } = await motoTask('unrec', 3);
    const params = paramsWith();
    const other = await motoS3.send(new CreateMultipartUploadCommand({ Bucket: dst, Key: 'big.bin.other' }));
    // The attempts: the destination creates the upload, then the worker "dies" before recording it; its record is
    // then left IN_PROGRESS without an uploadId, as a kill -9 at that point leaves it.
    const orphans: string[] = [];
    const dies = await runEmbedded(params, {
      secrets: secretsPath,
      wrap: ({ source, dest }) => ({
        source,
        dest: Object.assign(Object.create(dest) as ObjectStore, {
          async createMultipart(...args: Parameters<ObjectStore['createMultipart']>) {
            orphans.push(await dest.createMultipart(...args));
            throw withRetryAdvice(new Error('killed'), { retryable: false });
          },
        }),
      }),
    });
    await dies.status.update('big.bin', { status: 'IN_PROGRESS', uploadId: undefined, error: undefined });
    const open = async () =>
      ((await motoS3.send(new ListMultipartUploadsCommand({ Bucket: dst }))).Uploads ?? [])
        .map((u) => u.UploadId)
        .sort();
    expect(orphans.length).toBeGreaterThan(0);
    expect(await open()).toEqual([other.UploadId, ...orphans].sort());
    // The destination's own listing (moto's XML through our reader): that key's uploads, not big.bin.other's.
    const opened = await openTaskBuckets(parseS3TaskParams(params), new FileSecretStore(secretsPath));
    expect((await opened.dest.listUploads('big.bin')).map((u) => u.uploadId).sort()).toEqual([...orphans].sort());

    const lines: Record<string, unknown>[] = [];
    const logger = createLogger(
      { role: 'test' },
      { write: (l) => lines.push(JSON.parse(l) as Record<string, unknown>) },
    );
    const { report } = await runEngine(embeddedAdapters, params, { secrets: secretsPath, db: dies.dbPath, logger });
    expect(report).toMatchObject({ complete: true, done: 1 });
    expect(await open()).toEqual([other.UploadId]);
    const body = await (
      await motoS3.send(new GetObjectCommand({ Bucket: dst, Key: 'big.bin' }))
    ).Body!.transformToByteArray();
    expect(md5(Buffer.from(body))).toBe(md5(bytes(12 * MiB, 3)));
    expect(
      lines.some((l) => l.event === 'transfer.upload_not_aborted' || l.event === 'transfer.upload_lookup_failed'),
    ).toBe(false);
  });
});
