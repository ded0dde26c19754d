/**
 * An incremental, strict HTTP/1.1 response parser (RFC 9112) for the lean S3 client: status line, header block, and
 * the body framed by Content-Length, chunked transfer coding or the end of the connection. Body bytes are handed on
 * as views of the input (no copy). Anything that is not well-formed HTTP/1.1 throws Http1ProtocolError: a garbled
 * answer is never taken for a short one.
 */

/** An answer that is not well-formed HTTP/1.1 (the connection cannot be used again). */
export class Http1ProtocolError extends Error {
  readonly code = 'HPE_INVALID';

  constructor(detail: string) {
    super(`malformed HTTP answer: ${detail}`);
    this.name = 'Http1ProtocolError';
  }
}

export interface ResponseHead {
  status: number;
  /** Lower-case names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  /** False when the server closes the connection after this answer (Connection: close, HTTP/1.0, or read-to-close). */
  keepAlive: boolean;
}

export interface ParserEvents {
  onHead(head: ResponseHead): void;
  onBody(chunk: Buffer): void;
  onComplete(): void;
}

/** S3's answers carry a few dozen headers; user metadata is at most 2 KiB. A larger head is not S3. */
const MAX_HEAD_BYTES = 64 * 1024;
const MAX_CHUNK_LINE = 4096;
const CRLF2 = Buffer.from('\r\n\r\n');
const STATUS_LINE = /^HTTP\/1\.([01]) (\d{3})(?: [^\r\n]*)?$/;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const DECIMAL = /^\d{1,15}$/;
const HEX = /^[0-9a-fA-F]{1,12}$/;

enum State {
  Head,
  Length,
  ChunkSize,
  ChunkData,
  ChunkDataEnd,
  Trailers,
  UntilClose,
  Done,
}

/** Parses one response per `expect()` call, from bytes fed in order with `execute()`. */
export class ResponseParser {
  private state = State.Done;
  private noBody = false;
  private remaining = 0;
  /** Bytes of an unfinished head, chunk-size line or trailer block (copied: the input is not kept). */
  private partial: Buffer | undefined;
  private keepAlive = true;

  constructor(private readonly events: ParserEvents) {}

  /** Readies the parser for the answer to one request; `headRequest` answers carry no body whatever they declare. */
  expect(headRequest: boolean): void {
    this.state = State.Head;
    this.noBody = headRequest;
    this.partial = undefined;
  }

  get done(): boolean {
    return this.state === State.Done;
  }

  /** True while the body runs to the end of the connection (its end is the answer's end). */
  get readsToClose(): boolean {
    return this.state === State.UntilClose;
  }

  /** Body bytes still expected under Content-Length framing (0 otherwise). */
  get bodyRemaining(): number {
    return this.state === State.Length ? this.remaining : 0;
  }

  /** The connection ended: completes a read-to-close body; anything else unfinished is an error for the caller. */
  finish(): boolean {
    if (this.state === State.UntilClose) {
      this.state = State.Done;
      this.events.onComplete();
    }
    return this.state === State.Done;
  }

  /** Feeds bytes; throws Http1ProtocolError on malformed input or bytes after the answer. */
  execute(data: Buffer): void {
    let pos = 0;
    while (pos < data.length) {
      switch (this.state) {
        case State.Head:
          pos = this.readHead(data, pos);
          break;
        case State.Length: {
          const n = Math.min(this.remaining, data.length - pos);
          this.remaining -= n;
          const chunk = data.subarray(pos, pos + n);
          pos += n;
          if (this.remaining === 0) this.state = State.Done;
          this.events.onBody(chunk);
          if (this.state === State.Done) this.events.onComplete();
          break;
        }
        case State.ChunkSize:
          pos = this.readChunkSize(data, pos);
          break;
        case State.ChunkData: {
          const n = Math.min(this.remaining, data.length - pos);
          this.remaining -= n;
          const chunk = data.subarray(pos, pos + n);
          pos += n;
          if (this.remaining === 0) {
            this.state = State.ChunkDataEnd;
            this.remaining = 2;
          }
          this.events.onBody(chunk);
          break;
        }
        case State.ChunkDataEnd: {
          // The CRLF after a chunk's data, possibly split across reads.
          const expected = this.remaining === 2 ? 0x0d : 0x0a;
          if (data[pos] !== expected) throw new Http1ProtocolError('chunk data not followed by CRLF');
          pos++;
          if (--this.remaining === 0) this.state = State.ChunkSize;
          break;
        }
        case State.Trailers:
          pos = this.readTrailers(data, pos);
          break;
        case State.UntilClose: {
          const chunk = pos === 0 ? data : data.subarray(pos);
          pos = data.length;
          this.events.onBody(chunk);
          break;
        }
        case State.Done:
          throw new Http1ProtocolError(`${data.length - pos} bytes after the end of the answer`);
      }
    }
  }

