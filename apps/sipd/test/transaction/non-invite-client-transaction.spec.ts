import assert from 'node:assert/strict';
import { NonInviteClientTransaction } from '../../src/transaction/non-invite-client-transaction';
import { TransactionState } from '../../src/transaction/transaction-state';
import type { Protocol } from '../../src/transport/types';
import { dest, FakeClock, flush, RecordingTransport, RecordingUser, refused, request, response, TEST_TIMERS } from './support';

const S = TransactionState;

describe('NonInviteClientTransaction (RFC 3261 §17.1.2)', () => {
  let clock: FakeClock;
  let transport: RecordingTransport;
  let user: RecordingUser;

  beforeEach(() => {
    clock = new FakeClock().install();
    transport = new RecordingTransport(clock);
    user = new RecordingUser();
  });
  afterEach(() => clock.uninstall());

  function start(protocol: Protocol = 'udp'): NonInviteClientTransaction {
    const req = request({ method: 'OPTIONS' });
    return new NonInviteClientTransaction({ id: 'z9hG4bKtest1|OPTIONS', request: req, destination: dest(protocol), transport, timers: TEST_TIMERS }, user);
  }

  it('refuses to carry INVITE or ACK', () => {
    assert.throws(() => new NonInviteClientTransaction({ id: 'x', request: request(), destination: dest(), transport, timers: TEST_TIMERS }, user), TypeError);
  });

  describe('Trying', () => {
    it('passes the request to the transport and starts in Trying', () => {
      const tx = start();
      assert.equal(tx.state, S.Trying);
      assert.equal(transport.requests('OPTIONS').length, 1);
    });

    it('Timer E doubles up to T2 in Trying over UDP (MIN(2*T1, T2))', () => {
      start();
      clock.tick(200);
      // 0, +10, +20, +40 (T2), +40, +40 ...
      assert.deepEqual(transport.sent.map((s) => s.at), [0, 10, 30, 70, 110, 150, 190]);
    });

    it('reliable transports do not start Timer E', () => {
      start('tcp');
      clock.tick(600);
      assert.equal(transport.sent.length, 1);
    });

    it('Timer F fires after 64*T1 → onTimeout (TU synthesises 408) and Terminated', () => {
      const tx = start('tcp');
      clock.tick(639);
      assert.equal(tx.state, S.Trying);
      clock.tick(1);
      assert.equal(user.timeouts, 1);
      assert.equal(tx.state, S.Terminated);
      assert.equal(clock.pending, 0);
    });

    it('a transport error → onTransportError (⇒ 503) and Terminated', async () => {
      transport.fail = refused();
      const tx = start();
      await flush();
      assert.equal(user.transportErrors.length, 1);
      assert.equal(tx.state, S.Terminated);
    });
  });

  describe('Trying, provisional response', () => {
    it('1xx MUST be passed to the TU, then Proceeding; Timer E continues at T2', () => {
      const tx = start();
      clock.tick(5);
      tx.receiveResponse(response(tx.request, 100));
      assert.equal(tx.state, S.Proceeding);
      assert.equal(user.responses.length, 1);
      clock.tick(100); // E fires at 10 (Proceeding → reset to T2 = 40), 50, 90
      assert.deepEqual(transport.sent.map((s) => s.at), [0, 10, 50, 90]);
    });

    it('Timer F still fires in Proceeding', () => {
      const tx = start();
      tx.receiveResponse(response(tx.request, 100));
      clock.tick(640);
      assert.equal(user.timeouts, 1);
      assert.equal(tx.state, S.Terminated);
    });
  });

  describe('Trying/Proceeding, final response', () => {
    it('200-699 MUST be passed to the TU and move to Completed; retransmissions stop', () => {
      const tx = start();
      tx.receiveResponse(response(tx.request, 100));
      tx.receiveResponse(response(tx.request, 200));
      assert.equal(tx.state, S.Completed);
      assert.deepEqual(user.responses.map((r) => r.status), [100, 200]);
      const sent = transport.sent.length;
      clock.tick(40);
      assert.equal(transport.sent.length, sent);
    });

    it('Completed absorbs response retransmissions (never passed to the TU)', () => {
      const tx = start();
      tx.receiveResponse(response(tx.request, 404));
      tx.receiveResponse(response(tx.request, 404));
      assert.equal(user.responses.length, 1);
    });

    it('Timer K = T4 over UDP → Terminated', () => {
      const tx = start();
      tx.receiveResponse(response(tx.request, 200));
      clock.tick(49);
      assert.equal(tx.state, S.Completed);
      clock.tick(1);
      assert.equal(tx.state, S.Terminated);
      assert.equal(user.terminated, 1);
    });

    it('Timer K is 0 for reliable transports', () => {
      const tx = start('tcp');
      tx.receiveResponse(response(tx.request, 200));
      clock.tick(0);
      assert.equal(tx.state, S.Terminated);
      assert.equal(clock.pending, 0);
    });
  });
});
