import assert from 'node:assert/strict';
import { parseVia, SipResponse, type SipRequest } from '../../src/parser';
import { responseDestination } from '../../src/transport/response-routing';
import { TransportLayer } from '../../src/transport/transport-layer';
import { lookupAddress } from '../../src/transport/udp-transport';
import type { Endpoint } from '../../src/transport/types';
import { nextInbound, parse, silence, sipRequest, sipResponse, UdpPeer } from './support';

function ok(req: SipRequest): SipResponse {
  const res = new SipResponse(200, 'OK');
  for (const h of req.headers) if (['via', 'from', 'to', 'call-id', 'cseq'].includes(h.key)) res.headers.push({ ...h });
  return res;
}

describe('TransportLayer over UDP (RFC 3261 §18, RFC 3581)', () => {
  let tl: TransportLayer;
  let udp: Endpoint;
  let peer: UdpPeer;

  beforeEach(async () => {
    tl = new TransportLayer({ contacts: ['sip:127.0.0.1:0;transport=udp,tcp'] });
    const eps = await tl.listen();
    udp = eps.find((e) => e.protocol === 'udp')!;
    peer = await UdpPeer.create();
  });
  afterEach(async () => {
    peer.close();
    await tl.close();
  });

  describe('listening', () => {
    it('one contact with transport=udp,tcp gives UDP and TCP listeners on the same host:port', () => {
      const eps = tl.localEndpoints();
      assert.deepEqual(eps.map((e) => e.protocol).sort(), ['tcp', 'udp']);
      assert.equal(eps[0]!.port, eps[1]!.port);
      assert.notEqual(eps[0]!.port, 0);
    });

    it('sets the socket receive buffer explicitly (4 MiB requested)', () => {
      const [sizes] = tl.udpBufferSizes();
      assert.ok(sizes !== undefined && sizes.recv >= 4 * 1024 * 1024, `recv buffer ${sizes?.recv}`);
    });
  });

  describe('inbound requests (§18.2.1)', () => {
    it('emits the parsed request with source, local and counts the datagram', async () => {
      const got = nextInbound(tl);
      peer.send(sipRequest({ via: `SIP/2.0/UDP 127.0.0.1:${peer.port};branch=z9hG4bKu1` }), udp);
      const m = await got;
      assert.equal(m.message.kind, 'request');
      assert.deepEqual(m.source, { protocol: 'udp', address: '127.0.0.1', port: peer.port });
      assert.equal(m.local.port, udp.port);
      assert.equal(m.connectionId, undefined);
      assert.equal(tl.counters.datagramsIn, 1);
      assert.equal(tl.counters.messagesIn.udp, 1);
    });

    it('adds received when the sent-by host differs from the source address', async () => {
      const got = nextInbound(tl);
      peer.send(sipRequest({ via: 'SIP/2.0/UDP 10.1.2.3:5070;branch=z9hG4bKu2' }), udp);
      const via = parseVia((await got).message.getAll('via')[0]!)!;
      assert.equal(via.params.get('received'), '127.0.0.1');
      assert.equal(via.params.has('rport'), false);
    });

    it('leaves the Via alone when sent-by is the source address and there is no rport', async () => {
      const got = nextInbound(tl);
      const v = `SIP/2.0/UDP 127.0.0.1:${peer.port};branch=z9hG4bKu3`;
      peer.send(sipRequest({ via: v }), udp);
      assert.equal((await got).message.getAll('via')[0], v);
    });

    it('fills an empty rport with the source port and adds received (RFC 3581 §4)', async () => {
      const got = nextInbound(tl);
      peer.send(sipRequest({ via: `SIP/2.0/UDP 127.0.0.1:5999;rport;branch=z9hG4bKu4` }), udp);
      const via = parseVia((await got).message.getAll('via')[0]!)!;
      assert.equal(via.params.get('rport'), String(peer.port));
      assert.equal(via.params.get('received'), '127.0.0.1');
    });

    it('an unparseable request with readable headers is answered 400 statelessly', async () => {
      peer.send(sipRequest({ via: `SIP/2.0/UDP 127.0.0.1:${peer.port};branch=z9hG4bKu5`, extra: 'Content-Length: nope\r\n', contentLength: false }), udp);
      const res = parse(await peer.next());
      assert.equal(res.kind, 'response');
      assert.equal(res.kind === 'response' && res.status, 400);
      assert.equal(tl.counters.parseErrors, 1);
      assert.equal(tl.counters.badRequestsSent, 1);
    });

    it('a throwing message listener neither stops other listeners nor the transport', async () => {
      tl.on('message', () => {
        throw new Error('listener bug');
      });
      const got = nextInbound(tl);
      peer.send(sipRequest({ via: `SIP/2.0/UDP 127.0.0.1:${peer.port};branch=z9hG4bKthrow` }), udp);
      assert.equal((await got).message.kind, 'request');
      const again = nextInbound(tl);
      peer.send(sipRequest({ via: `SIP/2.0/UDP 127.0.0.1:${peer.port};branch=z9hG4bKthrow2` }), udp);
      assert.equal((await again).message.kind, 'request');
      assert.equal(tl.listenerCount('message'), 1, 'once-listeners were removed');
    });

    it('a request without Via is dropped (nothing emitted, nothing sent)', async () => {
      const quiet = silence(tl);
      peer.send('OPTIONS sip:bob@127.0.0.1 SIP/2.0\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n', udp);
      assert.equal(await quiet, true);
      await assert.rejects(peer.next(100));
      assert.equal(tl.counters.parseErrors, 1);
    });
  });

  describe('inbound responses (§18.1.2)', () => {
    it('a response whose top Via sent-by is ours is emitted', async () => {
      const got = nextInbound(tl);
      peer.send(sipResponse(`SIP/2.0/UDP 127.0.0.1:${udp.port};branch=z9hG4bKr1`), udp);
      assert.equal((await got).message.kind, 'response');
    });

    it('a response whose top Via sent-by is not ours MUST be silently discarded', async () => {
      const quiet = silence(tl);
      peer.send(sipResponse('SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKr2'), udp);
      assert.equal(await quiet, true);
      assert.equal(tl.counters.responsesDropped, 1);
    });

    it('the "is this us" check is injectable', async () => {
      const custom = new TransportLayer({ contacts: ['sip:127.0.0.1:0;transport=udp'], isLocalSentBy: (via) => via.host === 'sbc.example.com' });
      const [ep] = await custom.listen();
      try {
        const got = nextInbound(custom);
        peer.send(sipResponse('SIP/2.0/UDP sbc.example.com;branch=z9hG4bKr3'), ep!);
        assert.equal((await got).message.kind, 'response');
      } finally {
        await custom.close();
      }
    });
  });

  describe('sending responses (§18.2.2)', () => {
    it('with rport: to the received address and the rport port, whatever sent-by says', async () => {
      const got = nextInbound(tl);
      peer.send(sipRequest({ via: 'SIP/2.0/UDP 10.9.9.9:7777;rport;branch=z9hG4bKs1' }), udp);
      const m = await got;
      const req = m.message as SipRequest;
      await tl.send(ok(req), responseDestination(parseVia(req.getAll('via')[0]!)!, m.source, m.connectionId, m.local));
      const res = parse(await peer.next());
      assert.equal(res.kind === 'response' && res.status, 200);
      assert.equal(tl.counters.messagesOut.udp, 1);
    });

    it('without rport: to the sent-by host and port (not the source port)', async () => {
      const other = await UdpPeer.create();
      try {
        const got = nextInbound(tl);
        peer.send(sipRequest({ via: `SIP/2.0/UDP 127.0.0.1:${other.port};branch=z9hG4bKs2` }), udp);
        const m = await got;
        const req = m.message as SipRequest;
        await tl.send(ok(req), responseDestination(parseVia(req.getAll('via')[0]!)!, m.source, m.connectionId, m.local));
        assert.equal(parse(await other.next()).kind, 'response');
        await assert.rejects(peer.next(100));
      } finally {
        other.close();
      }
    });
  });

  describe('several listeners', () => {
    it('a response leaves through the listener the request arrived on (dest.local)', async () => {
      const multi = new TransportLayer({ contacts: ['sip:127.0.0.1:0;transport=udp', 'sip:127.0.0.1:0;transport=udp'] });
      const [, second] = await multi.listen();
      try {
        const got = nextInbound(multi);
        peer.send(sipRequest({ via: `SIP/2.0/UDP 127.0.0.1:${peer.port};branch=z9hG4bKm1` }), second!);
        const m = await got;
        const req = m.message as SipRequest;
        const from = new Promise<number>((resolve) => peer.socket.once('message', (_b, rinfo) => resolve(rinfo.port)));
        await multi.send(ok(req), responseDestination(parseVia(req.getAll('via')[0]!)!, m.source, m.connectionId, m.local));
        assert.equal(await from, second!.port);
      } finally {
        await multi.close();
      }
    });
  });

  describe('sending requests', () => {
    it('a datagram over 65507 bytes is refused with ETOOLARGE', async () => {
      const big = parse(sipRequest({ via: 'SIP/2.0/UDP 127.0.0.1;branch=z9hG4bKbig' }));
      big.body = Buffer.alloc(70000, 0x78);
      await assert.rejects(tl.send(big, { protocol: 'udp', address: '127.0.0.1', port: peer.port }), { name: 'TransportError', code: 'ETOOLARGE' });
      assert.equal(tl.counters.sendErrors, 1);
    });

    it('a destination that is an IP address is resolved at once (the send is not put off a tick)', () => {
      const got: Array<[string, number]> = [];
      lookupAddress('127.0.0.1', 4, (err, address, family) => { assert.equal(err, null); got.push([address, family]); });
      lookupAddress('::1', 6, (err, address, family) => { assert.equal(err, null); got.push([address, family]); });
      assert.deepEqual(got, [['127.0.0.1', 4], ['::1', 6]]);
    });

    it('a destination that is a name is still resolved through DNS', async () => {
      let returned = false;
      let answeredBeforeReturn = false;
      const resolved = new Promise<[string, number]>((resolve, reject) => {
        lookupAddress('localhost', 4, (err, address, family) => {
          answeredBeforeReturn = !returned;
          if (err) reject(err);
          else resolve([address, family]);
        });
      });
      returned = true;
      const [address, family] = await resolved;
      assert.equal(answeredBeforeReturn, false);
      assert.equal(family, 4);
      assert.match(address, /^127\./);
    });

    it('a response to an IPv4 address reaches the peer', async () => {
      const req = parse(sipRequest({ via: `SIP/2.0/UDP 127.0.0.1:${peer.port};branch=z9hG4bKlk1` })) as SipRequest;
      await tl.send(ok(req), { protocol: 'udp', address: '127.0.0.1', port: peer.port });
      const got = await peer.next();
      assert.match(got.toString('latin1'), /^SIP\/2\.0 200 OK\r\n/);
    });

    it('post(): the datagram is sent and counted, nothing is reported', async () => {
      const req = parse(sipRequest({ via: `SIP/2.0/UDP 127.0.0.1:${peer.port};branch=z9hG4bKpost1` })) as SipRequest;
      const failures: string[] = [];
      tl.post(ok(req), { protocol: 'udp', address: '127.0.0.1', port: peer.port }, undefined, { sendFailed: (e) => failures.push(e.code) });
      const got = await peer.next();
      assert.match(got.toString('latin1'), /^SIP\/2\.0 200 OK\r\n/);
      assert.deepEqual(failures, []);
      assert.equal(tl.counters.messagesOut.udp, 1);
      assert.equal(tl.counters.datagramsOut, 1);
    });

    it('post(): a refused datagram is reported to the listener on a later tick, with the code send() rejects with', async () => {
      const big = parse(sipRequest({ via: 'SIP/2.0/UDP 127.0.0.1;branch=z9hG4bKpost2' }));
      big.body = Buffer.alloc(70000, 0x78);
      const failures: string[] = [];
      tl.post(big, { protocol: 'udp', address: '127.0.0.1', port: peer.port }, undefined, { sendFailed: (e) => failures.push(e.code) });
      assert.deepEqual(failures, [], 'not reported synchronously');
      await new Promise((r) => setImmediate(r));
      assert.deepEqual(failures, ['ETOOLARGE']);
      assert.equal(tl.counters.sendErrors, 1);
    });

    it('post(): no listener for the address family, or a .invalid host, fail as send() does', async () => {
      const req = parse(sipRequest({ via: 'SIP/2.0/UDP 127.0.0.1;branch=z9hG4bKpost3' }));
      const failures: string[] = [];
      const listener = { sendFailed: (e: { code: string }): void => void failures.push(e.code) };
      tl.post(req, { protocol: 'udp', address: '::1', port: 5060 }, undefined, listener);
      tl.post(req, { protocol: 'udp', address: 'abc.invalid', port: 5060 }, undefined, listener);
      await new Promise((r) => setImmediate(r));
      assert.deepEqual(failures, ['ENOLISTENER', 'ENOFLOW']);
    });

    it('no listener for the address family → ENOLISTENER', async () => {
      const req = parse(sipRequest({ via: 'SIP/2.0/UDP 127.0.0.1;branch=z9hG4bKv6' }));
      await assert.rejects(tl.send(req, { protocol: 'udp', address: '::1', port: 5060 }), { code: 'ENOLISTENER' });
    });

    it('§18.1.1: a request over 1300 bytes to a UDP destination moves to TCP, Via rewritten', () => {
      const req = parse(sipRequest({ via: `SIP/2.0/UDP 127.0.0.1:${udp.port};branch=z9hG4bKl1`, body: 'x'.repeat(1400) })) as SipRequest;
      const d = tl.prepareRequestDestination(req, { protocol: 'udp', address: '127.0.0.1', port: 5070 });
      assert.equal(d.protocol, 'tcp');
      assert.equal(parseVia(req.getAll('via')[0]!)!.transport, 'TCP');
      assert.equal(tl.counters.udpToTcpSwitches, 1);
    });

    it('§18.1.1: stays on UDP when small, or when the target URI says transport=udp', () => {
      const small = parse(sipRequest({ via: 'SIP/2.0/UDP 127.0.0.1;branch=z9hG4bKl2' })) as SipRequest;
      assert.equal(tl.prepareRequestDestination(small, { protocol: 'udp', address: '127.0.0.1', port: 5070 }).protocol, 'udp');
      const big = parse(sipRequest({ via: 'SIP/2.0/UDP 127.0.0.1;branch=z9hG4bKl3', body: 'x'.repeat(1400) })) as SipRequest;
      assert.equal(tl.prepareRequestDestination(big, { protocol: 'udp', address: '127.0.0.1', port: 5070 }, 'sip:bob@127.0.0.1;transport=udp').protocol, 'udp');
      assert.equal(parseVia(big.getAll('via')[0]!)!.transport, 'UDP');
    });
  });

  describe('IPv6', () => {
    it('listens on [::1] and exchanges datagrams', async () => {
      const v6 = new TransportLayer({ contacts: ['sip:[::1]:0;transport=udp'] });
      const [ep] = await v6.listen();
      const p6 = await UdpPeer.create('::1');
      try {
        const got = nextInbound(v6);
        p6.send(sipRequest({ via: `SIP/2.0/UDP [::1]:${p6.port};rport;branch=z9hG4bK6` }), ep!);
        const m = await got;
        assert.equal(m.source.address, '::1');
        const req = m.message as SipRequest;
        await v6.send(ok(req), responseDestination(parseVia(req.getAll('via')[0]!)!, m.source, undefined, m.local));
        assert.equal(parse(await p6.next()).kind, 'response');
      } finally {
        p6.close();
        await v6.close();
      }
    });
  });
});
