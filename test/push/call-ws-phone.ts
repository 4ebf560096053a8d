// A phone over SIP WebSocket (RFC 7118, WSS) for the push-call suite: registers with digest (MD5)
// and RFC 8599 push parameters, answers an incoming INVITE (180, then 200 with plain RTP/AVP SDP
// at once, after `answerAfterMs`, or never) and echoes the RTP it receives on its media socket back
// to where it came from (as SIPp -rtp_echo). A CANCEL gets 200 and the INVITE 487.
import * as dgram from 'node:dgram';
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { digestCredentials, parseSip, SipMessageWaits, type SipMsg } from '../b2bua/support/ua';
import type { PhoneDevice } from './call-support';

const hex = (n: number): string => randomBytes(n).toString('hex');

export interface WsPhoneOptions {
  /** Delay between 180 and 200; null: never answers (rings until CANCELled). Default 0. */
  answerAfterMs?: number | null;
  /** Extra Contact header field parameters of the REGISTER (e.g. `+sip.pnsreg`). */
  contactParams?: string;
}

export class WsPhone {
  private ws: WebSocket | undefined;
  private media = dgram.createSocket('udp4');
  private readonly waits = new SipMessageWaits({ timeoutMs: 15_000, timeoutError: 'WS phone: SIP wait timed out' });
  private readonly host = `${hex(4)}.invalid`;
  private cseq = 1;
  private readonly callId = `ws-reg-${hex(6)}`;
  private readonly tag = hex(6);
  mediaPort = 0;
  rtpIn = 0;
  invites: SipMsg[] = [];
  byes = 0;
  /** When each INVITE arrived (ms since epoch), and CANCELs received. */
  inviteTimes: number[] = [];
  cancels: SipMsg[] = [];
  /** The final response to the last REGISTER. */
  lastRegister: SipMsg | undefined;
  private ringing: { req: SipMsg; toTag: string; timer: NodeJS.Timeout | undefined } | undefined;

  constructor(private readonly user: string, private readonly domain: string, private readonly password: string, private readonly device: PhoneDevice,
    private readonly opts: WsPhoneOptions = {}) {}

  async open(wssPort: number): Promise<void> {
    await new Promise<void>((r) => this.media.bind(0, '127.0.0.1', r));
    this.mediaPort = this.media.address().port;
    this.media.on('message', (b, from) => { this.rtpIn++; this.media.send(b, from.port, from.address); });
    const ws = new WebSocket(`wss://127.0.0.1:${wssPort}`, 'sip', { rejectUnauthorized: false });
    this.ws = ws;
    ws.on('message', (d: WebSocket.RawData) => this.onMessage(Buffer.isBuffer(d) ? d.toString('utf8') : String(d)));
    await new Promise<void>((resolve, reject) => { ws.once('open', () => resolve()); ws.once('error', reject); });
  }

  close(): void {
    if (this.ringing?.timer) clearTimeout(this.ringing.timer);
    this.ws?.close();
    try { this.media.close(); } catch { /* closed */ }
  }

  private send(text: string): void {
    this.ws?.send(text);
  }

  private onMessage(raw: string): void {
    const m = parseSip(raw);
    if (!m) return;
    if (m.request) this.onRequest(m);
    this.waits.deliver(m);
  }

  private contact(): string {
    const d = this.device;
    return `<sip:${this.user}@${this.host};transport=ws;pn-provider=${d.provider};pn-prid=${d.prid};pn-param=${d.param}>;+sip.instance="<${d.instance}>"${this.opts.contactParams ?? ''}`;
  }

