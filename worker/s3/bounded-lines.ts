import type { Readable } from 'node:stream';

/** A line of a streamed text is longer than the reader accepts. */
export class LineTooLongError extends Error {
  constructor(
    readonly lineNumber: number,
    readonly maxBytes: number,
  ) {
    super(`line ${lineNumber} is longer than ${maxBytes} bytes`);
  }
}

/**
 * The lines of a byte stream (LF or CRLF; UTF-8), never holding more than `maxBytes` of one line: a line over that
 * throws LineTooLongError and the stream is destroyed. readline buffers a line whole, so a 1 GiB file without a line
 * break grew one string to V8's limit and threw RangeError from inside a stream handler, out of reach of any caller.
 */
export async function* boundedLines(input: Readable, maxBytes: number): AsyncGenerator<string> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let lineNumber = 1;
  const take = (tail: Buffer): string => {
    const line = Buffer.concat([...pending, tail]);
    pending = [];
    pendingBytes = 0;
    const end = line.length > 0 && line[line.length - 1] === 0x0d ? line.length - 1 : line.length;
    if (end > maxBytes) throw new LineTooLongError(lineNumber, maxBytes);
    return line.toString('utf8', 0, end);
  };
  try {
    for await (const chunk of input as AsyncIterable<Buffer | string>) {
      let buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      for (let nl = buf.indexOf(0x0a); nl !== -1; nl = buf.indexOf(0x0a)) {
        // Checked before joining: never more than the bound (and a CR) of one line in memory.
        if (pendingBytes + nl > maxBytes + 1) throw new LineTooLongError(lineNumber, maxBytes);
        yield take(buf.subarray(0, nl));
        lineNumber++;
        buf = buf.subarray(nl + 1);
      }
      pendingBytes += buf.length;
      if (pendingBytes > maxBytes + 1) throw new LineTooLongError(lineNumber, maxBytes);
      if (buf.length) pending.push(buf);
    }
    if (pendingBytes > 0) yield take(Buffer.alloc(0));
  } finally {
    // Stopped early (an error, or the caller broke off): release the file or the connection.
    input.destroy();
  }
}
