/**
 * What a stop for good does with the multipart uploads a task holds open (worker/s3/abort-open-uploads.ts), when the
 * destination aborts them and when it refuses: s3rver answers AbortMultipartUpload with 405, and a fault proxy in front
 * of moto answers it with 403 AccessDenied, as a role without s3:AbortMultipartUpload gets on AWS. Before, a refused
 * abort was swallowed: counted and logged as aborted (transfer.uploads_aborted), and the record's uploadId cleared, so
 * the upload stayed open at the destination with nothing left that knew of it.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  ListMultipartUploadsCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { afterEach, describe, expect, it } from 'vitest';
import { FileSecretStore, openSqliteDatabase, SqliteStatusStore } from '../../worker/adapters/embedded/index.js';
import { openTaskBuckets } from '../../worker/adapters/s3/open-buckets.js';
import { LOG_EVENTS } from '../../worker/core/events.js';
import { createLogger } from '../../worker/core/log.js';
import { abortOpenUploads } from '../../worker/s3/abort-open-uploads.js';
import { parseS3TaskParams } from '../../worker/s3/params.js';
import { startFaultProxy } from '../support/fault-proxy.js';
import { useMoto } from '../support/moto.js';
import { createBucket, s3Client, servers, uniqueName } from '../support/servers.js';

const moto = useMoto();
const SECRET = 'abort-test-secret-value-91c4';
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((c) => c()));
});

/** The task's destination opened as the engine opens it, a status store and a logger whose lines are kept. */
async function taskOn(dest: { endpoint: string; bucket: string; secret: string }) {
  const dir = mkdtempSync(join(tmpdir(), 'dth-abort-'));
  writeFileSync(
    join(dir, 'secrets.json'),
    JSON.stringify({
      s3rver: { access_key_id: 'S3RVER', secret_access_key: SECRET },
      moto: { access_key_id: 'test', secret_access_key: SECRET },
    }),
    { mode: 0o600 },
  );
  const params = parseS3TaskParams({
    srcType: 'S3_Compatible',
    srcEndpoint: servers.s3Source,
    srcBucket: 'unused-src',
    srcCredentials: 's3rver',
    destEndpoint: dest.endpoint,
    destBucket: dest.bucket,
    destCredentials: dest.secret,
    destRegion: 'us-east-1',
  });
  const buckets = await openTaskBuckets(params, new FileSecretStore(join(dir, 'secrets.json')));
  const db = openSqliteDatabase(join(dir, 'state.db'));
  cleanups.push(async () => {
    db.close();
  });
  const status = new SqliteStatusStore(db, 't');
  const lines: string[] = [];
  const logger = createLogger({}, { write: (l) => lines.push(l) });
  const events = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  const abort = () => abortOpenUploads({ dest: buckets.dest, destPrefix: '', status, logger });
  return { status, lines, events, abort, dest: buckets.dest };
}

/** Opens an upload of `key` with one 5 MiB part, as a copy stopped half-way leaves it. */
async function openUpload(client: S3Client, bucket: string, key: string): Promise<string> {
  const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
  if (!UploadId) throw new Error('no upload id');
  await client.send(
    new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: 1, Body: Buffer.alloc(5 * 1024 * 1024) }),
  );
  return UploadId;
}

