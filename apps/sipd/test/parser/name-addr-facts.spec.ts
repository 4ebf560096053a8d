import assert from 'node:assert/strict';
import { formatNameAddr, isValidNameAddr, nameAddrFacts, parseNameAddr, withTag } from '../../src/parser';

// nameAddrFacts() memoises what parseNameAddr() says about a From/To value; withTag() must write
// exactly what formatNameAddr() wrote after adding the tag (the To of every response depends on it).
const VALUES = [
  '<sip:alice@example.com>',
  '<sip:alice@example.com>;tag=1928301774',
  'sip:alice@example.com;tag=abc',
  '"Alice Liddell" <sip:alice@example.com;transport=tcp>;tag=x;foo=bar',
  'Bob <sips:bob@[2001:db8::1]:5061>',
  '<sip:alice@example.com>;tag=',
  '<sip:alice@example.com>;tag',
  'sip:user@host;maddr=1.2.3.4',
  '<tel:+15551234567>',
  '"a>b" <sip:x@y>;tag=q',
  'sip:bad@host,other', // malformed: a comma needs <> (§20.10)
  '<sip:alice@example.com',
  '',
];

describe('parser/name-addr-facts', () => {
  it('reports a value as malformed exactly when parseNameAddr and isValidNameAddr reject it', () => {
    for (const v of VALUES) {
      const facts = nameAddrFacts(v);
      assert.equal(facts.parsed === undefined, parseNameAddr(v) === undefined, v);
      assert.equal(facts.parsed !== undefined, isValidNameAddr(v), v);
    }
  });

  it('gives the tag only when it has a non-empty value (§19.3)', () => {
    assert.equal(nameAddrFacts('<sip:a@b>;tag=1928301774').tag, '1928301774');
    assert.equal(nameAddrFacts('sip:a@b;tag=abc').tag, 'abc');
    assert.equal(nameAddrFacts('<sip:a@b;tag=inuri>').tag, undefined, 'a URI parameter is not the header tag');
    assert.equal(nameAddrFacts('<sip:a@b>;tag=').tag, undefined);
    assert.equal(nameAddrFacts('<sip:a@b>;tag').tag, undefined);
    assert.equal(nameAddrFacts('<sip:a@b').tag, undefined);
  });

  it('answers the same for a value read again after many other values (the cache is bounded)', () => {
    const first = nameAddrFacts('<sip:first@example.com>;tag=one');
    for (let i = 0; i < 100; i++) nameAddrFacts(`<sip:u${i}@example.com>;tag=t${i}`);
    const again = nameAddrFacts('<sip:first@example.com>;tag=one');
    assert.equal(again.tag, first.tag);
    assert.deepEqual(again.parsed, first.parsed);
  });

  it('withTag writes what formatNameAddr writes with the tag added, and leaves tagged or malformed values alone', () => {
    for (const v of VALUES) {
      const na = parseNameAddr(v);
      let expected = v;
      if (na !== undefined && !na.params.has('tag')) {
        na.params.set('tag', 'zz9');
        expected = formatNameAddr(na);
      }
      assert.equal(withTag(v, 'zz9'), expected, v);
    }
  });

  it('withTag does not change the shared parse it reads', () => {
    const v = '<sip:carol@example.com>';
    withTag(v, 'one');
    assert.equal(nameAddrFacts(v).parsed?.params.has('tag'), false);
    assert.equal(withTag(v, 'two'), '<sip:carol@example.com>;tag=two');
  });
});
