/**
 * A source object deleted or overwritten while it is being copied, on real s3rver buckets:
 * - deleted once the destination completed the upload: the copy written stays at the destination (as objects deleted
 *   at the source do), and the object ends SKIPPED saying so. Before, the check after the copy called it "changed", its
 *   retry found it gone, and the summary said only "no longer exists" while this run had written it;
 * - deleted or overwritten while its parts are copied (the next part's ranged read answers 404, or 412 to its
 *   If-Match): deleted → SKIPPED, overwritten → copied again from the new version, and either way the open upload is
 *   aborted (the source on moto, which answers those as S3 does). Before, both were a failed request: FAILED at the first attempt (dead-lettered in the cloud), the
 *   multipart upload left open (probe, moto: a 150 MB object overwritten 2.5 s into its copy).
 */
import { CreateBucketCommand, DeleteObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import type { ObjectStore } from '../../worker/ports/object-store.js';
import { useMoto } from '../support/moto.js';
import { createBucket, s3Client, servers, uniqueName } from '../support/servers.js';
import { baseParams, bucketPair, bytes, md5, putSource, readObject, runEmbedded } from './engine-fixtures.js';
import { MiB, s3rverAndMotoSecrets } from './moto-destination.js';

const moto = useMoto();

describe('a source object deleted or overwritten during its copy', () => {
  it('ends SKIPPED saying the copy written stays at the destination', async () => {
    const { src, dst } = await bucketPair();
    const body = bytes(12 * 1024 * 1024, 5);
    await putSource(src, 'gone.bin', body);
    const deleteSource = () =>
      s3Client(servers.s3Source).send(new DeleteObjectCommand({ Bucket: src, Key: 'gone.bin' }));
    const { report, status } = await runEmbedded(baseParams(src, dst), {
      wrap: ({ source, dest }) => ({
        source,
        dest: Object.assign(Object.create(dest) as ObjectStore, {
          async completeMultipart(...args: Parameters<ObjectStore['completeMultipart']>) {
            const written = await dest.completeMultipart(...args);
            await deleteSource();
            return written;
          },
        }),
      }),
    });
    expect(report).toMatchObject({ complete: true, skipped: 1, failed: 0 });
    const record = await status.get('gone.bin');
    expect(record?.status).toBe('SKIPPED');
    expect(record?.error).toContain(
      'was deleted at the source during the copy: the copy written stays at the destination',
    );
    expect(md5(await readObject(servers.s3Dest, dst, 'gone.bin'))).toBe(md5(body));
  });

  /**
   * Copies a 12 MiB object from a moto bucket (which, like S3, answers a read naming another version with 412 and one of
   * a deleted key with 404; s3rver ignores If-Match) in 5 MiB parts, one at a time; `change` is done to the source
   * once the first part is uploaded.
   */
  async function changedAfterFirstPart(change: (s3: S3Client, src: string) => Promise<unknown>) {
    const src = uniqueName('moved-src');
    const motoS3 = new S3Client({ ...moto.clientConfig(), forcePathStyle: true });
    await motoS3.send(new CreateBucketCommand({ Bucket: src }));
    await motoS3.send(new PutObjectCommand({ Bucket: src, Key: 'moved.bin', Body: bytes(12 * MiB, 6) }));
    const dst = await createBucket(servers.s3Dest, 'moved-dst');
    const aborted: string[] = [];
    let changed = false;
    const run = await runEmbedded(
      baseParams(src, dst, {
        srcType: 'Amazon_S3',
        srcEndpoint: moto.endpoint,
        srcRegion: 'us-east-1',
        srcCredentials: 'moto',
        partConcurrency: '1',
      }),
      {
        secrets: s3rverAndMotoSecrets(),
        wrap: ({ source, dest }) => ({
          source,
          dest: Object.assign(Object.create(dest) as ObjectStore, {
            async uploadPart(...args: Parameters<ObjectStore['uploadPart']>) {
              const written = await dest.uploadPart(...args);
              if (!changed) {
                changed = true;
                await change(motoS3, src);
              }
              return written;
            },
            async abortMultipart(...args: Parameters<ObjectStore['abortMultipart']>) {
              aborted.push(args[1]);
              return dest.abortMultipart(...args);
            },
          }),
        }),
      },
    );
    return { ...run, dst, aborted };
  }

  it('deleted while its parts are copied: SKIPPED, its upload aborted, nothing written', async () => {
    const { report, status, dst, aborted } = await changedAfterFirstPart((s3, src) =>
      s3.send(new DeleteObjectCommand({ Bucket: src, Key: 'moved.bin' })),
    );
    expect(report).toMatchObject({ complete: true, skipped: 1, failed: 0, done: 0 });
    const record = await status.get('moved.bin');
    expect(record?.status).toBe('SKIPPED');
    expect(record?.attempts).toBe(1);
    expect(record?.error).toContain('was deleted at the source during the copy');
    expect(aborted).toHaveLength(1);
    expect(record?.uploadId).toBeUndefined();
    await expect(readObject(servers.s3Dest, dst, 'moved.bin')).rejects.toThrow();
  });

  it('overwritten while its parts are copied: copied again from the new version, the first upload aborted', async () => {
    const now = bytes(11 * MiB, 7);
    const { report, status, dst, aborted } = await changedAfterFirstPart((s3, src) =>
      s3.send(new PutObjectCommand({ Bucket: src, Key: 'moved.bin', Body: now })),
    );
    expect(report).toMatchObject({ complete: true, done: 1, verified: 1, failed: 0 });
    const record = await status.get('moved.bin');
    expect(record?.status).toBe('DONE');
    expect(record?.attempts).toBe(2);
    expect(aborted).toHaveLength(1);
    expect(md5(await readObject(servers.s3Dest, dst, 'moved.bin'))).toBe(md5(now));
  });
});
