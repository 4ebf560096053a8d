import assert from 'node:assert/strict';
import { parseContacts, qValue, uriHost, uriParams } from '../src/lib/contact';

describe('registrar: Contact parsing (RFC 3261 §20.10)', () => {
  it('reads name-addrs with header parameters, including quoted +sip.instance', () => {
    const l = parseContacts('"A, b" <sip:a@10.0.0.1:5060;transport=tcp>;expires=60;q=0.5;+sip.instance="<urn:uuid:1>";reg-id=1, <sip:b@h>');
    assert.ok(l && !l.star);
    if (!l || l.star) return;
    assert.equal(l.contacts.length, 2);
    assert.equal(l.contacts[0].uri, 'sip:a@10.0.0.1:5060;transport=tcp');
    assert.equal(l.contacts[0].params.get('expires'), '60');
    assert.equal(l.contacts[0].params.get('+sip.instance'), '<urn:uuid:1>');
    assert.equal(l.contacts[0].params.get('reg-id'), '1');
  });
  it('treats every parameter of an addr-spec without brackets as a header parameter', () => {
    const l = parseContacts('sip:a@h;expires=0');
    assert.ok(l && !l.star && l.contacts[0].uri === 'sip:a@h' && l.contacts[0].params.get('expires') === '0');
  });
  it('recognises the wildcard and refuses it mixed with contacts (§10.3 step 6)', () => {
    assert.deepEqual(parseContacts(' * '), { star: true });
    assert.equal(parseContacts('*, <sip:a@h>'), undefined);
  });
  it('returns undefined for malformed values', () => {
    assert.equal(parseContacts('<sip:a@h'), undefined);
    assert.equal(parseContacts('"unterminated <sip:a@h>'), undefined);
    assert.equal(parseContacts('<http://x>'), undefined);
  });
  it('parses q-values of at most three decimals in 0..1', () => {
    assert.equal(qValue('0.5'), 500);
    assert.equal(qValue('1'), 1000);
    assert.equal(qValue('1.5'), 'invalid');
    assert.equal(qValue('0.1234'), 'invalid');
  });
  it('reads URI parameters (RFC 8599 pn-*) and hosts', () => {
    const p = uriParams('sip:a@h;pn-provider=apns;pn-prid=tok;pn-param=ABC.com.ex.voip?X=1');
    assert.equal(p.get('pn-provider'), 'apns');
    assert.equal(p.get('pn-param'), 'ABC.com.ex.voip');
    assert.equal(uriHost('sip:a@[::1]:5060'), '::1');
    assert.equal(uriHost('sips:A@Example.COM;x'), 'example.com');
  });
});
