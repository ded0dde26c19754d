/**
 * Sending a source body to the destination: streamed through a tap that counts (and may hash) its bytes, or — for a
 * destination that demands Content-MD5 — hashed first.
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { ContentMd5RequiredError } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import type { ObjectHead, ObjectStore } from '../ports/object-store.js';
import type { BytesInFlight } from './bytes-in-flight.js';
import { HashingTap, md5OfStream, readFully } from './hashing-stream.js';
import type { PartRange } from './part-plan.js';
import type { TagsRefusedWarnings } from './tags-refused.js';

export interface DestinationDemands {
  /** Every PutObject and UploadPart must carry Content-MD5 (Object Lock with a default retention). */
  contentMd5: boolean;
  /**
   * The destination answered a multipart completion with the whole object's MD5 (s3rver): its answer proves the
   * ranged reads of a single-part source, which are then not hashed again in order (OrderedMd5).
   */
  wholeMd5Completions?: boolean;
  /** The destination does not list multipart uploads (s3rver), or the keys may not: orphans are not looked for again. */
  uploadsUnlisted?: boolean;
}

/** What sending a body needs: the source to read, and what the worker knows and reports. */
export interface SendContext {
  source: ObjectStore;
  logger: Logger;
  /** Live progress: bytes of uploads still streaming (optional). */
  bytesInFlight?: BytesInFlight;
  /** What the destination turned out to demand of writes, learned from its refusals; shared by a worker's copies. */
  demands?: DestinationDemands;
  /** Objects copied without tags the source refused to read, warned about in bulk; shared by a worker's copies. */
  tagsRefused?: TagsRefusedWarnings;
}

/**
 * Uploads `source` with `tap` watching its bytes. A failed upload releases the source's connection; a body of the
 * wrong length fails as such (BodyLengthError), and a success is checked to have carried exactly the expected bytes.
 */
async function uploadThrough<T>(source: Readable, tap: HashingTap, upload: (body: Readable) => Promise<T>): Promise<T> {
  // Until the upload reads it, a failing source must not throw an unhandled 'error'; the upload then sees the error.
  source.once('error', () => {});
  let result: T;
  try {
    result = await upload(tap.attach(source));
  } catch (err) {
    source.destroy();
    throw tap.lengthError(source.readableEnded) ?? err;
  }
  const wrongLength = tap.lengthError(true);
  if (wrongLength) throw wrongLength;
  return result;
}

/**
 * Streams `source` to `upload` through a tap that counts its bytes for live progress and, with `md5`, hashes them.
 * Returns the answer and the MD5 of the bytes (undefined without hashing).
 */
export async function streamThrough<T>(
  ctx: SendContext,
  source: Readable,
  size: number,
  md5: boolean,
  upload: (body: Readable) => Promise<T>,
  onChunk?: (chunk: Buffer) => void,
): Promise<{ written: T; md5?: string }> {
  const meter = ctx.bytesInFlight?.start();
  const tap = new HashingTap(size, { md5, onBytes: meter?.add, onChunk });
  try {
    return { written: await uploadThrough(source, tap, upload), md5: tap.md5Hex() };
  } finally {
    meter?.end();
  }
}

export function md5Base64(hex: string): string {
  return Buffer.from(hex, 'hex').toString('base64');
}

/**
 * Bodies up to this size are read into memory to take their MD5 before they are sent (destinations that demand
 * Content-MD5); larger ones are read twice, once to hash and once to send, so memory stays bounded.
 */
export const MD5_FIRST_BUFFER_LIMIT = 64 * 1024 * 1024;

type Send<T> = (body: Readable | Buffer, md5Base64?: string) => Promise<T>;

/**
 * Sends a source body (the object, or one part's range, of the version `head` names) whose MD5 is not known
 * beforehand: streamed and hashed on the way — unless the destination demands Content-MD5 (Object Lock), which its
 * first refusal teaches this worker: then the MD5 is taken first. Returns the answer and the MD5 of the bytes sent.
 */
export async function sendHashed<T>(
  ctx: SendContext,
  head: Pick<ObjectHead, 'key' | 'etag'>,
  range: PartRange | undefined,
  size: number,
  send: Send<T>,
  opened?: Readable,
  /** Given the bytes sent, chunk by chunk (an ordered hash of a whole object sent in parts). */
  onChunk?: (chunk: Buffer) => void,
): Promise<{ written: T; md5: string }> {
  const read = () => ctx.source.get(head.key, range && { start: range.start, end: range.end }, head.etag);
  // A body opened by the caller and not yet read serves the first read below (a GET less per object).
  let unread = opened;
  if (!ctx.demands?.contentMd5) {
    unread = undefined;
    try {
      const sent = await streamThrough(ctx, opened ?? (await read()), size, true, (body) => send(body), onChunk);
      return { written: sent.written, md5: sent.md5 ?? '' };
    } catch (err) {
      if (!(err instanceof ContentMd5RequiredError)) throw err;
      if (ctx.demands && !ctx.demands.contentMd5) ctx.logger.warn('copy.content_md5_required', { error: err });
      if (ctx.demands) ctx.demands.contentMd5 = true;
    }
  }
  const first = unread ?? (await read());
  if (size <= MD5_FIRST_BUFFER_LIMIT) {
    const body = await readFully(first, size);
    onChunk?.(body);
    const md5 = createHash('md5').update(body).digest('hex');
    return { written: await send(body, md5Base64(md5)), md5 };
  }
  const md5 = await md5OfStream(first, size);
  // The second read is of the same version (If-Match), and the store checks what arrives against Content-MD5.
  const { written } = await streamThrough(
    ctx,
    await read(),
    size,
    false,
    (body) => send(body, md5Base64(md5)),
    onChunk,
  );
  return { written, md5 };
}
