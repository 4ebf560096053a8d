import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import tls from 'node:tls';
import { parseVia, SipResponse, type SipRequest } from '../../src/parser';
import { parseContact } from '../../src/transport/contact';
import { responseDestination } from '../../src/transport/response-routing';
import { TransportLayer } from '../../src/transport/transport-layer';
import type { ConnectionInfo } from '../../src/transport/transport';
import type { Endpoint, InboundMessage } from '../../src/transport/types';
import { makeSelfSignedCert, type TestCert } from './certs';
import { nextInbound, parse, sipRequest, withTimeout } from './support';

/** A TLS client collecting what it receives. */
class TlsPeer {
  data = '';
  closed: Promise<void>;
  constructor(readonly socket: tls.TLSSocket) {
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => void (this.data += d));
    socket.on('error', () => undefined);
    this.closed = new Promise((r) => socket.on('close', () => r()));
  }

  static async connect(to: Endpoint): Promise<TlsPeer> {
    const s = tls.connect({ host: to.address, port: to.port, rejectUnauthorized: false });
    await once(s, 'secureConnect');
    return new TlsPeer(s);
  }

  async waitFor(text: string, ms = 2000): Promise<string> {
    const end = Date.now() + ms;
    while (!this.data.includes(text)) {
      if (Date.now() > end) throw new Error(`timeout waiting for ${JSON.stringify(text)}; got ${JSON.stringify(this.data.slice(0, 200))}`);
      await new Promise((r) => setTimeout(r, 5));
    }
    return this.data;
  }
}

function ok(req: SipRequest): SipResponse {
  const res = new SipResponse(200, 'OK');
  for (const h of req.headers) if (['via', 'from', 'to', 'call-id', 'cseq'].includes(h.key)) res.headers.push({ ...h });
  res.set('content-length', '0');
  return res;
}

describe('TLS transport (RFC 3261 §26.2, sips: and transport=tls)', () => {
  let cert: TestCert;
  let tl: TransportLayer;
  let local: Endpoint;
  const peers: TlsPeer[] = [];

  before(() => {
    cert = makeSelfSignedCert();
  });
  after(() => cert.remove());

  beforeEach(async () => {
    tl = new TransportLayer({ contacts: ['sips:127.0.0.1:0;transport=tls'], tls: { key: cert.key, cert: cert.cert } });
    [local] = (await tl.listen()) as [Endpoint];
  });
  afterEach(async () => {
    for (const p of peers.splice(0)) p.socket.destroy();
    await tl.close();
  });

  async function connect(): Promise<TlsPeer> {
    const p = await TlsPeer.connect(local);
    peers.push(p);
    return p;
  }

  it('a sips: contact listens on TLS (default transport for sips:)', () => {
    assert.deepEqual(parseContact('sips:127.0.0.1:5061').protocols, ['tls']);
    assert.deepEqual(parseContact('sips:127.0.0.1:5061;transport=tls').protocols, ['tls']);
    assert.throws(() => parseContact('sips:127.0.0.1:5061;transport=tcp'), /sips/);
    assert.equal(local.protocol, 'tls');
    assert.ok(local.port > 0);
  });

  it('receives a request over TLS with protocol tls and its connection id, and answers on that connection', async () => {
    const p = await connect();
    const got = nextInbound(tl);
    p.socket.write(sipRequest({ via: 'SIP/2.0/TLS 127.0.0.1:5099;branch=z9hG4bKtls1' }));
    const m: InboundMessage = await got;
    assert.equal(m.source.protocol, 'tls');
    assert.match(m.connectionId ?? '', /^tls-/);
    const req = m.message as SipRequest;
    await tl.send(ok(req), responseDestination(parseVia(req.getAll('via')[0]!)!, m.source, m.connectionId, m.local));
    const data = await p.waitFor('SIP/2.0 200 OK');
    assert.match(data, /branch=z9hG4bKtls1/);
  });

  it('answers a CRLFCRLF keep-alive with CRLF (RFC 5626 §3.5.1) over TLS', async () => {
    const p = await connect();
    p.socket.write('\r\n\r\n');
    await p.waitFor('\r\n');
    assert.equal(p.data, '\r\n');
    assert.equal(tl.counters.keepalivePingsAnswered, 1);
  });

  it('a failed handshake (plain text on the TLS port) closes that socket alone, counted, other connections unaffected', async () => {
    const good = await connect();
    const raw = net.connect(local.port, local.address);
    raw.on('error', () => undefined);
    await once(raw, 'connect');
    raw.write(sipRequest({ via: 'SIP/2.0/TCP 127.0.0.1:5099;branch=z9hG4bKplain' }));
    await withTimeout(once(raw, 'close'), 3000, 'plain socket not closed');
    assert.equal(tl.counters.tlsHandshakeFailures, 1);
    assert.equal(tl.connectionCount(), 1);
    const got = nextInbound(tl);
    good.socket.write(sipRequest({ via: 'SIP/2.0/TLS 127.0.0.1:5099;branch=z9hG4bKstill' }));
    assert.equal((await got).source.protocol, 'tls');
  });

  it('sends requests over a new outbound TLS connection and reuses it', async () => {
    const server = tls.createServer({ key: cert.key, cert: cert.cert });
    const received: string[] = [];
    server.on('secureConnection', (s) => s.on('data', (d: Buffer) => received.push(d.toString())));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as net.AddressInfo).port;
    try {
      const req = parse(sipRequest({ via: `SIP/2.0/TLS 127.0.0.1:${local.port};branch=z9hG4bKout` })) as SipRequest;
      await tl.send(req, { protocol: 'tls', address: '127.0.0.1', port });
      await tl.send(req, { protocol: 'tls', address: '127.0.0.1', port });
      const end = Date.now() + 2000;
      while (received.join('').split('OPTIONS sip:').length < 3 && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
      assert.equal(received.join('').split('OPTIONS sip:').length - 1, 2);
      assert.equal(tl.connectionCount(), 1);
    } finally {
      await tl.close();
      await new Promise((r) => server.close(r));
    }
  });

  it('a client that vanishes emits connection-closed and leaves no connection behind', async () => {
    const p = await connect();
    p.socket.write('\r\n\r\n');
    await p.waitFor('\r\n');
    const closed = new Promise<ConnectionInfo>((r) => tl.once('connection-closed', r));
    p.socket.destroy();
    const info = await withTimeout(closed, 2000, 'no connection-closed');
    assert.equal(info.remote.protocol, 'tls');
    assert.equal(tl.connectionCount(), 0);
    assert.equal(tl.counters.connectionsOpen, 0);
  });
});
