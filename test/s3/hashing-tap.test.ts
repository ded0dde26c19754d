/** The tap that counts and hashes a streamed body as the upload reads it (worker/s3/hashing-stream.ts). */
import { createHash } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { HashingTap, md5OfStream } from '../../worker/s3/hashing-stream.js';

async function readAll(body: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of body) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

describe('HashingTap', () => {
  it('hashes and counts every byte the consumer reads, and loses none before the consumer starts', async () => {
    const bytes = Buffer.from('x'.repeat(100_000));
    const source = new PassThrough();
    const seen: number[] = [];
    const tap = new HashingTap(bytes.length, { md5: true, onBytes: (n) => seen.push(n) });
    const body = tap.attach(source);
    source.write(bytes.subarray(0, 60_000));
    source.end(bytes.subarray(60_000));
    // Attaching did not start the flow: nothing passed until the consumer reads.
    await new Promise((r) => setImmediate(r));
    expect(tap.bytes).toBe(0);
    expect(await readAll(body)).toEqual(bytes);
    expect(tap.bytes).toBe(bytes.length);
    expect(seen.reduce((a, b) => a + b, 0)).toBe(bytes.length);
    expect(tap.lengthError(true)).toBeUndefined();
    expect(tap.md5Hex()).toBe(createHash('md5').update(bytes).digest('hex'));
  });

  it('fails the source with BODY_LENGTH when it runs past the expected length', async () => {
    const tap = new HashingTap(10, { md5: false });
    const body = tap.attach(Readable.from([Buffer.alloc(8), Buffer.alloc(8)]));
    await expect(readAll(body)).rejects.toMatchObject({ code: 'BODY_LENGTH' });
    expect(tap.lengthError(false)?.message).toMatch(/more than the expected 10 bytes/);
  });

  it('names a body that ended short, and only once it ended', async () => {
    const tap = new HashingTap(10, { md5: false });
    await readAll(tap.attach(Readable.from([Buffer.alloc(4)])));
    expect(tap.lengthError(false)).toBeUndefined();
    expect(tap.lengthError(true)).toMatchObject({ code: 'BODY_LENGTH', message: expect.stringMatching(/4 of 10/) });
    expect(tap.md5Hex()).toBeUndefined();
  });
});

describe('md5OfStream', () => {
  const body = Buffer.from('y'.repeat(300_000));
  const chunked = () => Readable.from([body.subarray(0, 100_000), body.subarray(100_000)]);

  it('is the MD5 of every byte, in chunks of any size', async () => {
    expect(await md5OfStream(chunked(), body.length)).toBe(createHash('md5').update(body).digest('hex'));
  });

  it('a body shorter or longer than expected is an error, not a hash', async () => {
    await expect(md5OfStream(chunked(), body.length + 1)).rejects.toThrow(/ended after 300000 of 300001 bytes/);
    await expect(md5OfStream(chunked(), body.length - 1)).rejects.toThrow(/more than the expected 299999 bytes/);
  });
});
