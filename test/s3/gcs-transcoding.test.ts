/**
 * A Google Cloud Storage source serves an object stored with Content-Encoding gzip (`gsutil cp -z`, a web site's
 * assets) decompressed, without a Content-Length, to a client that does not accept gzip ("decompressive transcoding").
 * The engine asks a GCS source for the stored bytes: their size and MD5 are what the listing says, and the copy keeps
 * the encoding. An S3 front over s3rver answers as GCS does (test/s3/s3-front.ts, `gcsTranscoding`).
 */
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { servers } from '../support/servers.js';
import { baseParams, bucketPair, headObject, md5, putSource, readObject, runEmbedded } from './engine-fixtures.js';
import { startS3Front, type S3Front } from './s3-front.js';

const fronts: S3Front[] = [];
afterEach(async () => {
  await Promise.all(fronts.splice(0).map((f) => f.close()));
});

describe('a GCS source', () => {
  it('copies gzip-encoded objects as stored (Accept-Encoding: gzip), verified against their MD5, encoding kept', async () => {
    const { src, dst } = await bucketPair();
    const page = gzipSync(Buffer.from('<html>'.padEnd(50_000, 'site ')));
    await putSource(src, 'site/index.html', page, { ContentEncoding: 'gzip', ContentType: 'text/html' });
    await putSource(src, 'site/plain.txt', 'not compressed');
    const gcs = await startS3Front({ target: servers.s3Source, gcsTranscoding: true });
    fronts.push(gcs);

    const { report } = await runEmbedded(
      baseParams(src, dst, { srcType: 'Google_GCS', srcEndpoint: gcs.endpoint, srcRegion: 'US', maxAttempts: '2' }),
    );
    expect(report).toMatchObject({ complete: true, done: 2, verified: 2, failed: 0 });
    const copied = await readObject(servers.s3Dest, dst, 'site/index.html');
    expect(md5(copied)).toBe(md5(page));
    expect(await headObject(servers.s3Dest, dst, 'site/index.html')).toMatchObject({ ContentEncoding: 'gzip' });
    expect((await readObject(servers.s3Dest, dst, 'site/plain.txt')).toString()).toBe('not compressed');
    const reads = gcs.of('GetObject');
    expect(reads.length).toBeGreaterThan(0);
    expect(reads.every((r) => r.headers['accept-encoding'] === 'gzip')).toBe(true);
  });

  it('another S3-compatible source is read without Accept-Encoding (a proxy before it could compress on the fly)', async () => {
    const { src, dst } = await bucketPair();
    await putSource(src, 'a.txt', 'body');
    const front = await startS3Front({ target: servers.s3Source });
    fronts.push(front);
    const { report } = await runEmbedded(baseParams(src, dst, { srcEndpoint: front.endpoint }));
    expect(report).toMatchObject({ complete: true, done: 1 });
    expect(front.of('GetObject').every((r) => r.headers['accept-encoding'] === undefined)).toBe(true);
  });
});
