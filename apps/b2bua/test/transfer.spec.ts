import assert from 'node:assert/strict';
import { parseReferTo } from '../src/lib/transfer';

describe('Refer-To (RFC 3515 §2.1) with Replaces (RFC 3891 §6.1)', () => {
  it('a blind target: the URI, its user and host', () => {
    assert.deepEqual(parseReferTo('<sip:carol@example.com>'), { uri: 'sip:carol@example.com', user: 'carol', host: 'example.com' });
  });
  it('an attended target: Replaces unescaped into call-id, to-tag, from-tag', () => {
    const t = parseReferTo('<sip:carol@example.com?Replaces=abc%40h%3Bto-tag%3D11%3Bfrom-tag%3D22>');
    assert.deepEqual(t?.replaces, { callId: 'abc@h', toTag: '11', fromTag: '22' });
    assert.equal(t?.uri, 'sip:carol@example.com');
  });
  it('Replaces without both tags is ignored; garbage is undefined', () => {
    assert.equal(parseReferTo('<sip:c@e?Replaces=abc%3Bto-tag%3D1>')?.replaces, undefined);
    assert.equal(parseReferTo(undefined), undefined);
    assert.equal(parseReferTo('not a uri'), undefined);
  });
});
