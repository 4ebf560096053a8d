import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import { WebSocket } from 'ws';
import { parseVia, SipResponse, type SipRequest } from '../../src/parser';
import { classifyWsFrame } from '../../src/transport/ws-framing';
import { responseDestination } from '../../src/transport/response-routing';
import { TransportLayer, type TransportLayerOptions } from '../../src/transport/transport-layer';
import type { ConnectionInfo } from '../../src/transport/transport';
import type { Endpoint, InboundMessage } from '../../src/transport/types';
import { TransportError } from '../../src/transport/errors';
import { makeSelfSignedCert, type TestCert } from './certs';
import { nextInbound, parse, silence, sipRequest, withTimeout } from './support';

/** A SIP-over-WebSocket client (the `ws` package) collecting text messages. */
class WsPeer {
  readonly messages: string[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  pongs = 0;
  constructor(readonly ws: WebSocket) {
    ws.on('message', (d: Buffer) => this.messages.push(d.toString()));
    ws.on('pong', () => void this.pongs++);
    ws.on('error', () => undefined);
    this.closed = new Promise((r) => ws.on('close', (code: number, reason: Buffer) => r({ code, reason: reason.toString() })));
  }

  static async open(url: string, protocols: string | string[] = 'sip'): Promise<WsPeer> {
    const ws = new WebSocket(url, protocols, { rejectUnauthorized: false });
    const peer = new WsPeer(ws);
    await withTimeout(once(ws, 'open'), 2000, 'websocket not open');
    return peer;
  }

  async next(ms = 2000): Promise<string> {
    const end = Date.now() + ms;
    while (this.messages.length === 0) {
      if (Date.now() > end) throw new Error('timeout: no websocket message');
      await new Promise((r) => setTimeout(r, 5));
    }
    return this.messages.shift()!;
  }
}

function ok(req: SipRequest): SipResponse {
  const res = new SipResponse(200, 'OK');
  for (const h of req.headers) if (['via', 'from', 'to', 'call-id', 'cseq'].includes(h.key)) res.headers.push({ ...h });
  res.set('content-length', '0');
  return res;
}

function respondTo(tl: TransportLayer, m: InboundMessage): Promise<void> {
  const req = m.message as SipRequest;
  return tl.send(ok(req), responseDestination(parseVia(req.getAll('via')[0]!)!, m.source, m.connectionId, m.local));
}

/** An HTTP upgrade by hand, to see the server's raw answer. */
function rawUpgrade(port: number, protocol: string | undefined): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1', port, path: '/',
      headers: {
        Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
        ...(protocol !== undefined ? { 'Sec-WebSocket-Protocol': protocol } : {}),
      },
    });
    req.on('upgrade', (res, socket) => { socket.destroy(); resolve(res.statusCode ?? 0); });
    req.on('response', (res) => { res.resume(); resolve(res.statusCode ?? 0); });
    req.on('error', reject);
    req.end();
  });
}

const INVALID_VIA = 'SIP/2.0/WS df7jal23ls0d.invalid;branch=z9hG4bKws1';

describe('RFC 7118 framing: one SIP message per WebSocket message', () => {
  const one = sipRequest({ via: INVALID_VIA, body: 'hello' });

  it('a complete message is one message', () => {
    assert.deepEqual(classifyWsFrame(Buffer.from(one)), { type: 'message' });
  });
  it('a message without Content-Length takes the rest of the WebSocket message as body', () => {
    assert.deepEqual(classifyWsFrame(Buffer.from(sipRequest({ via: INVALID_VIA, body: 'x', contentLength: false }))), { type: 'message' });
  });
  it('two messages in one WebSocket message are refused', () => {
    assert.deepEqual(classifyWsFrame(Buffer.from(one + one)), { type: 'error', reason: 'several-messages' });
  });
  it('a partial message (body shorter than Content-Length, or no header end) is refused', () => {
    assert.deepEqual(classifyWsFrame(Buffer.from(one.slice(0, -2))), { type: 'error', reason: 'partial-message' });
    assert.deepEqual(classifyWsFrame(Buffer.from(one.slice(0, 40))), { type: 'error', reason: 'partial-message' });
  });
  it('CRLFCRLF is a keep-alive ping, CRLF a pong (RFC 5626 §3.5.1)', () => {
    assert.deepEqual(classifyWsFrame(Buffer.from('\r\n\r\n')), { type: 'ping' });
    assert.deepEqual(classifyWsFrame(Buffer.from('\r\n')), { type: 'pong' });
  });
});

