// RFC 7515/7519 HS256 tokens as the API uses them; RFC 8725 §3.1: the algorithm is not the token's choice.
import assert from 'node:assert/strict';
import { signJwt, verifyJwt } from '../src/crypto/jwt';

const KEY = 'k'.repeat(32);

describe('HS256 JWT', () => {
  it('verifies a token it signed and returns its claims', () => {
    const t = signJwt(KEY, { sub: '7', exp: 2_000_000_000 });
    const r = verifyJwt(KEY, t, 1_000_000_000_000);
    assert.ok(r.ok);
    assert.equal(r.ok && r.claims.sub, '7');
  });
  it('refuses a token signed with another key', () => {
    const t = signJwt('x'.repeat(32), { exp: 2_000_000_000 });
    assert.deepEqual(verifyJwt(KEY, t, 0), { ok: false, reason: 'signature' });
  });
  it('refuses an expired token (exp is seconds, compared with now)', () => {
    const t = signJwt(KEY, { exp: 100 });
    assert.deepEqual(verifyJwt(KEY, t, 100_000), { ok: false, reason: 'expired' });
  });
  it('refuses alg "none" and a changed payload', () => {
    const t = signJwt(KEY, { sub: '1', exp: 2_000_000_000 });
    const [, body, sig] = t.split('.');
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${body}.`;
    assert.equal(verifyJwt(KEY, none, 0).ok, false);
    const forged = `${t.split('.')[0]}.${Buffer.from('{"sub":"2","exp":2000000000}').toString('base64url')}.${sig}`;
    assert.deepEqual(verifyJwt(KEY, forged, 0), { ok: false, reason: 'signature' });
  });
  it('refuses a token without exp', () => {
    const t = signJwt(KEY, { exp: 5 }).split('.');
    const body = Buffer.from('{"sub":"1"}').toString('base64url');
    assert.equal(verifyJwt(KEY, `${t[0]}.${body}.${t[2]}`, 0).ok, false);
  });
});
