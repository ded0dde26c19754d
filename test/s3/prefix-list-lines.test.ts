/**
 * Prefix lists are read line by line with a bound on one line: LF and CRLF, a last line without a break, lines split
 * across chunks, and a line over the bound — including a 1 GiB file without a line break, read in bounded memory and
 * closed after the error (a sparse file: no disk used).
 */
import { closeSync, mkdtempSync, openSync, rmSync, ftruncateSync } from 'node:fs';
import { createReadStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { boundedLines, LineTooLongError } from '../../worker/s3/bounded-lines.js';

const work = mkdtempSync(join(tmpdir(), 'dth-lines-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function lines(chunks: string[], max = 8): Promise<string[]> {
  const out: string[] = [];
  for await (const l of boundedLines(Readable.from(chunks.map((c) => Buffer.from(c))), max)) out.push(l);
  return out;
}

describe('boundedLines', () => {
  it('splits LF and CRLF lines, across chunk boundaries, and keeps a last line without a break', async () => {
    expect(await lines(['a/\nbb', '/\r\n\n', 'cc', 'c/'])).toEqual(['a/', 'bb/', '', 'ccc/']);
    expect(await lines(['12345678\n'])).toEqual(['12345678']); // exactly the bound
    expect(await lines(['é/\n'])).toEqual(['é/']); // UTF-8 kept whole
  });

  it('refuses a line over the bound, naming the line', async () => {
    await expect(lines(['ok\n', '123456789', '0\n'])).rejects.toMatchObject({ lineNumber: 2, maxBytes: 8 });
    await expect(lines(['ok\nfine\n123456789'])).rejects.toThrow(LineTooLongError);
  });

  it('a 1 GiB file without a line break: refused after reading a few KiB, the file closed', async () => {
    const path = join(work, 'huge.txt');
    const fd = openSync(path, 'w');
    ftruncateSync(fd, 1024 ** 3);
    closeSync(fd);
    const stream = createReadStream(path);
    const heapBefore = process.memoryUsage().heapUsed;
    await expect(
      (async () => {
        for await (const _ of boundedLines(stream, 4096)) {
          /* never reached */
        }
      })(),
    ).rejects.toThrow(/line 1 is longer than 4096 bytes/);
    expect(stream.destroyed).toBe(true);
    expect(stream.bytesRead).toBeLessThan(1024 * 1024);
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(64 * 1024 * 1024);
  });
});