  /** REGISTER with the push parameters, answering the digest challenge; resolves with the final status. */
  async register(expires = 600): Promise<number> {
    let auth: string | undefined;
    for (let attempt = 0; attempt < 2; attempt++) {
      const cseq = this.cseq++;
      const uri = `sip:${this.domain}`;
      this.send([`REGISTER ${uri} SIP/2.0`, `Via: SIP/2.0/WSS ${this.host};branch=z9hG4bK${hex(6)}`, 'Max-Forwards: 70',
        `From: <sip:${this.user}@${this.domain}>;tag=${this.tag}`, `To: <sip:${this.user}@${this.domain}>`, `Call-ID: ${this.callId}`,
        `CSeq: ${cseq} REGISTER`, `Contact: ${this.contact()}`, `Expires: ${expires}`, ...(auth ? [auth] : []), 'Content-Length: 0', '', ''].join('\r\n'));
      const r = await this.waits.wait((m) => m.status !== undefined && m.get('cseq') === `${cseq} REGISTER` && (m.status ?? 0) >= 200);
      this.lastRegister = r;
      if (r.status === 401 && attempt === 0) {
        auth = this.authorization(r, uri);
        continue;
      }
      return r.status ?? 0;
    }
    return 0;
  }

  private authorization(r: SipMsg, uri: string): string {
    const ch = r.all('www-authenticate').find((c) => /algorithm=MD5/i.test(c)) ?? r.get('www-authenticate') ?? '';
    return `Authorization: ${digestCredentials(ch, { user: this.user, password: this.password, method: 'REGISTER', uri })}`;
  }

  private reply(req: SipMsg, status: number, reason: string, toTag: string, body = ''): void {
    const to = req.get('to') ?? '';
    this.send([`SIP/2.0 ${status} ${reason}`, ...req.all('via').map((v) => `Via: ${v}`), ...req.all('record-route').map((v) => `Record-Route: ${v}`),
      `From: ${req.get('from')}`, `To: ${/;tag=/.test(to) ? to : `${to};tag=${toTag}`}`, `Call-ID: ${req.get('call-id')}`, `CSeq: ${req.get('cseq')}`,
      `Contact: <sip:${this.user}@${this.host};transport=ws>`, ...(body ? ['Content-Type: application/sdp'] : []), `Content-Length: ${Buffer.byteLength(body)}`, '', body].join('\r\n'));
  }

  private onRequest(req: SipMsg): void {
    const method = req.request?.method;
    if (method === 'INVITE') {
      this.invites.push(req);
      this.inviteTimes.push(Date.now());
      const toTag = hex(6);
      this.reply(req, 180, 'Ringing', toTag);
      const sdp = ['v=0', `o=- 1 1 IN IP4 127.0.0.1`, 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', `m=audio ${this.mediaPort} RTP/AVP 0 8 101`,
        'a=rtpmap:0 PCMU/8000', 'a=rtpmap:8 PCMA/8000', 'a=rtpmap:101 telephone-event/8000', 'a=sendrecv', ''].join('\r\n');
      const after = this.opts.answerAfterMs === undefined ? 0 : this.opts.answerAfterMs;
      if (after === 0) return this.reply(req, 200, 'OK', toTag, sdp);
      const ringing = { req, toTag, timer: undefined as NodeJS.Timeout | undefined };
      this.ringing = ringing;
      if (after !== null) ringing.timer = setTimeout(() => { ringing.timer = undefined; this.ringing = undefined; this.reply(req, 200, 'OK', toTag, sdp); }, after);
    } else if (method === 'CANCEL') {
      this.cancels.push(req);
      this.reply(req, 200, 'OK', '');
      const r = this.ringing;
      if (r && r.req.get('call-id') === req.get('call-id')) {
        if (r.timer) clearTimeout(r.timer);
        this.ringing = undefined;
        this.reply(r.req, 487, 'Request Terminated', r.toTag);
      }
    } else if (method === 'BYE') {
      this.byes++;
      this.reply(req, 200, 'OK', '');
    } else if (method !== 'ACK') {
      this.reply(req, 200, 'OK', '');
    }
  }

  /** Waits for the B2BUA's INVITE. */
  invited(timeoutMs = 15_000): Promise<SipMsg> {
    const hit = this.invites[0];
    return hit ? Promise.resolve(hit) : this.waits.wait((m) => m.request?.method === 'INVITE', timeoutMs);
  }
}
