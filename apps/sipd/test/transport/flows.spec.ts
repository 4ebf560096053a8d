// Flows end to end inside one process: the real engine (SipEngine), an unmodified drachtio-srf
// app, and clients on real sockets (WebSocket, TLS, UDP). Checks that requests from the app reach
// a registered client over the connection it registered on, that a vanished client fails fast
// with 430, and that NAT'd UDP peers are reached at their source address.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import dgram from 'node:dgram';
import { createRequire } from 'node:module';
import tls from 'node:tls';
import { createLogger } from '@openline/log';
import { WebSocket } from 'ws';
import { SipEngine } from '../../src/core/engine';
import { parseMessage, type SipMessage, type SipRequest, type SipResponse } from '../../src/parser';
import { makeSelfSignedCert, type TestCert } from './certs';
import { withTimeout } from './support';

interface SrfMsg { status?: number; reason?: string; method?: string; body: string; get(h: string): string | undefined }
interface SrfReq extends SrfMsg { method: string; uri: string; source_address: string; source_port: number; protocol: string; on(ev: 'response', fn: (res: SrfMsg) => void): void }
interface SrfRes { send(status: number, opts?: { headers?: Record<string, string>; body?: string }): void }
interface SrfDialog { destroy(): Promise<unknown>; on(ev: 'destroy', fn: () => void): void }
interface SrfApp {
  connect(o: { host: string; port: number; secret: string }): SrfApp;
  on(ev: 'connect', fn: (err: Error | null, hostport: string) => void): SrfApp;
  on(ev: 'error', fn: (err: Error) => void): SrfApp;
  register(fn: (req: SrfReq, res: SrfRes) => void): void;
  invite(fn: (req: SrfReq, res: SrfRes) => void): void;
  request(uri: string, opts: { method: string; headers?: Record<string, string>; body?: string; proxy?: string }, cb: (err: Error | null, req: SrfReq) => void): void;
  createUAC(uri: string, opts: { localSdp: string; proxy?: string }): Promise<SrfDialog>;
  createUAS(req: SrfReq, res: SrfRes, opts: { localSdp: string }): Promise<SrfDialog>;
  disconnect(): void;
}
const Srf = createRequire(__filename)('drachtio-srf') as new () => SrfApp;

const SDP = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 9 RTP/AVP 0\r\n';

function parse(text: string | Buffer): SipMessage {
  const r = parseMessage(Buffer.isBuffer(text) ? text : Buffer.from(text));
  if (!r.ok) throw new Error(`unparseable: ${r.reason}`);
  return r.message;
}

function isRequest(m: SipMessage, method?: string): m is SipRequest {
  return m.kind === 'request' && (method === undefined || m.method === method);
}
function isResponse(m: SipMessage, status?: number): m is SipResponse {
  return m.kind === 'response' && (status === undefined || m.status === status);
}

