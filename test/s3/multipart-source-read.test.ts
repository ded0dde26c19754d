/**
 * A single-part source copied in parts to a destination that answers the completion with the MD5 of the part MD5s
 * (AWS, MinIO; here moto): that answer proves the parts arrived as sent, not that they were read as the source holds
 * them. A byte flipped on the way from the source (a fault proxy in front of s3rver, on one ranged GET) is caught by
 * the whole object's MD5, hashed in part order against the source's ETag, and the object is copied again: the
 * destination ends byte-identical. Before, the run reported the object verified with the flipped byte in it. Parts
 * resumed from an earlier attempt are read again for that hash. The check comes before the completion: damaged parts
 * are never completed over the destination's object (before, the completion replaced a good copy, then failed).
 */
import { ListMultipartUploadsCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { startFaultProxy } from '../support/fault-proxy.js';
import { useMoto } from '../support/moto.js';
import { servers } from '../support/servers.js';
import { md5, runEmbedded } from './engine-fixtures.js';
import { cutAfterFirstPart, motoTask } from './moto-destination.js';

const moto = useMoto();

/** The moto task, its source read through a proxy that flips a byte of the first ranged GET. */
async function setUp(name: string, seed: number) {
  const task = await motoTask(moto, name, seed);
  const flipper = await startFaultProxy({
    target: servers.s3Source,
    rates: { flipPartByte: 1 },
    limits: { flipPartByte: 1 },
  });
  const params = (srcEndpoint: string, extra: Record<string, string> = {}) => task.params({ srcEndpoint, ...extra });
  const copied = async () => md5(await task.readDest('big.bin'));
  return { ...task, flipper, params, copied };
}

describe('a single-part source copied in parts to a destination answering the MD5 of part MD5s', () => {
  it('catches a byte flipped on the way from the source and copies the object again', async () => {
    const t = await setUp('mp-flip', 1);
    try {
      const { report, status } = await runEmbedded(t.params(t.flipper.endpoint), { secrets: t.secretsPath });
      expect(t.flipper.faultCount('flipPartByte')).toBe(1);
      expect(report).toMatchObject({ complete: true, done: 1, failed: 0 });
      expect(await t.copied()).toBe(md5(t.body));
      expect((await status.get('big.bin'))?.attempts).toBeGreaterThan(1);
    } finally {
      await t.flipper.close();
    }
  });

  it("on its last attempt, leaves the destination's object as it was and no upload open: damaged parts are never completed", async () => {
    const t = await setUp('mp-last', 3);
    try {
      const earlier = Buffer.from('an earlier copy, good bytes of an older version');
      await t.motoS3.send(new PutObjectCommand({ Bucket: t.dst, Key: 'big.bin', Body: earlier }));
      const { report, status } = await runEmbedded(t.params(t.flipper.endpoint, { maxAttempts: '1' }), {
        secrets: t.secretsPath,
      });
      expect(t.flipper.faultCount('flipPartByte')).toBe(1);
      expect(report).toMatchObject({ done: 0, failed: 1 });
      const record = await status.get('big.bin');
      expect(record?.status).toBe('FAILED');
      expect(record?.uploadId).toBeUndefined();
      expect(record?.error).toMatch(/the bytes read have MD5 \w+, its ETag names \w+ \(damaged on the way/);
      expect(md5(await t.readDest('big.bin'))).toBe(md5(earlier));
      const open = await t.motoS3.send(new ListMultipartUploadsCommand({ Bucket: t.dst }));
      expect(open.Uploads ?? []).toEqual([]);
    } finally {
      await t.flipper.close();
    }
  });

  it('reads the parts a resumed upload already holds again for the hash, and catches a flip there too', async () => {
    const t = await setUp('mp-resume', 2);
    try {
      // The first run uploads part 1 and is cut off: the object FAILED, its upload open with one part recorded.
      const cut = await runEmbedded(t.params(servers.s3Source, { maxAttempts: '1' }), {
        secrets: t.secretsPath,
        wrap: ({ source, dest }) => ({ source, dest: cutAfterFirstPart(dest) }),
      });
      expect(cut.report).toMatchObject({ failed: 1 });
      // The rerun resumes it through the flipping proxy: whichever ranged GET is flipped (part 1's hash read or a
      // part's upload), the object ends byte-identical.
      const { report } = await runEmbedded(t.params(t.flipper.endpoint), { secrets: t.secretsPath, db: cut.dbPath });
      expect(t.flipper.faultCount('flipPartByte')).toBe(1);
      expect(report).toMatchObject({ complete: true, done: 1, failed: 0 });
      expect(await t.copied()).toBe(md5(t.body));
    } finally {
      await t.flipper.close();
    }
  });
});
