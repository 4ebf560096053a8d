// A small SIP user agent over UDP (loopback) for the B2BUA suites where SIPp cannot follow a
// dialog across calls: it places calls with digest auth (407 → Proxy-Authorization, MD5 qop=auth),
// keeps the dialog (tags, route set, CSeq), sends re-INVITE/UPDATE/INFO/REFER/BYE in it, and
// answers what the B2BUA sends into it (NOTIFY, BYE, re-INVITE, INFO) with 200, recording them.
import * as dgram from 'node:dgram';
import { createHash, randomBytes } from 'node:crypto';

export interface SipMsg {
  request?: { method: string; uri: string };
  status?: number;
  reason?: string;
  headers: Array<[string, string]>;
  body: string;
  get(name: string): string | undefined;
  all(name: string): string[];
}

export function parseSip(raw: string): SipMsg | undefined {
  const sep = raw.indexOf('\r\n\r\n');
  const head = sep >= 0 ? raw.slice(0, sep) : raw;
  const body = sep >= 0 ? raw.slice(sep + 4) : '';
  const lines = head.split('\r\n');
  const headers: Array<[string, string]> = [];
  for (const line of lines.slice(1)) {
    const c = line.indexOf(':');
    if (c > 0) headers.push([line.slice(0, c).trim().toLowerCase(), line.slice(c + 1).trim()]);
  }
  const all = (n: string): string[] => headers.filter(([k]) => k === n.toLowerCase()).map(([, v]) => v);
  const m = { headers, body, get: (n: string) => all(n)[0], all };
  const st = /^SIP\/2\.0 (\d{3}) ?(.*)$/.exec(lines[0] ?? '');
  if (st) return { ...m, status: Number(st[1]), reason: st[2] };
  const rq = /^([A-Z]+) (\S+) SIP\/2\.0$/.exec(lines[0] ?? '');
  return rq ? { ...m, request: { method: rq[1], uri: rq[2] } } : undefined;
}

/** Waits for SIP messages by predicate: a message received goes to the first pending wait it matches. */
export class SipMessageWaits {
  private pending: Array<{ match: (m: SipMsg) => boolean; resolve: (m: SipMsg) => void }> = [];

  constructor(private readonly o: { timeoutMs: number; timeoutError: string }) {}

  wait(match: (m: SipMsg) => boolean, timeoutMs = this.o.timeoutMs): Promise<SipMsg> {
    return new Promise((resolve, reject) => {
      const w = { match, resolve: (m: SipMsg) => { clearTimeout(t); resolve(m); } };
      const t = setTimeout(() => { this.pending = this.pending.filter((x) => x !== w); reject(new Error(this.o.timeoutError)); }, timeoutMs);
      this.pending.push(w);
    });
  }

  deliver(m: SipMsg): void {
    const i = this.pending.findIndex((w) => w.match(m));
    if (i >= 0) this.pending.splice(i, 1)[0].resolve(m);
  }
}

const md5 = (s: string): string => createHash('md5').update(s).digest('hex');
const tag = (): string => randomBytes(6).toString('hex');