  /** Takes bytes up to a terminator, joining them to what earlier reads left; undefined (and bytes kept) if not there yet. */
  private takeUntil(
    data: Buffer,
    pos: number,
    terminator: Buffer | string,
    limit: number,
    what: string,
  ): { text: string; next: number } | undefined {
    const joined = this.partial ? Buffer.concat([this.partial, data.subarray(pos)]) : data.subarray(pos);
    const at = joined.indexOf(terminator);
    if (at < 0) {
      if (joined.length > limit) throw new Http1ProtocolError(`${what} longer than ${limit} bytes`);
      this.partial = Buffer.from(joined); // copy: the input buffer may be reused
      return undefined;
    }
    if (at > limit) throw new Http1ProtocolError(`${what} longer than ${limit} bytes`);
    const termLength = typeof terminator === 'string' ? terminator.length : terminator.length;
    const consumedFromData = at + termLength - (this.partial?.length ?? 0);
    const text = joined.toString('latin1', 0, at);
    this.partial = undefined;
    return { text, next: pos + consumedFromData };
  }

  private readHead(data: Buffer, pos: number): number {
    const taken = this.takeUntil(data, pos, CRLF2, MAX_HEAD_BYTES, 'header block');
    if (!taken) return data.length;
    const lines = taken.text.split('\r\n');
    const m = STATUS_LINE.exec(lines[0]);
    if (!m) throw new Http1ProtocolError(`status line "${lines[0].slice(0, 80)}"`);
    const status = Number(m[2]);
    const headers: Record<string, string> = {};
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i];
      const colon = line.indexOf(':');
      if (colon <= 0) throw new Http1ProtocolError(`header line "${line.slice(0, 80)}"`);
      const name = line.slice(0, colon);
      if (!TOKEN.test(name)) throw new Http1ProtocolError(`header name "${name.slice(0, 80)}"`);
      const key = name.toLowerCase();
      const value = line.slice(colon + 1).trim();
      const prior = headers[key];
      headers[key] = prior === undefined ? value : `${prior}, ${value}`;
    }
    // Informational answers (100 Continue, 103 Early Hints) precede the real one.
    if (status >= 100 && status < 200) {
      if (status === 101) throw new Http1ProtocolError('101 Switching Protocols was not asked for');
      return taken.next;
    }
    const connection = headers.connection?.toLowerCase() ?? '';
    this.keepAlive =
      m[1] === '1' ? !/(^|,)\s*close\s*(,|$)/.test(connection) : /(^|,)\s*keep-alive\s*(,|$)/.test(connection);
    const transferEncoding = headers['transfer-encoding'];
    const length = headers['content-length'];
    if (this.noBody || status === 204 || status === 304) {
      this.state = State.Done;
    } else if (transferEncoding !== undefined) {
      if (length !== undefined) throw new Http1ProtocolError('both Transfer-Encoding and Content-Length');
      if (!/(^|,)\s*chunked\s*$/i.test(transferEncoding)) {
        this.state = State.UntilClose;
        this.keepAlive = false;
      } else {
        this.state = State.ChunkSize;
      }
    } else if (length !== undefined) {
      // Repeated Content-Length headers must agree ("5, 5").
      const values = new Set(length.split(',').map((v) => v.trim()));
      const [only] = values;
      if (values.size !== 1 || !DECIMAL.test(only))
        throw new Http1ProtocolError(`Content-Length "${length.slice(0, 40)}"`);
      this.remaining = Number(only);
      this.state = this.remaining === 0 ? State.Done : State.Length;
    } else {
      this.state = State.UntilClose;
      this.keepAlive = false;
    }
    this.events.onHead({ status, headers, keepAlive: this.keepAlive });
    if (this.state === State.Done) this.events.onComplete();
    return taken.next;
  }

  private readChunkSize(data: Buffer, pos: number): number {
    const taken = this.takeUntil(data, pos, '\r\n', MAX_CHUNK_LINE, 'chunk size line');
    if (!taken) return data.length;
    const size = taken.text.split(';')[0].trim();
    if (!HEX.test(size)) throw new Http1ProtocolError(`chunk size "${size.slice(0, 20)}"`);
    this.remaining = parseInt(size, 16);
    this.state = this.remaining === 0 ? State.Trailers : State.ChunkData;
    return taken.next;
  }

  /** Trailer fields after the last chunk, up to an empty line; their values are not used. */
  private readTrailers(data: Buffer, pos: number): number {
    const taken = this.takeUntil(data, pos, '\r\n', MAX_HEAD_BYTES, 'trailer line');
    if (!taken) return data.length;
    if (taken.text === '') {
      this.state = State.Done;
      this.events.onComplete();
    } else if (taken.text.indexOf(':') <= 0) {
      throw new Http1ProtocolError(`trailer line "${taken.text.slice(0, 80)}"`);
    }
    return taken.next;
  }
}
