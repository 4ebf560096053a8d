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
    for (const s of transport.sent) {
      assert.equal(s.message, res);
      assert.equal(s.wire, wire);
    }
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
