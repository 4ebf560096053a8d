import assert from 'node:assert/strict';
import { TransactionStateError } from '../../src/transaction/errors';
import { InviteServerTransaction, type TryingMode } from '../../src/transaction/invite-server-transaction';
import { TransactionState } from '../../src/transaction/transaction-state';
import type { Protocol } from '../../src/transport/types';
import { dest, FakeClock, flush, RecordingTransport, RecordingUser, refused, request, response, TEST_TIMERS } from './support';

const S = TransactionState;

describe('InviteServerTransaction (RFC 3261 §17.2.1, RFC 6026 §7.1)', () => {
  let clock: FakeClock;
  let transport: RecordingTransport;
  let user: RecordingUser;

  beforeEach(() => {
    clock = new FakeClock().install();
    transport = new RecordingTransport(clock);
    user = new RecordingUser();
  });
  afterEach(() => clock.uninstall());

  function start(trying: TryingMode = 'off', protocol: Protocol = 'udp'): InviteServerTransaction {
    const tx = new InviteServerTransaction({ id: 'ist', request: request(), destination: dest(protocol), transport, timers: TEST_TIMERS }, trying);
    tx.user = user;
    return tx;
  }

  describe('100 Trying', () => {
    it("'immediate' sends 100 Trying on creation (drachtio-server behaviour)", () => {
      const tx = start('immediate');
      assert.equal(tx.state, S.Proceeding);
      const [trying] = transport.responses(100);
      assert.ok(trying);
      assert.equal(trying.get('to'), tx.request.get('to'), '100 carries no To tag');
      assert.equal(trying.get('via'), tx.request.get('via'));
    });

    it("'delayed' sends 100 Trying if the TU has not responded within 200 ms (here trying100Delay)", () => {
      start('delayed');
      clock.tick(19);
      assert.equal(transport.sent.length, 0);
      clock.tick(1);
      assert.equal(transport.responses(100).length, 1);
    });

    it("'delayed' sends nothing when the TU answered first", () => {
      const tx = start('delayed');
      tx.respond(response(tx.request, 180));
      clock.tick(100);
      assert.deepEqual(transport.responses().map((r) => r.status), [180]);
    });

    it("'off' never sends 100 Trying", () => {
      start('off');
      clock.tick(100);
      assert.equal(transport.sent.length, 0);
    });
  });

  describe('Proceeding', () => {
    it('provisional responses from the TU are sent and the state stays Proceeding', () => {
      const tx = start();
      tx.respond(response(tx.request, 180));
      tx.respond(response(tx.request, 183));
      assert.equal(tx.state, S.Proceeding);
      assert.deepEqual(transport.responses().map((r) => r.status), [180, 183]);
    });

    it('a request retransmission MUST resend the most recent provisional response', () => {
      const tx = start();
      tx.respond(response(tx.request, 180));
      tx.receiveRetransmission(tx.request);
      assert.deepEqual(transport.responses().map((r) => r.status), [180, 180]);
    });

    it('a transport error → onTransportError once, and the transaction MUST remain in its state (RFC 6026 §8.8)', async () => {
      const tx = start();
      transport.fail = refused();
      tx.respond(response(tx.request, 180));
      tx.receiveRetransmission(tx.request);
      await flush();
      assert.equal(user.transportErrors.length, 1);
      assert.equal(tx.state, S.Proceeding);
      tx.respond(response(tx.request, 486));
      assert.equal(tx.state, S.Completed);
      clock.tick(640);
      assert.equal(tx.state, S.Terminated, 'Timer H still ends it');
    });
  });

  describe('Proceeding, 2xx from the TU (RFC 6026 Accepted)', () => {
    it('2xx is sent and the transaction moves to Accepted', () => {
      const tx = start();
      tx.respond(response(tx.request, 200));
      assert.equal(tx.state, S.Accepted);
      assert.equal(transport.responses(200).length, 1);
    });

    it('INVITE retransmissions in Accepted are absorbed (no response resent, the TU retransmits 2xx)', () => {
      const tx = start();
      tx.respond(response(tx.request, 200));
      tx.receiveRetransmission(tx.request);
      assert.equal(transport.sent.length, 1);
    });

    it('ACKs in Accepted MUST be passed to the TU', () => {
      const tx = start();
      tx.respond(response(tx.request, 200));
      assert.equal(tx.receiveAck(request({ method: 'ACK', toTag: 'totag' })), 'pass-to-tu');
      assert.equal(tx.state, S.Accepted);
    });

    it('2xx retransmissions from the TU are sent in Accepted; a non-2xx throws', () => {
      const tx = start();
      tx.respond(response(tx.request, 200));
      tx.respond(response(tx.request, 200));
      assert.equal(transport.responses(200).length, 2);
      assert.throws(() => tx.respond(response(tx.request, 486)), TransactionStateError);
    });

    it('Timer L in Accepted (RFC 6026): 64*T1 → Terminated', () => {
      const tx = start();
      tx.respond(response(tx.request, 200));
      clock.tick(639);
      assert.equal(tx.state, S.Accepted);
      clock.tick(1);
      assert.equal(tx.state, S.Terminated);
      assert.equal(user.terminated, 1);
      assert.equal(user.timeouts, 0);
    });

    it('after Timer L a 2xx retransmission from the TU still goes out (no race with §13.3.1.4)', async () => {
      const tx = start();
      tx.respond(response(tx.request, 200));
      clock.tick(640);
      tx.respond(response(tx.request, 200));
      await flush();
      assert.equal(transport.responses(200).length, 2);
    });
  });

  describe('Proceeding, 300-699 from the TU', () => {
    it('the response is sent and the transaction MUST enter Completed', () => {
      const tx = start();
      tx.respond(response(tx.request, 486));
      assert.equal(tx.state, S.Completed);
    });

    it('Timer G retransmits over UDP at T1, doubling up to T2', () => {
      const tx = start();
      tx.respond(response(tx.request, 486));
      clock.tick(200);
      assert.deepEqual(transport.sent.map((s) => s.at), [0, 10, 30, 70, 110, 150, 190]);
    });

    it('reliable transports do not start Timer G', () => {
      const tx = start('off', 'tcp');
      tx.respond(response(tx.request, 486));
      clock.tick(200);
      assert.equal(transport.sent.length, 1);
    });

    it('an INVITE retransmission in Completed resends the final response', () => {
      const tx = start();
      tx.respond(response(tx.request, 486));
      tx.receiveRetransmission(tx.request);
      assert.equal(transport.responses(486).length, 2);
    });

    it('Timer H fires → onTimeout when no ACK (64*T1), then Terminated', () => {
      const tx = start();
      tx.respond(response(tx.request, 486));
      clock.tick(639);
      assert.equal(user.timeouts, 0);
      clock.tick(1);
      assert.equal(user.timeouts, 1);
      assert.equal(tx.state, S.Terminated);
      assert.equal(clock.pending, 0);
    });

    it('a second final response throws TransactionStateError', () => {
      const tx = start();
      tx.respond(response(tx.request, 486));
      assert.throws(() => tx.respond(response(tx.request, 200)), TransactionStateError);
    });
  });

  describe('Completed, ACK', () => {
    it('ACK in Completed → Confirmed; Timer G stops; Timer I = T4 → Terminated', () => {
      const tx = start();
      tx.respond(response(tx.request, 486));
      assert.equal(tx.receiveAck(request({ method: 'ACK', toTag: 'totag' })), 'absorbed');
      assert.equal(tx.state, S.Confirmed);
      const sent = transport.sent.length;
      clock.tick(49);
      assert.equal(transport.sent.length, sent, 'no more retransmissions');
      assert.equal(tx.state, S.Confirmed);
      clock.tick(1);
      assert.equal(tx.state, S.Terminated);
      assert.equal(user.timeouts, 0);
    });

    it('Confirmed absorbs ACK retransmissions', () => {
      const tx = start();
      tx.respond(response(tx.request, 486));
      tx.receiveAck(request({ method: 'ACK' }));
      assert.equal(tx.receiveAck(request({ method: 'ACK' })), 'absorbed');
      assert.equal(tx.state, S.Confirmed);
    });

    it('Timer I is 0 for reliable transports', () => {
      const tx = start('off', 'tcp');
      tx.respond(response(tx.request, 486));
      tx.receiveAck(request({ method: 'ACK' }));
      clock.tick(0);
      assert.equal(tx.state, S.Terminated);
    });
  });
});
