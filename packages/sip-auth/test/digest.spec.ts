import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { DigestOutcome, DigestServer, digestResponse, NonceCounter, NonceFactory, parseDigestCredentials } from '../src';

const md5 = (s: string): string => createHash('md5').update(s).digest('hex');
const sha = (s: string): string => createHash('sha256').update(s).digest('hex');
const HA1 = { MD5: md5('alice:ex.test:pw'), 'SHA-256': sha('alice:ex.test:pw') };

function nonceOf(challenge: string): string {
  return /nonce="([^"]+)"/.exec(challenge)?.[1] ?? '';
}

function answer(alg: 'MD5' | 'SHA-256', nonce: string, nc: string, ha1 = HA1[alg]): string {
  const c = { nonce, uri: 'sip:ex.test', nc, cnonce: 'abc', qop: 'auth' };
  const response = digestResponse(alg, ha1, c, 'REGISTER');
  return `Digest username="alice", realm="ex.test", nonce="${nonce}", uri="sip:ex.test", response="${response}", algorithm=${alg}, qop=auth, nc=${nc}, cnonce="abc"`;
}

describe('sip-auth: challenges (RFC 8760 §2.4)', () => {
  it('offers SHA-256 and MD5 together, most preferred first, with qop=auth', () => {
    const s = new DigestServer({ nonceKey: 'k'.repeat(32), nonceTtlSeconds: 60 });
    const [a, b] = s.challenge('ex.test');
    assert.match(a, /^Digest realm="ex\.test", algorithm=SHA-256, nonce="[^"]+", qop="auth"$/);
    assert.match(b, /algorithm=MD5/);
    assert.equal(nonceOf(a), nonceOf(b));
  });
  it('adds stale=true only when asked (RFC 7616 §3.3)', () => {
    const s = new DigestServer({ nonceKey: 'k'.repeat(32), nonceTtlSeconds: 60 });
    assert.match(s.challenge('ex.test', true)[0], /stale=true/);
    assert.doesNotMatch(s.challenge('ex.test')[0], /stale/);
  });
});

describe('sip-auth: verification against stored HA1', () => {
  const s = new DigestServer({ nonceKey: 'k'.repeat(32), nonceTtlSeconds: 60 });
  for (const alg of ['MD5', 'SHA-256'] as const) {
    it(`accepts a correct ${alg} response (RFC 7616 §3.4.1)`, () => {
      const nonce = nonceOf(s.challenge('ex.test')[0]);
      const r = s.verify(s.parse(answer(alg, nonce, '00000001')), 'ex.test', 'REGISTER', HA1);
      assert.equal(r.outcome, DigestOutcome.Ok);
      assert.equal(r.algorithm, alg);
    });
  }
  it('answers a wrong password and an unknown user the same way (no enumeration)', () => {
    const nonce = nonceOf(s.challenge('ex.test')[0]);
    const wrong = s.verify(s.parse(answer('MD5', nonce, '00000001', md5('alice:ex.test:nope'))), 'ex.test', 'REGISTER', HA1);
    const unknown = s.verify(s.parse(answer('MD5', nonce, '00000002')), 'ex.test', 'REGISTER', undefined);
    assert.equal(wrong.outcome, DigestOutcome.Mismatch);
    assert.equal(unknown.outcome, DigestOutcome.Mismatch);
  });
  it('refuses a replayed nonce count (RFC 7616 §3.4: nc must grow)', () => {
    const nonce = nonceOf(s.challenge('ex.test')[0]);
    assert.equal(s.verify(s.parse(answer('MD5', nonce, '00000001')), 'ex.test', 'REGISTER', HA1).outcome, DigestOutcome.Ok);
    assert.equal(s.verify(s.parse(answer('MD5', nonce, '00000001')), 'ex.test', 'REGISTER', HA1).outcome, DigestOutcome.Replay);
    assert.equal(s.verify(s.parse(answer('MD5', nonce, '00000002')), 'ex.test', 'REGISTER', HA1).outcome, DigestOutcome.Ok);
  });
  it('reports a correct answer to an expired nonce as stale', () => {
    let now = 1_700_000_000_000;
    const t = new DigestServer({ nonceKey: 'k'.repeat(32), nonceTtlSeconds: 10, now: () => now });
    const nonce = nonceOf(t.challenge('ex.test')[0]);
    now += 11_000;
    assert.equal(t.verify(t.parse(answer('SHA-256', nonce, '00000001')), 'ex.test', 'REGISTER', HA1).outcome, DigestOutcome.Stale);
  });
  it('rejects a nonce it did not issue, or one issued for another realm', () => {
    const other = new DigestServer({ nonceKey: 'x'.repeat(32), nonceTtlSeconds: 60 });
    const forged = nonceOf(other.challenge('ex.test')[0]);
    assert.equal(s.verify(s.parse(answer('MD5', forged, '00000001')), 'ex.test', 'REGISTER', HA1).outcome, DigestOutcome.BadNonce);
    const foreign = nonceOf(s.challenge('other.test')[0]);
    assert.equal(s.verify(s.parse(answer('MD5', foreign, '00000001')), 'ex.test', 'REGISTER', HA1).outcome, DigestOutcome.BadNonce);
  });
  it('refuses algorithms it did not offer', () => {
    const md5Only = new DigestServer({ nonceKey: 'k'.repeat(32), nonceTtlSeconds: 60, algorithms: ['MD5'] });
    const nonce = nonceOf(md5Only.challenge('ex.test')[0]);
    assert.equal(md5Only.verify(md5Only.parse(answer('SHA-256', nonce, '00000001')), 'ex.test', 'REGISTER', HA1).outcome, DigestOutcome.BadAlgorithm);
  });
});

describe('sip-auth: Authorization parsing', () => {
  it('reads quoted and token values, and only the first Digest credentials of joined lines', () => {
    const c = parseDigestCredentials('Digest username="a\\"b", realm="r", nonce="n", uri="sip:r", response="x", nc=00000001, qop=auth, Digest username="z", realm="q"');
    assert.equal(c?.username, 'a"b');
    assert.equal(c?.nc, '00000001');
    assert.equal(c?.realm, 'r');
  });
  it('returns undefined for non-Digest or incomplete credentials', () => {
    assert.equal(parseDigestCredentials('Basic abc'), undefined);
    assert.equal(parseDigestCredentials('Digest username="a", realm="r"'), undefined);
  });
});

describe('sip-auth: nonces', () => {
  it('verifies its own nonces and rejects tampered ones', () => {
    const f = new NonceFactory('key', 60);
    const n = f.issue('r');
    assert.equal(f.check(n, 'r'), 'valid');
    const bad = (n[0] === 'A' ? 'B' : 'A') + n.slice(1);
    assert.equal(f.check(bad, 'r'), 'forged');
  });
  it('keeps replay state bounded', () => {
    const c = new NonceCounter(100);
    for (let i = 0; i < 1000; i++) c.accept(`n${i}`, 1, Date.now() + 60_000);
    assert.ok(c.size <= 100);
  });
});
