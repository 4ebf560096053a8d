// SIP.js answers one challenge and only MD5: of MD5 + SHA-256 challenges (RFC 8760) it must see MD5 only.
import assert from 'node:assert/strict';
import { preferMd5Challenges } from '../src/digest';

const head = (status: string, hdr: string, algs: string[]): string => [
  `SIP/2.0 ${status}`, 'Via: SIP/2.0/WSS x.invalid;branch=z9hG4bK1', 'CSeq: 1 REGISTER', 'Call-ID: c1',
  ...algs.map((a) => `${hdr}: Digest realm="d", nonce="n", algorithm=${a}, qop="auth"`), 'Content-Length: 0', '', '',
].join('\r\n');

describe('web digest: challenges SIP.js can answer', () => {
  it('keeps only the MD5 WWW-Authenticate of a 401 with SHA-256 first', () => {
    const out = preferMd5Challenges(head('401 Unauthorized', 'WWW-Authenticate', ['SHA-256', 'MD5']));
    assert.equal(out.match(/WWW-Authenticate/g)?.length, 1);
    assert.match(out, /algorithm=MD5/);
    assert.ok(out.endsWith('Content-Length: 0\r\n\r\n'));
  });
  it('does the same for the Proxy-Authenticate of a 407, whatever the order', () => {
    const out = preferMd5Challenges(head('407 Proxy Authentication Required', 'Proxy-Authenticate', ['MD5', 'SHA-256']));
    assert.equal(out.match(/Proxy-Authenticate/g)?.length, 1);
    assert.doesNotMatch(out, /SHA-256/);
  });
  it('leaves a message with no MD5 challenge, one challenge, or another status as it is', () => {
    const sha = head('401 Unauthorized', 'WWW-Authenticate', ['SHA-256', 'SHA-512-256']);
    assert.equal(preferMd5Challenges(sha), sha);
    const one = head('401 Unauthorized', 'WWW-Authenticate', ['SHA-256']);
    assert.equal(preferMd5Challenges(one), one);
    const ok = head('200 OK', 'WWW-Authenticate', ['SHA-256', 'MD5']);
    assert.equal(preferMd5Challenges(ok), ok);
  });
});
