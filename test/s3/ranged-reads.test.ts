/**
 * A part read (ranged GET) answered for another range of the same length — a cache or store that serves the wrong
 * bytes and says so in Content-Range (the fault proxy's `shiftedRange`) — is refused and read again. The destination
 * answers AWS's multipart ETags (s3-front `multipartEtags`): they prove only that the parts arrived as sent, so nothing
 * after the read would notice (s3rver's whole-object MD5 would, which is why the front stands in).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { servers } from '../support/servers.js';
import { baseParams, bucketPair, bytes, md5, putSource, readObject, runEmbedded } from './engine-fixtures.js';
import { startS3Front, type S3Front } from './s3-front.js';

const MiB = 1024 * 1024;
const closing: Array<FaultProxy | S3Front> = [];
afterEach(async () => {
  await Promise.all(closing.splice(0).map((c) => c.close()));
});

describe('part reads answered for another range', () => {
  it('are refused and read again: the multipart copy is byte-identical, not verified over shifted bytes', async () => {
    const { src, dst } = await bucketPair();
    const body = bytes(12 * MiB + 5, 31);
    await putSource(src, 'big.bin', body);
    const source = await startFaultProxy({
      target: servers.s3Source,
      rates: { shiftedRange: 1 },
      limits: { shiftedRange: 2 },
    });
    const aws = await startS3Front({ target: servers.s3Dest, multipartEtags: true });
    closing.push(source, aws);
    const { report, status } = await runEmbedded(
      baseParams(src, dst, { srcEndpoint: source.endpoint, destEndpoint: aws.endpoint }),
    );
    expect(source.faultCount('shiftedRange')).toBe(2);
    expect(report).toMatchObject({ complete: true, done: 1, verified: 1, failed: 0 });
    expect(md5(await readObject(servers.s3Dest, dst, 'big.bin'))).toBe(md5(body));
    // The destination really answered a multipart ETag, which no whole-object MD5 check could use.
    expect((await status.get('big.bin'))?.destEtag).toMatch(/^"?[0-9a-f]{32}-3"?$/);
  });
});
