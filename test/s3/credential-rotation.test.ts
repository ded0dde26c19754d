/**
 * Keys rotated in the secret store reach running workers without a restart: after a rejection (the old key revoked)
 * the secret is read again and the request repeated — or, for an upload whose body cannot be replayed, the object
 * retried — and, without any rejection, keys are re-read periodically. The buckets live on an in-process s3rver whose
 * access keys the test adds and revokes (s3rver checks the key id, not the signature); a front records which key
 * signed each request. Secrets: the local secrets file, and Secrets Manager on moto's server (test/support/moto.ts).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { CreateSecretCommand, PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretsManagerStore } from '../../worker/adapters/aws/index.js';
import {
  FileSecretStore,
  openSqliteDatabase,
  SqliteJobQueue,
  SqliteStatusStore,
} from '../../worker/adapters/embedded/index.js';
import { openTaskBuckets } from '../../worker/adapters/s3/open-buckets.js';
import { silentLogger } from '../../worker/core/log.js';
import type { SecretStore } from '../../worker/ports/secret-store.js';
import { runWorker } from '../../worker/s3/job-worker.js';
import { parseS3TaskParams } from '../../worker/s3/params.js';
import type { TransferJob } from '../../worker/s3/transfer-job.js';
import { useMoto } from '../support/moto.js';
import { s3Client, uniqueName } from '../support/servers.js';
import { bytes, md5 } from './engine-fixtures.js';
import { s3rverAccount, startS3rver } from './in-process-s3rver.js';
import { startS3Front, type S3Front } from './s3-front.js';

let s3rver: Awaited<ReturnType<typeof startS3rver>>;
let front: S3Front;

beforeAll(async () => {
  s3rver = await startS3rver();
  front = await startS3Front({ target: s3rver.endpoint });
});
afterAll(async () => {
  await front.close();
  await s3rver.server.close();
});

const keys = (id: string) => ({ access_key_id: id, secret_access_key: `secret-of-${id}` });

/** A source and a destination bucket on the in-process s3rver, reached through the recording front. */
async function buckets() {
  const src = uniqueName('rotsrc');
  const dst = uniqueName('rotdst');
  for (const b of [src, dst]) await s3Client(s3rver.endpoint).send(new CreateBucketCommand({ Bucket: b }));
  return { src, dst };
}

async function putSource(bucket: string, key: string, body: Buffer | string) {
  await s3Client(s3rver.endpoint).send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
}

async function readBack(bucket: string, key: string): Promise<Buffer> {
  const out = await s3Client(s3rver.endpoint).send(
    new (await import('@aws-sdk/client-s3')).GetObjectCommand({ Bucket: bucket, Key: key }),
  );
  return Buffer.from(await out.Body!.transformToByteArray());
}

/** A long-running worker on an embedded queue; `copy` queues one object and waits until its record is final. */
async function startWorker(src: string, dst: string, secrets: SecretStore, credentialsRefreshMs?: number) {
  // Different secrets on the two sides: no server-side copy, so bytes stream through the worker.
  const params = parseS3TaskParams({
    srcType: 'S3_Compatible',
    srcEndpoint: front.endpoint,
    srcBucket: src,
    srcCredentials: 'src-keys',
    destEndpoint: front.endpoint,
    destBucket: dst,
    destRegion: 'us-east-1',
    destCredentials: 'dst-keys',
    maxAttempts: '3',
  });
  const db = openSqliteDatabase(':memory:');
  const queue = new SqliteJobQueue<TransferJob>(db, 'rot', { maxReceiveCount: 3, pollIntervalMs: 20 });
  const status = new SqliteStatusStore(db, 'rot');
  const opened = await openTaskBuckets(params, secrets, undefined, { credentialsRefreshMs });
  const stop = new AbortController();
  const worker = runWorker({
    params,
    source: opened.source,
    dest: opened.dest,
    queue,
    status,
    logger: silentLogger,
    signal: stop.signal,
    visibilityTimeoutSec: 5,
  });
  const copy = async (key: string, size: number) => {
    await queue.sendBatch([{ key, size }]);
    for (let i = 0; i < 300; i++) {
      const rec = await status.get(key);
      if (rec && ['DONE', 'FAILED', 'SKIPPED'].includes(rec.status)) return rec;
      await sleep(50);
    }
    throw new Error(`${key} was not copied in time`);
  };
  return {
    copy,
    queue,
    stop: async () => {
      stop.abort();
      return worker;
    },
  };
}

