// The transaction layer on real UDP sockets (loopback, port 0, short timers).
import assert from 'node:assert/strict';
import { parseVia, serializeMessage, SipRequest, type SipResponse } from '../../src/parser';
import { createResponse } from '../../src/transaction/message-factory';
import { newBranch } from '../../src/transaction/transaction-keys';
import { TransactionLayer, type InboundOutcome } from '../../src/transaction/transaction-layer';
import { TransactionState } from '../../src/transaction/transaction-state';
import { TransportLayer } from '../../src/transport/transport-layer';
import type { Endpoint } from '../../src/transport/types';
import { parse, sipRequest, UdpPeer } from '../transport/support';

describe('TransactionLayer over a UDP TransportLayer', () => {
  let tl: TransportLayer;
  let layer: TransactionLayer;
  let local: Endpoint;
  let peer: UdpPeer;
  let outcomes: InboundOutcome[];

  beforeEach(async () => {
    tl = new TransportLayer({ contacts: ['sip:127.0.0.1:0;transport=udp'] });
    [local] = (await tl.listen()) as [Endpoint];
    layer = new TransactionLayer({ transport: tl, timers: { T1: 10, T2: 40, T4: 50, D: 100 } });
    outcomes = [];
    tl.on('message', (m) => outcomes.push(layer.receive(m)));
    peer = await UdpPeer.create();
  });
  afterEach(async () => {
    layer.close();
    peer.close();
    await tl.close();
  });

  const until = async (cond: () => boolean, ms = 2000): Promise<void> => {
    const end = Date.now() + ms;
    while (!cond()) {
      if (Date.now() > end) throw new Error('condition not met');
      await new Promise((r) => setTimeout(r, 5));
    }
  };

  it('INVITE → 100 Trying to the rport; retransmission absorbed; 486 → ACK absorbed → Confirmed → removed', async () => {
    const invite = sipRequest({ method: 'INVITE', via: 'SIP/2.0/UDP 10.0.0.1:5999;rport;branch=z9hG4bKint1' });
    peer.send(invite, local);
    const trying = parse(await peer.next()) as SipResponse;
    assert.equal(trying.status, 100);
    const via = parseVia(trying.getAll('via')[0]!)!;
    assert.equal(via.params.get('rport'), String(peer.port));
    assert.equal(via.params.get('received'), '127.0.0.1');

    peer.send(invite, local);
    assert.equal((parse(await peer.next()) as SipResponse).status, 100);
    await until(() => outcomes.length === 2);
    assert.deepEqual(outcomes.map((o) => o.kind), ['request', 'retransmission']);

    const first = outcomes[0]!;
    assert.ok(first.kind === 'request');
    first.transaction.respond(createResponse(first.request, 486, 'Busy Here', 'uas1'));
    const busy = parse(await peer.next()) as SipResponse;
    assert.equal(busy.status, 486);

    const ack = invite.replace(/^INVITE/, 'ACK').replace('CSeq: 1 INVITE', 'CSeq: 1 ACK').replace('To: <sip:bob@127.0.0.1>', 'To: <sip:bob@127.0.0.1>;tag=uas1');
    peer.send(ack, local);
    await until(() => outcomes.length === 3);
    assert.equal(outcomes[2]!.kind, 'ack-absorbed');
    assert.equal(first.transaction.state, TransactionState.Confirmed);
    await until(() => layer.counts().server === 0);
  });

  it('a client transaction sends over UDP, retransmits (Timer E) and hands the 200 to its user', async () => {
    const req = new SipRequest('OPTIONS', `sip:peer@127.0.0.1:${peer.port}`);
    req.append('via', `SIP/2.0/UDP 127.0.0.1:${local.port};branch=${newBranch()}`);
    req.set('from', '<sip:sipd@127.0.0.1>;tag=c1');
    req.set('to', `<sip:peer@127.0.0.1:${peer.port}>`);
    req.set('call-id', 'ct-1');
    req.set('cseq', '1 OPTIONS');
    const got: number[] = [];
    const tx = layer.createClientTransaction(req, { protocol: 'udp', address: '127.0.0.1', port: peer.port }, { onResponse: (r) => got.push(r.status) });
    const sent = parse(await peer.next()) as SipRequest;
    assert.equal(sent.method, 'OPTIONS');
    assert.equal((parse(await peer.next()) as SipRequest).method, 'OPTIONS', 'Timer E retransmission');
    peer.send(serializeMessage(createResponse(sent, 200, 'OK', 'p1')), local);
    await until(() => got.length === 1);
    assert.equal(tx.state, TransactionState.Completed);
    await until(() => layer.counts().client === 0);
  });
});