/** The Digest credentials answering `challenge` (a WWW- or Proxy-Authenticate value) for `method uri`: MD5, qop=auth, nc 1 (RFC 3261 §22.4, RFC 2617 §3.2.2). */
export function digestCredentials(challenge: string, c: { user: string; password: string; method: string; uri: string }): string {
  const p = new Map<string, string>();
  for (const m of challenge.slice(7).matchAll(/([a-zA-Z-]+)\s*=\s*(?:"([^"]*)"|([^,\s]+))/g)) p.set(m[1].toLowerCase(), m[2] ?? m[3]);
  const realm = p.get('realm') ?? '';
  const nonce = p.get('nonce') ?? '';
  const cnonce = tag();
  const nc = '00000001';
  const ha1 = md5(`${c.user}:${realm}:${c.password}`);
  const ha2 = md5(`${c.method}:${c.uri}`);
  const response = md5(`${ha1}:${nonce}:${nc}:${cnonce}:auth:${ha2}`);
  return `Digest username="${c.user}", realm="${realm}", nonce="${nonce}", uri="${c.uri}", response="${response}", algorithm=MD5, qop=auth, nc=${nc}, cnonce="${cnonce}"`;
}

export function sdpOf(port: number, direction = 'sendrecv', codecs = '0 8 101'): string {
  return ['v=0', `o=- ${Date.now()} ${Date.now()} IN IP4 127.0.0.1`, 's=-', 'c=IN IP4 127.0.0.1', 't=0 0',
    `m=audio ${port} RTP/AVP ${codecs}`, 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:8 PCMA/8000', 'a=rtpmap:101 telephone-event/8000',
    `a=${direction}`, ''].join('\r\n');
}

export interface UaCall {
  callId: string;
  localTag: string;
  remoteTag: string;
  remoteTarget: string;
  status: number;
  response: SipMsg;
  provisionals: number[];
  /** SDP of the first provisional that carried one (early media, RFC 3960). */
  earlySdp?: string;
  /** Requests the B2BUA sent into this dialog (NOTIFY, BYE, INVITE, INFO, ...), in order. */
  received: SipMsg[];
  ended: boolean;
}

export class TestUa {
  private sock = dgram.createSocket('udp4');
  private readonly waits = new SipMessageWaits({ timeoutMs: 10_000, timeoutError: 'SIP wait timed out' });
  private calls = new Map<string, UaCall>();
  private cseq = 1;
  port = 0;
  /** How the UA answers a new incoming INVITE: 180 then 200, 180 only (until CANCEL), or 486. */
  answerMode: 'answer' | 'ring' | 'busy' = 'answer';
  /** Calls the UA received, in order. */
  readonly incoming: UaCall[] = [];
  private readonly ringing = new Map<string, SipMsg>();

  constructor(readonly user: string, readonly domain: string, private readonly password: string, private readonly proxyPort: number, private readonly mediaPort = 10000 + Math.floor(Math.random() * 1000) * 2) {}

  async open(): Promise<void> {
    await new Promise<void>((r) => this.sock.bind(0, '127.0.0.1', r));
    this.port = this.sock.address().port;
    this.sock.on('message', (b) => this.onMessage(b.toString('latin1')));
  }

  close(): void {
    try { this.sock.close(); } catch { /* closed */ }
  }

  private send(text: string): void {
    this.sock.send(text, this.proxyPort, '127.0.0.1');
  }

  private onMessage(raw: string): void {
    const m = parseSip(raw);
    if (!m) return;
    if (m.request) this.onRequest(m);
    this.waits.deliver(m);
  }

  private reply(req: SipMsg, status: number, reason: string, extra: string[] = [], body = ''): void {
    const to = req.get('to') ?? '';
    const call = this.calls.get(req.get('call-id') ?? '');
    const toOut = /;tag=/.test(to) || !call ? to : `${to};tag=${call.localTag}`;
    this.send([`SIP/2.0 ${status} ${reason}`, ...req.all('via').map((v) => `Via: ${v}`), ...req.all('record-route').map((v) => `Record-Route: ${v}`),
      `From: ${req.get('from')}`, `To: ${toOut}`, `Call-ID: ${req.get('call-id')}`, `CSeq: ${req.get('cseq')}`,
      `Contact: <sip:${this.user}@127.0.0.1:${this.port}>`, ...extra, ...(body ? ['Content-Type: application/sdp'] : []), `Content-Length: ${Buffer.byteLength(body)}`, '', body].join('\r\n'));
  }

  private onRequest(req: SipMsg): void {
    const method = req.request?.method;
    const callId = req.get('call-id') ?? '';
    const call = this.calls.get(callId);
    if (method === 'ACK') return;
    if (method === 'INVITE' && !call) return this.onIncoming(req);
    if (method === 'CANCEL') {
      const inv = this.ringing.get(callId);
      this.reply(req, 200, 'OK');
      if (inv) {
        this.ringing.delete(callId);
        if (call) { call.received.push(req); call.ended = true; }
        this.reply(inv, 487, 'Request Terminated');
      }
      return;
    }
    if (call) call.received.push(req);
    switch (method) {
      case 'BYE':
        if (call) call.ended = true;
        return this.reply(req, 200, 'OK');
      case 'UPDATE':
      case 'INVITE': {
        // An UPDATE without an offer is just acknowledged; with one it is answered like a
        // re-INVITE (RFC 3311 §5.2).
        if (method === 'UPDATE' && !req.body) return this.reply(req, 200, 'OK');
        // RFC 3264 §8.4: answer sendonly with recvonly; no offer → our offer in the 200.
        const dir = /a=sendonly/.test(req.body) ? 'recvonly' : /a=inactive/.test(req.body) ? 'inactive' : 'sendrecv';
        return this.reply(req, 200, 'OK', [], sdpOf(this.mediaPort, dir));
      }
      default:
        return this.reply(req, call || method === 'OPTIONS' ? 200 : 481, call || method === 'OPTIONS' ? 'OK' : 'Call Does Not Exist');
    }
  }

  private onIncoming(req: SipMsg): void {
    const callId = req.get('call-id') ?? '';
    const call: UaCall = {
      callId, localTag: tag(), remoteTag: /;tag=([^;>\s]+)/.exec(req.get('from') ?? '')?.[1] ?? '',
      remoteTarget: /<([^>]+)>/.exec(req.get('contact') ?? '')?.[1] ?? '', status: 0, response: req, provisionals: [], received: [req], ended: false,
    };
    this.calls.set(callId, call);
    this.incoming.push(call);
    if (this.answerMode === 'busy') { call.status = 486; call.ended = true; return this.reply(req, 486, 'Busy Here'); }
    this.reply(req, 180, 'Ringing');
    if (this.answerMode === 'ring') { this.ringing.set(callId, req); return; }
    call.status = 200;
    this.reply(req, 200, 'OK', [], sdpOf(this.mediaPort));
  }

  /** Waits for the next incoming call (or returns one already received and not yet taken). */
  async nextIncoming(timeoutMs = 10_000): Promise<UaCall> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const c = this.incoming.shift();
      if (c) return c;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`${this.user}: no incoming call within ${timeoutMs} ms`);
  }

  private authHeader(resp: SipMsg, method: string, uri: string): string {
    const ch = resp.get('proxy-authenticate') ?? resp.get('www-authenticate') ?? '';
    const all = resp.all('proxy-authenticate');
    const md5Ch = all.find((c) => /algorithm=MD5/i.test(c)) ?? ch;
    return `Proxy-Authorization: ${digestCredentials(md5Ch, { user: this.user, password: this.password, method, uri })}`;
  }

  /** Places a call; resolves at the final response (after ACK). 407 is answered once. */
  async invite(target: string, opts: { sdp?: string; callId?: string; onProvisional?: (s: number) => void } = {}): Promise<UaCall> {
    const callId = opts.callId ?? `ua-${tag()}@127.0.0.1`;
    const localTag = tag();
    const uri = `sip:${target}@${this.domain}`;
    const body = opts.sdp ?? sdpOf(this.mediaPort);
    const call: UaCall = { callId, localTag, remoteTag: '', remoteTarget: uri, status: 0, response: parseSip('SIP/2.0 100 x\r\n\r\n') as SipMsg, provisionals: [], received: [], ended: false };
    this.calls.set(callId, call);
    let auth: string | undefined;
    for (let attempt = 0; attempt < 2; attempt++) {
      const cseq = this.cseq++;
      const branch = `z9hG4bK${tag()}`;
      const head = [`INVITE ${uri} SIP/2.0`, `Via: SIP/2.0/UDP 127.0.0.1:${this.port};branch=${branch};rport`, 'Max-Forwards: 70',
        `From: <sip:${this.user}@${this.domain}>;tag=${localTag}`, `To: <${uri}>`, `Call-ID: ${callId}`, `CSeq: ${cseq} INVITE`,
        `Contact: <sip:${this.user}@127.0.0.1:${this.port}>`, ...(auth ? [auth] : []), 'Content-Type: application/sdp', `Content-Length: ${Buffer.byteLength(body)}`, '', body];
      this.pendingInvite = { branch, cseq, uri, callId, localTag };
      this.send(head.join('\r\n'));
      let final: SipMsg;
      for (;;) {
        const r = await this.waits.wait((m) => m.status !== undefined && m.get('call-id') === callId && m.get('cseq') === `${cseq} INVITE`, 60_000);
        if ((r.status ?? 0) < 200) {
          if ((r.status ?? 0) > 100) {
            call.provisionals.push(r.status ?? 0);
            if (r.body && call.earlySdp === undefined) call.earlySdp = r.body;
            opts.onProvisional?.(r.status ?? 0);
          }
          continue;
        }
        final = r;
        break;
      }
      const toTag = /;tag=([^;>\s]+)/.exec(final.get('to') ?? '')?.[1] ?? '';
      if ((final.status ?? 0) >= 300) {
        this.send([`ACK ${uri} SIP/2.0`, `Via: SIP/2.0/UDP 127.0.0.1:${this.port};branch=${branch};rport`, 'Max-Forwards: 70',
          `From: <sip:${this.user}@${this.domain}>;tag=${localTag}`, `To: ${final.get('to')}`, `Call-ID: ${callId}`, `CSeq: ${cseq} ACK`, 'Content-Length: 0', '', ''].join('\r\n'));
        if (final.status === 407 && attempt === 0) { auth = this.authHeader(final, 'INVITE', uri); continue; }
        Object.assign(call, { status: final.status ?? 0, response: final, remoteTag: toTag, ended: true });
        this.pendingInvite = undefined;
        return call;
      }
      Object.assign(call, { status: final.status ?? 0, response: final, remoteTag: toTag, remoteTarget: /<([^>]+)>/.exec(final.get('contact') ?? '')?.[1] ?? uri });
      this.sendInDialog(call, 'ACK', [], '', cseq);
      this.pendingInvite = undefined;
      return call;
    }
    throw new Error('unreachable');
  }

  private pendingInvite: { branch: string; cseq: number; uri: string; callId: string; localTag: string } | undefined;

  /** CANCEL the INVITE in progress (RFC 3261 §9.1: same branch, same CSeq number). */
  cancel(reason?: string): void {
    const p = this.pendingInvite;
    if (!p) return;
    this.send([`CANCEL ${p.uri} SIP/2.0`, `Via: SIP/2.0/UDP 127.0.0.1:${this.port};branch=${p.branch};rport`, 'Max-Forwards: 70',
      `From: <sip:${this.user}@${this.domain}>;tag=${p.localTag}`, `To: <${p.uri}>`, `Call-ID: ${p.callId}`, `CSeq: ${p.cseq} CANCEL`,
      ...(reason ? [`Reason: ${reason}`] : []), 'Content-Length: 0', '', ''].join('\r\n'));
  }

  private sendInDialog(call: UaCall, method: string, extra: string[], body: string, cseqNum?: number): number {
    const cseq = cseqNum ?? this.cseq++;
    this.send([`${method} ${call.remoteTarget} SIP/2.0`, `Via: SIP/2.0/UDP 127.0.0.1:${this.port};branch=z9hG4bK${tag()};rport`, 'Max-Forwards: 70',
      `From: <sip:${this.user}@${this.domain}>;tag=${call.localTag}`, `To: <sip:x@${this.domain}>;tag=${call.remoteTag}`, `Call-ID: ${call.callId}`,
      `CSeq: ${cseq} ${method}`, `Contact: <sip:${this.user}@127.0.0.1:${this.port}>`, ...extra, `Content-Length: ${Buffer.byteLength(body)}`, '', body].join('\r\n'));
    return cseq;
  }

  /** An in-dialog request; resolves with its final response (re-INVITE: ACKed). */
  async request(call: UaCall, method: string, extra: string[] = [], body = ''): Promise<SipMsg> {
    const cseq = this.sendInDialog(call, method, body && method !== 'INFO' ? [...extra, 'Content-Type: application/sdp'] : extra, body);
    const r = await this.waits.wait((m) => m.status !== undefined && (m.status ?? 0) >= 200 && m.get('call-id') === call.callId && m.get('cseq') === `${cseq} ${method}`);
    if (method === 'INVITE') this.sendInDialog(call, 'ACK', [], '', cseq);
    if (method === 'BYE') call.ended = true;
    return r;
  }

  /** Waits until the B2BUA sent a request of this method into the call (e.g. the final NOTIFY, BYE). */
  async receivedRequest(call: UaCall, method: string, pred: (m: SipMsg) => boolean = () => true, timeoutMs = 15_000): Promise<SipMsg> {
    const found = call.received.find((m) => m.request?.method === method && pred(m));
    if (found) return found;
    return this.waits.wait((m) => m.request?.method === method && m.get('call-id') === call.callId && pred(m), timeoutMs);
  }
}