/** Key ids that signed requests from `from` on (front.requests index). */
function keyIdsSince(from: number): string[] {
  return front.requests
    .slice(from)
    .map((r) => /Credential=([^/]+)\//.exec(String(r.headers.authorization ?? ''))?.[1] ?? '-');
}

describe('rotated keys are picked up by running workers', () => {
  it('local secrets file: a revoked key is replaced after the first rejection; a streamed upload is retried with the new key', async () => {
    const { src, dst } = await buckets();
    s3rverAccount.createKeyPair('FILEOLD', 'secret-of-FILEOLD');
    s3rverAccount.createKeyPair('FILENEW', 'secret-of-FILENEW');
    s3rverAccount.createKeyPair('DSTOLD', 'secret-of-DSTOLD');
    s3rverAccount.createKeyPair('DSTNEW', 'secret-of-DSTNEW');
    const file = join(mkdtempSync(join(tmpdir(), 'dth-rot-')), 'secrets.json');
    writeFileSync(file, JSON.stringify({ 'src-keys': keys('FILEOLD'), 'dst-keys': keys('DSTOLD') }), { mode: 0o600 });
    const w = await startWorker(src, dst, new FileSecretStore(file));

    await putSource(src, 'before.txt', 'before');
    expect(await w.copy('before.txt', 6)).toMatchObject({ status: 'DONE', attempts: 1 });
    expect(new Set(keyIdsSince(0))).toEqual(new Set(['FILEOLD', 'DSTOLD']));

    // Rotation: new keys in the secrets file, old ones revoked at the store. The worker keeps running.
    writeFileSync(file, JSON.stringify({ 'src-keys': keys('FILENEW'), 'dst-keys': keys('DSTNEW') }), { mode: 0o600 });
    s3rverAccount.revokeAccessKey('FILEOLD');
    s3rverAccount.revokeAccessKey('DSTOLD');
    const mark = front.requests.length;
    const big = bytes(300 * 1024, 8); // above the in-memory limit: streamed, so its PUT cannot be replayed
    await putSource(src, 'after.bin', big);
    const rec = await w.copy('after.bin', big.length);
    expect(rec).toMatchObject({ status: 'DONE', verified: true });
    expect(rec.attempts).toBeLessThanOrEqual(2); // the object retried once at most, never dead-lettered
    expect(md5(await readBack(dst, 'after.bin'))).toBe(md5(big));
    const used = keyIdsSince(mark);
    expect(used).toContain('FILEOLD'); // rejected once…
    expect(used.at(-1)).toMatch(/FILENEW|DSTNEW/); // …then the new keys
    expect(used.lastIndexOf('FILEOLD')).toBeLessThan(used.indexOf('FILENEW'));
    expect(used.lastIndexOf('DSTOLD')).toBeLessThan(used.indexOf('DSTNEW'));
    expect(await w.queue.depth()).toMatchObject({ deadLettered: 0 });
    expect((await w.stop()).failed).toBe(0);
  });

  it('a policy error on every object (not a rotation) does not read the secret once per object', async () => {
    const { src, dst } = await buckets();
    s3rverAccount.createKeyPair('POLSRC', 'secret-of-POLSRC');
    s3rverAccount.createKeyPair('POLDST', 'secret-of-POLDST');
    const file = join(mkdtempSync(join(tmpdir(), 'dth-rot-')), 'secrets.json');
    writeFileSync(file, JSON.stringify({ 'src-keys': keys('POLSRC'), 'dst-keys': keys('POLDST') }), { mode: 0o600 });
    const fileStore = new FileSecretStore(file);
    let reads = 0;
    const counted: SecretStore = {
      get: (name) => {
        reads++;
        return fileStore.get(name);
      },
      list: () => fileStore.list(),
    };
    const refusing = await startS3Front({ target: s3rver.endpoint, requireSse: 'AES256' }); // every PUT: 403 AccessDenied
    try {
      const params = parseS3TaskParams({
        srcType: 'S3_Compatible',
        srcEndpoint: front.endpoint,
        srcBucket: src,
        srcCredentials: 'src-keys',
        destEndpoint: refusing.endpoint,
        destBucket: dst,
        destRegion: 'us-east-1',
        destCredentials: 'dst-keys',
        maxAttempts: '3',
      });
      const db = openSqliteDatabase(':memory:');
      const queue = new SqliteJobQueue<TransferJob>(db, 'pol', { maxReceiveCount: 3, pollIntervalMs: 20 });
      const status = new SqliteStatusStore(db, 'pol');
      const opened = await openTaskBuckets(params, counted);
      const afterOpen = reads;
      const jobs = Array.from({ length: 20 }, (_, i) => ({ key: `k${i}.txt`, size: 1 }));
      for (const j of jobs) await putSource(src, j.key, 'x');
      await queue.sendBatch(jobs);
      const report = await runWorker({
        params,
        source: opened.source,
        dest: opened.dest,
        queue,
        status,
        logger: silentLogger,
        exitWhenDrained: true,
      });
      expect(report.failed).toBe(20);
      expect(refusing.of('PutObject').length).toBeGreaterThanOrEqual(20);
      // One re-read finds the same keys; the rejections right after it reuse that answer.
      expect(reads - afterOpen).toBeGreaterThanOrEqual(1);
      expect(reads - afterOpen).toBeLessThanOrEqual(3);
    } finally {
      await refusing.close();
    }
  });

  describe('Secrets Manager (moto server)', () => {
    const moto = useMoto();
    let client: SecretsManagerClient;

    beforeAll(() => {
      client = new SecretsManagerClient(moto.clientConfig());
    });

    it('re-reads the secret periodically: a new version is used without any rejection', async () => {
      const { src, dst } = await buckets();
      s3rverAccount.createKeyPair('SMOLD', 'secret-of-SMOLD');
      s3rverAccount.createKeyPair('SMNEW', 'secret-of-SMNEW');
      s3rverAccount.createKeyPair('SMDST', 'secret-of-SMDST');
      const srcSecret = uniqueName('src-keys');
      await client.send(new CreateSecretCommand({ Name: srcSecret, SecretString: JSON.stringify(keys('SMOLD')) }));
      await client.send(
        new CreateSecretCommand({ Name: `${srcSecret}-dst`, SecretString: JSON.stringify(keys('SMDST')) }),
      );
      // The task names its secrets src-keys / dst-keys: map them to this test's secrets in moto.
      const store = new SecretsManagerStore(client);
      const secrets: SecretStore = {
        get: (name) => store.get(name === 'src-keys' ? srcSecret : `${srcSecret}-dst`),
        list: () => store.list(),
      };
      const w = await startWorker(src, dst, secrets, 300);
      await putSource(src, 'one.txt', 'one');
      expect(await w.copy('one.txt', 3)).toMatchObject({ status: 'DONE' });
      expect(keyIdsSince(0).filter((k) => k.startsWith('SM'))).not.toContain('SMNEW');

      await client.send(
        new PutSecretValueCommand({ SecretId: srcSecret, SecretString: JSON.stringify(keys('SMNEW')) }),
      );
      await sleep(600); // past the refresh interval
      const mark = front.requests.length;
      await putSource(src, 'two.txt', 'two');
      expect(await w.copy('two.txt', 3)).toMatchObject({ status: 'DONE', attempts: 1 });
      const sourceKeys = keyIdsSince(mark).filter((k) => k === 'SMOLD' || k === 'SMNEW');
      expect(sourceKeys.length).toBeGreaterThan(0);
      expect(new Set(sourceKeys)).toEqual(new Set(['SMNEW']));
      await w.stop();
    });

    it('a rejection re-reads the secret at once, whatever the refresh interval', async () => {
      const { src, dst } = await buckets();
      s3rverAccount.createKeyPair('SMREVOKED', 'secret-of-SMREVOKED');
      s3rverAccount.createKeyPair('SMROTATED', 'secret-of-SMROTATED');
      s3rverAccount.createKeyPair('SMDST2', 'secret-of-SMDST2');
      const srcSecret = uniqueName('src-keys');
      await client.send(new CreateSecretCommand({ Name: srcSecret, SecretString: JSON.stringify(keys('SMREVOKED')) }));
      await client.send(
        new CreateSecretCommand({ Name: `${srcSecret}-dst`, SecretString: JSON.stringify(keys('SMDST2')) }),
      );
      const store = new SecretsManagerStore(client);
      const secrets: SecretStore = {
        get: (name) => store.get(name === 'src-keys' ? srcSecret : `${srcSecret}-dst`),
        list: () => store.list(),
      };
      const w = await startWorker(src, dst, secrets); // default refresh: 10 minutes
      await putSource(src, 'a.txt', 'a');
      expect(await w.copy('a.txt', 1)).toMatchObject({ status: 'DONE' });
      await client.send(
        new PutSecretValueCommand({ SecretId: srcSecret, SecretString: JSON.stringify(keys('SMROTATED')) }),
      );
      s3rverAccount.revokeAccessKey('SMREVOKED');
      await putSource(src, 'b.txt', 'b');
      expect(await w.copy('b.txt', 1)).toMatchObject({ status: 'DONE', attempts: 1 });
      expect((await w.stop()).failed).toBe(0);
    });
  });
});
