/**
 * The lean client's HTTP/1.1 response parser on answers written byte by byte: every framing S3 and its proxies use
 * (Content-Length, chunked with extensions and trailers, read to close, none for HEAD/204/304), split at every
 * possible point between reads, and the malformed answers it must refuse rather than read as short ones.
 */
import { describe, expect, it } from 'vitest';
import { Http1ProtocolError, ResponseParser, type ResponseHead } from '../../../worker/adapters/s3/http1-parser.js';

interface Parsed {
  heads: ResponseHead[];
  body: string;
  complete: number;
}

/** Feeds `wire` in the pieces given (cut points), returns what the parser reported. */
function parse(wire: string, cuts: number[] = [], options: { head?: boolean; close?: boolean } = {}): Parsed {
  const out: Parsed = { heads: [], body: '', complete: 0 };
  const parser = new ResponseParser({
    onHead: (h) => out.heads.push(h),
    onBody: (chunk) => {
      out.body += chunk.toString('latin1');
    },
    onComplete: () => {
      out.complete++;
    },
  });
  parser.expect(options.head ?? false);
  const bytes = Buffer.from(wire, 'latin1');
  let at = 0;
  for (const cut of [...cuts, bytes.length]) {
    if (cut > at) parser.execute(bytes.subarray(at, cut));
    at = Math.max(at, cut);
  }
  if (options.close) parser.finish();
  return out;
}

/** Parses `wire` split into two reads at every position, and into single bytes: the result never depends on the reads. */
function parseEverySplit(wire: string, options: { head?: boolean; close?: boolean } = {}): Parsed {
  const whole = parse(wire, [], options);
  for (let i = 1; i < wire.length; i++) expect(parse(wire, [i], options)).toEqual(whole);
  expect(
    parse(
      wire,
      Array.from({ length: wire.length }, (_, i) => i),
      options,
    ),
  ).toEqual(whole);
  return whole;
}

function refusal(wire: string, options: { head?: boolean } = {}): unknown {
  try {
    parse(wire, [], options);
    return undefined;
  } catch (err) {
    return err;
  }
}

describe('framing', () => {
  it('Content-Length: headers lower-cased, repeated ones joined, exactly that many body bytes', () => {
    const r = parseEverySplit(
      'HTTP/1.1 200 OK\r\nContent-Length: 11\r\nETag: "a"\r\nX-Amz-Meta-A: 1\r\nx-amz-meta-a: 2\r\n\r\nhello world',
    );
    expect(r.heads).toEqual([
      { status: 200, headers: { 'content-length': '11', etag: '"a"', 'x-amz-meta-a': '1, 2' }, keepAlive: true },
    ]);
    expect(r.body).toBe('hello world');
    expect(r.complete).toBe(1);
  });

  it('chunked: extensions ignored, trailers read, the body is the chunks joined', () => {
    const r = parseEverySplit(
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n1\r\n \r\nA\r\n0123456789\r\n0\r\nX-Trailer: t\r\n\r\n',
    );
    expect(r.body).toBe('hello 0123456789');
    expect(r.complete).toBe(1);
  });

  it('no length and no chunking: the body runs to the end of the connection, which is not reused', () => {
    const r = parseEverySplit('HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\n\r\n<a/>', { close: true });
    expect(r.body).toBe('<a/>');
    expect(r.heads[0]!.keepAlive).toBe(false);
    expect(r.complete).toBe(1);
    // Until the connection ends, the answer is not complete.
    expect(parse('HTTP/1.1 200 OK\r\n\r\n<a/>').complete).toBe(0);
  });

  it('HEAD, 204 and 304 answers have no body whatever their Content-Length says', () => {
    expect(parseEverySplit('HTTP/1.1 200 OK\r\nContent-Length: 1048576\r\n\r\n', { head: true })).toMatchObject({
      body: '',
      complete: 1,
    });
    expect(parse('HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n')).toMatchObject({ body: '', complete: 1 });
    expect(parse('HTTP/1.1 304 Not Modified\r\n\r\n')).toMatchObject({ body: '', complete: 1 });
  });

  it('informational answers before the real one are skipped', () => {
    const r = parseEverySplit(
      'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: x\r\n\r\nHTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\nno',
    );
    expect(r.heads.map((h) => h.status)).toEqual([404]);
    expect(r.body).toBe('no');
  });

  it('Connection: close, and HTTP/1.0 without keep-alive, end the connection after the answer', () => {
    expect(parse('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n').heads[0]!.keepAlive).toBe(false);
    expect(parse('HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n').heads[0]!.keepAlive).toBe(false);
    expect(parse('HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n').heads[0]!.keepAlive).toBe(
      true,
    );
    expect(parse('HTTP/1.1 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 0\r\n\r\n').heads[0]!.keepAlive).toBe(
      true,
    );
  });

  it('answers one request at a time: the parser takes the next answer only after expect()', () => {
    const parser = new ResponseParser({ onHead: () => {}, onBody: () => {}, onComplete: () => {} });
    parser.expect(false);
    parser.execute(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx'));
    expect(parser.done).toBe(true);
    parser.expect(false);
    parser.execute(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\ny'));
    expect(parser.done).toBe(true);
  });
});

describe('malformed answers are refused, never read as short ones', () => {
  const cases: [string, string][] = [
    ['a status line that is not HTTP/1.x', '<html>\r\n\r\n'],
    ['a status code of two digits', 'HTTP/1.1 20 OK\r\n\r\n'],
    ['a header line without a colon', 'HTTP/1.1 200 OK\r\nContent-Length 5\r\n\r\nhello'],
    ['an obsolete folded header line', 'HTTP/1.1 200 OK\r\nX-A: 1\r\n  continued\r\nContent-Length: 0\r\n\r\n'],
    ['a header name with a space', 'HTTP/1.1 200 OK\r\nBad Name: 1\r\n\r\n'],
    [
      'both Transfer-Encoding and Content-Length',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n',
    ],
    ['Content-Length headers that disagree', 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!'],
    ['a negative Content-Length', 'HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n'],
    [
      'a chunk size that is not hexadecimal',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n',
    ],
    [
      'chunk data not followed by CRLF',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloX\r\n0\r\n\r\n',
    ],
    ['bytes after the end of the answer', 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\n\r\n'],
    ['101 Switching Protocols', 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n'],
  ];
  for (const [what, wire] of cases) {
    it(what, () => {
      const err = refusal(wire);
      expect(err).toBeInstanceOf(Http1ProtocolError);
      expect((err as Http1ProtocolError).code).toBe('HPE_INVALID');
    });
  }

  it('a header block larger than 64 KiB', () => {
    expect(refusal(`HTTP/1.1 200 OK\r\nX-Big: ${'a'.repeat(70_000)}\r\n\r\n`)).toBeInstanceOf(Http1ProtocolError);
    // ... also when it arrives in many reads without its end.
    const parser = new ResponseParser({ onHead: () => {}, onBody: () => {}, onComplete: () => {} });
    parser.expect(false);
    parser.execute(Buffer.from('HTTP/1.1 200 OK\r\nX-Big: '));
    expect(() => {
      for (let i = 0; i < 20; i++) parser.execute(Buffer.alloc(4096, 97));
    }).toThrow(Http1ProtocolError);
  });

  it('an answer cut short is not complete: the caller sees the connection end before it', () => {
    const parser = new ResponseParser({ onHead: () => {}, onBody: () => {}, onComplete: () => {} });
    parser.expect(false);
    parser.execute(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello'));
    expect(parser.finish()).toBe(false);
    expect(parser.bodyRemaining).toBe(5);
  });
});
