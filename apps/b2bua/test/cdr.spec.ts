import assert from 'node:assert/strict';
import { CdrBuilder, dispositionOf, displayNameOf } from '../src/lib/cdr';

const T0 = Date.UTC(2026, 10, 22, 8, 0, 0);

function builder(): CdrBuilder {
  return new CdrBuilder('session-1', 'call-a@h', T0, () => 'node-1', { site: 'test' });
}

describe('CdrBuilder', () => {
  describe('durations (packages/cdr definitions)', () => {
    it('answered after ringing: setup = start→18x, ring = 18x→answer, talk = answer→end', () => {
      const b = builder();
      b.ringing(T0 + 300);
      b.answered(T0 + 2300);
      const c = b.build({ at: T0 + 12300, status: 200, phrase: 'OK', side: 'caller', cause: null });
      assert.deepEqual([c.setupMs, c.ringMs, c.talkMs], [300, 2000, 10000]);
      assert.equal(c.disposition, 'answered');
      assert.equal(c.sipStatus, 200);
      assert.equal(c.endTime.getTime() - c.startTime.getTime(), 12300);
    });
    it('unanswered without 18x: setup = start→end, ring and talk 0', () => {
      const c = builder().build({ at: T0 + 50, status: 404, phrase: 'Not Found', side: 'system', cause: null });
      assert.deepEqual([c.setupMs, c.ringMs, c.talkMs], [50, 0, 0]);
      assert.equal(c.ringingTime, null);
      assert.equal(c.answerTime, null);
    });
    it('cancelled while ringing: ring = 18x→end', () => {
      const b = builder();
      b.ringing(T0 + 100);
      const c = b.build({ at: T0 + 900, status: 487, phrase: 'Request Terminated', side: 'caller', cause: null });
      assert.deepEqual([c.setupMs, c.ringMs, c.talkMs], [100, 800, 0]);
      assert.equal(c.disposition, 'cancelled');
    });
    it('only the first 18x and the first answer count', () => {
      const b = builder();
      b.ringing(T0 + 100);
      b.ringing(T0 + 500);
      b.answered(T0 + 600);
      b.answered(T0 + 900);
      const c = b.build({ at: T0 + 1000, status: 200, phrase: 'OK', side: 'callee', cause: null });
      assert.equal(c.ringingTime?.getTime(), T0 + 100);
      assert.equal(c.answerTime?.getTime(), T0 + 600);
    });
  });
  it('dispositions by status (RFC 3261 §21: 486/600 busy, 487 cancelled, 408/no answer)', () => {
    assert.equal(dispositionOf(486, false), 'busy');
    assert.equal(dispositionOf(600, false), 'busy');
    assert.equal(dispositionOf(487, false), 'cancelled');
    assert.equal(dispositionOf(480, true), 'no-answer');
    assert.equal(dispositionOf(408, false), 'no-answer');
    assert.equal(dispositionOf(503, false), 'failed');
    assert.equal(dispositionOf(200, false), 'answered');
  });
  it('media stats per leg come from the endpoint stats by leg name; transfer kind only with a link', () => {
    const b = builder();
    b.answered(T0);
    const leg = { packetsIn: 10, packetsOut: 9, bytesIn: 1720, bytesOut: 1548, packetsLost: 0, jitterMs: 1, mos: 4.3 };
    b.transferKind = 'blind';
    let c = b.build({ at: T0 + 1, status: 200, phrase: 'OK', side: 'caller', cause: null, stats: { legs: { a: leg }, totalPackets: 10 }, legs: { a: 'a', b: 'b2' } });
    assert.deepEqual(c.media.aLeg, leg);
    assert.equal(c.media.bLeg, null);
    assert.equal(c.transferKind, null);
    b.transferredTo = '00000000-0000-4000-8000-000000000001';
    c = b.build({ at: T0 + 1, status: 200, phrase: 'OK', side: 'caller', cause: null });
    assert.equal(c.transferKind, 'blind');
    assert.deepEqual(c.tags, { site: 'test' });
    assert.equal(c.nodeId, 'node-1');
  });
  it('display names from name-addrs', () => {
    assert.equal(displayNameOf('"Alice A" <sip:a@x>;tag=1'), 'Alice A');
    assert.equal(displayNameOf('Bob <sip:b@x>'), 'Bob');
    assert.equal(displayNameOf('<sip:b@x>'), null);
  });
});
