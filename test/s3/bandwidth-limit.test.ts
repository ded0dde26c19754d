/**
 * bandwidthLimit: one worker's reads from the source held to a rate, whole objects and parts together (s3rver), the
 * copies still exact; the token bucket itself; the parameter's values.
 */
import { describe, expect, it } from 'vitest';
import { BandwidthLimit } from '../../worker/core/bandwidth-limit.js';
import { parseS3TaskParams } from '../../worker/s3/params.js';
import { servers } from '../support/servers.js';
import { baseParams, bucketPair, bytes, md5, putSource, readObject, runEmbedded } from './engine-fixtures.js';

const KiB = 1024;
const MiB = 1024 * KiB;

describe('bandwidthLimit', () => {
  it("holds a sync's source reads to the rate, a multipart object's parts included, and copies exactly", async () => {
    const { src, dst } = await bucketPair();
    const objects: Record<string, Buffer> = {
      'a.bin': bytes(256 * KiB, 1),
      'b.bin': bytes(256 * KiB, 2),
      'c.bin': bytes(256 * KiB, 3),
      'parts.bin': bytes(6 * MiB, 4),
    };
    for (const [key, body] of Object.entries(objects)) await putSource(src, key, body);
    const started = performance.now();
    const { report } = await runEmbedded(baseParams(src, dst, { bandwidthLimit: '2MiB', multipartThreshold: '5MiB' }));
    const seconds = (performance.now() - started) / 1000;
    expect(report).toMatchObject({ complete: true, done: 4, verified: 4, failed: 0 });
    for (const [key, body] of Object.entries(objects))
      expect(md5(await readObject(servers.s3Dest, dst, key)), key).toBe(md5(body));
    // 6.75 MiB at 2 MiB/s after a first second's worth (2 MiB) at once: at least 2.4 s, whatever the servers' speed.
    expect(seconds).toBeGreaterThanOrEqual(2.3);
  });

  it('lets one second of the rate pass at once, then makes what follows wait its time', () => {
    const limit = new BandwidthLimit(MiB);
    expect(limit.take(MiB)).toBe(0);
    const wait = limit.take(MiB / 2);
    expect(wait).toBeGreaterThan(480);
    expect(wait).toBeLessThanOrEqual(500);
    // What was overdrawn is owed by the next bytes too: the rate holds however the streams share it.
    expect(limit.take(MiB / 2)).toBeGreaterThan(980);
    expect(() => new BandwidthLimit(0)).toThrow(RangeError);
  });

  it('is a size per second: blank is no limit, and a rate too small to copy with is refused by name', () => {
    const params = (bandwidthLimit: string) => parseS3TaskParams(baseParams('src-a', 'dst-b', { bandwidthLimit }));
    expect(params('').bandwidthLimit).toBeUndefined();
    expect(params('50MiB').bandwidthLimit).toBe(50 * MiB);
    expect(() => params('10')).toThrow(/Bandwidth limit per worker \(bandwidthLimit\): must be between 65536/);
    expect(() => params('fast')).toThrow(/"fast" is not a size/);
  });
});
