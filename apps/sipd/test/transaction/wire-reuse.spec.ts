import assert from 'node:assert/strict';
import { InviteServerTransaction } from '../../src/transaction/invite-server-transaction';
import { NonInviteServerTransaction } from '../../src/transaction/non-invite-server-transaction';
import { dest, FakeClock, RecordingTransport, request, response, TEST_TIMERS } from './support';

// The UAS core serialises a response once and hands the bytes with it: the transport must get
// those bytes for the first send and for every retransmission of the same response.
describe('server transactions reuse the bytes the TU serialised', () => {
  let clock: FakeClock;
  let transport: RecordingTransport;

  beforeEach(() => {
    clock = new FakeClock().install();
    transport = new RecordingTransport(clock);
  });
  afterEach(() => clock.uninstall());

  it('NIST: the final response and its retransmissions (§17.2.2 Completed) carry the given bytes', () => {
    const tx = new NonInviteServerTransaction({ id: 'nist', request: request({ method: 'OPTIONS' }), destination: dest('udp'), transport, timers: TEST_TIMERS });
    const res = response(tx.request, 200);
    const wire = Buffer.from('SIP/2.0 200 OK\r\n\r\n');
    tx.respond(res, wire);
    tx.receiveRetransmission(tx.request);
    assert.equal(transport.sent.length, 2);
    assert.equal(transport.sent[0]?.message, res);
    for (const s of transport.sent) {
      assert.equal(s.wire, wire);
      assert.equal(s.message.kind === 'response' ? s.message.status : 0, 200);
    }
  });

  it('NIST Completed keeps the final response\'s bytes and start line, not the parsed headers (Timer J holds it 32 s)', () => {
    const tx = new NonInviteServerTransaction({ id: 'nist', request: request({ method: 'OPTIONS' }), destination: dest('udp'), transport, timers: TEST_TIMERS });
    const wire = Buffer.from('SIP/2.0 200 OK\r\n\r\n');
    tx.respond(response(tx.request, 200), wire);
    assert.equal(tx.request.method, 'OPTIONS');
    assert.equal(tx.request.headers.length, 0, 'the request keeps its request line only');
    tx.receiveRetransmission(tx.request);
    const resent = transport.sent[1];
    assert.equal(resent?.wire, wire);
    assert.equal(resent?.message.kind === 'response' ? resent.message.headers.length : -1, 0);
    assert.equal(resent?.message.kind === 'response' ? resent.message.reason : '', 'OK');
  });

  it('NIST Proceeding keeps the whole request (the TU still answers it)', () => {
    const tx = new NonInviteServerTransaction({ id: 'nist', request: request({ method: 'OPTIONS' }), destination: dest('udp'), transport, timers: TEST_TIMERS });
    const headers = tx.request.headers.length;
    tx.respond(response(tx.request, 100), Buffer.from('SIP/2.0 100 Trying\r\n\r\n'));
    assert.ok(headers > 0);
    assert.equal(tx.request.headers.length, headers);
  });

  it('NIST: a response given without bytes is sent without bytes (the transport serialises it)', () => {
    const tx = new NonInviteServerTransaction({ id: 'nist', request: request({ method: 'OPTIONS' }), destination: dest('udp'), transport, timers: TEST_TIMERS });
    tx.respond(response(tx.request, 200));
    tx.receiveRetransmission(tx.request);
    assert.equal(transport.sent.length, 2);
    for (const s of transport.sent) assert.equal(s.wire, undefined);
  });

  it('IST: a non-2xx final keeps its bytes for Timer G retransmissions (§17.2.1)', () => {
    const tx = new InviteServerTransaction({ id: 'ist', request: request({ method: 'INVITE' }), destination: dest('udp'), transport, timers: TEST_TIMERS }, 'off');
    const res = response(tx.request, 486);
    const wire = Buffer.from('SIP/2.0 486 Busy Here\r\n\r\n');
    tx.respond(res, wire);
    clock.tick(TEST_TIMERS.T1 * 3);
    assert.ok(transport.sent.length >= 2, 'Timer G resent the response');
    for (const s of transport.sent) assert.equal(s.wire, wire);
  });

  it('IST: bytes of an earlier provisional are not reused for a different response', () => {
    const tx = new InviteServerTransaction({ id: 'ist', request: request({ method: 'INVITE' }), destination: dest('udp'), transport, timers: TEST_TIMERS }, 'off');
    tx.respond(response(tx.request, 180), Buffer.from('SIP/2.0 180 Ringing\r\n\r\n'));
    tx.respond(response(tx.request, 486));
    assert.equal(transport.sent.length, 2);
    assert.equal(transport.sent[1]?.wire, undefined);
  });
});
