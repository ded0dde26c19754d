import { createHash, type Hash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { BodyLengthError } from '../core/errors.js';
import { giveBack } from '../core/slab-pool.js';

/**
 * Counts (and, unless told not to, MD5-hashes) a body's chunks as its consumer reads them, and knows whether exactly
 * the expected length passed, so a truncated source never becomes a short destination object. It is no stream layer
 * of its own: a Transform between the source and the upload cost a write, a transform and a push per chunk (measured,
 * README Benchmark), while the upload's own Content-Length check already stops a body that runs short or long.
 */
export class HashingTap {
  private readonly hash?: Hash;
  bytes = 0;

  private readonly onBytes?: (n: number) => void;
  private readonly onChunk?: (chunk: Buffer) => void;

  /** `onBytes`: told of each chunk as it passes (live progress); `onChunk`: given each chunk (an ordered hash). */
  constructor(
    private readonly expected: number,
    options: { md5: boolean; onBytes?: (n: number) => void; onChunk?: (chunk: Buffer) => void } = { md5: true },
  ) {
    if (options.md5) this.hash = createHash('md5');
    this.onBytes = options.onBytes;
    this.onChunk = options.onChunk;
  }

  /**
   * Watches `source` and returns it, to be handed to the upload. The tap's listener goes first and does not start the
   * flow (prependListener, unlike on('data'), does not resume a Readable): bytes move only once the upload reads them.
   */
  attach(source: Readable): Readable {
    source.prependListener('data', (chunk: Buffer) => {
      this.bytes += chunk.length;
      this.onBytes?.(chunk.length);
      const tooLong = this.lengthError(false);
      if (tooLong) {
        source.destroy(tooLong);
        return;
      }
      this.hash?.update(chunk);
      this.onChunk?.(chunk);
    });
    return source;
  }

  /** The body ran past the expected length, or (`ended`: the source ended cleanly) stopped short of it. */
  lengthError(ended: boolean): BodyLengthError | undefined {
    if (this.bytes > this.expected)
      return new BodyLengthError(`source sent more than the expected ${this.expected} bytes`);
    if (ended && this.bytes !== this.expected)
      return new BodyLengthError(`source body ended after ${this.bytes} of ${this.expected} bytes`);
    return undefined;
  }

  /** Undefined when the tap was made without hashing. */
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

/** The MD5 (hex) of a stream read to its end, checking its length; the chunks are given back to the slab pool. */
export async function md5OfStream(stream: Readable, expected: number): Promise<string> {
  const tap = new HashingTap(expected, { md5: true });
  // The tap sees each chunk before the loop does, so the loop may hand it back at once.
  for await (const chunk of tap.attach(stream)) giveBack(chunk as Buffer);
  const wrongLength = tap.lengthError(true);
  if (wrongLength) throw wrongLength;
  return tap.md5Hex() ?? '';
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
