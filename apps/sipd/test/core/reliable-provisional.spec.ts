// RFC 3262 §3 on the UAS side: RSeq, retransmission until PRACK, RAck matching, one reliable 1xx
// outstanding at a time, and a 2xx held behind a reliable 1xx that carried SDP.
import assert from 'node:assert/strict';
import { ReliableProvisionals } from '../../src/core/reliable-provisional';

const T1 = 5;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('core/reliable-provisional', () => {
  it('RSeq starts anywhere in 1..2^31-1 and grows by one per reliable 1xx of a dialog (§3)', () => {
    const rel = new ReliableProvisionals(T1);
    const a = rel.nextRSeq('d1');
    assert.ok(a >= 1 && a < 2 ** 31);
    assert.equal(rel.nextRSeq('d1'), a + 1);
    rel.close();
  });

  it('retransmits with doubling intervals until the PRACK whose RAck names it; a wrong RAck does not stop it', async () => {
    const rel = new ReliableProvisionals(T1);
    let sent = 0;
    rel.start('d1', 7, 1, false, () => sent++, () => assert.fail('no timeout'));
    await sleep(40);
    assert.ok(sent >= 2, `retransmitted ${sent} times`);
    assert.equal(rel.acknowledge('d1', '8 1 INVITE'), false, 'RSeq mismatch');
    assert.equal(rel.acknowledge('d1', '7 2 INVITE'), false, 'CSeq mismatch');
    assert.equal(rel.acknowledge('d1', '7 1 BYE'), false, 'method mismatch');
    assert.equal(rel.acknowledge('d1', '7 1 INVITE'), true);
    const after = sent;
    await sleep(40);
    assert.equal(sent, after, 'no retransmission after the PRACK');
    assert.equal(rel.acknowledge('d1', '7 1 INVITE'), false, 'a second PRACK matches nothing');
    rel.close();
  });

  it('one reliable 1xx at a time: later sends wait for the PRACK and then run in order', () => {
    const rel = new ReliableProvisionals(T1);
    const order: string[] = [];
    rel.start('d1', 1, 1, true, () => undefined, () => undefined);
    assert.equal(rel.busy('d1'), true);
    rel.afterAcknowledged('d1', 'reliable', () => { order.push('second 183'); rel.start('d1', 2, 1, true, () => undefined, () => undefined); });
    rel.afterAcknowledged('d1', 'final', () => order.push('200'));
    assert.deepEqual(order, []);
    assert.equal(rel.acknowledge('d1', '1 1 INVITE'), true);
    assert.deepEqual(order, ['second 183'], 'the 200 still waits: the second reliable 183 (with SDP) is unacknowledged');
    assert.equal(rel.acknowledge('d1', '2 1 INVITE'), true);
    assert.deepEqual(order, ['second 183', '200']);
    assert.equal(rel.busy('d1'), false);
    rel.close();
  });

  it('a queued 2xx goes as soon as the unacknowledged reliable 1xx carries no SDP', () => {
    const rel = new ReliableProvisionals(T1);
    const order: string[] = [];
    rel.start('d1', 1, 1, true, () => undefined, () => undefined);
    rel.afterAcknowledged('d1', 'reliable', () => { order.push('180'); rel.start('d1', 2, 1, false, () => undefined, () => undefined); });
    rel.afterAcknowledged('d1', 'final', () => order.push('200'));
    rel.acknowledge('d1', '1 1 INVITE');
    assert.deepEqual(order, ['180', '200']);
    rel.close();
  });

  it('a 2xx is held only behind a reliable 1xx that carried a session description', () => {
    const rel = new ReliableProvisionals(T1);
    rel.start('plain', 1, 1, false, () => undefined, () => undefined);
    rel.start('sdp', 1, 1, true, () => undefined, () => undefined);
    assert.equal(rel.holdsFinal('plain'), false);
    assert.equal(rel.holdsFinal('sdp'), true);
    rel.close();
  });

  it('no PRACK within 64*T1: onTimeout runs, then whatever waited is released', async () => {
    const rel = new ReliableProvisionals(1);
    const events: string[] = [];
    const rseq = rel.nextRSeq('d1');
    rel.start('d1', rseq, 1, true, () => undefined, () => events.push('timeout'));
    rel.afterAcknowledged('d1', 'final', () => events.push('held 200'));
    await sleep(150);
    assert.deepEqual(events, ['timeout', 'held 200']);
    assert.equal(rel.size, 1, 'only the RSeq counter of the dialog is left');
    rel.forget('d1');
    assert.equal(rel.size, 0);
  });

  it('stop() (a final response, the dialog ended) drops retransmissions and waiting sends', async () => {
    const rel = new ReliableProvisionals(T1);
    let sent = 0;
    rel.start('d1', 1, 1, true, () => sent++, () => assert.fail('no timeout'));
    rel.afterAcknowledged('d1', 'final', () => assert.fail('dropped'));
    rel.stop('d1');
    await sleep(30);
    assert.equal(sent, 0);
    assert.equal(rel.busy('d1'), false);
    rel.close();
  });
});
