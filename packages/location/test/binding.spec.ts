import assert from 'node:assert/strict';
import { Binding, decodeBinding, devicesOf, encodeBinding, normaliseAor } from '../src';

const base: Binding = {
  aor: 'sip:alice@ex.test', key: 'sip:alice@127.0.0.1:5062', contact: 'sip:alice@127.0.0.1:5062', expiresAt: 2_000_000,
  callId: 'c1', cseq: 3, flow: { node: '127.0.0.1:5060', transport: 'udp', address: '127.0.0.1', port: 5062 }, updatedAt: 1_000_000,
};

describe('location: binding encoding', () => {
  it('round-trips a minimal binding', () => {
    assert.deepEqual(decodeBinding(base.aor, encodeBinding(base)), base);
  });
  it('round-trips every optional field (instance, reg-id, Path, NAT, push, account)', () => {
    const full: Binding = {
      ...base, key: 'urn:uuid:1;reg-id=1', q: 500, instance: 'urn:uuid:1', regId: 1, path: ['<sip:p1;lr>', '<sip:p2;lr>'],
      flow: { ...base.flow, transport: 'tcp', local: '127.0.0.1:5060' }, natted: true, userAgent: 'UA/1',
      push: { provider: 'apns', prid: 'tok', param: 'x' }, accountId: 42,
    };
    assert.deepEqual(decodeBinding(full.aor, encodeBinding(full)), full);
  });
  it('keeps a typical binding compact (well under 2.5 KB)', () => {
    assert.ok(encodeBinding({ ...base, userAgent: 'Linphone/5.2.0 (belle-sip/5.2.0)', accountId: 1 }).length < 200);
  });
  it('returns undefined for malformed stored values', () => {
    assert.equal(decodeBinding('a', 'not json'), undefined);
    assert.equal(decodeBinding('a', '[1,2,3]'), undefined);
  });
});

describe('location: reachable devices', () => {
  it('groups RFC 5626 flows of one instance into one device, freshest flow first', () => {
    const f1: Binding = { ...base, key: 'urn:uuid:1;reg-id=1', instance: 'urn:uuid:1', regId: 1, expiresAt: 3_000_000 };
    const f2: Binding = { ...base, key: 'urn:uuid:1;reg-id=2', instance: 'urn:uuid:1', regId: 2, expiresAt: 4_000_000,
      flow: { ...base.flow, port: 6000 } };
    const other: Binding = { ...base, key: 'sip:alice@127.0.0.1:7000', contact: 'sip:alice@127.0.0.1:7000', q: 200 };
    const d = devicesOf([f1, f2, other]);
    assert.equal(d.length, 2);
    assert.equal(d[0].device, 'urn:uuid:1');
    assert.equal(d[0].flow.port, 6000);
    assert.equal(d[0].bindings.length, 2);
    assert.equal(d[1].q, 200);
  });
  it('routes through the stored Path first (RFC 3327 §5.3), else over the flow, never the Contact host', () => {
    const natted: Binding = { ...base, contact: 'sip:alice@192.168.0.9:5060', flow: { ...base.flow, address: '203.0.113.5', port: 40000 } };
    assert.equal(devicesOf([natted])[0].nextHop, 'sip:203.0.113.5:40000;transport=udp');
    const viaPath: Binding = { ...natted, path: ['<sip:edge.ex.test;lr>'] };
    assert.equal(devicesOf([viaPath])[0].nextHop, 'sip:edge.ex.test;lr');
    assert.deepEqual(devicesOf([viaPath])[0].route, ['<sip:edge.ex.test;lr>']);
  });
  it('normalises AORs: host lower-cased, port and parameters dropped (RFC 3261 §10.3 step 5)', () => {
    assert.equal(normaliseAor('<sip:Alice@EX.test:5060;transport=tcp>'), 'sip:Alice@ex.test');
    assert.equal(normaliseAor('sips:bob%40x@ex.test'), 'sip:bob@x@ex.test');
  });
});
