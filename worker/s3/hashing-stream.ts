import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { BodyLengthError } from '../core/errors.js';
import { giveBack } from '../core/slab-pool.js';

/**
 * Passes bytes through while counting (and, unless told not to, MD5-hashing) them; fails the stream if it ends
 * short of (or beyond) the expected length, so a truncated source never becomes a short destination object.
 */
export class HashingStream extends Transform {
  private readonly hash?: Hash;
  bytes = 0;

  private readonly onBytes?: (n: number) => void;

  /** `onBytes`: told of each chunk as it passes (live progress). */
  constructor(
    private readonly expected: number,
    options: { md5: boolean; onBytes?: (n: number) => void } = { md5: true },
  ) {
    super();
    if (options.md5) this.hash = createHash('md5');
    this.onBytes = options.onBytes;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.bytes += chunk.length;
    this.onBytes?.(chunk.length);
    if (this.bytes > this.expected) {
      cb(new BodyLengthError(`source sent more than the expected ${this.expected} bytes`));
      return;
    }
    this.hash?.update(chunk);
    cb(null, chunk);
  }

  override _flush(cb: TransformCallback): void {
    if (this.bytes !== this.expected)
      cb(new BodyLengthError(`source body ended after ${this.bytes} of ${this.expected} bytes`));
    else cb();
  }

  /** Undefined when the stream was made without hashing. */
  md5Hex(): string | undefined {
    return this.hash?.digest('hex');
  }
}

/** Reads a whole (small) stream into memory, checking its length; the chunks read are given back to the slab pool. */
export async function readFully(stream: NodeJS.ReadableStream, expected: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of stream) {
    const b = Buffer.isBuffer(c) ? c : Buffer.from(c as string);
    n += b.length;
    if (n > expected) throw new BodyLengthError(`source sent more than the expected ${expected} bytes`);
    chunks.push(b);
  }
  if (n !== expected) throw new BodyLengthError(`source body ended after ${n} of ${expected} bytes`);
  const whole = Buffer.concat(chunks, n);
  for (const c of chunks) giveBack(c);
  return whole;
}

const MD5_ETAG = /^"?([0-9a-f]{32})"?$/i;

/** The MD5 an ETag stands for, when it is a plain single-part MD5 ETag. */
export function md5FromEtag(etag: string | undefined): string | undefined {
  const m = etag ? MD5_ETAG.exec(etag) : null;
  return m ? m[1].toLowerCase() : undefined;
}

/** AWS's multipart ETag: md5 of the concatenated binary part MD5s, then "-<parts>". */
export function multipartEtag(partMd5Hex: string[]): string {
  const h = createHash('md5');
  for (const p of partMd5Hex) h.update(Buffer.from(p, 'hex'));
  return `${h.digest('hex')}-${partMd5Hex.length}`;
}
