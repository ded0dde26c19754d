import { createInterface } from 'node:readline';
import { InvalidParameterError } from '../core/errors.js';
import type { PrefixListRef } from '../params/index.js';
import type { ObjectStore } from '../ports/object-store.js';

/**
 * The source prefixes to scan: one per non-blank line of the prefix list object (streamed, millions of lines are
 * fine), or srcPrefix. The list is an object KEY in the source bucket (read with the source's credentials) — never a
 * local path.
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
    throw new InvalidParameterError('srcPrefixsListFile', `object "${list.key}" does not exist in the source bucket`, 'Source prefix list file');
  }
  const lines = createInterface({ input: await source.get(list.key), crlfDelay: Infinity });
  for await (const line of lines) {
    const p = line.trim().replace(/^\/+/, '');
    if (p !== '' && !p.startsWith('#')) yield p;
  }
}