/** A response to `req` (Via/From/To/Call-ID/CSeq copied), as a client would send it. */
function answer(req: SipMessage, status: number, extra = '', body = ''): string {
  const lines = req.headers.filter((h) => ['via', 'from', 'to', 'call-id', 'cseq'].includes(h.key)).map((h) => `${h.name}: ${h.key === 'to' && !/tag=/.test(h.value) ? `${h.value};tag=client` : h.value}`);
  return `SIP/2.0 ${status} OK\r\n${lines.join('\r\n')}\r\n${extra}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

function register(via: string, contact: string, callId: string): string {
  return `REGISTER sip:example.com SIP/2.0\r\nVia: ${via}\r\nMax-Forwards: 70\r\nFrom: <sip:alice@example.com>;tag=r1\r\nTo: <sip:alice@example.com>\r\nCall-ID: ${callId}\r\nCSeq: 1 REGISTER\r\nContact: ${contact}\r\nExpires: 600\r\nContent-Length: 0\r\n\r\n`;
}

/** Collects SIP messages arriving one per WebSocket message. */
class Inbox {
  readonly items: SipMessage[] = [];
  async next(pred: (m: SipMessage) => boolean = () => true, ms = 3000): Promise<SipMessage> {
    const end = Date.now() + ms;
    for (;;) {
      const i = this.items.findIndex(pred);
      if (i >= 0) return this.items.splice(i, 1)[0]!;
      if (Date.now() > end) throw new Error('timeout: no SIP message');
      await new Promise((r) => setTimeout(r, 5));
    }
  }
}

describe('flows through the engine (registered connections, 430, NAT)', function () {
  this.timeout(15000);
  let cert: TestCert;
  let engine: SipEngine;
  let srf: SrfApp;
  let ports: Record<string, number>;
  /** What the registrar app recorded: Contact → how it came in. */
  const bindings = new Map<string, { contact: string; source: string; protocol: string }>();
  let onInvite: ((req: SrfReq, res: SrfRes) => void) | undefined;

  before(async () => {
    cert = makeSelfSignedCert();
    engine = new SipEngine({
      contacts: ['sip:127.0.0.1:0;transport=udp', 'sip:127.0.0.1:0;transport=ws', 'sips:127.0.0.1:0;transport=tls'],
      admin: { address: '127.0.0.1', port: 0, secret: 's' },
      tls: { key: cert.key, cert: cert.cert },
      logger: createLogger({ component: 'sipd-test', level: 'silent' }),
    });
    const started = await engine.start();
    ports = Object.fromEntries(started.sip.map((e) => [e.protocol, e.port]));
    srf = new Srf();
    srf.on('error', () => undefined);
    srf.register((req, res) => {
      const contact = /<([^>]+)>/.exec(req.get('Contact') ?? '')?.[1] ?? '';
      bindings.set(contact, { contact, source: `${req.source_address}:${req.source_port}`, protocol: req.protocol });
      res.send(200, { headers: { Contact: `${req.get('Contact')};expires=600` } });
    });
    srf.invite((req, res) => onInvite?.(req, res));
    const connected = new Promise<void>((resolve, reject) => srf.on('connect', (err) => (err ? reject(err) : resolve())));
    srf.connect({ host: '127.0.0.1', port: started.admin.port, secret: 's' });
    await withTimeout(connected, 3000, 'srf not connected');
  });

  after(async () => {
    srf.disconnect();
    await engine.stop(0);
    cert.remove();
  });

  function appRequest(uri: string, method: string, proxy?: string): Promise<SrfMsg> {
    return new Promise((resolve, reject) => {
      srf.request(uri, { method, headers: { 'Content-Type': 'text/plain' }, body: 'hello', ...(proxy ? { proxy } : {}) }, (err, req) => {
        if (err) return reject(err);
        req.on('response', (res) => { if ((res.status ?? 0) >= 200) resolve(res); });
      });
    });
  }

  describe('WebSocket client with a .invalid Contact (RFC 7118 §5.2)', () => {
    it('a MESSAGE to the registered Contact reaches the client over its WebSocket; after it closes the app gets 430 at once', async () => {
      const ws = new WebSocket(`ws://127.0.0.1:${ports.ws}/`, 'sip');
      const inbox = new Inbox();
      ws.on('message', (d: Buffer) => { if (d.toString().trim() !== '') inbox.items.push(parse(d)); });
      await once(ws, 'open');
      const contact = 'sip:k3v9@q8zt1m2h.invalid;transport=ws';
      ws.send(register('SIP/2.0/WS q8zt1m2h.invalid;branch=z9hG4bKreg1', `<${contact}>`, 'reg-ws-1'));
      await inbox.next((m) => isResponse(m, 200));
      assert.equal(bindings.get(contact)?.protocol, 'tcp'); // drachtio reports ws as tcp
      assert.equal(engine.flows.size, 1);

      const pending = appRequest(contact, 'MESSAGE');
      const msg = await inbox.next((m) => isRequest(m, 'MESSAGE'));
      assert.match(msg.getAll('via')[0]!, /^SIP\/2\.0\/WS /);
      assert.equal(msg.body.toString(), 'hello');
      ws.send(answer(msg, 200));
      assert.equal((await pending).status, 200);

      ws.close();
      await once(ws, 'close');
      const end = Date.now() + 2000;
      while (engine.flows.size > 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
      assert.equal(engine.flows.size, 0, 'the binding left with its connection');
      const t0 = Date.now();
      const failed = await appRequest(contact, 'MESSAGE');
      assert.equal(failed.status, 430);
      assert.ok(Date.now() - t0 < 1000, 'failed fast');
    });
  });

  describe('a WebSocket client that vanishes mid-call', () => {
    it("fails that flow alone: the app's BYE gets 430 at once and no dialog, binding or connection is left", async () => {
      const ws = new WebSocket(`ws://127.0.0.1:${ports.ws}/`, 'sip');
      const inbox = new Inbox();
      ws.on('message', (d: Buffer) => { if (d.toString().trim() !== '') inbox.items.push(parse(d)); });
      await once(ws, 'open');
      let dialog: SrfDialog | undefined;
      onInvite = (req, res) => void srf.createUAS(req, res, { localSdp: SDP }).then((d) => (dialog = d));
      ws.send(`INVITE sip:svc@127.0.0.1:${ports.ws};transport=ws SIP/2.0\r\nVia: SIP/2.0/WS v4n1sh.invalid;branch=z9hG4bKvan1\r\nMax-Forwards: 70\r\nFrom: <sip:w@example.com>;tag=w1\r\nTo: <sip:svc@example.com>\r\nCall-ID: vanish-1\r\nCSeq: 1 INVITE\r\nContact: <sip:w@v4n1sh.invalid;transport=ws>\r\nContent-Type: application/sdp\r\nContent-Length: ${SDP.length}\r\n\r\n${SDP}`);
      const ok = await inbox.next((m) => isResponse(m, 200));
      const toTag = /tag=([^;>\s]+)/.exec(ok.get('to') ?? '')?.[1];
      ws.send(`ACK sip:svc@127.0.0.1:${ports.ws};transport=ws SIP/2.0\r\nVia: SIP/2.0/WS v4n1sh.invalid;branch=z9hG4bKvan2\r\nMax-Forwards: 70\r\nFrom: <sip:w@example.com>;tag=w1\r\nTo: <sip:svc@example.com>;tag=${toTag}\r\nCall-ID: vanish-1\r\nCSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n`);
      await waitUntil(() => dialog !== undefined);
      assert.equal(engine.dialogs.size, 1);
      ws.terminate();
      await waitUntil(() => engine.transport.connectionCount() === 0);
      const t0 = Date.now();
      await dialog!.destroy();
      assert.ok(Date.now() - t0 < 1000, 'the BYE failed fast instead of timing out');
      assert.equal(engine.dialogs.size, 0);
      assert.equal(engine.flows.size, 0);
      onInvite = undefined;
    });
  });

  describe('TLS client (sips:, transport=tls)', () => {
    it('an OPTIONS to the registered Contact goes over the TLS connection the client registered on', async () => {
      const sock = tls.connect({ host: '127.0.0.1', port: ports.tls!, rejectUnauthorized: false });
      await once(sock, 'secureConnect');
      let buf = '';
      sock.on('data', (d: Buffer) => void (buf += d.toString()));
      // The Contact names a port nobody listens on: only the registered connection reaches it.
      const contact = 'sip:bob@127.0.0.1:9;transport=tls';
      sock.write(register('SIP/2.0/TLS 127.0.0.1:9;branch=z9hG4bKreg2', `<${contact}>`, 'reg-tls-1'));
      await waitUntil(() => buf.includes('SIP/2.0 200'));
      buf = '';
      const pending = appRequest(contact, 'OPTIONS');
      await waitUntil(() => buf.includes('\r\n\r\nhello'));
      sock.write(answer(parse(buf), 200));
      assert.equal((await pending).status, 200);
      sock.destroy();
    });
  });

  describe("NAT'd UDP client (srf's proxy option, RFC 3581)", () => {
    it('an INVITE to the private Contact via the recorded source reaches the client; the ACK and BYE follow the NAT binding', async () => {
      const udp = dgram.createSocket('udp4');
      udp.bind(0, '127.0.0.1');
      await once(udp, 'listening');
      const inbox = new Inbox();
      const from = new Map<string, dgram.RemoteInfo>();
      udp.on('message', (d, rinfo) => { const m = parse(d); inbox.items.push(m); from.set(m.callId, rinfo); });
      const send = (text: string): void => void udp.send(text, ports.udp!, '127.0.0.1');
      const contact = 'sip:carol@10.77.0.2:5060';
      send(register(`SIP/2.0/UDP 10.77.0.2:5060;rport;branch=z9hG4bKreg3`, `<${contact}>`, 'reg-udp-1'));
      const ok = await inbox.next();
      assert.match(ok.getAll('via')[0]!, new RegExp(`rport=${udp.address().port}`));
      const rec = bindings.get(contact)!;
      assert.equal(rec.source, `127.0.0.1:${udp.address().port}`);

      const call = srf.createUAC(contact, { localSdp: SDP, proxy: `sip:${rec.source}` });
      const invite = await inbox.next((m) => isRequest(m, 'INVITE')) as SipRequest;
      assert.match(invite.uri, /10\.77\.0\.2/);
      send(answer(invite, 200, `Contact: <${contact}>\r\nContent-Type: application/sdp\r\n`, SDP));
      const dialog = await call;
      const ack = await inbox.next((m) => isRequest(m, 'ACK'));
      assert.equal(ack.callId, invite.callId, 'the ACK came through the NAT binding, not to 10.77.0.2');
      const bye = dialog.destroy();
      const byeReq = await inbox.next((m) => isRequest(m, 'BYE'));
      send(answer(byeReq, 200));
      await bye;
      udp.close();
    });

    it('an INVITE from a NAT\'d client (Contact ≠ source): the app\'s BYE goes to the source address', async () => {
      const udp = dgram.createSocket('udp4');
      udp.bind(0, '127.0.0.1');
      await once(udp, 'listening');
      const inbox = new Inbox();
      udp.on('message', (d) => inbox.items.push(parse(d)));
      const port = udp.address().port;
      let dialog: SrfDialog | undefined;
      onInvite = (req, res) => void srf.createUAS(req, res, { localSdp: SDP }).then((d) => (dialog = d));
      const invite = `INVITE sip:svc@127.0.0.1:${ports.udp} SIP/2.0\r\nVia: SIP/2.0/UDP 10.77.0.3:5060;rport;branch=z9hG4bKinv4\r\nMax-Forwards: 70\r\nFrom: <sip:dave@example.com>;tag=d1\r\nTo: <sip:svc@example.com>\r\nCall-ID: nat-uas-1\r\nCSeq: 1 INVITE\r\nContact: <sip:dave@10.77.0.3:5060>\r\nContent-Type: application/sdp\r\nContent-Length: ${SDP.length}\r\n\r\n${SDP}`;
      udp.send(invite, ports.udp!, '127.0.0.1');
      const ok = await inbox.next((m) => isResponse(m, 200));
      const toTag = /tag=([^;>\s]+)/.exec(ok.get('to') ?? '')?.[1];
      udp.send(`ACK sip:svc@127.0.0.1:${ports.udp} SIP/2.0\r\nVia: SIP/2.0/UDP 10.77.0.3:5060;rport;branch=z9hG4bKack4\r\nMax-Forwards: 70\r\nFrom: <sip:dave@example.com>;tag=d1\r\nTo: <sip:svc@example.com>;tag=${toTag}\r\nCall-ID: nat-uas-1\r\nCSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n`, ports.udp!, '127.0.0.1');
      await waitUntil(() => dialog !== undefined);
      const bye = dialog!.destroy();
      const byeReq = await inbox.next((m) => isRequest(m, 'BYE')) as SipRequest;
      assert.match(byeReq.uri, /10\.77\.0\.3/, 'Request-URI stays the Contact');
      udp.send(answer(byeReq, 200), ports.udp!, '127.0.0.1');
      await bye;
      udp.close();
      assert.ok(port > 0);
    });
  });
});

