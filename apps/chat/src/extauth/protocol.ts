// ejabberd's external authentication protocol (ejabberd docs, "External Authentication"): each
// request and reply is a 2-byte big-endian length followed by that many bytes. Requests are
// colon-separated ("auth:User:Server:Password"); the password is the rest of the line and may
// itself contain colons. Every reply is the 16-bit integer 1 (yes) or 0 (no).

export type ExtauthRequest =
  | { op: 'auth'; user: string; server: string; password: string }
  | { op: 'isuser'; user: string; server: string }
  /** Everything else (setpass, tryregister, removeuser, removeuser3): refused, accounts are managed by the product. */
  | { op: 'unsupported'; name: string };

export function parseRequest(line: string): ExtauthRequest {
  const parts = line.split(':');
  const name = parts[0];
  if (name === 'auth' && parts.length >= 4) {
    return { op: 'auth', user: parts[1], server: parts[2], password: parts.slice(3).join(':') };
  }
  if (name === 'isuser' && parts.length >= 3) return { op: 'isuser', user: parts[1], server: parts[2] };
  return { op: 'unsupported', name };
}

export function encodeReply(ok: boolean): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt16BE(2, 0);
  b.writeUInt16BE(ok ? 1 : 0, 2);
  return b;
}

/** Splits a byte stream into length-prefixed frames; keeps a partial frame for the next chunk. */
export class FrameReader {
  private buf: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): string[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const out: string[] = [];
    while (this.buf.length >= 2) {
      const len = this.buf.readUInt16BE(0);
      if (this.buf.length < 2 + len) break;
      out.push(this.buf.subarray(2, 2 + len).toString('utf8'));
      this.buf = this.buf.subarray(2 + len);
    }
    return out;
  }
}
