// Splits a SIP byte stream (TCP, later TLS) into messages, RFC 3261 §18.3: the header block ends at
// the first empty line and Content-Length gives the body size; on a stream Content-Length is
// mandatory. Between messages, CRLF keep-alives (RFC 5626 §3.5.1) are recognised: "\r\n\r\n" is a
// ping (answer with a pong, "\r\n"), a lone "\r\n" is a pong.
//
// A framer that reports an error is finished: the caller closes the connection.

export type FrameErrorReason =
  | 'missing-content-length' // §18.3: answer 400 and close
  | 'bad-content-length'
  | 'message-too-large' // message (headers + body) over maxMessageSize
  | 'buffer-overflow'; // more than maxBufferSize bytes buffered without a complete message

export type FrameEvent =
  | { type: 'message'; data: Buffer }
  | { type: 'ping' }
  | { type: 'pong' }
  | { type: 'error'; reason: FrameErrorReason; /** the header block, when one was read */ head?: Buffer };

export interface StreamFramerOptions {
  /** Largest accepted message, headers and body. Default 64 KiB. */
  maxMessageSize?: number;
  /** Most bytes held while waiting for the rest of a message. Default 2 × maxMessageSize. */
  maxBufferSize?: number;
}

const CRLF = 0x0a0d; // little-endian "\r\n" as read by readUInt16LE
const HEADER_END = Buffer.from('\r\n\r\n');
const CONTENT_LENGTH = /^(?:content-length|l)[ \t]*:[ \t]*([^\r\n]*?)[ \t]*\r?$/im;

export class StreamFramer {
  readonly maxMessageSize: number;
  readonly maxBufferSize: number;
  private buf: Buffer = Buffer.alloc(0);
  /** Where to resume searching for the header end (avoids rescanning on every chunk). */
  private scanFrom = 0;
  private failed = false;

  constructor(opts: StreamFramerOptions = {}) {
    this.maxMessageSize = opts.maxMessageSize ?? 65536;
    this.maxBufferSize = opts.maxBufferSize ?? 2 * this.maxMessageSize;
  }

  /** Bytes held for an incomplete message. */
  get buffered(): number {
    return this.buf.length;
  }

  /** Feeds a chunk; returns what it completed, in order. After an 'error' nothing more is framed. */
  push(chunk: Buffer): FrameEvent[] {
    if (this.failed) return [];
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    const events: FrameEvent[] = [];
    for (;;) {
      const ev = this.next();
      if (ev === undefined) break;
      events.push(ev);
      if (ev.type === 'error') {
        this.failed = true;
        this.buf = Buffer.alloc(0);
        break;
      }
    }
    if (!this.failed && this.buf.length > this.maxBufferSize) {
      this.failed = true;
      this.buf = Buffer.alloc(0);
      events.push({ type: 'error', reason: 'buffer-overflow' });
    }
    return events;
  }

  private next(): FrameEvent | undefined {
    const buf = this.buf;
    if (buf.length === 0) return undefined;
    // The buffer always starts at a message boundary, and a start line never begins with CR, so a
    // leading CR is a keep-alive (RFC 5626 §3.5.1; §7.5: CRLFs before a start line are ignored).
    if (buf[0] === 0x0d) {
      if (buf.length >= 4 && buf.readUInt16LE(0) === CRLF && buf.readUInt16LE(2) === CRLF) {
        this.consume(4);
        return { type: 'ping' };
      }
      // "\r", "\r\n" or "\r\n\r" may be the start of a ping split across reads: wait.
      if (buf.length < 4 && HEADER_END.subarray(0, buf.length).equals(buf)) return undefined;
      if (buf.length >= 2 && buf.readUInt16LE(0) === CRLF) {
        this.consume(2);
        return { type: 'pong' };
      }
    }
    const end = buf.indexOf(HEADER_END, Math.max(0, this.scanFrom - 3));
    if (end < 0) {
      this.scanFrom = buf.length;
      if (buf.length > this.maxMessageSize) return { type: 'error', reason: 'message-too-large' };
      return undefined;
    }
    const headLength = end + 4;
    const head = buf.subarray(0, headLength);
    const m = CONTENT_LENGTH.exec(head.toString('latin1'));
    if (m === null) return { type: 'error', reason: 'missing-content-length', head: Buffer.from(head) };
    const text = m[1] ?? '';
    if (!/^\d{1,9}$/.test(text)) return { type: 'error', reason: 'bad-content-length', head: Buffer.from(head) };
    const total = headLength + Number(text);
    if (total > this.maxMessageSize) return { type: 'error', reason: 'message-too-large', head: Buffer.from(head) };
    if (buf.length < total) {
      this.scanFrom = end; // header end known; wait for the body
      return undefined;
    }
    const data = Buffer.from(buf.subarray(0, total));
    this.consume(total);
    return { type: 'message', data };
  }

  private consume(n: number): void {
    this.buf = this.buf.subarray(n);
    this.scanFrom = 0;
  }
}

/** RFC 5626 §3.5.1 pong. */
export const KEEPALIVE_PONG: Buffer = Buffer.from('\r\n');