async function waitUntil(cond: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timeout: condition not met');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('external-ip and local-net per contact (drachtio --external-ip / --local-net)', function () {
  this.timeout(10000);

  async function viaAndContactSeenBy(localNet: { network: string; prefixLength: number } | undefined): Promise<{ via: string; contact: string; hostports: string }> {
    const engine = new SipEngine({
      contacts: ['sip:127.0.0.1:0;transport=udp'],
      contactNat: [{ externalIp: '198.51.100.7', ...(localNet ? { localNet } : {}) }],
      admin: { address: '127.0.0.1', port: 0, secret: 's' },
      logger: createLogger({ component: 'sipd-test', level: 'silent' }),
    });
    const started = await engine.start();
    const srf = new Srf();
    srf.on('error', () => undefined);
    const udp = dgram.createSocket('udp4');
    try {
      let hostports = '';
      const connected = new Promise<void>((resolve, reject) => srf.on('connect', (err, hp) => { hostports = hp; return err ? reject(err) : resolve(); }));
      srf.connect({ host: '127.0.0.1', port: started.admin.port, secret: 's' });
      await withTimeout(connected, 3000, 'srf not connected');
      udp.bind(0, '127.0.0.1');
      await once(udp, 'listening');
      const got = new Promise<SipMessage>((resolve) => udp.once('message', (d) => resolve(parse(d))));
      srf.createUAC(`sip:peer@127.0.0.1:${udp.address().port}`, { localSdp: SDP }).catch(() => undefined);
      const invite = await withTimeout(got, 3000, 'no INVITE');
      return { via: invite.getAll('via')[0]!, contact: invite.get('contact') ?? '', hostports };
    } finally {
      udp.close();
      srf.disconnect();
      await engine.stop(0);
    }
  }

  it('peers outside local-net see the external address in Via and Contact; the hostports report it', async () => {
    const seen = await viaAndContactSeenBy({ network: '10.0.0.0', prefixLength: 8 });
    assert.match(seen.via, /^SIP\/2\.0\/UDP 198\.51\.100\.7:\d+;/);
    assert.match(seen.contact, /198\.51\.100\.7/);
    assert.match(seen.hostports, /^udp\/198\.51\.100\.7:\d+$/);
  });

  it('peers inside local-net see the bound address', async () => {
    const seen = await viaAndContactSeenBy({ network: '127.0.0.0', prefixLength: 8 });
    assert.match(seen.via, /^SIP\/2\.0\/UDP 127\.0\.0\.1:\d+;/);
    assert.match(seen.contact, /127\.0\.0\.1/);
  });
});
