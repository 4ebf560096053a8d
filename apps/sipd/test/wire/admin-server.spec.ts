// AdminServer with the REAL drachtio-srf client over loopback TCP (port 0), plus a raw socket for
// what srf never sends. The "engine" here is a stub inside the test: it answers sip commands the
// way drachtio-server does (docs/wire-protocol.md §3) so that srf's own code paths run end to end.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { AdminServer, DEFAULT_SERVER_VERSION, type AdminServerOptions } from '../../src/wire/admin-server';
import { InvalidStateError } from '../../src/wire/errors';
import type { AppConnection } from '../../src/wire/app-connection';
import { encodeFrame, FrameDecoder } from '../../src/wire/frame-codec';
import { parseServerMessage, type SipCommand } from '../../src/wire/messages';
import { formatWireTime, headerValue, type SipMeta } from '../../src/wire/sip-text';

// ── the parts of drachtio-srf the specs use (its bundled typings lack several of them) ──
interface SrfMsg { get(h: string): string | undefined; method?: string; status?: number }
interface SrfReq extends SrfMsg {
  method: string; source: string; source_address: string; source_port: number; protocol: string;
  stackTxnId: string; stackDialogId: string; receivedOn?: string;
  on(ev: string, fn: (...a: never[]) => void): void;
}
interface SrfRes { send(status: number, opts?: object): void }
interface SrfDialog { id: string; on(ev: string, fn: (...a: never[]) => void): void }
interface SrfApp {
  connect(opts: object): SrfApp;
  disconnect(): void;
  on(ev: string, fn: (...a: never[]) => void): SrfApp;
  options(fn: (req: SrfReq, res: SrfRes) => void): void;
  invite(fn: (req: SrfReq, res: SrfRes) => void): void;
  use(method: string, fn: (req: SrfReq, res: SrfRes, next: () => void) => void): void;
  request(uri: string, opts: object, cb: (err: Error | null, req: SrfReq) => void): void;
  createUAS(req: SrfReq, res: SrfRes, opts: object): Promise<SrfDialog>;
  proxyRequest(req: SrfReq, dest: string[], opts: object): Promise<{ connected: boolean; finalStatus: number; responses: unknown[] }>;
  app: { client: { wp: { on(ev: string, fn: (...a: never[]) => void): void } } };
}
const Srf = createRequire(__filename)('drachtio-srf') as new (tags?: string | string[]) => SrfApp;

const SECRET = 'cymru';
const HOSTPORTS = ['udp/127.0.0.1:5060', 'tcp/127.0.0.1:5060'];

const sipMeta = (source: 'network' | 'application', raw: string): SipMeta => ({
  source, bytes: Buffer.byteLength(raw), protocol: 'udp', address: '127.0.0.1', port: 5062, time: formatWireTime(),
});

function request(method: string, callId: string, extra = ''): string {
  return [
    `${method} sip:sipd@127.0.0.1 SIP/2.0`,
    'Via: SIP/2.0/UDP 127.0.0.1:5062;branch=z9hG4bK-abc;rport',
    'From: "Zoë 📞" <sip:zoe@127.0.0.1>;tag=ftag1',
    'To: <sip:sipd@127.0.0.1>',
    `Call-ID: ${callId}`,
    `CSeq: 1 ${method}`,
    'Max-Forwards: 70',
    'Contact: <sip:zoe@127.0.0.1:5062>',
    extra,
    'Content-Length: 0',
    '',
    '',
  ].filter((l, i, a) => l !== '' || i >= a.length - 2).join('\r\n');
}

