import assert from 'node:assert/strict';
import { InviteClientTransaction } from '../../src/transaction/invite-client-transaction';
import { TransactionState } from '../../src/transaction/transaction-state';
import type { Protocol } from '../../src/transport/types';
import { dest, FakeClock, flush, RecordingTransport, RecordingUser, refused, request, response, TEST_TIMERS } from './support';

const S = TransactionState;

describe('InviteClientTransaction (RFC 3261 §17.1.1, RFC 6026 §7.2)', () => {
  let clock: FakeClock;
  let transport: RecordingTransport;
  let user: RecordingUser;

  beforeEach(() => {
    clock = new FakeClock().install();
    transport = new RecordingTransport(clock);
    user = new RecordingUser();
  });
  afterEach(() => clock.uninstall());

  function start(protocol: Protocol = 'udp', route: string[] = []): InviteClientTransaction {
    const invite = request({ route });
    return new InviteClientTransaction({ id: 'z9hG4bKtest1|INVITE', request: invite, destination: dest(protocol), transport, timers: TEST_TIMERS }, user);
  }

  describe('Calling', () => {
    it('starts in Calling and passes the INVITE to the transport', () => {
      const tx = start();
      assert.equal(tx.state, S.Calling);
      assert.equal(transport.requests('INVITE').length, 1);
    });

    it('Timer A retransmits over UDP at T1, then doubles each time (2*T1, 4*T1, ...) until Timer B', () => {
      start();
      clock.tick(640 - 1);
      const times = transport.sent.map((s) => s.at);
      // 0, 10, 30, 70, 150, 310, 630: intervals 10, 20, 40, 80, 160, 320 (INVITE has no T2 cap)
      assert.deepEqual(times, [0, 10, 30, 70, 150, 310, 630]);
    });

    it('reliable transports MUST NOT start Timer A (no retransmissions over TCP)', () => {
      start('tcp');
      clock.tick(600);
      assert.equal(transport.requests('INVITE').length, 1);
    });

    it('Timer B fires after 64*T1 → onTimeout and Terminated (TU synthesises 408)', () => {
      const tx = start();
      clock.tick(639);
      assert.equal(user.timeouts, 0);
      clock.tick(1);
      assert.equal(user.timeouts, 1);
      assert.equal(tx.state, S.Terminated);
      assert.equal(user.terminated, 1);
      assert.equal(clock.pending, 0, 'every timer cleared');
    });

    it('Timer B also applies to reliable transports', () => {
      const tx = start('tcp');
      clock.tick(640);
      assert.equal(tx.state, S.Terminated);
      assert.equal(user.timeouts, 1);
    });

    it('a transport error → onTransportError (TU synthesises 503) and Terminated', async () => {
      transport.fail = refused();
      const tx = start();
      await flush();
      assert.equal(user.transportErrors.length, 1);
      assert.equal(user.transportErrors[0]!.code, 'ECONNREFUSED');
      assert.equal(tx.state, S.Terminated);
      assert.equal(clock.pending, 0);
    });
  });

  describe('Calling, provisional response', () => {
    it('1xx MUST move to Proceeding and be passed to the TU; retransmissions stop', () => {
      const tx = start();
      tx.receiveResponse(response(tx.request, 180));
      assert.equal(tx.state, S.Proceeding);
      assert.equal(user.responses.length, 1);
      clock.tick(2000);
      assert.equal(transport.requests('INVITE').length, 1);
      assert.equal(tx.state, S.Proceeding, 'no Timer B in Proceeding');
    });

    it('further 1xx in Proceeding are passed to the TU', () => {
      const tx = start();
      tx.receiveResponse(response(tx.request, 100));
      tx.receiveResponse(response(tx.request, 183));
      assert.deepEqual(user.responses.map((r) => r.status), [100, 183]);
    });
  });

  describe('Calling/Proceeding, 300-699', () => {
    it('MUST transition to Completed, pass the response up and send an ACK (§17.1.1.3)', () => {
      const tx = start('udp', ['<sip:proxy.example.com;lr>']);
      tx.receiveResponse(response(tx.request, 180));
      tx.receiveResponse(response(tx.request, 486));
      assert.equal(tx.state, S.Completed);
      assert.deepEqual(user.responses.map((r) => r.status), [180, 486]);
      const [ack] = transport.requests('ACK');
      assert.ok(ack);
      assert.equal(ack.uri, tx.request.uri, 'same Request-URI');
      assert.deepEqual(ack.getAll('via'), [tx.request.getAll('via')[0]], 'one Via, equal to the top Via (same branch)');
      assert.equal(ack.get('cseq'), '1 ACK');
      assert.match(ack.get('to') ?? '', /;tag=totag$/, 'To from the response');
      assert.equal(ack.get('from'), tx.request.get('from'));
      assert.equal(ack.get('call-id'), tx.request.callId);
      assert.deepEqual(ack.getAll('route'), ['<sip:proxy.example.com;lr>'], 'Route from the INVITE');
    });

    it('Completed absorbs response retransmissions and resends ACK; the TU sees the response once', () => {
      const tx = start();
      tx.receiveResponse(response(tx.request, 486));
      tx.receiveResponse(response(tx.request, 486));
      tx.receiveResponse(response(tx.request, 486));
      assert.equal(user.responses.length, 1);
      assert.equal(transport.requests('ACK').length, 3);
    });

    it('Timer D (≥32 s, here D) over UDP → Terminated', () => {
      const tx = start();
      tx.receiveResponse(response(tx.request, 503));
      clock.tick(319);
      assert.equal(tx.state, S.Completed);
      clock.tick(1);
      assert.equal(tx.state, S.Terminated);
    });

    it('Timer D is 0 for reliable transports', () => {
      const tx = start('tcp');
      tx.receiveResponse(response(tx.request, 404));
      clock.tick(0);
      assert.equal(tx.state, S.Terminated);
    });
  });

  describe('Accepted (RFC 6026)', () => {
    it('2xx in Calling moves to Accepted and is passed to the TU; no ACK is generated', () => {
      const tx = start();
      tx.receiveResponse(response(tx.request, 200));
      assert.equal(tx.state, S.Accepted);
      assert.equal(user.responses.length, 1);
      assert.equal(transport.requests('ACK').length, 0, 'ACK for 2xx is the TU\'s job');
    });

    it('2xx retransmissions and forked 2xx in Accepted MUST be passed to the TU; others absorbed', () => {
      const tx = start();
      tx.receiveResponse(response(tx.request, 180));
      tx.receiveResponse(response(tx.request, 200, 'a'));
      tx.receiveResponse(response(tx.request, 200, 'a'));
      tx.receiveResponse(response(tx.request, 200, 'b'));
      tx.receiveResponse(response(tx.request, 183));
      tx.receiveResponse(response(tx.request, 486));
      assert.deepEqual(user.responses.map((r) => r.status), [180, 200, 200, 200]);
    });

    it('Timer M (64*T1) in Accepted → Terminated', () => {
      const tx = start();
      tx.receiveResponse(response(tx.request, 200));
      clock.tick(639);
      assert.equal(tx.state, S.Accepted);
      clock.tick(1);
      assert.equal(tx.state, S.Terminated);
      assert.equal(user.timeouts, 0);
    });
  });

  describe('dispose()', () => {
    it('clears every timer and records the states passed through', () => {
      const tx = start();
      tx.receiveResponse(response(tx.request, 180));
      tx.receiveResponse(response(tx.request, 200));
      tx.terminate();
      assert.equal(clock.pending, 0);
      assert.deepEqual(user.states, [S.Proceeding, S.Accepted, S.Terminated]);
    });
  });
});
