/**
 * A source object deleted while it is being copied: the copy already written stays at the destination (as objects
 * deleted at the source do), and the object ends SKIPPED saying so. Before, the check after the copy called it
 * "changed", its retry found it gone, and the summary said only "no longer exists" while this run had written it
 * (probe: a 150 MB object deleted 1 s into its multipart copy). Real s3rver buckets; the source object is deleted the
 * moment the destination completes the upload.
 */
import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import type { ObjectStore } from '../../worker/ports/object-store.js';
import { s3Client, servers } from '../support/servers.js';
import { baseParams, bucketPair, bytes, md5, putSource, readObject, runEmbedded } from './engine-fixtures.js';

describe('a source object deleted during its copy', () => {
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
});
