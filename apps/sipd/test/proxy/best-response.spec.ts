import assert from 'node:assert/strict';
import { SipResponse } from '../../src/parser';
import { bestResponse, bestResponseIndex } from '../../src/core/proxy/best-response';

function res(status: number, headers: Record<string, string[]> = {}): SipResponse {
  const r = new SipResponse(status, `R${status}`);
  r.append('via', 'SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKx');
  for (const [name, values] of Object.entries(headers)) for (const v of values) r.append(name, v);
  return r;
}

const statuses = (...s: number[]): SipResponse[] => s.map((x) => res(x));

describe('best response selection (RFC 3261 §16.7 steps 6–7)', () => {
  describe('class choice', () => {
    it('a 6xx wins over every other class', () => {
      assert.equal(bestResponse(statuses(486, 302, 603, 500))?.status, 603);
    });
    it('without a 6xx, the lowest class wins (3xx before 4xx before 5xx)', () => {
      assert.equal(bestResponse(statuses(500, 486, 302))?.status, 302);
      assert.equal(bestResponse(statuses(500, 486, 404))?.status, 486);
      assert.equal(bestResponse(statuses(502, 500))?.status, 502);
    });
    it('within 4xx, responses that let the caller resubmit (401, 407, 415, 420, 484) are preferred', () => {
      for (const s of [401, 407, 415, 420, 484]) assert.equal(bestResponse(statuses(486, s, 404))?.status, s, `status ${s}`);
    });
    it('among equals the first received is kept (stable)', () => {
      const list = statuses(486, 404, 480);
      assert.equal(bestResponseIndex(list), 0);
    });
    it('2xx and provisional responses are never candidates; none left ⇒ undefined (caller answers 408)', () => {
      assert.equal(bestResponse(statuses(180, 200)), undefined);
      assert.equal(bestResponse([]), undefined);
    });
  });

  describe('rewrites', () => {
    it('a chosen 503 goes upstream as 500 (§16.7 step 6), keeping its headers', () => {
      const r = res(503, { 'retry-after': ['30'] });
      const out = bestResponse([r]);
      assert.equal(out?.status, 500);
      assert.equal(out?.get('retry-after'), '30');
      assert.equal(r.status, 503, 'the stored response is not modified');
    });
    it('a 503 is still chosen over 6xx-less higher classes only by class: 486 beats 503', () => {
      assert.equal(bestResponse(statuses(503, 486))?.status, 486);
    });
    it('challenges of every 401/407 are collected into the chosen one (§16.7 step 7)', () => {
      const a = res(401, { 'www-authenticate': ['Digest realm="a", nonce="1"'] });
      const b = res(407, { 'proxy-authenticate': ['Digest realm="b", nonce="2"'] });
      const c = res(401, { 'www-authenticate': ['Digest realm="c", nonce="3"'] });
      const out = bestResponse([res(486), a, b, c]);
      assert.equal(out?.status, 401);
      assert.deepEqual(out?.getLines('www-authenticate'), ['Digest realm="a", nonce="1"', 'Digest realm="c", nonce="3"']);
      assert.deepEqual(out?.getLines('proxy-authenticate'), ['Digest realm="b", nonce="2"']);
      assert.deepEqual(a.getLines('proxy-authenticate'), [], 'the stored 401 is not modified');
    });
  });
});