const once = <T extends unknown[]>(register: (fn: (...a: T) => void) => void): Promise<T> =>
  new Promise((resolve) => register((...a: T) => resolve(a)));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('wire/admin-server', function () {
  this.timeout(4000);
  let server: AdminServer;
  let port: number;
  const apps: SrfApp[] = [];

  async function start(opts: Partial<AdminServerOptions> = {}): Promise<void> {
    server = new AdminServer({ port: 0, secret: SECRET, hostports: HOSTPORTS, closeGraceMs: 200, ...opts });
    port = (await server.listen()).port;
  }

  /** A real srf app; resolves once srf has emitted 'connect' and the server saw the app. */
  async function connectApp(opts: { tags?: string[]; secret?: string; setup?: (srf: SrfApp) => void; enablePing?: boolean; tls?: object } = {}): Promise<{ srf: SrfApp; conn: AppConnection; hostport: string; version: string }> {
    const srf = new Srf(opts.tags ?? []);
    srf.on('error', () => undefined);
    opts.setup?.(srf);
    apps.push(srf);
    const seen = once<[AppConnection]>((fn) => server.once('app-connected', fn));
    const connected = once<[Error | null, string, string]>((fn) => srf.on('connect', fn));
    srf.connect({
      host: '127.0.0.1', port, secret: opts.secret ?? SECRET, reconnect: { maxAttempts: 1 },
      enablePing: opts.enablePing === true, pingInterval: 5000, ...(opts.tls ? { tls: opts.tls } : {}),
    });
    const [err, hostport, version] = await connected;
    assert.equal(err, null);
    const [conn] = await seen;
    return { srf, conn, hostport, version };
  }

  afterEach(async () => {
    for (const srf of apps.splice(0)) {
      try {
        srf.disconnect();
      } catch {
        // srf throws when its socket is already gone
      }
    }
    await server.close();
  });

  describe('authenticate', () => {
    it('srf emits "connect" with the hostports and server version we return', async () => {
      await start();
      const { hostport, version, conn } = await connectApp({ tags: ['red', 'blue'] });
      assert.equal(hostport, HOSTPORTS.join(','));
      assert.equal(version, DEFAULT_SERVER_VERSION);
      assert.equal(conn.authenticated, true);
      assert.deepEqual([...conn.tags].sort(), ['blue', 'red']);
    });

    it('a wrong secret gets NO|incorrect secret, srf reports an error and the connection is closed', async () => {
      await start();
      const srf = new Srf();
      srf.on('error', () => undefined);
      apps.push(srf);
      const connectEvent = once<[Error | null]>((fn) => srf.on('connect', fn));
      const gone = once<[AppConnection, { reason: string; wasAuthenticated: boolean }]>((fn) => server.once('app-disconnected', fn));
      const srfClosed = once<[]>((fn) => srf.on('close', fn));
      srf.connect({ host: '127.0.0.1', port, secret: 'wrong', reconnect: { maxAttempts: 1 } });
      const [err] = await connectEvent;
      assert.match(String(err), /failed to authenticate/);
      const [, info] = await gone;
      assert.equal(info.reason, 'incorrect secret');
      assert.equal(info.wasAuthenticated, false);
      await srfClosed;
      assert.equal(server.connections().length, 0);
    });

    it('srf connects over TLS when the admin server is given a certificate', async () => {
      const fixtures = join(__dirname, 'fixtures');
      const cert = readFileSync(join(fixtures, 'admin-cert.pem'));
      await start({ tls: { key: readFileSync(join(fixtures, 'admin-key.pem')), cert } });
      const { conn, hostport } = await connectApp({ tls: { ca: cert } });
      assert.equal(conn.authenticated, true);
      assert.equal(hostport, HOSTPORTS.join(','));
    });

    it('listen() after close() rejects with InvalidStateError', async () => {
      await start();
      await server.close();
      await assert.rejects(server.listen(), InvalidStateError);
    });

    it('accepts any of several configured secrets', async () => {
      await start({ secret: ['old-secret', SECRET] });
      const { conn } = await connectApp();
      assert.equal(conn.authenticated, true);
    });
  });

  describe('routes', () => {
    it('srf.options / srf.invite / srf.use("message") send route for each method and the registry records them', async () => {
      await start();
      const added: string[] = [];
      server.on('route-added', (_c, verb) => added.push(verb));
      const { conn } = await connectApp({
        setup: (srf) => {
          srf.options((_q, r) => r.send(200));
          srf.invite((_q, r) => r.send(486));
          srf.use('message', (_q, r) => r.send(200));
        },
      });
      while (added.length < 3) await sleep(5);
      assert.deepEqual(added.sort(), ['invite', 'message', 'options']);
      assert.deepEqual([...conn.routes].sort(), ['invite', 'message', 'options']);
      assert.equal(server.pickAppFor('OPTIONS'), conn, 'lookup is case-insensitive');
      assert.deepEqual(server.appsRouting('invite'), [conn]);
      assert.equal(server.pickAppFor('register'), undefined, 'an unrouted method has no app (engine answers 503)');
    });

    it('two apps routing the same method are picked round robin; a tag restricts the choice', async () => {
      await start();
      const a = await connectApp({ tags: ['east'], setup: (s) => s.options((_q, r) => r.send(200)) });
      const b = await connectApp({ tags: ['west'], setup: (s) => s.options((_q, r) => r.send(200)) });
      while (server.appsRouting('options').length < 2) await sleep(5);
      const picks = [0, 1, 2, 3].map(() => server.pickAppFor('options'));
      assert.deepEqual(picks, [a.conn, b.conn, a.conn, b.conn]);
      assert.deepEqual([0, 1, 2].map(() => server.pickAppFor('options', 'west')), [b.conn, b.conn, b.conn]);
      assert.equal(server.pickAppFor('options', 'north'), undefined);
    });

    it('routes added after connect (which srf re-sends) do not give that app a larger share', async () => {
      await start();
      const a = await connectApp();
      a.srf.options((_q, r) => r.send(200));
      a.srf.invite((_q, r) => r.send(486));
      a.srf.use('message', (_q, r) => r.send(200));
      while (server.appsRouting('message').length < 1) await sleep(5);
      const b = await connectApp({ setup: (s) => s.options((_q, r) => r.send(200)) });
      while (server.appsRouting('options').length < 2) await sleep(5);
      assert.deepEqual(server.appsRouting('options'), [a.conn, b.conn]);
      assert.deepEqual([0, 1, 2, 3].map(() => server.pickAppFor('options')), [a.conn, b.conn, a.conn, b.conn]);
    });

    it('disconnecting removes the app\'s routes and emits app-disconnected with them', async () => {
      await start();
      const { srf, conn } = await connectApp({ setup: (s) => s.options((_q, r) => r.send(200)) });
      while (server.appsRouting('options').length < 1) await sleep(5);
      const gone = once<[AppConnection, { routes: string[]; wasAuthenticated: boolean }]>((fn) => server.once('app-disconnected', fn));
      srf.disconnect();
      const [who, info] = await gone;
      assert.equal(who, conn);
      assert.deepEqual(info.routes, ['options']);
      assert.equal(info.wasAuthenticated, true);
      assert.equal(server.pickAppFor('options'), undefined);
      assert.equal(conn.sendSipMessage({ meta: sipMeta('network', 'x'), transactionId: 't', dialogId: '', raw: 'x' }), false);
    });
  });

  describe('ping', () => {
    it('srf\'s enablePing pings (server version ≥ v0.8.2) and gets OK|pong', async function () {
      this.timeout(8000);
      await start();
      const { srf } = await connectApp({ enablePing: true });
      const pingId = once<[{ msgId: string }]>((fn) => srf.app.client.wp.on('ping', fn));
      const replies: string[] = [];
      srf.app.client.wp.on('msg', (_s: never, msg: never) => replies.push(msg));
      const [{ msgId }] = await pingId;
      while (!replies.some((m) => m.includes(`|response|${msgId}|`))) await sleep(10);
      assert.ok(replies.some((m) => m.endsWith(`|response|${msgId}|OK|pong`)));
    });
  });

  describe('a network request pushed to srf (stub engine)', () => {
    it('srf runs the OPTIONS handler with fields from our meta, and res.send(200) comes back as a response command', async () => {
      await start();
      let seenReq: SrfReq | undefined;
      const { conn } = await connectApp({ setup: (s) => s.options((req, res) => { seenReq = req; res.send(200); }) });
      const command = once<[AppConnection, string, SipCommand]>((fn) => server.once('sip-command', fn));
      const raw = request('OPTIONS', 'opt-1@127.0.0.1');
      assert.equal(conn.sendSipMessage({ meta: sipMeta('network', raw), transactionId: 'net-txn-1', dialogId: '', receivedOn: { address: '127.0.0.1', port: 5060 }, raw }), true);
      const [from, msgId, cmd] = await command;
      assert.equal(from, conn);
      assert.equal(seenReq?.method, 'OPTIONS');
      assert.equal(seenReq?.get('Call-ID'), 'opt-1@127.0.0.1');
      assert.equal(seenReq?.get('From'), '"Zoë 📞" <sip:zoe@127.0.0.1>;tag=ftag1');
      assert.equal(seenReq?.source, 'network');
      assert.equal(seenReq?.source_address, '127.0.0.1');
      assert.equal(seenReq?.source_port, 5062);
      assert.equal(seenReq?.protocol, 'udp');
      assert.equal(seenReq?.stackTxnId, 'net-txn-1');
      assert.equal(seenReq?.receivedOn, '127.0.0.1:5060');
      assert.ok(cmd.kind === 'response');
      assert.equal(cmd.transactionId, 'net-txn-1');
      assert.equal(cmd.status, 200);
      assert.equal(headerValue(cmd.sip, 'call-id'), 'opt-1@127.0.0.1');
      assert.deepEqual(conn.pendingCommandIds(), [msgId]);
      const sent = cmd.sip.raw.replace('To: <sip:sipd@127.0.0.1>', 'To: <sip:sipd@127.0.0.1>;tag=srv');
      assert.equal(conn.sendResponse(msgId, { kind: 'response-sent', meta: sipMeta('application', sent), transactionId: 'net-txn-1', dialogId: '', sip: sent }), true);
      assert.deepEqual(conn.pendingCommandIds(), []);
      assert.equal(conn.sendResponse(msgId, { kind: 'failure', reason: 'twice' }), false, 'a command is answered once');
    });

    it('createUAS: the dialog id we return becomes Dialog.id; ACK and an in-dialog BYE reach the dialog', async () => {
      await start();
      const dialogP = new Promise<SrfDialog>((resolve, reject) => {
        void connectApp({ setup: (s) => s.invite((req, res) => { s.createUAS(req, res, { localSdp: 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\n' }).then(resolve, reject); }) })
          .then(({ conn }) => {
            server.once('sip-command', (c, msgId, cmd) => {
              assert.ok(cmd.kind === 'response' && cmd.status === 200);
              assert.equal(cmd.sip.body.startsWith('v=0'), true);
              // what drachtio-server would have sent: To tag, Contact, Content-Type added
              const sent = cmd.sip.raw
                .replace('To: <sip:sipd@127.0.0.1>', 'To: <sip:sipd@127.0.0.1>;tag=srvtag')
                .replace('\r\n\r\n', '\r\nContact: <sip:127.0.0.1:5060>\r\nContent-Type: application/sdp\r\n\r\n');
              c.sendResponse(msgId, { kind: 'response-sent', meta: sipMeta('application', sent), transactionId: cmd.transactionId, dialogId: 'inv-1@127.0.0.1;from-tag=ftag1', sip: sent });
            });
            const raw = request('INVITE', 'inv-1@127.0.0.1');
            conn.sendSipMessage({ meta: sipMeta('network', raw), transactionId: 'inv-txn', dialogId: '', receivedOn: { address: '127.0.0.1', port: 5060 }, raw });
          }, reject);
      });
      const dialog = await dialogP;
      assert.equal(dialog.id, 'inv-1@127.0.0.1;from-tag=ftag1');
      const conn = server.connections()[0] as AppConnection;
      const acked = once<[]>((fn) => dialog.on('ack', fn));
      const ack = request('ACK', 'inv-1@127.0.0.1').replace('To: <sip:sipd@127.0.0.1>', 'To: <sip:sipd@127.0.0.1>;tag=srvtag');
      conn.sendSipMessage({ meta: sipMeta('network', ack), transactionId: 'ack-txn', dialogId: dialog.id, raw: ack });
      await acked;
      const destroyed = once<[]>((fn) => dialog.on('destroy', fn));
      const byeAnswer = once<[AppConnection, string, SipCommand]>((fn) => server.once('sip-command', fn));
      const bye = request('BYE', 'inv-1@127.0.0.1').replace('To: <sip:sipd@127.0.0.1>', 'To: <sip:sipd@127.0.0.1>;tag=srvtag');
      conn.sendSipMessage({ meta: sipMeta('network', bye), transactionId: 'bye-txn', dialogId: dialog.id, raw: bye });
      await destroyed;
      const [, , answer] = await byeAnswer;
      assert.ok(answer.kind === 'response');
      assert.deepEqual([answer.transactionId, answer.status], ['bye-txn', 200]);
    });

    it('srf.request: a new request command, our request-sent echo, then a network 200 routed by transaction id', async () => {
      await start();
      const { srf } = await connectApp();
      server.once('sip-command', (c, msgId, cmd) => {
        assert.ok(cmd.kind === 'request');
        assert.equal(cmd.method, 'OPTIONS');
        const sent = `${cmd.sip.raw.replace('\r\n', '\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK1\r\nFrom: <sip:127.0.0.1:5060>;tag=ft\r\nCall-ID: uac-call-1\r\nCSeq: 1 OPTIONS\r\n')}`;
        c.sendResponse(msgId, { kind: 'request-sent', meta: sipMeta('application', sent), transactionId: 'uac-txn-1', sip: sent });
        const ok = 'SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK1\r\nFrom: <sip:127.0.0.1:5060>;tag=ft\r\nTo: <sip:bob@127.0.0.1:5099>;tag=tt\r\nCall-ID: uac-call-1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n';
        setImmediate(() => c.sendSipMessage({ meta: sipMeta('network', ok), transactionId: 'uac-txn-1', dialogId: '', raw: ok }));
      });
      // Like an app, listen for responses inside the callback: both frames may arrive in one read.
      let txnId = '';
      const res = await new Promise<SrfMsg>((resolve, reject) =>
        srf.request('sip:bob@127.0.0.1:5099', { method: 'OPTIONS' }, (err, req) => {
          if (err) return reject(err);
          txnId = req.stackTxnId;
          req.on('response', resolve);
        }));
      assert.equal(txnId, 'uac-txn-1');
      assert.equal(res.status, 200);
    });
  });

  describe('cdr events and proxy (stub engine)', () => {
    it('srf.on("cdr:stop") routes cdr:stop; a CDR we send reaches the handler', async () => {
      await start();
      let got: unknown[] | undefined;
      const { conn } = await connectApp({ setup: (s) => s.on('cdr:stop', (...args: never[]) => { got = args; }) });
      while (server.pickAppFor('cdr:stop') === undefined) await sleep(5);
      assert.equal(server.pickAppFor('cdr:stop'), conn);
      const bye = request('BYE', 'cdr-1');
      assert.equal(conn.sendCdr({ event: 'stop', source: 'network', time: '12:00:00.000001', reason: 'normal-release', raw: bye }), true);
      while (!got) await sleep(5);
      const [source, time, reason, msg] = got as [string, string, string, SrfMsg];
      assert.deepEqual([source, time, reason, msg.get('call-id')], ['network', '12:00:00.000001', 'normal-release', 'cdr-1']);
    });

    it('srf.proxyRequest sends a proxy command; our streamed final response and "done" resolve it', async () => {
      await start();
      const results = new Promise<{ connected: boolean; finalStatus: number }>((resolve, reject) => {
        void connectApp({ setup: (s) => s.invite((req) => { s.proxyRequest(req, ['sip:bob@127.0.0.1:5099'], { remainInDialog: true }).then(resolve, reject); }) })
          .then(({ conn }) => {
            server.once('proxy-command', (c, msgId, cmd) => {
              assert.deepEqual([cmd.transactionId, cmd.recordRoute, cmd.fullResponse, cmd.destinations], ['inv-px', true, true, ['sip:bob@127.0.0.1:5099']]);
              const ok = 'SIP/2.0 200 OK\r\nCall-ID: px-1\r\nCSeq: 1 INVITE\r\nTo: <sip:sipd@127.0.0.1>;tag=b\r\nContent-Length: 0\r\n\r\n';
              assert.equal(c.sendResponse(msgId, { kind: 'proxy-response', meta: sipMeta('network', ok), sip: ok }), true);
              assert.deepEqual(c.pendingCommandIds(), [msgId], 'a streamed response keeps the command open');
              assert.equal(c.sendResponse(msgId, { kind: 'proxy-done' }), true);
              assert.deepEqual(c.pendingCommandIds(), []);
            });
            const raw = request('INVITE', 'px-1');
            conn.sendSipMessage({ meta: sipMeta('network', raw), transactionId: 'inv-px', dialogId: '', receivedOn: { address: '127.0.0.1', port: 5060 }, raw });
          }, reject);
      });
      const r = await results;
      assert.deepEqual([r.connected, r.finalStatus], [true, 200]);
    });
  });

  describe('protection and protocol errors (raw socket)', () => {
    interface Raw { socket: Socket; send(text: string | Buffer): void; next(): Promise<string>; closed: Promise<void> }
    function raw(): Promise<Raw> {
      return new Promise((resolve) => {
        const socket = connect(port, '127.0.0.1');
        const decoder = new FrameDecoder();
        const queue: string[] = [];
        const waiters: Array<(m: string) => void> = [];
        socket.on('data', (d) => {
          for (const f of decoder.push(d).frames) {
            const w = waiters.shift();
            if (w) w(f);
            else queue.push(f);
          }
        });
        socket.on('error', () => undefined);
        const closed = new Promise<void>((r) => socket.on('close', () => r()));
        socket.on('connect', () => resolve({
          socket,
          send: (t) => socket.write(typeof t === 'string' ? encodeFrame(t) : t),
          next: () => new Promise((r) => { const m = queue.shift(); if (m !== undefined) r(m); else waiters.push(r); }),
          closed,
        }));
      });
    }
    const authed = async (): Promise<Raw> => {
      const c = await raw();
      c.send(`a1|authenticate|${SECRET}|`);
      assert.match(await c.next(), /\|response\|a1\|OK\|/);
      return c;
    };

    it('a command before authenticate gets NO|not authenticated and the connection is closed', async () => {
      await start();
      const c = await raw();
      c.send('x1|route|invite');
      assert.match(await c.next(), /\|response\|x1\|NO\|not authenticated$/);
      await c.closed;
    });

    it('ping after authenticate gets OK|pong; route is acknowledged with OK', async () => {
      await start();
      const c = await authed();
      c.send('p1|ping');
      assert.match(await c.next(), /\|response\|p1\|OK\|pong$/);
      c.send('r1|route|INVITE');
      assert.match(await c.next(), /\|response\|r1\|OK$/);
      assert.equal(server.appsRouting('invite').length, 1);
      c.send('r2|remove_route|invite');
      assert.match(await c.next(), /\|response\|r2\|OK$/);
      assert.equal(server.appsRouting('invite').length, 0);
      c.socket.destroy();
    });

    it('an oversize frame closes the connection without buffering it', async () => {
      await start({ maxFrameBytes: 1000 });
      const c = await authed();
      const errors: string[] = [];
      server.on('protocol-error', (_c, e) => errors.push(e.code));
      c.send(Buffer.from('5000#' + 'x'.repeat(100)));
      await c.closed;
      assert.deepEqual(errors, ['EOVERSIZE']);
    });

    it('a bad length prefix closes the connection', async () => {
      await start();
      const c = await authed();
      c.send(Buffer.from('GET / HTTP/1.1\r\n\r\n'));
      await c.closed;
    });

    it('an unknown message type gets NO|Unknown message type and closes; an unsupported sip command only gets NOK', async () => {
      await start();
      const c = await authed();
      server.on('sip-command', () => assert.fail('must not reach the engine'));
      c.send('u1|sip|t1|\r\nINFO sip:x@y SIP/2.0\r\n\r\n');
      const nok = parseServerMessage(await c.next());
      assert.ok(!(nok instanceof Error) && nok.type === 'response');
      assert.deepEqual([nok.replyTo, nok.status], ['u1', 'NOK']);
      c.send('u2|frobnicate|x');
      assert.match(await c.next(), /\|response\|u2\|NO\|Unknown message type$/);
      await c.closed;
    });

    it('a sip command with no engine listening is answered NOK instead of hanging', async () => {
      await start();
      const c = await authed();
      c.send(`s1|sip|||\r\n${request('OPTIONS', 'x')}`);
      assert.match(await c.next(), /\|response\|s1\|NOK\|sipd: no engine/);
      c.socket.destroy();
    });

    it('with idleTimeoutMs, an app that sends nothing is closed; traffic keeps it open', async () => {
      await start({ idleTimeoutMs: 150 });
      const c = await authed();
      for (let i = 0; i < 4; i++) {
        await sleep(60);
        c.send(`p${i}|ping`);
        assert.match(await c.next(), /OK\|pong$/);
      }
      const [, info] = await once<[AppConnection, { reason: string }]>((fn) => server.once('app-disconnected', fn));
      assert.equal(info.reason, 'idle timeout');
      await c.closed;
    });

    it('an app that never authenticates is closed after authTimeoutMs', async () => {
      await start({ authTimeoutMs: 100 });
      const c = await raw();
      const [, info] = await once<[AppConnection, { reason: string }]>((fn) => server.once('app-disconnected', fn));
      assert.equal(info.reason, 'authentication timeout');
      await c.closed;
    });

    it('a throwing engine listener does not break the server; it is reported on listenererror', async () => {
      await start();
      const reported: string[] = [];
      server.on('listenererror', (name) => reported.push(name));
      server.on('sip-command', () => { throw new Error('engine bug'); });
      const c = await authed();
      c.send(`s1|sip|||\r\n${request('OPTIONS', 'x')}`);
      c.send('p1|ping');
      assert.match(await c.next(), /\|response\|p1\|OK\|pong$/);
      assert.deepEqual(reported, ['sip-command']);
      c.socket.destroy();
    });

    it('beyond maxPendingCommands unanswered commands, new ones get NOK without reaching the engine', async () => {
      await start({ maxPendingCommands: 2 });
      let reached = 0;
      server.on('sip-command', () => { reached++; });
      const c = await authed();
      for (const id of ['s1', 's2', 's3']) c.send(`${id}|sip|||\r\n${request('OPTIONS', id)}`);
      assert.match(await c.next(), /\|response\|s3\|NOK\|sipd: more than 2 commands pending$/);
      assert.equal(reached, 2);
      c.socket.destroy();
    });

    it('close() disconnects every app with its unanswered commands listed', async () => {
      await start();
      const c = await authed();
      const pending = new Promise<string[]>((resolve) => server.on('app-disconnected', (_c, info) => resolve(info.pendingCommandIds)));
      server.on('sip-command', () => undefined); // the engine never answers
      c.send(`s9|sip|||\r\n${request('OPTIONS', 'x')}`);
      while ((server.connections()[0]?.pendingCommandIds().length ?? 0) === 0) await sleep(5);
      const conn = server.connections()[0] as AppConnection;
      await server.close();
      assert.deepEqual(await pending, ['s9']);
      assert.equal(conn.sendResponse('s9', { kind: 'failure', reason: 'late' }), false);
      await c.closed;
    });
  });
});
