/// <reference types="mocha" />
// parseUri / formatUri (RFC 3261 §19.1, §25.1; RFC 3966 tel; RFC 5118 IPv6 references).
import assert from 'node:assert/strict';
import { formatUri, parseUri } from '../../src/parser';
import type { SipUri } from '../../src/parser';

function uri(text: string): SipUri {
  const u = parseUri(text);
  if (u === undefined) assert.fail(`parseUri(${JSON.stringify(text)}) failed`);
  return u;
}

describe('parseUri: SIP and SIPS URIs (§19.1.1)', () => {
  it('reads scheme, user, password, host, port, params and headers', () => {
    const u = uri('sips:alice:secretword@atlanta.com:5061;transport=tcp;lr?subject=project%20x&priority=urgent');
    assert.equal(u.scheme, 'sips');
    assert.equal(u.user, 'alice');
    assert.equal(u.password, 'secretword');
    assert.equal(u.host, 'atlanta.com');
    assert.equal(u.port, 5061);
    assert.deepEqual([...u.params], [['transport', 'tcp'], ['lr', null]]);
    assert.deepEqual([...u.headers], [['subject', 'project x'], ['priority', 'urgent']]);
  });
  it('lower-cases the scheme and parameter names, keeps host and values as written', () => {
    const u = uri('SIP:Bob@Biloxi.Example.COM;Transport=TCP');
    assert.equal(u.scheme, 'sip');
    assert.equal(u.host, 'Biloxi.Example.COM');
    assert.equal(u.params.get('transport'), 'TCP');
  });
  it('accepts a URI without user part', () => {
    const u = uri('sip:192.0.2.4:5080;lr');
    assert.equal(u.user, undefined);
    assert.equal(u.host, '192.0.2.4');
    assert.equal(u.port, 5080);
  });
  it('accepts user-unreserved characters in the user part: ; ? / , (RFC 4475 semiuri)', () => {
    assert.equal(uri('sip:alice;day=tuesday@atlanta.com').user, 'alice;day=tuesday');
    assert.equal(uri('sip:+1-212-555-1212:1234@gateway.com;user=phone').password, '1234');
  });
  it('unescapes %HH in user, password, params and headers (§19.1.2)', () => {
    const u = uri('sip:%61lice:p%40ss@atlanta.com;n%61me=v%61lue?h%61=%3Csip:x%3E');
    assert.equal(u.user, 'alice');
    assert.equal(u.password, 'p@ss');
    assert.equal(u.params.get('name'), 'value');
    assert.equal(u.headers.get('ha'), '<sip:x>');
  });
  it('decodes escaped UTF-8 octets', () => {
    assert.equal(uri('sip:%C3%A9t%C3%A9@example.com').user, 'été');
  });
  it('decodes very long escaped user parts (linear, no stack overflow)', () => {
    assert.equal(uri('sip:' + '%41'.repeat(21000) + '@h').user, 'A'.repeat(21000));
  });
  it('keeps a "%" that does not start an escape', () => {
    assert.equal(uri('sip:100%@example.com').user, '100%');
  });
  it('rejects spaces, <> and missing host', () => {
    for (const bad of ['sip:a b@example.com', '<sip:a@b>', 'sip:', 'sip:@example.com', 'sip:a@', 'sip:a@b:x', 'sip:a@b:70000', 'sip:a@b;', 'sip:a@b?', 'sip:a@b;=x', 'sip:a@b extra']) {
      assert.equal(parseUri(bad), undefined, bad);
    }
  });
  it('trims surrounding whitespace', () => {
    assert.equal(uri('  sip:a@b  ').host, 'b');
  });
});

describe('parseUri: IPv6 references (RFC 5118)', () => {
  it('keeps brackets in host and reads the port after "]" (§4.4)', () => {
    const u = uri('sip:user@[2001:db8::10]:5070');
    assert.equal(u.host, '[2001:db8::10]');
    assert.equal(u.port, 5070);
  });
  it('reads everything inside [] as the address (§4.3)', () => {
    const u = uri('sip:[2001:db8::10:5070]');
    assert.equal(u.host, '[2001:db8::10:5070]');
    assert.equal(u.port, undefined);
  });
  it('rejects an IPv6 address without brackets (§4.2)', () => {
    assert.equal(parseUri('sip:user@2001:db8::10'), undefined);
  });
  it('accepts IPv4-mapped and 3-colon forms (§4.9, §4.10)', () => {
    assert.equal(uri('sip:[::ffff:192.0.2.2]').host, '[::ffff:192.0.2.2]');
    assert.equal(uri('sip:[2001:db8:::192.0.2.1]').host, '[2001:db8:::192.0.2.1]');
  });
  it('rejects malformed references', () => {
    for (const bad of ['sip:[]', 'sip:[2001:db8::1', 'sip:[zz::1]', 'sip:[1234]']) assert.equal(parseUri(bad), undefined, bad);
  });
});

describe('parseUri: tel and other schemes', () => {
  it('reads tel: numbers and parameters (RFC 3966)', () => {
    const u = uri('tel:+1-201-555-0123;ext=1234;phone-context=example.com');
    assert.equal(u.scheme, 'tel');
    assert.equal(u.user, '+1-201-555-0123');
    assert.equal(u.params.get('ext'), '1234');
    assert.equal(u.host, '');
  });
  it('keeps unknown schemes opaque (RFC 4475 unksm2)', () => {
    const u = uri('isbn:2983792873');
    assert.equal(u.scheme, 'isbn');
    assert.equal(u.opaque, '2983792873');
    assert.equal(uri('http://www.example.com/a?b=c').opaque, '//www.example.com/a?b=c');
  });
  it('rejects a scheme that does not start with a letter or has no ":"', () => {
    for (const bad of ['1sip:a@b', 'nocolon', ':x', 'urn:']) assert.equal(parseUri(bad), undefined, bad);
  });
});

describe('formatUri', () => {
  it('writes what parseUri read', () => {
    for (const text of [
      'sip:alice@atlanta.com', 'sips:alice:pw@atlanta.com:5061;transport=tcp;lr', 'sip:[2001:db8::10]:5070;maddr=[::1]',
      'sip:atlanta.com;method=REGISTER?to=alice%40atlanta.com', 'tel:+1-201-555-0123;ext=1', 'urn:service:sos',
      'sip:alice;day=tuesday@atlanta.com',
    ]) {
      assert.equal(formatUri(uri(text)), text);
    }
  });
  it('escapes characters that are not allowed unescaped (§19.1.2)', () => {
    assert.equal(formatUri({ scheme: 'sip', user: 'I have spaces', host: 'example.net', params: new Map([['x', 'a b']]), headers: new Map([['Route', '<sip:x>']]) }),
      'sip:I%20have%20spaces@example.net;x=a%20b?Route=%3Csip:x%3E');
    assert.equal(formatUri(uri('sip:null-%00-null@example.com')), 'sip:null-%00-null@example.com');
  });
  it('is stable: format(parse(format(parse(x)))) === format(parse(x))', () => {
    for (const text of ['sip:%61lice@a.com;%6C%72', 'sip:cal%6Cer@host5.example.net;%6C%72;n%61me=v%61lue%25%31', 'sip:100%@example.com']) {
      const once = formatUri(uri(text));
      assert.equal(formatUri(uri(once)), once);
    }
  });
});
