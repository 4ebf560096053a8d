// The push bench's load side, a child process pinned to its own core: a caller (UDP, digest) and a
// sleeping phone (UDP). Per call: the caller sends the INVITE (its send time goes to the server,
// which reads the push's arrival at the APNs stand-in); on "wake" from the server the phone
// REGISTERs with its pn-* parameters (401 → authenticated REGISTER, timed from its send) and the
// INVITE's arrival at the phone is timed with the same clock; the phone answers, the caller BYEs.
import * as dgram from 'node:dgram';
import { createHash, randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { parseSip, sdpOf, type SipMsg } from '../../test/b2bua/support/ua';

export interface ClientConfig {
  sipPort: number;
  domain: string;
  caller: { user: string; password: string };
  phone: { user: string; password: string; instance: string; prid: string; param: string };
}

/** Messages between the server process and this client (IPC). */
export type ToClient = { type: 'call'; n: number } | { type: 'wake'; n: number } | { type: 'stop' };
export type FromClient =
  | { type: 'ready' }
  | { type: 'invite-sent'; n: number; callId: string; at: number }
  | { type: 'done'; n: number; status: number; registerToInviteMs: number; registerTo200Ms?: number; registerSentAt?: number; inviteAt?: number; error?: string };

const md5 = (s: string): string => createHash('md5').update(s).digest('hex');
const hex = (n: number): string => randomBytes(n).toString('hex');
/** Wall clock with sub-ms resolution (comparable across processes on one machine). */
const now = (): number => performance.timeOrigin + performance.now();

class Udp {
  readonly sock = dgram.createSocket('udp4');
  port = 0;
  private waiters: Array<{ match: (m: SipMsg) => boolean; resolve: (m: SipMsg, at: number) => void }> = [];
  onRequest: (m: SipMsg, at: number) => void = () => undefined;

  constructor(private readonly target: number) {}

  async open(): Promise<void> {
    await new Promise<void>((r) => this.sock.bind(0, '127.0.0.1', r));
    this.port = this.sock.address().port;
    this.sock.on('message', (b) => {
      const at = now();
      if (process.env.PUSH_BENCH_DEBUG) process.stderr.write(`<< ${b.toString('latin1').split('\r\n')[0]}\n`);
      const m = parseSip(b.toString('latin1'));
      if (!m) return;
      if (m.request) this.onRequest(m, at);
      const i = this.waiters.findIndex((w) => w.match(m));
      if (i >= 0) this.waiters.splice(i, 1)[0].resolve(m, at);
    });
  }

  send(text: string): number {
    this.sock.send(text, this.target, '127.0.0.1');
    return now();
  }

  wait(match: (m: SipMsg) => boolean, timeoutMs = 20_000): Promise<{ m: SipMsg; at: number }> {
    return new Promise((resolve, reject) => {
      const w = { match, resolve: (m: SipMsg, at: number) => { clearTimeout(t); resolve({ m, at }); } };
      const t = setTimeout(() => { this.waiters = this.waiters.filter((x) => x !== w); reject(new Error('timeout')); }, timeoutMs);
      this.waiters.push(w);
    });
  }
}

function digest(ch: string, user: string, password: string, method: string, uri: string, header: string): string {
  const p = new Map<string, string>();
  for (const m of ch.slice(7).matchAll(/([a-zA-Z-]+)\s*=\s*(?:"([^"]*)"|([^,\s]+))/g)) p.set(m[1].toLowerCase(), m[2] ?? m[3]);
  const cnonce = hex(4);
  const ha1 = md5(`${user}:${p.get('realm') ?? ''}:${password}`);
  const response = md5(`${ha1}:${p.get('nonce') ?? ''}:00000001:${cnonce}:auth:${md5(`${method}:${uri}`)}`);
  return `${header}: Digest username="${user}", realm="${p.get('realm') ?? ''}", nonce="${p.get('nonce') ?? ''}", uri="${uri}", response="${response}", algorithm=MD5, qop=auth, nc=00000001, cnonce="${cnonce}"`;
}

const md5Challenge = (r: SipMsg, name: string): string => r.all(name).find((c) => /algorithm=MD5/i.test(c)) ?? r.get(name) ?? '';

async function main(): Promise<void> {
  const cfg = JSON.parse(process.argv[2] ?? '{}') as ClientConfig;
  const send = (m: FromClient): void => { process.send?.(m); };
  const caller = new Udp(cfg.sipPort);
  const phone = new Udp(cfg.sipPort);
  await caller.open();
  await phone.open();
  let cseq = 1;
  let inviteAt = 0;
  phone.onRequest = (req, at) => {
    const method = req.request?.method;
    if (method === 'ACK') return;
    const to = req.get('to') ?? '';
    const withTag = /;tag=/.test(to) ? to : `${to};tag=${hex(4)}`;
    const body = method === 'INVITE' ? sdpOf(20000) : '';
    if (method === 'INVITE') inviteAt = at;
    phone.send([`SIP/2.0 200 OK`, ...req.all('via').map((v) => `Via: ${v}`), ...req.all('record-route').map((v) => `Record-Route: ${v}`),
      `From: ${req.get('from')}`, `To: ${withTag}`, `Call-ID: ${req.get('call-id')}`, `CSeq: ${req.get('cseq')}`,
      `Contact: <sip:${cfg.phone.user}@127.0.0.1:${phone.port}>`, ...(body ? ['Content-Type: application/sdp'] : []),
      `Content-Length: ${Buffer.byteLength(body)}`, '', body].join('\r\n'));
  };
  const wakes = new Map<number, () => void>();

  /** Send time of the authenticated REGISTER and arrival time of its 200. */
  const register = async (): Promise<{ sent: number; ok: number }> => {
    const uri = `sip:${cfg.domain}`;
    const callId = `bench-reg-${hex(6)}`;
    const c = `<sip:${cfg.phone.user}@127.0.0.1:${phone.port};pn-provider=apns;pn-prid=${cfg.phone.prid};pn-param=${cfg.phone.param}>;+sip.instance="<${cfg.phone.instance}>"`;
    const msg = (n: number, auth: string[]): string => [`REGISTER ${uri} SIP/2.0`, `Via: SIP/2.0/UDP 127.0.0.1:${phone.port};branch=z9hG4bK${hex(6)};rport`,
      'Max-Forwards: 70', `From: <sip:${cfg.phone.user}@${cfg.domain}>;tag=${hex(4)}`, `To: <sip:${cfg.phone.user}@${cfg.domain}>`, `Call-ID: ${callId}`,
      `CSeq: ${n} REGISTER`, `Contact: ${c}`, 'Expires: 600', ...auth, 'Content-Length: 0', '', ''].join('\r\n');
    const first = phone.wait((m) => m.get('call-id') === callId && (m.status ?? 0) >= 200);
    phone.send(msg(1, []));
    const r1 = (await first).m;
    const second = phone.wait((m) => m.get('call-id') === callId && (m.status ?? 0) >= 200);
    const at = phone.send(msg(2, [digest(md5Challenge(r1, 'www-authenticate'), cfg.phone.user, cfg.phone.password, 'REGISTER', uri, 'Authorization')]));
    const r2 = await second;
    if (r2.m.status !== 200) throw new Error(`REGISTER ${r2.m.status}`);
    return { sent: at, ok: r2.at };
  };

  const call = async (n: number): Promise<void> => {
    const callId = `bench-call-${n}-${hex(6)}`;
    const uri = `sip:${cfg.phone.user}@${cfg.domain}`;
    const tag = hex(4);
    inviteAt = 0;
    const woken = new Promise<void>((r) => wakes.set(n, r));
    const invite = (c: number, branch: string, auth: string[]): string => {
      const body = sdpOf(20002);
      return [`INVITE ${uri} SIP/2.0`, `Via: SIP/2.0/UDP 127.0.0.1:${caller.port};branch=${branch};rport`, 'Max-Forwards: 70',
        `From: <sip:${cfg.caller.user}@${cfg.domain}>;tag=${tag}`, `To: <${uri}>`, `Call-ID: ${callId}`, `CSeq: ${c} INVITE`,
        `Contact: <sip:${cfg.caller.user}@127.0.0.1:${caller.port}>`, ...auth, 'Content-Type: application/sdp', `Content-Length: ${Buffer.byteLength(body)}`, '', body].join('\r\n');
    };
    const ack = (c: number, branch: string, to: string): string => [`ACK ${uri} SIP/2.0`, `Via: SIP/2.0/UDP 127.0.0.1:${caller.port};branch=${branch};rport`,
      'Max-Forwards: 70', `From: <sip:${cfg.caller.user}@${cfg.domain}>;tag=${tag}`, `To: ${to}`, `Call-ID: ${callId}`, `CSeq: ${c} ACK`, 'Content-Length: 0', '', ''].join('\r\n');
    const b1 = `z9hG4bK${hex(6)}`;
    const c1 = cseq++;
    const f1 = caller.wait((m) => m.get('call-id') === callId && m.get('cseq') === `${c1} INVITE` && (m.status ?? 0) >= 200);
    caller.send(invite(c1, b1, []));
    const r407 = (await f1).m;
    caller.send(ack(c1, b1, r407.get('to') ?? ''));
    const b2 = `z9hG4bK${hex(6)}`;
    const c2 = cseq++;
    const f2 = caller.wait((m) => m.get('call-id') === callId && m.get('cseq') === `${c2} INVITE` && (m.status ?? 0) >= 200, 40_000);
    const sentAt = caller.send(invite(c2, b2, [digest(md5Challenge(r407, 'proxy-authenticate'), cfg.caller.user, cfg.caller.password, 'INVITE', uri, 'Proxy-Authorization')]));
    send({ type: 'invite-sent', n, callId, at: sentAt });
    await woken;
    const reg = await register();
    const final = (await f2).m;
    const status = final.status ?? 0;
    if (status !== 200) {
      send({ type: 'done', n, status, registerToInviteMs: -1 });
      return;
    }
    const toHdr = final.get('to') ?? '';
    const target = /<([^>]+)>/.exec(final.get('contact') ?? '')?.[1] ?? uri;
    caller.send([`ACK ${target} SIP/2.0`, `Via: SIP/2.0/UDP 127.0.0.1:${caller.port};branch=z9hG4bK${hex(6)};rport`, 'Max-Forwards: 70',
      `From: <sip:${cfg.caller.user}@${cfg.domain}>;tag=${tag}`, `To: ${toHdr}`, `Call-ID: ${callId}`, `CSeq: ${c2} ACK`, 'Content-Length: 0', '', ''].join('\r\n'));
    const c3 = cseq++;
    const bye = caller.wait((m) => m.get('call-id') === callId && m.get('cseq') === `${c3} BYE`);
    caller.send([`BYE ${target} SIP/2.0`, `Via: SIP/2.0/UDP 127.0.0.1:${caller.port};branch=z9hG4bK${hex(6)};rport`, 'Max-Forwards: 70',
      `From: <sip:${cfg.caller.user}@${cfg.domain}>;tag=${tag}`, `To: ${toHdr}`, `Call-ID: ${callId}`, `CSeq: ${c3} BYE`, 'Content-Length: 0', '', ''].join('\r\n'));
    await bye;
    send({ type: 'done', n, status, registerToInviteMs: inviteAt > 0 ? inviteAt - reg.sent : -1, registerTo200Ms: reg.ok - reg.sent, registerSentAt: reg.sent, inviteAt });
  };

  process.on('message', (m: ToClient) => {
    if (m.type === 'call') void call(m.n).catch((err: unknown) => send({ type: 'done', n: m.n, status: 0, registerToInviteMs: -1, error: (err as Error).message }));
    else if (m.type === 'wake') wakes.get(m.n)?.();
    else if (m.type === 'stop') { caller.sock.close(); phone.sock.close(); process.disconnect?.(); }
  });
  send({ type: 'ready' });
}

if (require.main === module) void main();
