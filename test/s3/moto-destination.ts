/**
 * A task from a 12 MiB single-PUT object on s3rver into a moto bucket (moto answers multipart completions as AWS
 * does: the MD5 of the part MD5s), cut in 5 MiB parts. Shared by the tests of multipart copies onto AWS-like stores.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { withRetryAdvice } from '../../worker/core/errors.js';
import type { ObjectStore } from '../../worker/ports/object-store.js';
import type { FileMoto } from '../support/moto.js';
import { createBucket, servers, uniqueName } from '../support/servers.js';
import { bytes, putSource } from './engine-fixtures.js';

export const MiB = 1024 * 1024;

/** A secrets file naming the keys of both: `s3rver` and `moto`. */
export function s3rverAndMotoSecrets(): string {
  const path = join(mkdtempSync(join(tmpdir(), 'dth-moto-task-')), 'secrets.json');
  const keys = (id: string) => ({ access_key_id: id, secret_access_key: id });
  writeFileSync(path, JSON.stringify({ s3rver: keys('S3RVER'), moto: keys('test') }), { mode: 0o600 });
  return path;
}

/** The parameters of a task from s3rver bucket `src` into moto bucket `dst`, cut in 5 MiB parts. */
export function motoTaskParams(
  moto: FileMoto,
  src: string,
  dst: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
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
    ...extra,
  };
}

export async function motoTask(moto: FileMoto, name: string, seed: number) {
  const src = await createBucket(servers.s3Source, `${name}-src`);
  const dst = uniqueName(`${name}-dst`);
  const motoS3 = new S3Client({ ...moto.clientConfig(), forcePathStyle: true });
  await motoS3.send(new CreateBucketCommand({ Bucket: dst }));
  const body = bytes(12 * MiB, seed);
  await putSource(src, 'big.bin', body);
  const params = (extra: Record<string, string> = {}) => motoTaskParams(moto, src, dst, extra);
  /** The bytes the moto bucket holds under `key`. */
  const readDest = async (key: string) =>
    Buffer.from(
      await (await motoS3.send(new GetObjectCommand({ Bucket: dst, Key: key }))).Body!.transformToByteArray(),
    );
  return { src, dst, body, motoS3, secretsPath: s3rverAndMotoSecrets(), params, readDest };
}

/** The destination as an attempt cut off after its first part sees it: every later part fails for good. */
export function cutAfterFirstPart(dest: ObjectStore): ObjectStore {
  return Object.assign(Object.create(dest) as ObjectStore, {
    uploadPart(...args: Parameters<ObjectStore['uploadPart']>) {
      if (args[2] >= 2) return Promise.reject(withRetryAdvice(new Error('cut off'), { retryable: false }));
      return dest.uploadPart(...args);
    },
  });
}
