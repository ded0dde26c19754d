import type { Readable } from 'node:stream';
import { InvalidParameterError } from '../core/errors.js';
import type { PrefixListRef } from '../params/index.js';
import type { ObjectStore } from '../ports/object-store.js';
import { boundedLines, LineTooLongError } from './bounded-lines.js';

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
 * The prefixes of the lines of a text stream: trimmed, leading slashes dropped, blank lines and `#` comments
 * skipped; a line over MAX_PREFIX_LINE_BYTES is an error naming `field` (`where` says which list).
 */
export async function* prefixesOfLines(
  input: Readable,
  where: string,
  field = 'srcPrefixsListFile',
): AsyncGenerator<string> {
  try {
    for await (const line of boundedLines(input, MAX_PREFIX_LINE_BYTES)) {
      const p = line.trim().replace(/^\/+/, '');
      if (p !== '' && !p.startsWith('#')) yield p;
    }
  } catch (err) {
    if (err instanceof LineTooLongError) {
      throw new InvalidParameterError(
        field,
        `${where}: ${err.message}: a prefix list holds one prefix (at most 1,024 bytes) per line`,
        field === 'srcPrefixsListFile' ? 'Source prefix list file' : undefined,
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
      'Bucket of the source prefix list file',
    );
  }
  const bucket = list.bucket ? `bucket "${list.bucket}"` : 'the source bucket';
  if (!(await store.head(list.key)))
    throw new InvalidParameterError(
      'srcPrefixsListFile',
      `object "${list.key}" does not exist in ${bucket}`,
      'Source prefix list file',
    );
  yield* prefixesOfLines(await store.get(list.key), `object "${list.key}" in ${bucket}`);
}