for (const protocol of ['ws', 'wss'] as const) {
  describe(`${protocol.toUpperCase()} transport (RFC 7118)`, () => {
    let cert: TestCert;
    let tl: TransportLayer;
    let local: Endpoint;
    let url: string;
    const peers: WsPeer[] = [];

    before(() => {
      cert = makeSelfSignedCert();
    });
    after(() => cert.remove());

    async function start(extra: Partial<TransportLayerOptions> = {}): Promise<void> {
      const contact = protocol === 'ws' ? 'sip:127.0.0.1:0;transport=ws' : 'sips:127.0.0.1:0;transport=wss';
      tl = new TransportLayer({ contacts: [contact], tls: { key: cert.key, cert: cert.cert }, ...extra });
      [local] = (await tl.listen()) as [Endpoint];
      url = `${protocol}://127.0.0.1:${local.port}/`;
    }
    async function open(protocols: string | string[] = 'sip'): Promise<WsPeer> {
      const p = await WsPeer.open(url, protocols);
      peers.push(p);
      return p;
    }

    afterEach(async () => {
      for (const p of peers.splice(0)) p.ws.terminate();
      await tl.close();
    });

    describe('handshake', () => {
      beforeEach(() => start());

      it('accepts the "sip" subprotocol and selects it', async () => {
        const p = await open(['foo', 'sip']);
        assert.equal(p.ws.protocol, 'sip');
        assert.equal(tl.connectionCount(), 1);
      });

      it('refuses an upgrade without the "sip" subprotocol (§4.1), counted, nothing opened', async () => {
        if (protocol === 'ws') {
          assert.equal(await rawUpgrade(local.port, 'chat'), 400);
          assert.equal(await rawUpgrade(local.port, undefined), 400);
        }
        await assert.rejects(WsPeer.open(url, 'chat'));
        assert.ok(tl.counters.wsUpgradesRefused >= 1);
        assert.equal(tl.connectionCount(), 0);
      });
    });

    describe('messages', () => {
      beforeEach(() => start());

      it(`receives a request with protocol ${protocol}, received added to a .invalid Via, and answers on the same WebSocket`, async () => {
        const p = await open();
        const got = nextInbound(tl);
        p.ws.send(sipRequest({ via: INVALID_VIA.replace('/WS ', `/${protocol.toUpperCase()} `), extra: 'Contact: <sip:u1@df7jal23ls0d.invalid;transport=ws>\r\n' }));
        const m = await got;
        assert.equal(m.source.protocol, protocol);
        assert.match(m.connectionId ?? '', new RegExp(`^${protocol}-`));
        const via = parseVia((m.message as SipRequest).getAll('via')[0]!)!;
        assert.equal(via.params.get('received'), '127.0.0.1');
        await respondTo(tl, m);
        const res = parse(await p.next());
        assert.equal(res.kind, 'response');
        assert.match(res.getAll('via')[0]!, /df7jal23ls0d\.invalid/);
      });

      it('several SIP messages in one WebSocket message fail that flow alone (closed, counted), others unaffected', async () => {
        const bad = await open();
        const good = await open();
        const one = sipRequest({ via: INVALID_VIA });
        bad.ws.send(one + one);
        const { code } = await withTimeout(bad.closed, 3000, 'flow not closed');
        assert.equal(code, 1007);
        assert.equal(tl.counters.wsFramingErrors, 1);
        assert.ok(await silence(tl, 50));
        const got = nextInbound(tl);
        good.ws.send(one);
        assert.equal((await got).source.protocol, protocol);
      });

      it('a partial SIP message in a WebSocket message fails the flow', async () => {
        const p = await open();
        p.ws.send(sipRequest({ via: INVALID_VIA, body: 'abcdef' }).slice(0, -3));
        await withTimeout(p.closed, 3000, 'flow not closed');
        assert.equal(tl.counters.wsFramingErrors, 1);
      });

      it('a CRLFCRLF keep-alive message is answered with CRLF', async () => {
        const p = await open();
        p.ws.send('\r\n\r\n');
        assert.equal(await p.next(), '\r\n');
      });

      it('a WebSocket ping frame is answered with a pong', async () => {
        const p = await open();
        p.ws.ping();
        const end = Date.now() + 2000;
        while (p.pongs === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
        assert.equal(p.pongs, 1);
      });

      it('requests to the client go over its connection (by connection id and by source address:port)', async () => {
        const p = await open();
        const got = nextInbound(tl);
        p.ws.send(sipRequest({ via: INVALID_VIA }));
        const m = await got;
        const req = parse(sipRequest({ method: 'MESSAGE', via: `SIP/2.0/${protocol.toUpperCase()} 127.0.0.1:${local.port};branch=z9hG4bKsrv1`, body: 'hi', extra: 'Content-Type: text/plain\r\n' }));
        await tl.send(req, { protocol, address: m.source.address, port: m.source.port, connectionId: m.connectionId! });
        assert.match(await p.next(), /^MESSAGE /);
        await tl.send(req, { protocol, address: m.source.address, port: m.source.port });
        assert.match(await p.next(), /^MESSAGE /);
      });

      it('sending to a client with no open connection fails at once with ENOFLOW (no outbound WebSocket)', async () => {
        const req = parse(sipRequest({ method: 'MESSAGE', via: `SIP/2.0/${protocol.toUpperCase()} 127.0.0.1:${local.port};branch=z9hG4bKsrv2` }));
        await assert.rejects(tl.send(req, { protocol, address: '127.0.0.1', port: 9 }), (err: unknown) => err instanceof TransportError && err.code === 'ENOFLOW');
      });

      it('a client that vanishes: connection-closed is emitted and the connection leaves the table', async () => {
        const p = await open();
        const closed = new Promise<ConnectionInfo>((r) => tl.once('connection-closed', r));
        p.ws.terminate();
        const info = await withTimeout(closed, 2000, 'no connection-closed');
        assert.equal(info.remote.protocol, protocol);
        assert.equal(tl.connectionCount(), 0);
        assert.equal(tl.counters.connectionsOpen, 0);
      });

      it('a plain HTTP request gets 426 Upgrade Required', async () => {
        if (protocol === 'wss') return; // same code path behind TLS
        const status = await new Promise<number>((resolve, reject) => {
          http.get({ host: '127.0.0.1', port: local.port, path: '/' }, (res) => { res.resume(); resolve(res.statusCode ?? 0); }).on('error', reject);
        });
        assert.equal(status, 426);
      });
    });

    describe('keep-alive', () => {
      it('a peer that stops answering our pings is dropped', async () => {
        await start({ ws: { pingInterval: 100 } });
        const p = await open();
        // Stop the client from auto-answering pings: replace its socket's pong with nothing.
        (p.ws as unknown as { pong: () => void }).pong = () => undefined;
        const gone = new Promise<ConnectionInfo>((r) => tl.once('connection-closed', r));
        await withTimeout(p.closed, 3000, 'silent peer not dropped');
        await withTimeout(gone, 2000, 'no connection-closed');
        assert.equal(tl.counters.wsPingTimeouts, 1);
        assert.equal(tl.connectionCount(), 0);
      });
    });
  });
}
