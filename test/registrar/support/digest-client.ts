// A small SIP REGISTER client over UDP for the cases SIPp 3.6.1 cannot drive: it computes digest
// responses only for MD5 (its createAuthHeader refuses any other algorithm), so SHA-256
// (RFC 8760) and hand-made nonces are exercised here. Loopback only.
import * as dgram from 'node:dgram';
import { createHash, randomBytes } from 'node:crypto';

export interface SipResponse {
  status: number;
  reason: string;
  headers: Array<[string, string]>;
  raw: string;
  get(name: string): string | undefined;
  all(name: string): string[];
}

function parseResponse(raw: string): SipResponse | undefined {
  const [head] = raw.split('\r\n\r\n');
  const lines = head.split('\r\n');
  const m = /^SIP\/2\.0 (\d{3}) ?(.*)$/.exec(lines[0] ?? '');
  if (!m) return undefined;
  const headers: Array<[string, string]> = [];
  for (const line of lines.slice(1)) {
    const c = line.indexOf(':');
    if (c > 0) headers.push([line.slice(0, c).trim().toLowerCase(), line.slice(c + 1).trim()]);
  }
  const all = (n: string): string[] => headers.filter(([k]) => k === n.toLowerCase()).map(([, v]) => v);
  return { status: Number(m[1]), reason: m[2], headers, raw, get: (n) => all(n)[0], all };
}

export interface Challenge {
  realm: string;
  nonce: string;
  algorithm: string;
  qop?: string;
  stale: boolean;
}

export function parseChallenge(v: string): Challenge | undefined {
  if (!/^Digest\s/i.test(v)) return undefined;
  const p = new Map<string, string>();
  for (const m of v.slice(7).matchAll(/([a-zA-Z-]+)\s*=\s*(?:"([^"]*)"|([^,\s]+))/g)) p.set(m[1].toLowerCase(), m[2] ?? m[3]);
  const realm = p.get('realm');
  const nonce = p.get('nonce');
  if (realm === undefined || nonce === undefined) return undefined;
  return { realm, nonce, algorithm: p.get('algorithm') ?? 'MD5', qop: p.get('qop'), stale: p.get('stale')?.toLowerCase() === 'true' };
}

function hash(alg: string, s: string): string {
  return createHash(alg.toUpperCase() === 'SHA-256' ? 'sha256' : 'md5').update(s).digest('hex');
}

export interface RegisterOptions {
  user: string;
  domain: string;
  /** Contact URI; default sip:user@127.0.0.1:<local port>. */
  contact?: string;
  /** Extra Contact header params, e.g. ';+sip.instance="<urn:uuid:...>"'. */
  contactParams?: string;
  /** Raw Contact header value (overrides contact/contactParams), e.g. '*'. */
  contactHeader?: string;
  expires?: number;
  extraHeaders?: string[];
  callId?: string;
  /** Max-Forwards value (default 70). */
  maxForwards?: number;
  /** Digest username when it differs from the AOR user (403 checks). */
  authUser?: string;
}

export class SipUdpClient {
  private readonly sock = dgram.createSocket('udp4');
  private waiting: Array<(r: SipResponse) => void> = [];
  private queue: SipResponse[] = [];
  port = 0;
  readonly callId = `${randomBytes(8).toString('hex')}@test`;
  private cseq = 0;
  private nc = 0;

  constructor(private readonly serverPort: number, private readonly serverHost = '127.0.0.1') {}

  async open(): Promise<void> {
    await new Promise<void>((resolve) => this.sock.bind(0, '127.0.0.1', () => resolve()));
    this.port = this.sock.address().port;
    this.sock.on('message', (buf) => {
      const r = parseResponse(buf.toString('utf8'));
      if (!r || r.status < 200) return;
      const w = this.waiting.shift();
      if (w) w(r);
      else this.queue.push(r);
    });
  }

  close(): void {
    this.sock.close();
  }

  private next(timeoutMs: number): Promise<SipResponse> {
    const q = this.queue.shift();
    if (q) return Promise.resolve(q);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        this.waiting = this.waiting.filter((w) => w !== done);
        reject(new Error(`no response within ${timeoutMs} ms`));
      }, timeoutMs);
      const done = (r: SipResponse): void => { clearTimeout(t); resolve(r); };
      this.waiting.push(done);
    });
  }

  /** Sends one REGISTER (optionally with an Authorization value) and returns the final response. */
  async send(o: RegisterOptions, authorization?: string, timeoutMs = 5000): Promise<SipResponse> {
    this.cseq++;
    const contact = o.contactHeader ?? `<${o.contact ?? `sip:${o.user}@127.0.0.1:${this.port}`}>${o.contactParams ?? ''}`;
    const lines = [
      `REGISTER sip:${o.domain} SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.1:${this.port};branch=z9hG4bK${randomBytes(6).toString('hex')};rport`,
      `Max-Forwards: ${o.maxForwards ?? 70}`,
      `From: <sip:${o.user}@${o.domain}>;tag=${randomBytes(4).toString('hex')}`,
      `To: <sip:${o.user}@${o.domain}>`,
      `Call-ID: ${o.callId ?? this.callId}`,
      `CSeq: ${this.cseq} REGISTER`,
      `Contact: ${contact}`,
      ...(o.expires !== undefined ? [`Expires: ${o.expires}`] : []),
      ...(authorization ? [`Authorization: ${authorization}`] : []),
      ...(o.extraHeaders ?? []),
      'User-Agent: openline-test-digest-client',
      'Content-Length: 0',
      '', '',
    ];
    this.sock.send(Buffer.from(lines.join('\r\n')), this.serverPort, this.serverHost);
    return this.next(timeoutMs);
  }

  /** The Authorization value answering a challenge (RFC 7616 §3.4, qop=auth when offered). */
  authorization(ch: Challenge, user: string, password: string, uri: string, method = 'REGISTER'): string {
    const alg = ch.algorithm;
    const ha1 = hash(alg, `${user}:${ch.realm}:${password}`);
    const ha2 = hash(alg, `${method}:${uri}`);
    if (ch.qop) {
      const nc = (++this.nc).toString(16).padStart(8, '0');
      const cnonce = randomBytes(8).toString('hex');
      const response = hash(alg, `${ha1}:${ch.nonce}:${nc}:${cnonce}:auth:${ha2}`);
      return `Digest username="${user}", realm="${ch.realm}", nonce="${ch.nonce}", uri="${uri}", response="${response}", algorithm=${alg}, qop=auth, nc=${nc}, cnonce="${cnonce}"`;
    }
    const response = hash(alg, `${ha1}:${ch.nonce}:${ha2}`);
    return `Digest username="${user}", realm="${ch.realm}", nonce="${ch.nonce}", uri="${uri}", response="${response}", algorithm=${alg}`;
  }

  /** REGISTER, answer the challenge of the given algorithm, return the final answer. */
  async register(o: RegisterOptions, password: string, algorithm: 'MD5' | 'SHA-256' = 'SHA-256'): Promise<{ challenge: SipResponse; final: SipResponse }> {
    const challenge = await this.send(o);
    if (challenge.status !== 401) return { challenge, final: challenge };
    const ch = challenge.all('www-authenticate').map(parseChallenge).find((c) => c?.algorithm === algorithm);
    if (!ch) throw new Error(`no ${algorithm} challenge in:\n${challenge.raw}`);
    const final = await this.send(o, this.authorization(ch, o.authUser ?? o.user, password, `sip:${o.domain}`));
    return { challenge, final };
  }
}
