import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { parseVia, SipResponse, type SipRequest } from '../../src/parser';
import { responseDestination } from '../../src/transport/response-routing';
import { TransportLayer, type TransportLayerOptions } from '../../src/transport/transport-layer';
import type { Endpoint, InboundMessage } from '../../src/transport/types';
import { nextInbound, parse, sipRequest, TcpPeer, TcpServerPeer } from './support';

function ok(req: SipRequest): SipResponse {
  const res = new SipResponse(200, 'OK');
  for (const h of req.headers) if (['via', 'from', 'to', 'call-id', 'cseq'].includes(h.key)) res.headers.push({ ...h });
  return res;
}

function respondTo(tl: TransportLayer, m: InboundMessage): Promise<void> {
  const req = m.message as SipRequest;
  return tl.send(ok(req), responseDestination(parseVia(req.getAll('via')[0]!)!, m.source, m.connectionId, m.local));
}

async function freePort(): Promise<number> {
  const s = net.createServer().listen(0, '127.0.0.1');
  await once(s, 'listening');
  const a = s.address();
  await new Promise((r) => s.close(r));
  return typeof a === 'object' && a !== null ? a.port : 0;
}

describe('TransportLayer over TCP (RFC 3261 §18, §18.3)', () => {
  let tl: TransportLayer;
  let tcp: Endpoint;
  const peers: TcpPeer[] = [];
  let server: TcpServerPeer | undefined;

  async function start(extra: Partial<TransportLayerOptions> = {}): Promise<void> {
    tl = new TransportLayer({ contacts: ['sip:127.0.0.1:0;transport=tcp'], ...extra });
    [tcp] = (await tl.listen()) as [Endpoint];
  }
  async function connect(): Promise<TcpPeer> {
    const p = await TcpPeer.connect(tcp);
    peers.push(p);
    return p;
  }

  afterEach(async () => {
    for (const p of peers.splice(0)) p.destroy();
    await server?.close();
    server = undefined;
    await tl.close();
  });

  describe('inbound', () => {
    beforeEach(() => start());

    it('emits framed messages with the connection id and remote endpoint', async () => {
      const p = await connect();
      const got = nextInbound(tl);
      p.write(sipRequest({ via: 'SIP/2.0/TCP 127.0.0.1:5070;branch=z9hG4bKt1', body: 'abc' }));
      const m = await got;
      assert.equal(m.source.protocol, 'tcp');
      assert.equal(m.source.port, p.socket.localPort);
      assert.ok(m.connectionId?.startsWith('tcp-'));
      assert.equal(m.message.body.toString(), 'abc');
      assert.equal(tl.counters.messagesIn.tcp, 1);
      assert.equal(tl.counters.connectionsOpen, 1);
    });

    it('two messages in one segment are both delivered', async () => {
      const p = await connect();
      const seen: InboundMessage[] = [];
      tl.on('message', (m) => seen.push(m));
      p.write(sipRequest({ via: 'SIP/2.0/TCP h;branch=z9hG4bKa' }) + sipRequest({ via: 'SIP/2.0/TCP h;branch=z9hG4bKb' }));
      while (seen.length < 2) await new Promise((r) => setTimeout(r, 5));
      assert.deepEqual(seen.map((m) => parseVia(m.message.getAll('via')[0]!)!.params.get('branch')), ['z9hG4bKa', 'z9hG4bKb']);
    });

    it('a CRLFCRLF ping is answered with a CRLF pong (RFC 5626 §3.5.1)', async () => {
      const p = await connect();
      p.write('\r\n\r\n');
      await p.waitFor('\r\n');
      assert.equal(p.data, '\r\n');
      assert.equal(tl.counters.keepalivePingsAnswered, 1);
    });

    it('a message without Content-Length gets a 400 and the connection is closed (§18.3)', async () => {
      const p = await connect();
      p.write(sipRequest({ via: 'SIP/2.0/TCP 127.0.0.1:5070;branch=z9hG4bKnocl', contentLength: false }));
      await p.waitClosed();
      const res = parse(p.data);
      assert.equal(res.kind === 'response' && res.status, 400);
      assert.match(res.kind === 'response' ? res.reason : '', /Content-Length/);
    });

    it('an oversize message closes that connection only, with no reply', async () => {
      await tl.close();
      await start({ tcp: { maxMessageSize: 1024 } });
      const bad = await connect();
      const good = await connect();
      bad.write(sipRequest({ via: 'SIP/2.0/TCP h;branch=z9hG4bKbig', body: 'x'.repeat(2000) }));
      await bad.waitClosed();
      assert.equal(bad.data, '');
      assert.equal(tl.counters.framingErrors, 1);
      const got = nextInbound(tl);
      good.write(sipRequest({ via: 'SIP/2.0/TCP h;branch=z9hG4bKok' }));
      assert.equal((await got).message.kind, 'request');
    });

    it('connections beyond maxConnections are refused', async () => {
      await tl.close();
      await start({ tcp: { maxConnections: 1 } });
      await connect();
      const second = await connect();
      await second.waitClosed();
      assert.equal(tl.counters.connectionsRejected, 1);
      assert.equal(tl.connectionCount(), 1);
    });

    it('an idle connection is closed after idleTimeout, and connection-closed is emitted', async () => {
      await tl.close();
      await start({ tcp: { idleTimeout: 100 } });
      const closed: string[] = [];
      tl.on('connection-closed', (info) => closed.push(`${info.inbound}:${info.remote.port}`));
      const p = await connect();
      const port = p.socket.localPort;
      await p.waitClosed(1000);
      await new Promise((r) => setTimeout(r, 20));
      assert.deepEqual(closed, [`true:${port}`]);
      assert.equal(tl.counters.connectionsIdleClosed, 1);
      assert.equal(tl.counters.connectionsOpen, 0);
      assert.equal(tl.connectionCount(), 0);
    });
  });

  describe('sending responses (§18.2.2)', () => {
    beforeEach(() => start());

    it('the response goes back on the connection the request came on', async () => {
      const p = await connect();
      const got = nextInbound(tl);
      p.write(sipRequest({ via: 'SIP/2.0/TCP 127.0.0.1:5999;branch=z9hG4bKr1' }));
      await respondTo(tl, await got);
      await p.waitFor('SIP/2.0 200 OK');
      assert.equal(tl.connectionCount(), 1, 'no new connection');
    });

    it('when that connection has closed, a new one is opened to received/sent-by port', async () => {
      server = await TcpServerPeer.create();
      const p = await connect();
      const got = nextInbound(tl);
      p.write(sipRequest({ via: `SIP/2.0/TCP 127.0.0.1:${server.port};branch=z9hG4bKr2` }));
      const m = await got;
      p.destroy();
      while (tl.isConnectionOpen(m.connectionId!)) await new Promise((r) => setTimeout(r, 5));
      await respondTo(tl, m);
      await server.waitForConnections(1);
      await server.conns[0]!.waitFor('SIP/2.0 200 OK');
    });
  });

  describe('connection closed', () => {
    beforeEach(() => start());

    it('a response whose connection closed and whose sent-by refuses → the send rejects (ECONNREFUSED)', async () => {
      const port = await freePort();
      const p = await connect();
      const got = nextInbound(tl);
      p.write(sipRequest({ via: `SIP/2.0/TCP 127.0.0.1:${port};branch=z9hG4bKgone` }));
      const m = await got;
      p.destroy();
      while (tl.isConnectionOpen(m.connectionId!)) await new Promise((r) => setTimeout(r, 5));
      await assert.rejects(respondTo(tl, m), { name: 'TransportError', code: 'ECONNREFUSED' });
      assert.equal(tl.counters.sendErrors, 1);
    });

    it('after the peer closes a connection it leaves the table and the next send opens a new one', async () => {
      server = await TcpServerPeer.create();
      const dest = { protocol: 'tcp' as const, address: '127.0.0.1', port: server.port };
      await tl.send(parse(sipRequest({ via: 'SIP/2.0/TCP h;branch=z9hG4bKw1' })), dest);
      await server.waitForConnections(1);
      server.conns[0]!.destroy();
      while (tl.connectionCount() > 0) await new Promise((r) => setTimeout(r, 5));
      await tl.send(parse(sipRequest({ via: 'SIP/2.0/TCP h;branch=z9hG4bKw2' })), dest);
      await server.waitForConnections(2);
      await server.conns[1]!.waitFor('z9hG4bKw2');
    });
  });

  describe('sending requests', () => {
    beforeEach(() => start());

    it('opens one connection and reuses it for the next request to the same destination', async () => {
      server = await TcpServerPeer.create();
      const dest = { protocol: 'tcp' as const, address: '127.0.0.1', port: server.port };
      await tl.send(parse(sipRequest({ via: `SIP/2.0/TCP 127.0.0.1:${tcp.port};branch=z9hG4bKq1` })), dest);
      await tl.send(parse(sipRequest({ via: `SIP/2.0/TCP 127.0.0.1:${tcp.port};branch=z9hG4bKq2` })), dest);
      await server.waitForConnections(1);
      await server.conns[0]!.waitFor('z9hG4bKq2');
      assert.equal(server.conns.length, 1);
      assert.equal(tl.counters.connectionsConnected, 1);
    });

    it('concurrent sends to a new destination share one connection attempt', async () => {
      server = await TcpServerPeer.create();
      const dest = { protocol: 'tcp' as const, address: '127.0.0.1', port: server.port };
      await Promise.all([1, 2, 3].map((i) => tl.send(parse(sipRequest({ via: `SIP/2.0/TCP h;branch=z9hG4bKc${i}` })), dest)));
      await server.waitForConnections(1);
      await new Promise((r) => setTimeout(r, 30));
      assert.equal(server.conns.length, 1);
    });

    it('responses arriving on our outbound connection are delivered with its connection id', async () => {
      server = await TcpServerPeer.create();
      const dest = { protocol: 'tcp' as const, address: '127.0.0.1', port: server.port };
      await tl.send(parse(sipRequest({ via: `SIP/2.0/TCP 127.0.0.1:${tcp.port};branch=z9hG4bKo1` })), dest);
      await server.waitForConnections(1);
      const got = nextInbound(tl);
      server.conns[0]!.write(`SIP/2.0 200 OK\r\nVia: SIP/2.0/TCP 127.0.0.1:${tcp.port};branch=z9hG4bKo1\r\nFrom: <sip:a@h>;tag=1\r\nTo: <sip:b@h>;tag=2\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n`);
      const m = await got;
      assert.equal(m.message.kind, 'response');
      assert.ok(m.connectionId !== undefined && tl.isConnectionOpen(m.connectionId));
    });

    it('RFC 5923 alias: requests to the sent-by of a peer that sent ;alias reuse its connection', async () => {
      const port = await freePort();
      const p = await connect();
      const got = nextInbound(tl);
      p.write(sipRequest({ method: 'REGISTER', via: `SIP/2.0/TCP 127.0.0.1:${port};alias;branch=z9hG4bKal` }));
      await got;
      await tl.send(parse(sipRequest({ via: `SIP/2.0/TCP 127.0.0.1:${tcp.port};branch=z9hG4bKtoal` })), { protocol: 'tcp', address: '127.0.0.1', port });
      await p.waitFor('z9hG4bKtoal');
      assert.equal(tl.connectionCount(), 1);
    });

    it('connection refused → the send rejects with ECONNREFUSED', async () => {
      const port = await freePort();
      await assert.rejects(
        tl.send(parse(sipRequest({ via: 'SIP/2.0/TCP h;branch=z9hG4bKx' })), { protocol: 'tcp', address: '127.0.0.1', port }),
        { name: 'TransportError', code: 'ECONNREFUSED' },
      );
    });

    it('a send over a connection id that is gone falls back to address:port', async () => {
      server = await TcpServerPeer.create();
      await tl.send(parse(sipRequest({ via: 'SIP/2.0/TCP h;branch=z9hG4bKg' })), { protocol: 'tcp', address: '127.0.0.1', port: server.port, connectionId: 'tcp-does-not-exist' });
      await server.waitForConnections(1);
    });
  });

  describe('IPv6', () => {
    it('accepts a connection on [::1] and answers on it', async () => {
      tl = new TransportLayer({ contacts: ['sip:[::1]:0;transport=tcp'] });
      [tcp] = (await tl.listen()) as [Endpoint];
      const p = await connect();
      const got = nextInbound(tl);
      p.write(sipRequest({ via: 'SIP/2.0/TCP [::1]:5999;branch=z9hG4bK6' }));
      const m = await got;
      assert.equal(m.source.address, '::1');
      await respondTo(tl, m);
      await p.waitFor('SIP/2.0 200 OK');
    });
  });

  describe('close()', () => {
    it('closes the listener and every connection, then resolves; later sends reject ECLOSED', async () => {
      await start();
      const p = await connect();
      await tl.close();
      await p.waitClosed();
      await assert.rejects(TcpPeer.connect(tcp));
      await assert.rejects(tl.send(parse(sipRequest({ via: 'SIP/2.0/TCP h;branch=z9hG4bKz' })), { protocol: 'tcp', address: '127.0.0.1', port: 1 }), { code: 'ECLOSED' });
      assert.equal(tl.counters.connectionsOpen, 0);
    });
  });
});
