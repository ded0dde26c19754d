import { InvalidParameterError } from '../core/errors.js';
import type { PrefixListRef } from '../params/index.js';
import type { ObjectStore } from '../ports/object-store.js';
import { boundedLines, LineTooLongError } from './bounded-lines.js';

/** A prefix is at most an S3 key (1,024 bytes); the rest leaves room for spaces and a comment. */
export const MAX_PREFIX_LINE_BYTES = 4096;

const LABEL = 'Source prefix list file';

/**
 * The source prefixes to scan: one per non-blank line of the prefix list object (streamed: millions of lines are
 * fine, a line over MAX_PREFIX_LINE_BYTES is an error), or srcPrefix. The list is an object KEY in the source bucket
 * (read with the source's credentials) — never a local path: the parameter arrives through the API.
 */
export async function* sourcePrefixes(srcPrefix: string, list: PrefixListRef | undefined, source: ObjectStore): AsyncGenerator<string> {
  if (!list) {
    yield srcPrefix;
    return;
  }
  if (list.bucket) {
    throw new InvalidParameterError('srcPrefixListBucket', `reading the prefix list from bucket "${list.bucket}" is not supported yet; put ${list.key} in the source bucket`);
  }
  if (!(await source.head(list.key))) {
    throw new InvalidParameterError('srcPrefixsListFile', `object "${list.key}" does not exist in the source bucket`, LABEL);
  }
  try {
    for await (const line of boundedLines(await source.get(list.key), MAX_PREFIX_LINE_BYTES)) {
      const p = line.trim().replace(/^\/+/, '');
      if (p !== '' && !p.startsWith('#')) yield p;
    }
  } catch (err) {
    if (err instanceof LineTooLongError) {
      throw new InvalidParameterError('srcPrefixsListFile', `"${list.key}": ${err.message}: a prefix list holds one prefix (at most 1,024 bytes) per line`, LABEL);
    }
    throw err;
  }
}
