// RtpEngineMediaServer against real rtpengine daemons (userspace, loopback): profiles on the
// wire, RTP relayed and counted, final stats at delete, health checks and instance selection.
import assert from 'node:assert/strict';
import * as dgram from 'node:dgram';
import { RtpEngineMediaServer, type MediaServerEvent } from '../src/rtpengine';
import { firstCodec } from '../src/sdp';
import { MediaUnavailableError, type MediaEndpoint } from '../src/types';
import { freeUdpPort, startRtpEngine, type RtpEngineDaemon } from './support/rtpengine';

const sdp = (port: number, pts: Array<[number, string]>, proto = 'RTP/AVP'): string =>
  `v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio ${port} ${proto} ${pts.map((p) => p[0]).join(' ')}\r\n`
  + pts.map(([pt, name]) => `a=rtpmap:${pt} ${name}\r\n`).join('') + 'a=sendrecv\r\n';
const mediaPort = (s: string): number => Number(/^m=audio (\d+)/m.exec(s)?.[1]);

function rtpPacket(seq: number, pt: number): Buffer {
  const b = Buffer.alloc(12 + 160, 0xff);
  b[0] = 0x80; b[1] = pt; b.writeUInt16BE(seq, 2); b.writeUInt32BE(seq * 160, 4); b.writeUInt32BE(0x1234, 8);
  return b;
}

