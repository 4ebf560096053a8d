// A raw UDP SIP peer for the torture suite: sends exact octets to sipd and collects whatever
// comes back, with just enough SIP text handling to pick responses apart and build ACK/BYE.
import { createSocket, type Socket } from 'node:dgram';
import { randomBytes } from 'node:crypto';

export interface RawResponse {
  status: number;
  reason: string;
  text: string;
  /** First value of a header (long or compact name), case-insensitive. */
  header(name: string): string | undefined;
}

const COMPACT: Record<string, string> = { i: 'call-id', f: 'from', t: 'to', v: 'via', m: 'contact', l: 'content-length', c: 'content-type' };

/** Header values of a SIP message head (folded lines joined), keyed by lower-case long name. */
export function headersOf(text: string): Map<string, string[]> {
  const end = text.indexOf('\r\n\r\n');
  const head = (end < 0 ? text : text.slice(0, end)).replace(/\r\n[ \t]+/g, ' ');
  const out = new Map<string, string[]>();
  for (const line of head.split('\r\n').slice(1)) {
    const m = /^([^:\s]+)\s*:\s*(.*)$/.exec(line);
    if (!m) continue;
    const raw = (m[1] ?? '').toLowerCase();
    const name = COMPACT[raw] ?? raw;
    out.set(name, [...(out.get(name) ?? []), (m[2] ?? '').trim()]);
  }
  return out;
}

export function parseResponse(buf: Buffer): RawResponse | undefined {
  const text = buf.toString('latin1');
  const m = /^SIP\/2\.0 (\d{3}) ?([^\r\n]*)\r\n/.exec(text);
  if (!m) return undefined;
  const h = headersOf(text);
  return { status: Number(m[1]), reason: m[2] ?? '', text, header: (n) => h.get(COMPACT[n.toLowerCase()] ?? n.toLowerCase())?.[0] };
}

export class RawUdpPeer {
  private readonly sock: Socket;
  private readonly inbox: Buffer[] = [];
  private waiters: Array<() => void> = [];

  private constructor(sock: Socket, readonly port: number) {
    this.sock = sock;
    sock.on('message', (msg) => {
      this.inbox.push(msg);
      for (const w of this.waiters.splice(0)) w();
    });
  }

  static async open(): Promise<RawUdpPeer> {
    const sock = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      sock.once('error', reject);
      sock.bind(0, '127.0.0.1', () => resolve());
    });
    return new RawUdpPeer(sock, sock.address().port);
  }

  send(data: Buffer, port: number): Promise<void> {
    return new Promise((resolve, reject) => this.sock.send(data, port, '127.0.0.1', (err) => (err ? reject(err) : resolve())));
  }

  /** Forgets everything received so far. */
  drain(): void {
    this.inbox.length = 0;
  }

  /** Waits up to `ms` for a datagram accepted by `pick`; removes and returns it. */
  async next(pick: (b: Buffer) => boolean, ms: number): Promise<Buffer | undefined> {
    const deadline = Date.now() + ms;
    for (;;) {
      const i = this.inbox.findIndex(pick);
      if (i >= 0) return this.inbox.splice(i, 1)[0];
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  close(): void {
    this.sock.close();
  }
}

export function branch(): string {
  return `z9hG4bK-raw-${randomBytes(6).toString('hex')}`;
}

/** An INVITE with SDP from the raw peer (Contact = the peer, so in-dialog requests come back to it). */
export function rawInvite(peer: RawUdpPeer, sipPort: number, callId: string, extraHeaders: string[] = []): Buffer {
  const body = ['v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', 'm=audio 40000 RTP/AVP 0', ''].join('\r\n');
  return Buffer.from([
    `INVITE sip:raw@127.0.0.1:${sipPort} SIP/2.0`, `Via: SIP/2.0/UDP 127.0.0.1:${peer.port};branch=${branch()};rport`,
    `From: <sip:raw@127.0.0.1:${peer.port}>;tag=raw1`, `To: <sip:raw@127.0.0.1:${sipPort}>`, `Call-ID: ${callId}`,
    'CSeq: 1 INVITE', `Contact: <sip:raw@127.0.0.1:${peer.port}>`, 'Max-Forwards: 70', ...extraHeaders, 'Content-Type: application/sdp',
    `Content-Length: ${Buffer.byteLength(body)}`, '', body,
  ].join('\r\n'));
}

/** 200 to a request the raw peer received (copying Via/From/To/Call-ID/CSeq, §8.2.6.2). */
export function okFor(request: string): Buffer {
  const lines = request.split('\r\n');
  const pick = (re: RegExp): string[] => lines.filter((l) => re.test(l));
  return Buffer.from(['SIP/2.0 200 OK', ...pick(/^(via|v)\s*:/i), ...pick(/^(from|f|to|t|call-id|i|cseq)\s*:/i), 'Content-Length: 0', '', ''].join('\r\n'));
}
