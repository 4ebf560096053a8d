// Frames waiting to be written to one app connection, encoded straight into one Buffer when the
// connection flushes (docs/wire-protocol.md §1: `<byte length>#<UTF-8 message>`). Encoding each
// frame on its own and concatenating again at flush copied every message three times; here the
// text parts are written once into the output and raw SIP Buffers are copied once.

export class FrameOutbox {
  /** Length prefixes and message parts, in write order. */
  #parts: Array<string | Buffer> = [];
  #bytes = 0;

  get empty(): boolean {
    return this.#parts.length === 0;
  }

  /** Bytes the next take() returns. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Queues one frame made of `parts` (text leaders are UTF-8, as srf and drachtio-server count). */
  add(parts: ReadonlyArray<string | Buffer>): void {
    let length = 0;
    for (const p of parts) length += typeof p === 'string' ? Buffer.byteLength(p, 'utf8') : p.length;
    const prefix = `${length}#`;
    this.#parts.push(prefix);
    for (const p of parts) this.#parts.push(p);
    this.#bytes += prefix.length + length;
  }

  /** Every queued frame, encoded in order; the outbox is empty afterwards. */
  take(): Buffer {
    const out = Buffer.allocUnsafe(this.#bytes);
    let offset = 0;
    for (const p of this.#parts) offset += typeof p === 'string' ? out.write(p, offset, 'utf8') : p.copy(out, offset);
    this.#parts = [];
    this.#bytes = 0;
    return out;
  }
}