describe('RtpEngineMediaServer (real rtpengine)', function () {
  this.timeout(20_000);
  let d1: RtpEngineDaemon;
  let d2: RtpEngineDaemon;
  let server: RtpEngineMediaServer | undefined;
  before(async () => {
    d1 = await startRtpEngine(45100, 45199);
    d2 = await startRtpEngine(45200, 45299);
  });
  after(async () => { await d1?.stop(); await d2?.stop(); });
  afterEach(async () => { await server?.close(); server = undefined; });

  describe('profiles', () => {
    it('a trunk leg is offered only the trunk codecs; the answer goes back in the caller codec (transcoding)', async () => {
      server = new RtpEngineMediaServer({ instances: [{ host: '127.0.0.1', port: d1.ngPort }], pingIntervalMs: 0 });
      const ep: MediaEndpoint = await server.createEndpoint(`t-${Date.now()}`);
      const out = await ep.offer({ from: 'a', to: 'b', sdp: sdp(6000, [[0, 'PCMU/8000']]), toProfile: { kind: 'trunk', codecs: ['PCMA', 'G729'] }, initial: true });
      assert.match(out, /^m=audio \d+ RTP\/AVP 8 18/m);
      assert.doesNotMatch(out, /PCMU/);
      const back = await ep.answer({ offerer: 'a', answerer: 'b', sdp: sdp(6002, [[8, 'PCMA/8000']]), offererProfile: { kind: 'sip' }, initial: true });
      assert.equal(firstCodec(back), 'PCMU/8000');
      await ep.destroy();
    });
    it('a WebRTC leg gets ICE, DTLS fingerprint, rtcp-mux and the BUNDLE group rtpengine leaves out', async () => {
      server = new RtpEngineMediaServer({ instances: [{ host: '127.0.0.1', port: d1.ngPort }], pingIntervalMs: 0 });
      const ep: MediaEndpoint = await server.createEndpoint(`w-${Date.now()}`);
      const out = await ep.offer({ from: 'a', to: 'b', sdp: sdp(6000, [[0, 'PCMU/8000']]), toProfile: { kind: 'webrtc' } });
      assert.match(out, /^m=audio \d+ UDP\/TLS\/RTP\/SAVPF /m);
      assert.match(out, /^a=ice-ufrag:/m);
      assert.match(out, /^a=fingerprint:sha-256 /m);
      assert.match(out, /^a=rtcp-mux/m);
      assert.match(out, /^a=group:BUNDLE \S+/m);
      assert.match(out, /opus\/48000/);
      assert.doesNotMatch(out, /a=crypto:/);
      await ep.destroy();
    });
    it('a WebRTC leg is not told the other leg\'s audio SSRC (rtpengine transcodes under an SSRC of its own)', async () => {
      server = new RtpEngineMediaServer({ instances: [{ host: '127.0.0.1', port: d1.ngPort }], pingIntervalMs: 0 });
      const ep: MediaEndpoint = await server.createEndpoint(`s-${Date.now()}`);
      const phone = sdp(6000, [[0, 'PCMU/8000']]).replace('a=sendrecv', 'a=ssrc:1341614955 cname:phone@x\r\na=sendrecv');
      const out = await ep.offer({ from: 'a', to: 'b', sdp: phone, toProfile: { kind: 'webrtc' }, initial: true });
      assert.match(out, /opus\/48000/);
      assert.doesNotMatch(out, /^a=ssrc/m);
      await ep.destroy();
    });
  });

  it('forks: one offer per branch (WebRTC and SIP side by side), the answering branch gets the media', async () => {
    server = new RtpEngineMediaServer({ instances: [{ host: '127.0.0.1', port: d1.ngPort }], pingIntervalMs: 0 });
    const ep: MediaEndpoint = await server.createEndpoint(`fork-${Date.now()}`);
    const offer = sdp(6000, [[0, 'PCMU/8000']]);
    const toWeb = await ep.offer({ from: 'a', to: 'b1', sdp: offer, toProfile: { kind: 'webrtc' }, initial: true });
    const toSip = await ep.offer({ from: 'a', to: 'b2', sdp: offer, toProfile: { kind: 'sip' }, initial: true });
    assert.match(toWeb, /UDP\/TLS\/RTP\/SAVPF/);
    assert.match(toSip, /^m=audio \d+ RTP\/AVP /m);
    assert.notEqual(mediaPort(toWeb), mediaPort(toSip));
    const back = await ep.answer({ offerer: 'a', answerer: 'b2', sdp: sdp(6010, [[0, 'PCMU/8000']]), offererProfile: { kind: 'sip' }, initial: true });
    assert.match(back, /^m=audio \d+ RTP\/AVP 0/m);
    const st = await ep.stats();
    assert.ok(st.legs.b2, JSON.stringify(Object.keys(st.legs)));
    await ep.destroy();
  });

  it('relays RTP between the legs and reports per-leg packets at delete; destroy is idempotent', async () => {
    server = new RtpEngineMediaServer({ instances: [{ host: '127.0.0.1', port: d1.ngPort }], pingIntervalMs: 0 });
    const a = dgram.createSocket('udp4');
    const b = dgram.createSocket('udp4');
    await Promise.all([new Promise<void>((r) => a.bind(0, '127.0.0.1', r)), new Promise<void>((r) => b.bind(0, '127.0.0.1', r))]);
    let gotAtB = 0;
    let gotAtA = 0;
    b.on('message', (m, rinfo) => { gotAtB++; b.send(m, rinfo.port, rinfo.address); });
    a.on('message', () => { gotAtA++; });
    const ep: MediaEndpoint = await server.createEndpoint(`r-${Date.now()}`);
    const toB = await ep.offer({ from: 'a', to: 'b', sdp: sdp(a.address().port, [[0, 'PCMU/8000']]), toProfile: { kind: 'sip' }, initial: true });
    const toA = await ep.answer({ offerer: 'a', answerer: 'b', sdp: sdp(b.address().port, [[0, 'PCMU/8000']]), offererProfile: { kind: 'sip' }, initial: true });
    // a re-offer (re-INVITE from b with hold) on the established call keeps the media port towards a
    const held = await ep.offer({ from: 'b', to: 'a', sdp: sdp(b.address().port, [[0, 'PCMU/8000']]).replace('a=sendrecv', 'a=sendonly'), toProfile: { kind: 'sip' } });
    assert.match(held, /a=sendonly/);
    const resumed = await ep.answer({ offerer: 'b', answerer: 'a', sdp: sdp(a.address().port, [[0, 'PCMU/8000']]).replace('a=sendrecv', 'a=recvonly'), offererProfile: { kind: 'sip' } });
    assert.match(resumed, /a=recvonly/);
    await ep.offer({ from: 'b', to: 'a', sdp: sdp(b.address().port, [[0, 'PCMU/8000']]), toProfile: { kind: 'sip' } });
    await ep.answer({ offerer: 'b', answerer: 'a', sdp: sdp(a.address().port, [[0, 'PCMU/8000']]), offererProfile: { kind: 'sip' } });
    // b must send first too (rtpengine learns endpoints from SDP; symmetric RTP is fine either way).
    for (let i = 0; i < 20; i++) {
      a.send(rtpPacket(i, 0), mediaPort(toA), '127.0.0.1');
      await new Promise((r) => setTimeout(r, 10));
    }
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(mediaPort(toB) > 0);
    const p1 = ep.destroy();
    const p2 = ep.destroy();
    assert.equal(p1, p2, 'same promise');
    const stats = await p1;
    a.close(); b.close();
    assert.ok(gotAtB >= 15, `b received ${gotAtB}`);
    assert.ok(gotAtA >= 15, `a received the echo ${gotAtA}`);
    assert.ok((stats.legs.a.packetsIn ?? 0) >= 15, JSON.stringify(stats));
    assert.ok((stats.legs.b.packetsIn ?? 0) >= 15, JSON.stringify(stats));
    assert.equal(stats.legs.a.packetsOut, stats.legs.b.packetsIn);
    assert.equal(ep.closed, true);
  });

  describe('health checks and selection', () => {
    it('an instance that stops answering pings is marked down and new calls go to the other', async () => {
      const dead = await freeUdpPort();
      const events: MediaServerEvent[] = [];
      server = new RtpEngineMediaServer({
        instances: [{ name: 'dead', host: '127.0.0.1', port: dead }, { name: 'live', host: '127.0.0.1', port: d2.ngPort }],
        pingIntervalMs: 0, timeoutMs: 200, failuresBeforeDown: 2, onEvent: (e) => events.push(e),
      });
      await server.pingAll();
      await server.pingAll();
      const h = Object.fromEntries(server.health().map((x) => [x.name, x.up]));
      assert.deepEqual(h, { dead: false, live: true });
      assert.ok(events.some((e) => e.type === 'instance-down' && e.instance === 'dead'));
      for (let i = 0; i < 3; i++) {
        const ep: MediaEndpoint = await server.createEndpoint(`h-${Date.now()}-${i}`);
        assert.equal(ep.instance, 'live');
        await ep.offer({ from: 'a', to: 'b', sdp: sdp(6000, [[0, 'PCMU/8000']]), toProfile: { kind: 'sip' } });
        await ep.destroy();
      }
    });
    it('a first offer that times out moves to the next healthy instance', async () => {
      const dead = await freeUdpPort();
      server = new RtpEngineMediaServer({
        instances: [{ name: 'dead', host: '127.0.0.1', port: dead }, { name: 'live', host: '127.0.0.1', port: d2.ngPort }],
        pingIntervalMs: 0, timeoutMs: 200,
      });
      const ep: MediaEndpoint = await server.createEndpoint(`f-${Date.now()}`);
      assert.equal(ep.instance, 'dead', 'both count as up before any ping: the first is chosen');
      await ep.offer({ from: 'a', to: 'b', sdp: sdp(6000, [[0, 'PCMU/8000']]), toProfile: { kind: 'sip' } });
      assert.equal(ep.instance, 'live');
      await ep.destroy();
    });
    it('spreads calls over healthy instances by load', async () => {
      server = new RtpEngineMediaServer({
        instances: [{ name: 'one', host: '127.0.0.1', port: d1.ngPort }, { name: 'two', host: '127.0.0.1', port: d2.ngPort }], pingIntervalMs: 0,
      });
      const eps: MediaEndpoint[] = [];
      for (let i = 0; i < 4; i++) {
        const ep: MediaEndpoint = await server.createEndpoint(`l-${Date.now()}-${i}`);
        await ep.offer({ from: 'a', to: 'b', sdp: sdp(6000, [[0, 'PCMU/8000']]), toProfile: { kind: 'sip' } });
        eps.push(ep);
      }
      const counts = server.health().map((x) => x.endpoints);
      assert.deepEqual(counts, [2, 2]);
      for (const ep of eps) await ep.destroy();
      assert.deepEqual(server.health().map((x) => x.endpoints), [0, 0]);
    });
    it('with every instance down createEndpoint rejects MediaUnavailableError', async () => {
      const dead = await freeUdpPort();
      server = new RtpEngineMediaServer({ instances: [{ host: '127.0.0.1', port: dead }], pingIntervalMs: 0, timeoutMs: 100, failuresBeforeDown: 1 });
      await server.pingAll();
      await assert.rejects(server.createEndpoint('x'), MediaUnavailableError);
    });
  });
});
