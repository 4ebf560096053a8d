import assert from 'node:assert/strict';
import { SipRequest } from '../../src/parser';
import { LocalEndpoints } from '../../src/core/local-endpoints';
import {
  decrementMaxForwards, hasLooped, isOurUri, maxForwardsExhausted, newProxyBranch, passedThroughUs, popOurRoutes, proxyVia,
} from '../../src/core/proxy/forward';

const us = new LocalEndpoints([
  { protocol: 'udp', address: '127.0.0.1', port: 5060 },
  { protocol: 'tcp', address: '127.0.0.1', port: 5060 },
]);

function invite(extra: (r: SipRequest) => void = () => undefined): SipRequest {
  const r = new SipRequest('INVITE', 'sip:bob@example.test');
  r.append('via', 'SIP/2.0/UDP 10.0.0.9:5070;branch=z9hG4bKcaller;rport');
  r.set('max-forwards', '70');
  r.set('from', '<sip:alice@example.test>;tag=a1');
  r.set('to', '<sip:bob@example.test>');
  r.set('call-id', 'c1@test');
  r.set('cseq', '1 INVITE');
  extra(r);
  return r;
}

/** What the next hop would send back to us if it routed the request straight back. */
function forwardedBy(r: SipRequest, viaHost = '127.0.0.1:5060'): SipRequest {
  const out = invite();
  out.headers = r.headers.map((h) => ({ ...h }));
  out.uri = r.uri;
  out.prepend('via', proxyVia('udp', viaHost, newProxyBranch(r)));
  return out;
}

describe('proxy forwarding rules (RFC 3261 §16.3, §16.4, §16.6)', () => {
  describe('Max-Forwards (§16.3 step 3, §16.6 step 3)', () => {
    it('is decremented on the forwarded copy, and set to 70 when absent', () => {
      const r = invite();
      decrementMaxForwards(r);
      assert.equal(r.get('max-forwards'), '69');
      r.remove('max-forwards');
      decrementMaxForwards(r);
      assert.equal(r.get('max-forwards'), '70');
    });
    it('0 means the request must not be forwarded (483)', () => {
      assert.equal(maxForwardsExhausted(invite((r) => r.set('max-forwards', '0'))), true);
      assert.equal(maxForwardsExhausted(invite((r) => r.set('max-forwards', '1'))), false);
      assert.equal(maxForwardsExhausted(invite((r) => r.remove('max-forwards'))), false);
    });
  });

  describe('loop detection (§16.3 step 4 with the §16.6 step 8 branch)', () => {
    it('a request that comes back unchanged has looped', () => {
      const first = invite();
      const back = forwardedBy(first);
      back.prepend('via', 'SIP/2.0/UDP 10.0.0.50:5060;branch=z9hG4bKnexthop');
      assert.equal(hasLooped(back, us), true);
      assert.equal(passedThroughUs(back, us), true);
    });
    it('a request that comes back with another Request-URI is spiralling, not looping', () => {
      const first = invite();
      const back = forwardedBy(first);
      back.prepend('via', 'SIP/2.0/UDP 10.0.0.50:5060;branch=z9hG4bKnexthop');
      back.uri = 'sip:bob-mobile@example.test';
      assert.equal(hasLooped(back, us), false);
      assert.equal(passedThroughUs(back, us), true);
    });
    it('another element\'s Via with the same branch shape is not ours', () => {
      const first = invite();
      const back = forwardedBy(first, '10.0.0.77:5060');
      assert.equal(hasLooped(back, us), false);
      assert.equal(passedThroughUs(back, us), false);
    });
  });

  describe('Route processing (§16.4, RFC 5658 double Record-Route)', () => {
    it('pops every top Route entry naming us (both of a double Record-Route), keeps the rest', () => {
      const r = invite((m) => {
        m.set('to', '<sip:bob@example.test>;tag=b1');
        m.append('route', '<sip:127.0.0.1:5060;lr;r2=on>, <sip:127.0.0.1:5060;transport=tcp;lr;r2=on>');
        m.append('route', '<sip:10.0.0.80;lr>');
      });
      assert.equal(popOurRoutes(r, us), 2);
      assert.deepEqual(r.getAll('route'), ['<sip:10.0.0.80;lr>']);
    });
    it('a Request-URI naming us (strict router before us) is replaced by the last Route', () => {
      const r = invite((m) => {
        m.uri = 'sip:127.0.0.1:5060;lr';
        m.append('route', '<sip:10.0.0.80;lr>');
        m.append('route', '<sip:bob@10.0.0.99>');
      });
      popOurRoutes(r, us);
      assert.equal(r.uri, 'sip:bob@10.0.0.99');
      assert.deepEqual(r.getAll('route'), ['<sip:10.0.0.80;lr>']);
    });
    it('recognises our URIs by address and port (5060 default), not other hosts', () => {
      assert.equal(isOurUri('<sip:127.0.0.1;lr>', us), true);
      assert.equal(isOurUri('<sip:127.0.0.1:5070;lr>', us), false);
      assert.equal(isOurUri('<sip:10.0.0.1:5060;lr>', us), false);
    });
  });
});