describe('aborting the uploads a stopped task holds open', () => {
  it('a refused abort (s3rver: 405) is not counted: logged upload_not_aborted with key and uploadId, the record keeps it', async () => {
    const bucket = await createBucket(servers.s3Dest, 'abort-405');
    const uploadId = await openUpload(s3Client(servers.s3Dest), bucket, 'big.bin');
    const t = await taskOn({ endpoint: servers.s3Dest, bucket, secret: 's3rver' });
    await t.status.put({ key: 'big.bin', size: 60 << 20, status: 'IN_PROGRESS', attempts: 1, uploadId });

    expect(await t.abort()).toBe(0);

    const refused = t.events().filter((e) => e.event === LOG_EVENTS.uploadNotAborted);
    expect(refused).toEqual([
      expect.objectContaining({
        level: 'warn',
        key: 'big.bin',
        destKey: 'big.bin',
        uploadId,
        error: expect.anything(),
      }),
    ]);
    expect(JSON.stringify(refused[0].error)).toMatch(/405|MethodNotAllowed/);
    expect(t.events().some((e) => e.event === LOG_EVENTS.uploadsAborted)).toBe(false);
    expect(await t.status.get('big.bin')).toMatchObject({ status: 'PENDING', uploadId });
    expect(t.lines.join('\n')).not.toContain(SECRET);
  });

  it('an abort answered 403 AccessDenied leaves the upload open and known; one the store takes is counted and forgotten', async () => {
    const bucket = uniqueName('abort-403');
    const client = new S3Client({ ...moto.clientConfig(), forcePathStyle: true });
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    const denied = await openUpload(client, bucket, 'a.bin');
    const taken = await openUpload(client, bucket, 'b.bin');
    // Only AbortMultipartUpload of a.bin is refused, as a policy denying it on that key would.
    const proxy = await startFaultProxy({
      target: moto.endpoint,
      rates: { accessDenied: 1 },
      faultOps: ['AbortMultipartUpload'],
      faultWhen: (_op, url) => url.includes('/a.bin'),
    });
    cleanups.push(() => proxy.close());
    const t = await taskOn({ endpoint: proxy.endpoint, bucket, secret: 'moto' });
    await t.status.put({ key: 'a.bin', size: 60 << 20, status: 'IN_PROGRESS', attempts: 1, uploadId: denied });
    await t.status.put({ key: 'b.bin', size: 60 << 20, status: 'FAILED', attempts: 3, uploadId: taken });

    expect(await t.abort()).toBe(1);

    const open = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
    expect((open.Uploads ?? []).map((u) => [u.Key, u.UploadId])).toEqual([['a.bin', denied]]);
    expect(await t.status.get('a.bin')).toMatchObject({ status: 'PENDING', uploadId: denied });
    expect((await t.status.get('b.bin'))?.uploadId).toBeUndefined();
    expect(t.events().filter((e) => e.event === LOG_EVENTS.uploadNotAborted)).toEqual([
      expect.objectContaining({ key: 'a.bin', uploadId: denied }),
    ]);
    expect(t.events().find((e) => e.event === LOG_EVENTS.uploadsAborted)).toMatchObject({ uploads: 1 });
    expect(t.lines.join('\n')).not.toContain(SECRET);
  });

  it('an upload already gone (NoSuchUpload) counts as aborted: there is nothing left to abort', async () => {
    const bucket = uniqueName('abort-gone');
    const client = new S3Client({ ...moto.clientConfig(), forcePathStyle: true });
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    const t = await taskOn({ endpoint: moto.endpoint, bucket, secret: 'moto' });
    await expect(t.dest.abortMultipart('never.bin', 'no-such-upload-id')).resolves.toBeUndefined();
  });

  it("a completion moto answers is taken at once, not read as malformed and sent again (moto's root name differs)", async () => {
    const bucket = uniqueName('complete-once');
    const client = new S3Client({ ...moto.clientConfig(), forcePathStyle: true });
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    const t = await taskOn({ endpoint: moto.endpoint, bucket, secret: 'moto' });
    const uploadId = await t.dest.createMultipart('one.bin', {});
    const body = Buffer.alloc(5 * 1024 * 1024, 7);
    const part = await t.dest.uploadPart('one.bin', uploadId, 1, body, body.length);
    const md5 = createHash('md5').update(body).digest();
    const written = await t.dest.completeMultipart('one.bin', uploadId, [
      { partNumber: 1, etag: part.etag, size: body.length },
    ]);
    // The MD5 of the part MD5s, "-1": moto's answer, read the first time (before: MalformedS3Answer, retried).
    expect(written.etag?.replace(/"/g, '')).toBe(`${createHash('md5').update(md5).digest('hex')}-1`);
  });
});
