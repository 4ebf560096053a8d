/// <reference types="mocha" />
// parseNameAddr / formatNameAddr (RFC 3261 §20.10, §25.1 name-addr / addr-spec).
import assert from 'node:assert/strict';
import { formatNameAddr, parseNameAddr } from '../../src/parser';
import type { NameAddr } from '../../src/parser';

function na(text: string): NameAddr {
  const v = parseNameAddr(text);
  if (v === undefined) assert.fail(`parseNameAddr(${JSON.stringify(text)}) failed`);
  return v;
}

describe('parseNameAddr: display names (§25.1 display-name)', () => {
  it('reads a quoted display name and unescapes quoted-pairs', () => {
    assert.equal(na('"A \\"quoted\\" \\\\ name" <sip:a@b>').displayName, 'A "quoted" \\ name');
  });
  it('reads a display name of several tokens', () => {
    assert.equal(na('Mr. Watson  Thomas <sip:t@b>').displayName, 'Mr. Watson  Thomas');
  });
  it('accepts no LWS between display name and "<" (RFC 4475 lwsdisp)', () => {
    assert.equal(na('caller<sip:caller@example.com>').displayName, 'caller');
  });
  it('accepts UTF-8 display names, quoted or not', () => {
    assert.equal(na('"Zoë" <sip:z@b>').displayName, 'Zoë');
    assert.equal(na('Zoë <sip:z@b>').displayName, 'Zoë');
  });
  it('rejects an unterminated quoted string (RFC 4475 quotbal)', () => {
    assert.equal(parseNameAddr('"Mr. J. User <sip:j.user@example.com>'), undefined);
  });
  it('rejects non-token characters in an unquoted display name (RFC 4475 baddn)', () => {
    assert.equal(parseNameAddr('Bell, Alexander <sip:a.g.bell@example.com>;tag=43'), undefined);
  });
  it('has no display name when none is written', () => {
    assert.equal(na('<sip:a@b>').displayName, undefined);
  });
});

describe('parseNameAddr: name-addr vs addr-spec (§20.10)', () => {
  it('gives URI params to the URI inside <> and the rest to the header', () => {
    const v = na('<sip:a@b;transport=tcp>;tag=1;expires=60');
    assert.equal(v.angle, true);
    assert.equal(v.uri.params.get('transport'), 'tcp');
    assert.deepEqual([...v.params], [['tag', '1'], ['expires', '60']]);
  });
  it('gives params after an addr-spec to the header, not the URI', () => {
    const v = na('sip:+19725552222@gw1.example.net;unknownparam;tag=x');
    assert.equal(v.angle, false);
    assert.equal(v.uri.params.size, 0);
    assert.deepEqual([...v.params], [['unknownparam', null], ['tag', 'x']]);
  });
  it('rejects an addr-spec containing "?" or "," (RFC 4475 regbadct)', () => {
    assert.equal(parseNameAddr('sip:user@example.com?Route=%3Csip:sip.example.com%3E'), undefined);
  });
  it('rejects LWS inside <> (RFC 4475 badaspec)', () => {
    assert.equal(parseNameAddr('"Watson, Thomas" < sip:t.watson@example.org >'), undefined);
  });
  it('reads header params with LWS and quoted values (RFC 4475 wsinv)', () => {
    const v = na('"Quoted string \\"\\"" <sip:jdrosen@example.com> ; newparam = newvalue ; secondparam ; q = 0.33');
    assert.deepEqual([...v.params], [['newparam', 'newvalue'], ['secondparam', null], ['q', '0.33']]);
    assert.equal(na('<sip:a@b>;+sip.instance="<urn:uuid:1>"').params.get('+sip.instance'), '"<urn:uuid:1>"');
  });
  it('reads Contact: * as a wildcard (§10.2.2)', () => {
    const v = na(' * ');
    assert.equal(v.wildcard, true);
    assert.equal(formatNameAddr(v), '*');
  });
  it('accepts unknown URI schemes (RFC 4475 unksm2)', () => {
    assert.equal(na('<http://www.example.com>;tag=3234233').uri.scheme, 'http');
    assert.equal(na('isbn:2983792873').uri.opaque, '2983792873');
  });
  it('rejects empty, unclosed and trailing garbage', () => {
    for (const bad of ['', '   ', '<sip:a@b', '<>', '<sip:a@b> junk', '<sip:a@b>;', '<sip:a@b>;tag=', 'Alice']) {
      assert.equal(parseNameAddr(bad), undefined, bad);
    }
  });
});

describe('formatNameAddr', () => {
  it('writes a quoted display name, <uri> and params', () => {
    assert.equal(formatNameAddr(na('Alice <sip:alice@atlanta.com>;tag=88sja8x')), '"Alice" <sip:alice@atlanta.com>;tag=88sja8x');
  });
  it('keeps an addr-spec without <> when that is unambiguous', () => {
    assert.equal(formatNameAddr(na('sip:a@b;tag=1')), 'sip:a@b;tag=1');
  });
  it('adds <> when the URI has params or headers (§20.10)', () => {
    const v = na('sip:a@b');
    v.uri.params.set('lr', null);
    assert.equal(formatNameAddr(v), '<sip:a@b;lr>');
  });
  it('escapes quotes and backslashes in the display name', () => {
    assert.equal(formatNameAddr(na('"a\\"b\\\\c" <sip:x@y>')), '"a\\"b\\\\c" <sip:x@y>');
  });
  it('is stable and semantically equal after a round trip', () => {
    for (const text of ['"J Rosenberg \\\\\\"" <sip:jdrosen@example.com> ; tag = 98asjd8', 'caller<sip:caller@example.com>;tag=323', 'sip:user@example.com;tag=3', '<sip:%00@host5.example.com>']) {
      const once = formatNameAddr(na(text));
      assert.equal(formatNameAddr(na(once)), once);
      assert.deepEqual(na(once), { ...na(text), angle: na(once).angle });
    }
  });
});
