// Framing of the drachtio wire protocol: `<byte length>#<UTF-8 message>` (docs/wire-protocol.md §1).
// The decoder is streaming and bounded: it never buffers more than one frame of at most
// maxFrameBytes (+ the length prefix), and reports a bad or oversize prefix as a WireError so the
// caller can close that connection.
import { WireError } from './errors';

const HASH = 0x23; // '#'
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
/** srf parses with parseInt and accepts any size; 9 digits keeps sizes well inside 2^31. */
const MAX_LENGTH_DIGITS = 9;
export const DEFAULT_MAX_FRAME_BYTES = 1024 * 1024;

/** Encodes one message; the prefix counts UTF-8 bytes, as srf and drachtio-server do. */
export function encodeFrame(message: string | Buffer): Buffer {
  const body = typeof message === 'string' ? Buffer.from(message, 'utf8') : message;
  return Buffer.concat([Buffer.from(`${body.length}#`, 'latin1'), body]);
}

/** Encodes a message made of several parts (e.g. a text leader and a raw SIP Buffer). */
export function encodeFrameParts(parts: ReadonlyArray<string | Buffer>): Buffer {
  const bufs = parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : p));
  let len = 0;
  for (const b of bufs) len += b.length;
  return Buffer.concat([Buffer.from(`${len}#`, 'latin1'), ...bufs]);
}

export type DecodeResult = { frames: string[]; error?: WireError };

export class FrameDecoder {
  readonly maxFrameBytes: number;
  // Chunks not yet consumed, and their total size: concatenated only once a frame is complete.
  #chunks: Buffer[] = [];
  #buffered = 0;
  /** Size of the frame being read, once its prefix has been parsed. */
  #expected = -1;
  #failed: WireError | undefined;

  constructor(opts: { maxFrameBytes?: number } = {}) {
    this.maxFrameBytes = opts.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  }

  /** Bytes currently held (for tests and monitoring). */
  get bufferedBytes(): number {
    return this.#buffered;
  }

  /**
   * Feeds one chunk; returns every complete frame (decoded as UTF-8) and, on a protocol error,
   * the error. After an error the decoder stays failed: the connection must be closed.
   */
  push(chunk: Buffer): DecodeResult {
    if (this.#failed) return { frames: [], error: this.#failed };
    if (chunk.length > 0) {
      this.#chunks.push(chunk);
      this.#buffered += chunk.length;
    }
    const frames: string[] = [];
    while (true) {
      if (this.#expected < 0) {
        const prefix = this.#readPrefix();
        if (prefix instanceof WireError) return this.#fail(frames, prefix);
        if (prefix === undefined) break;
        this.#expected = prefix;
      }
      if (this.#buffered < this.#expected) break;
      const all = this.#take(this.#expected);
      frames.push(all.toString('utf8'));
      this.#expected = -1;
    }
    return { frames };
  }

  /** Parses `<digits>#` at the head of the buffer and consumes it; undefined = need more bytes. */
  #readPrefix(): number | WireError | undefined {
    if (this.#buffered === 0) return undefined;
    let value = 0;
    let digits = 0;
    let i = 0;
    for (const chunk of this.#chunks) {
      for (let j = 0; j < chunk.length; j++, i++) {
        const c = chunk[j] as number;
        if (c === HASH) {
          if (digits === 0) return new WireError('EBADLENGTH', 'frame length missing before #');
          if (value === 0) return new WireError('EBADLENGTH', 'frame length is 0');
          if (value > this.maxFrameBytes) {
            return new WireError('EOVERSIZE', `frame of ${value} bytes exceeds ${this.maxFrameBytes}`);
          }
          this.#take(i + 1);
          return value;
        }
        if (c < DIGIT_0 || c > DIGIT_9) {
          return new WireError('EBADLENGTH', `invalid byte 0x${c.toString(16)} in frame length`);
        }
        if (++digits > MAX_LENGTH_DIGITS) {
          return new WireError('EBADLENGTH', `frame length longer than ${MAX_LENGTH_DIGITS} digits`);
        }
        value = value * 10 + (c - DIGIT_0);
        if (value > this.maxFrameBytes) {
          return new WireError('EOVERSIZE', `frame of ≥${value} bytes exceeds ${this.maxFrameBytes}`);
        }
      }
    }
    return undefined;
  }

  /** Removes and returns the first n buffered bytes. */
  #take(n: number): Buffer {
    const all = this.#chunks.length === 1 ? (this.#chunks[0] as Buffer) : Buffer.concat(this.#chunks, this.#buffered);
    const head = all.subarray(0, n);
    const rest = all.subarray(n);
    this.#chunks = rest.length > 0 ? [rest] : [];
    this.#buffered = rest.length;
    return head;
  }

  #fail(frames: string[], error: WireError): DecodeResult {
    this.#failed = error;
    this.#chunks = [];
    this.#buffered = 0;
    return { frames, error };
  }
}
