import { createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { InvalidParameterError } from '../core/errors.js';

/** The source prefixes to scan: one per line of the prefix list file (streamed, millions of lines are fine), or srcPrefix. */
export async function* sourcePrefixes(srcPrefix: string, listFile?: string): AsyncGenerator<string> {
  if (!listFile) {
    yield srcPrefix;
    return;
  }
  try {
    await access(listFile);
  } catch {
    throw new InvalidParameterError('srcPrefixsListFile', `cannot read "${listFile}"`);
  }
  const lines = createInterface({ input: createReadStream(listFile, 'utf8'), crlfDelay: Infinity });
  for await (const line of lines) {
    const p = line.trim().replace(/^\/+/, '');
    if (p !== '' && !p.startsWith('#')) yield p;
  }
}
