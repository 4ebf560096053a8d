import assert from 'node:assert/strict';
import { TransactionStateError } from '../../src/transaction/errors';
import { NonInviteServerTransaction } from '../../src/transaction/non-invite-server-transaction';
import { TransactionState } from '../../src/transaction/transaction-state';
import type { Protocol } from '../../src/transport/types';
import { dest, FakeClock, flush, RecordingTransport, RecordingUser, refused, request, response, TEST_TIMERS } from './support';

const S = TransactionState;

describe('NonInviteServerTransaction (RFC 3261 §17.2.2)', () => {
  let clock: FakeClock;
  let transport: RecordingTransport;
  let user: RecordingUser;

  beforeEach(() => {
    clock = new FakeClock().install();
    transport = new RecordingTransport(clock);
    user = new RecordingUser();
  });
  afterEach(() => clock.uninstall());

  function start(protocol: Protocol = 'udp'): NonInviteServerTransaction {
    const tx = new NonInviteServerTransaction({ id: 'nist', request: request({ method: 'BYE', toTag: 't' }), destination: dest(protocol), transport, timers: TEST_TIMERS });
    tx.user = user;
    return tx;
  }

  describe('Trying', () => {
    it('starts in Trying and sends nothing by itself', () => {
      const tx = start();
      clock.tick(1000);
      assert.equal(tx.state, S.Trying);
      assert.equal(transport.sent.length, 0);
    });

    it('request retransmissions in Trying are discarded', () => {
      const tx = start();
      tx.receiveRetransmission(tx.request);
      assert.equal(transport.sent.length, 0);
    });

    it('a provisional response from the TU MUST move to Proceeding', () => {
      const tx = start();
      tx.respond(response(tx.request, 100));
      assert.equal(tx.state, S.Proceeding);
    });
  });

  describe('Proceeding', () => {
    it('a retransmission MUST resend the most recent provisional response', () => {
      const tx = start();
      tx.respond(response(tx.request, 100));
      tx.respond(response(tx.request, 183));
      tx.receiveRetransmission(tx.request);
      assert.deepEqual(transport.responses().map((r) => r.status), [100, 183, 183]);
    });

    it('a final response MUST be sent and the transaction MUST enter Completed', () => {
      const tx = start();
      tx.respond(response(tx.request, 100));
      tx.respond(response(tx.request, 200));
      assert.equal(tx.state, S.Completed);
    });
  });

  describe('Completed', () => {
    it('a retransmission MUST resend the final response', () => {
      const tx = start();
      tx.respond(response(tx.request, 200));
      tx.receiveRetransmission(tx.request);
      assert.deepEqual(transport.responses().map((r) => r.status), [200, 200]);
    });

    it('further responses from the TU throw TransactionStateError', () => {
      const tx = start();
      tx.respond(response(tx.request, 200));
      assert.throws(() => tx.respond(response(tx.request, 500)), TransactionStateError);
    });

    it('Timer J = 64*T1 over UDP → Terminated', () => {
      const tx = start();
      tx.respond(response(tx.request, 200));
      clock.tick(639);
      assert.equal(tx.state, S.Completed);
      clock.tick(1);
      assert.equal(tx.state, S.Terminated);
      assert.equal(user.terminated, 1);
      assert.equal(clock.pending, 0);
    });

    it('Timer J is 0 for reliable transports', () => {
      const tx = start('tcp');
      tx.respond(response(tx.request, 200));
      clock.tick(0);
      assert.equal(tx.state, S.Terminated);
    });
  });

  describe('transport error', () => {
    it('SHOULD inform the TU (onTransportError) and MUST remain in the current state (RFC 6026 §8.8)', async () => {
      const tx = start();
      transport.fail = refused();
      tx.respond(response(tx.request, 200));
      await flush();
      assert.equal(user.transportErrors.length, 1);
      assert.equal(tx.state, S.Completed);
      clock.tick(640);
      assert.equal(tx.state, S.Terminated, 'Timer J still ends it');
    });
  });
});
