import assert from 'node:assert/strict';
import { parseVia, type SipRequest } from '../../src/parser';
import { TransactionLayer, type InboundOutcome } from '../../src/transaction/transaction-layer';
import { TransactionState } from '../../src/transaction/transaction-state';
import { dest, FakeClock, inbound, RecordingTransport, RecordingUser, request, response, TEST_TIMERS, type RequestSpec } from './support';

const S = TransactionState;

function expectKind<K extends InboundOutcome['kind']>(o: InboundOutcome, kind: K): Extract<InboundOutcome, { kind: K }> {
  assert.equal(o.kind, kind);
  return o as Extract<InboundOutcome, { kind: K }>;
}

describe('TransactionLayer (RFC 3261 §17.1.3, §17.2.3, §9.2, §8.2.2.2)', () => {
  let clock: FakeClock;
  let transport: RecordingTransport;
  let layer: TransactionLayer;

  beforeEach(() => {
    clock = new FakeClock().install();
    transport = new RecordingTransport(clock);
    layer = new TransactionLayer({ transport, timers: TEST_TIMERS, trying: 'immediate' });
  });
  afterEach(() => {
    layer.close();
    clock.uninstall();
  });

  const rx = (spec: RequestSpec, protocol: 'udp' | 'tcp' = 'udp'): InboundOutcome => layer.receive(inbound(request(spec), protocol));

  describe('server transaction matching (§17.2.3)', () => {
    it('a new INVITE creates an INVITE server transaction; 100 Trying is sent immediately', () => {
      const o = expectKind(rx({}), 'request');
      assert.equal(o.transaction.kind, 'invite-server');
      assert.deepEqual(layer.counts(), { client: 0, server: 1 });
      assert.equal(transport.responses(100).length, 1);
    });

    it('a retransmitted request is absorbed and answered with the last response, never reaching the TU twice', () => {
      const first = expectKind(rx({}), 'request');
      const again = expectKind(rx({}), 'retransmission');
      assert.equal(again.transaction, first.transaction);
      assert.equal(transport.responses(100).length, 2, '100 Trying resent');
      assert.equal(layer.counts().server, 1);
    });

    it('a retransmitted non-INVITE in Completed gets the final response again', () => {
      const o = expectKind(rx({ method: 'OPTIONS' }), 'request');
      o.transaction.respond(response(o.request, 200));
      expectKind(rx({ method: 'OPTIONS' }), 'retransmission');
      assert.equal(transport.responses(200).length, 2);
    });

    it('the same branch from a different sent-by is a different transaction', () => {
      const a = expectKind(rx({ method: 'OPTIONS' }), 'request');
      const b = expectKind(rx({ method: 'OPTIONS', via: 'SIP/2.0/UDP 127.0.0.2:5070;branch=z9hG4bKtest1', callId: 'other' }), 'request');
      assert.notEqual(a.transaction, b.transaction);
    });

    it('matches by the top Via the transport already parsed (InboundMessage.topVia), not a second parse', () => {
      expectKind(rx({ method: 'OPTIONS' }), 'request');
      const msg = request({ method: 'OPTIONS' });
      const again = inbound(msg);
      const given = parseVia('SIP/2.0/UDP 127.0.0.9:5070;branch=z9hG4bKtest1');
      assert.ok(given);
      again.topVia = given;
      // Same Via text in the message, but the Via handed over names another sent-by (§17.2.3): a
      // new transaction (then seen as a merged request, §8.2.2.2), not a retransmission.
      expectKind(layer.receive(again), 'merged');
      expectKind(layer.receive(inbound(request({ method: 'OPTIONS' }))), 'retransmission');
    });

    it('the same branch with a different method is a different transaction', () => {
      expectKind(rx({ method: 'OPTIONS' }), 'request');
      expectKind(rx({ method: 'INFO', cseq: 2 }), 'request');
      assert.equal(layer.counts().server, 2);
    });

    it('responses go where §18.2.2 says: received address and rport port over UDP', () => {
      const o = expectKind(rx({ via: 'SIP/2.0/UDP 10.0.0.9:5070;branch=z9hG4bKnat;received=127.0.0.1;rport=40000' }), 'request');
      assert.deepEqual(
        { protocol: o.transaction.destination.protocol, address: o.transaction.destination.address, port: o.transaction.destination.port },
        { protocol: 'udp', address: '127.0.0.1', port: 40000 },
      );
    });

    it('responses over TCP go back on the connection the request came on', () => {
      const o = expectKind(layer.receive(inbound(request({ via: 'SIP/2.0/TCP 127.0.0.1:5070;branch=z9hG4bKt' }), 'tcp', 40001, 'tcp-7')), 'request');
      assert.equal(o.transaction.destination.connectionId, 'tcp-7');
      assert.equal(o.transaction.reliable, true);
    });
  });

  describe('ACK (§17.2.3, RFC 6026)', () => {
    it('an ACK for a non-2xx final response matches the INVITE transaction and is absorbed → Confirmed', () => {
      const o = expectKind(rx({}), 'request');
      o.transaction.respond(response(o.request, 486));
      const ack = expectKind(rx({ method: 'ACK', toTag: 'totag' }), 'ack-absorbed');
      assert.equal(ack.transaction, o.transaction);
      assert.equal(o.transaction.state, S.Confirmed);
    });

    it('an ACK for a 2xx (new branch) is NOT absorbed: it is handed to the layer above', () => {
      const o = expectKind(rx({}), 'request');
      o.transaction.respond(response(o.request, 200));
      const ack = expectKind(rx({ method: 'ACK', branch: 'z9hG4bKack2xx', toTag: 'totag' }), 'ack');
      assert.equal(ack.transaction, undefined);
      assert.equal(o.transaction.state, S.Accepted);
    });

    it('an ACK matching an INVITE transaction in Accepted is passed up with that transaction', () => {
      const o = expectKind(rx({}), 'request');
      o.transaction.respond(response(o.request, 200));
      const ack = expectKind(rx({ method: 'ACK', toTag: 'totag' }), 'ack');
      assert.equal(ack.transaction, o.transaction);
    });

    it('INVITE retransmissions after a 2xx are absorbed in Accepted', () => {
      const o = expectKind(rx({}), 'request');
      o.transaction.respond(response(o.request, 200));
      expectKind(rx({}), 'retransmission');
      assert.equal(transport.responses(200).length, 1);
    });
  });

  describe('CANCEL (§9.2)', () => {
    it('a CANCEL gets its own server transaction and names the INVITE transaction it cancels', () => {
      const inv = expectKind(rx({}), 'request');
      const c = expectKind(rx({ method: 'CANCEL' }), 'cancel');
      assert.equal(c.target, inv.transaction);
      assert.equal(c.transaction.kind, 'non-invite-server');
      assert.notEqual(c.transaction, inv.transaction);
    });

    it('a CANCEL matching no INVITE transaction has no target (the core answers 481)', () => {
      const c = expectKind(rx({ method: 'CANCEL', branch: 'z9hG4bKnone' }), 'cancel');
      assert.equal(c.target, undefined);
    });

    it('a CANCEL from a different sent-by does not match', () => {
      expectKind(rx({}), 'request');
      const c = expectKind(rx({ method: 'CANCEL', via: 'SIP/2.0/UDP 127.0.0.3:5070;branch=z9hG4bKtest1' }), 'cancel');
      assert.equal(c.target, undefined);
    });

    it('a retransmitted CANCEL is absorbed by the CANCEL transaction', () => {
      expectKind(rx({}), 'request');
      const c = expectKind(rx({ method: 'CANCEL' }), 'cancel');
      c.transaction.respond(response(c.request, 200));
      const again = expectKind(rx({ method: 'CANCEL' }), 'retransmission');
      assert.equal(again.transaction, c.transaction);
    });

    it('RFC 2543 CANCEL (no cookie) matches on Request-URI, tags, Call-ID, CSeq number and top Via', () => {
      const via = 'SIP/2.0/UDP 127.0.0.1:5070';
      const inv = expectKind(rx({ via }), 'request');
      const c = expectKind(rx({ via, method: 'CANCEL' }), 'cancel');
      assert.equal(c.target, inv.transaction);
      const other = expectKind(rx({ via, method: 'CANCEL', uri: 'sip:carol@127.0.0.1' }), 'cancel');
      assert.equal(other.target, undefined);
    });
  });

  describe('merged requests (§8.2.2.2)', () => {
    it('same From tag, Call-ID and CSeq, no To tag, different branch → merged (the core answers 482)', () => {
      const first = expectKind(rx({ branch: 'z9hG4bKpath1' }), 'request');
      const m = expectKind(rx({ branch: 'z9hG4bKpath2' }), 'merged');
      assert.notEqual(m.transaction, first.transaction);
      m.transaction.respond(response(m.request, 482));
      expectKind(rx({ branch: 'z9hG4bKpath2' }), 'retransmission');
      assert.equal(transport.responses(482).length, 2, 'the 482 is resent for retransmissions');
    });

    it('a request with a To tag is never treated as merged', () => {
      expectKind(rx({ method: 'INFO', branch: 'z9hG4bKa', toTag: 'x' }), 'request');
      expectKind(rx({ method: 'INFO', branch: 'z9hG4bKb', toTag: 'x' }), 'request');
    });

    it('detectMergedRequests: false (proxy) reports both as requests', () => {
      layer.close();
      layer = new TransactionLayer({ transport, timers: TEST_TIMERS, detectMergedRequests: false });
      expectKind(rx({ branch: 'z9hG4bKpath1' }), 'request');
      expectKind(rx({ branch: 'z9hG4bKpath2' }), 'request');
    });

    it('once the original transaction terminates, the same keys are a new request again', () => {
      const o = expectKind(rx({ method: 'MESSAGE', branch: 'z9hG4bKm1' }), 'request');
      o.transaction.respond(response(o.request, 200));
      clock.tick(640);
      expectKind(rx({ method: 'MESSAGE', branch: 'z9hG4bKm2' }), 'request');
    });
  });

  describe('RFC 2543 fallback (§17.2.3 last paragraph)', () => {
    const via = 'SIP/2.0/UDP 127.0.0.1:5070';

    it('a request without a z9hG4bK branch matches its retransmission by the RFC 2543 rules', () => {
      const o = expectKind(rx({ via }), 'request');
      const again = expectKind(rx({ via }), 'retransmission');
      assert.equal(again.transaction, o.transaction);
      expectKind(rx({ via, cseq: 2 }), 'request');
    });

    it('the ACK matches when its To tag equals the tag of the response sent', () => {
      const o = expectKind(rx({ via }), 'request');
      o.transaction.respond(response(o.request, 486, 'srvtag'));
      expectKind(rx({ via, method: 'ACK', toTag: 'other' }), 'ack');
      assert.equal(o.transaction.state, S.Completed);
      expectKind(rx({ via, method: 'ACK', toTag: 'srvtag' }), 'ack-absorbed');
      assert.equal(o.transaction.state, S.Confirmed);
    });

    it('non-INVITE requests also compare the To tag', () => {
      expectKind(rx({ via, method: 'BYE', toTag: 'a' }), 'request');
      expectKind(rx({ via, method: 'BYE', toTag: 'b' }), 'request');
      expectKind(rx({ via, method: 'BYE', toTag: 'a' }), 'retransmission');
    });
  });

  describe('client transaction matching (§17.1.3)', () => {
    function send(spec: RequestSpec = {}, user = new RecordingUser()): { req: SipRequest; user: RecordingUser } {
      const req = request(spec);
      layer.createClientTransaction(req, dest(), user);
      return { req, user };
    }

    it('a response matches by top-Via branch and CSeq method and reaches the TU', () => {
      const { req, user } = send();
      const o = expectKind(layer.receive(inbound(response(req, 180))), 'response');
      assert.equal(o.transaction.request, req);
      assert.equal(user.responses.length, 1);
    });

    it('INVITE and CANCEL with the same branch are told apart by the CSeq method', () => {
      const inv = send();
      const cancelUser = new RecordingUser();
      const cancel = request({ method: 'CANCEL' });
      layer.createClientTransaction(cancel, dest(), cancelUser);
      layer.receive(inbound(response(cancel, 200)));
      layer.receive(inbound(response(inv.req, 487)));
      assert.deepEqual(cancelUser.responses.map((r) => r.status), [200]);
      assert.deepEqual(inv.user.responses.map((r) => r.status), [487]);
    });

    it('a response matching no client transaction is a stray response', () => {
      const o = layer.receive(inbound(response(request({ branch: 'z9hG4bKunknown' }), 200)));
      expectKind(o, 'stray-response');
    });

    it('ACK is not a client transaction; a request without a z9hG4bK branch is refused', () => {
      assert.throws(() => layer.createClientTransaction(request({ method: 'ACK' }), dest(), new RecordingUser()), TypeError);
      assert.throws(() => layer.createClientTransaction(request({ via: 'SIP/2.0/UDP 127.0.0.1:5070;branch=old' }), dest(), new RecordingUser()), TypeError);
    });

    it('a second transaction with the same branch and method is refused', () => {
      send();
      assert.throws(() => send());
    });

    it('the INVITE client transaction ACKs a non-2xx itself; the TU sees the final once', () => {
      const { req, user } = send();
      layer.receive(inbound(response(req, 486)));
      layer.receive(inbound(response(req, 486)));
      assert.equal(transport.requests('ACK').length, 2);
      assert.equal(user.responses.length, 1);
    });
  });

  describe('bounded maps', () => {
    it('every transaction is removed when it terminates: counts return to zero', () => {
      for (let i = 0; i < 5; i++) {
        const o = expectKind(rx({ branch: `z9hG4bKs${i}`, callId: `c${i}` }), 'request');
        o.transaction.respond(response(o.request, i % 2 === 0 ? 200 : 486));
        const n = expectKind(rx({ method: 'OPTIONS', branch: `z9hG4bKo${i}`, callId: `o${i}` }), 'request');
        n.transaction.respond(response(n.request, 200));
        const c = request({ method: 'OPTIONS', branch: `z9hG4bKc${i}`, callId: `k${i}` });
        layer.createClientTransaction(c, dest(), new RecordingUser());
        if (i % 2 === 0) layer.receive(inbound(response(c, 200)));
        const ic = request({ branch: `z9hG4bKi${i}`, callId: `i${i}` });
        layer.createClientTransaction(ic, dest(), new RecordingUser());
        layer.receive(inbound(response(ic, i % 2 === 0 ? 200 : 404)));
      }
      assert.deepEqual(layer.counts(), { client: 10, server: 10 });
      clock.tick(10_000);
      assert.deepEqual(layer.counts(), { client: 0, server: 0 });
      assert.equal(clock.pending, 0, 'no timers left behind');
    });

    it('close() terminates every live transaction', () => {
      rx({});
      layer.createClientTransaction(request({ branch: 'z9hG4bKcl' }), dest(), new RecordingUser());
      layer.close();
      assert.deepEqual(layer.counts(), { client: 0, server: 0 });
      assert.equal(clock.pending, 0);
    });

    it('a message without Via or CSeq is reported invalid and creates nothing', () => {
      const req = request({});
      req.remove('cseq');
      expectKind(layer.receive(inbound(req)), 'invalid');
      assert.deepEqual(layer.counts(), { client: 0, server: 0 });
    });
  });
});
