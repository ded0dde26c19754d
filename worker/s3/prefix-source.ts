import type { Readable } from 'node:stream';
import { DthError, InvalidParameterError, PrefixListReadError } from '../core/errors.js';
import { fieldLabel, type PrefixListRef, S3_PARAMETERS } from '../params/index.js';
import type { ObjectStore } from '../ports/object-store.js';
import { boundedLines, LineTooLongError } from './bounded-lines.js';
import { contentMd5 } from './etags.js';
import { HashingTap } from './hashing-stream.js';

/** A prefix is at most an S3 key (1,024 bytes); the rest leaves room for spaces and a comment. */
export const MAX_PREFIX_LINE_BYTES = 4096;

/** Where the prefix list object is read: the source bucket, or the bucket named by srcPrefixListBucket. */
export interface PrefixListStores {
  /** The source bucket, opened with the source side's credentials (anonymous included). */
  source: ObjectStore;
  /** srcPrefixListBucket, opened with this account's role; required when the list names a bucket. */
  listBucket?: ObjectStore;
}

/**
 * The prefixes of the lines of a text stream, each as written (as the original: a key may begin with "/" or a
 * space); blank lines and `#` comments skipped; a line over MAX_PREFIX_LINE_BYTES is an error naming `field`
 * (`where` says which list).
 */
export async function* prefixesOfLines(
  input: Readable,
  where: string,
  field = 'srcPrefixsListFile',
): AsyncGenerator<string> {
  try {
    let first = true;
    for await (const read of boundedLines(input, MAX_PREFIX_LINE_BYTES)) {
      // A byte-order mark (a list saved by a Windows editor) is no part of the first prefix: kept, it matched nothing.
      const line = first ? read.replace(/^\uFEFF/, '') : read;
      first = false;
      if (line.trim() !== '' && !line.trimStart().startsWith('#')) yield line;
    }
  } catch (err) {
    if (err instanceof LineTooLongError) {
      throw new InvalidParameterError(
        field,
        `${where}: ${err.message}: a prefix list holds one prefix (at most 1,024 bytes) per line`,
        fieldLabel(S3_PARAMETERS, field),
      );
    }
    throw err;
  }
}

/**
 * The source prefixes to scan: one per line of the prefix list object (streamed in constant memory, so lists of
 * millions of lines are fine), or srcPrefix. The list is an object KEY — in the source bucket (read with the
 * source's credentials) or in srcPrefixListBucket (read with this account's role) — never a local path: the
 * parameter arrives through the API.
 */
export async function* sourcePrefixes(
  srcPrefix: string,
  list: PrefixListRef | undefined,
  stores: PrefixListStores,
): AsyncGenerator<string> {
  if (!list) {
    yield srcPrefix;
    return;
  }
  const store = list.bucket ? stores.listBucket : stores.source;
  if (!store) {
    throw new InvalidParameterError(
      'srcPrefixListBucket',
      `bucket "${list.bucket}" was not opened for this run (the entry point must open it with this account's role)`,
      fieldLabel(S3_PARAMETERS, 'srcPrefixListBucket'),
    );
  }
  const bucket = list.bucket ? `bucket "${list.bucket}"` : 'the source bucket';
  const where = `object "${list.key}" in ${bucket}`;
  // A failed read names the parameter the list comes from, not only a bucket the user may not connect with it.
  const field = list.bucket ? 'srcPrefixListBucket' : 'srcPrefixsListFile';
  const named = (err: unknown) =>
    err instanceof DthError && !(err instanceof PrefixListReadError) && !(err instanceof InvalidParameterError)
      ? new PrefixListReadError(where, err.message, { cause: err, field })
      : err;
  const head = await store.head(list.key).catch((err: unknown) => {
    throw named(err);
  });
  if (!head)
    throw new InvalidParameterError(
      'srcPrefixsListFile',
      `object "${list.key}" does not exist in ${bucket}`,
      fieldLabel(S3_PARAMETERS, 'srcPrefixsListFile'),
    );
  // All of the list or an error: an answer cut short at a line's end (no Content-Length, the connection closed)
  // reads as a shorter list, and the pass would end complete without the prefixes after the cut.
  const md5 = contentMd5(head);
  const tap = new HashingTap(head.size, { md5: md5 !== undefined });
  const body = await store.get(list.key, undefined, head.etag).catch((err: unknown) => {
    throw named(err);
  });
  yield* prefixesOfLines(tap.attach(body), where);
  const cut = tap.lengthError(true);
  if (cut) throw new PrefixListReadError(where, `${cut.message}: the list was not read whole`);
  const read = tap.md5Hex();
  if (md5 && read !== md5)
    throw new PrefixListReadError(where, `the bytes read have MD5 ${read}, the object's is ${md5}`);
}

/** How many prefixes are held and sorted to merge overlaps (~6 MB of 40-byte prefixes); longer lists stream. */
export const PREFIXES_SORTED_IN_MEMORY = 100_000;

/**
 * The prefixes without repeats: a prefix that another one of the list covers ("data/2020/" under "data/", or the
 * same line twice) is dropped, since its keys would be listed, counted and copied twice. Lists of up to
 * PREFIXES_SORTED_IN_MEMORY lines are sorted first, so every overlap is merged (the keys under a prefix sort
 * together, right after it). A longer list streams in its own order in constant memory: overlaps are merged where the
 * covering prefix comes just before (all of them when the list is sorted), and `onUnsorted` is called once if it is
 * not sorted.
 */
export async function* distinctPrefixes(
  prefixes: AsyncIterable<string>,
  onUnsorted: () => void,
  holdAtMost = PREFIXES_SORTED_IN_MEMORY,
): AsyncGenerator<string> {
  const iterator = prefixes[Symbol.asyncIterator]();
  const held: string[] = [];
  let next = await iterator.next();
  while (!next.done && held.length < holdAtMost) {
    held.push(next.value);
    next = await iterator.next();
  }
  let kept: string | undefined;
  const covered = (p: string) => kept !== undefined && p.startsWith(kept);
  if (next.done) {
    for (const p of held.sort()) {
      if (covered(p)) continue;
      kept = p;
      yield p;
    }
    return;
  }
  let previous: string | undefined;
  let warned = false;
  const stream = async function* () {
    yield* held.splice(0);
    while (!next.done) {
      yield next.value;
      next = await iterator.next();
    }
  };
  for await (const p of stream()) {
    if (!warned && previous !== undefined && p < previous) {
      warned = true;
      onUnsorted();
    }
    previous = p;
    if (covered(p)) continue;
    kept = p;
    yield p;
  }
}
