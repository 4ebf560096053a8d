/// <reference types="mocha" />
// RFC 4475 torture messages (and RFC 5118 IPv6 ones) against parseMessage, driven by the manifest
// the engine's tests share. Key fields are checked for the messages that exist to exercise them.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import {
  SipRequest, SipResponse, parseCSeq, parseMessage, parseNameAddr, parseUri, parseVia, serializeMessage,
} from '../../src/parser';
import type { SipMessage } from '../../src/parser';
import { TORTURE_CASES } from '../fixtures/rfc4475/manifest';
import { FIXTURE_DIR, fixture } from './fixtures';

function parsed(name: string): SipMessage {
  const r = parseMessage(fixture(name));
  if (!r.ok) assert.fail(`${name}: ${r.reason}`);
  return r.message;
}

function request(name: string): SipRequest {
  const m = parsed(name);
  assert.ok(m instanceof SipRequest, `${name} is a request`);
  return m;
}

describe('RFC 4475 torture messages: manifest', () => {
  it('lists every .sip fixture exactly once (49 RFC 4475 messages + RFC 5118 ones)', () => {
    const files = readdirSync(FIXTURE_DIR).filter((f) => f.endsWith('.sip')).map((f) => f.slice(0, -4));
    const v6 = readdirSync(FIXTURE_DIR + '/rfc5118').filter((f) => f.endsWith('.sip')).map((f) => 'rfc5118/' + f.slice(0, -4));
    assert.equal(files.length, 49);
    assert.deepEqual([...files, ...v6].sort(), TORTURE_CASES.map((c) => c.name).sort());
  });
});

describe('RFC 4475 torture messages: parseMessage outcome per manifest', () => {
  for (const c of TORTURE_CASES) {
    const what = c.parse === 'ok' ? 'parses' : `fails with ${c.parse.status}${c.parse.partial ? ' and a partial request' : ', no answer'}`;
    it(`${c.section} ${c.name} (${c.title}) ${what}`, () => {
      const r = parseMessage(fixture(c.name));
      if (c.parse === 'ok') {
        assert.ok(r.ok, r.ok ? '' : `${c.name}: ${r.reason}`);
        assert.equal(r.message.kind, c.kind);
        return;
      }
      assert.equal(r.ok, false, `${c.name} must not parse`);
      if (r.ok) return;
      assert.equal(r.status ?? 400, c.parse.status, r.reason);
      assert.equal(r.partial !== undefined, c.parse.partial, `partial for ${c.name}`);
      assert.ok(r.reason.length > 0 && !/[\r\n]/.test(r.reason), 'reason is one line');
    });
  }

  it('every message the manifest calls valid and parser-decided parses; invalid ones decided by the parser fail', () => {
    for (const c of TORTURE_CASES.filter((x) => x.layer === 'parser')) {
      const r = parseMessage(fixture(c.name));
      assert.equal(r.ok, c.parse === 'ok', c.name);
    }
  });

  it('the parser never rejects a message the RFC calls valid except for an unsupported Request-URI scheme (416)', () => {
    for (const c of TORTURE_CASES.filter((x) => x.valid)) {
      const r = parseMessage(fixture(c.name));
      if (!r.ok) assert.equal(r.status, 416, `${c.name}: ${r.reason}`);
    }
  });
});

describe('RFC 4475 §3.1.1.1 wsinv: a short tortuous INVITE', () => {
  const m = request('wsinv');
  it('reads the request line with an unknown Request-URI parameter', () => {
    assert.equal(m.method, 'INVITE');
    assert.equal(m.uri, 'sip:vivekg@chair-dnrc.example.com;unknownparam');
    assert.equal(parseUri(m.uri)?.params.get('unknownparam'), null);
  });
  it('unfolds To and reads its tag across LWS around "="', () => {
    const to = parseNameAddr(m.get('To')!);
    assert.equal(to?.uri.user, 'vivekg');
    assert.equal(to?.params.get('tag'), '1918181833n');
  });
  it('keeps escaped quotes in the From display name and reads the folded tag', () => {
    const from = parseNameAddr(m.get('from')!);
    assert.equal(from?.displayName, 'J Rosenberg \\"');
    assert.equal(from?.params.get('tag'), '98asjd8');
  });
  it('reads integer fields with leading zeros (Max-Forwards 0068, CSeq 0009 folded)', () => {
    assert.equal(m.get('Max-Forwards'), '0068');
    assert.deepEqual(parseCSeq(m.get('CSeq')!), { seq: 9, method: 'INVITE' });
  });
  it('collects Via from long and compact forms, comma-separated and separate lines, in order', () => {
    const vias = m.getAll('via').map((v) => parseVia(v));
    assert.deepEqual(vias.map((v) => [v?.transport, v?.host, v?.params.get('branch')]), [
      ['UDP', '192.0.2.2', '390skdjuw'],
      ['TCP', 'spindle.example.com', 'z9hG4bK9ikj8'],
      ['UDP', '192.168.255.111', 'z9hG4bK30239'],
    ]);
    assert.ok(vias.every((v) => v?.protocol === 'SIP/2.0'));
  });
  it('keeps an empty Subject (compact "s") and unknown headers with their unusual values', () => {
    assert.equal(m.get('subject'), '');
    assert.equal(m.get('NewFangledHeader'), 'newfangled value continued newfangled value');
    assert.equal(m.get('UnknownHeaderWithUnusualValue'), ';;,,;;,;');
  });
  it('reads the compact Contact with quoted display name and header parameters with and without value', () => {
    const c = parseNameAddr(m.get('m')!);
    assert.equal(c?.displayName, 'Quoted string ""');
    assert.equal(c?.params.get('newparam'), 'newvalue');
    assert.equal(c?.params.get('secondparam'), null);
    assert.equal(c?.params.get('q'), '0.33');
  });
  it('takes the 150-octet SDP body by Content-Length', () => {
    assert.equal(m.body.length, 150);
    assert.ok(m.body.toString().startsWith('v=0\r\n'));
  });
  it('re-serialises to a message that parses to the same header values', () => {
    const again = parseMessage(serializeMessage(m));
    assert.ok(again.ok);
    assert.deepEqual(again.message.headers.map((h) => [h.key, h.value]), m.headers.map((h) => [h.key, h.value]));
  });
});

describe('RFC 4475 §3.1.1.2 intmeth: wide range of valid characters', () => {
  const m = request('intmeth');
  it('accepts a method made of every token character, % included (not an escape there)', () => {
    assert.equal(m.method, "!interesting-Method0123456789_*+`.%indeed'~");
  });
  it('reads user and password of the unusual Request-URI', () => {
    const u = parseUri(m.uri);
    assert.equal(u?.user, "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
    assert.equal(u?.password, "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)");
    assert.equal(u?.host, 'example.com');
  });
  it('keeps quoted-pair NUL, BEL and DEL in the To display name', () => {
    assert.equal(parseNameAddr(m.get('to')!)?.displayName, 'BEL:\x07 NUL:\x00 DEL:\x7f');
  });
  it('accepts a multi-token display name and a UTF-8 quoted parameter value in From', () => {
    const from = parseNameAddr(m.get('from')!);
    assert.equal(from?.displayName, "token1~` token2'+_ token3*%!.-");
    assert.equal(from?.params.get("fromparam''~+*_!.-%"), '"работающий"');
    assert.equal(from?.params.get('tag'), "_token~1'+`*%!-.");
  });
  it('keeps a Call-ID with word characters that look like delimiters', () => {
    assert.equal(m.callId, 'intmeth.word%ZK-!.*_+\'@word`~)(><:\\/"][?}{');
  });
  it('keeps an extension header with UTF-8 value', () => {
    assert.equal(m.get("extensionHeader-!.%*+_`'~"), '\ufeff大停電');
  });
});

describe('RFC 4475 §3.1.1.3-5 escaping', () => {
  it('esc01: unescapes the Request-URI user to "sips:user@example.com" and From user with spaces', () => {
    const m = request('esc01');
    assert.equal(parseUri(m.uri)?.user, 'sips:user@example.com');
    assert.equal(parseUri(m.uri)?.host, 'example.net');
    assert.equal(parseNameAddr(m.get('to')!)?.uri.user, 'user');
    assert.equal(parseNameAddr(m.get('from')!)?.uri.user, 'I have spaces');
    const contact = parseNameAddr(m.get('contact')!);
    assert.equal(contact?.uri.user, 'caller');
    assert.equal(contact?.uri.params.get('lr'), null);
    assert.equal(contact?.uri.params.get('name'), 'value%41');
  });
  it('escnull: keeps escaped NULs in user parts', () => {
    const m = request('escnull');
    assert.equal(parseNameAddr(m.get('to')!)?.uri.user, 'null-\x00-null');
    assert.deepEqual(m.getAll('contact').map((c) => parseNameAddr(c)?.uri.user), ['\x00', '\x00\x00']);
  });
  it('esc02: treats RE%47IST%45R as an unknown method and C%6Fntact as an unknown header', () => {
    const m = request('esc02');
    assert.equal(m.method, 'RE%47IST%45R');
    assert.equal(m.getAll('contact').length, 2);
    assert.equal(m.get('C%6Fntact'), '<sip:alias2@host2.example.com>');
    assert.equal(parseNameAddr(m.get('to')!)?.displayName, '%Z%45');
  });
});

describe('RFC 4475 §3.1.1.6-13 other valid messages', () => {
  it('lwsdisp: display name directly followed by "<"', () => {
    assert.equal(parseNameAddr(request('lwsdisp').get('from')!)?.displayName, 'caller');
  });
  it('longreq: long header values survive', () => {
    const m = request('longreq');
    assert.ok(m.getAll('via').length >= 30);
    assert.ok(parseNameAddr(m.get('to')!) !== undefined);
  });
  it('dblreq: only the first message of the datagram is read; extra octets are discarded', () => {
    const m = request('dblreq');
    assert.equal(m.method, 'REGISTER');
    assert.equal(m.body.length, 0);
    assert.equal(m.callId, 'dblreq.0ha0isndaksdj99sdfafnl3lk233412');
  });
  it('semiuri: the user part keeps ";par=u@example.net"', () => {
    const u = parseUri(request('semiuri').uri);
    assert.equal(u?.user, 'user;par=u@example.net');
    assert.equal(u?.host, 'example.com');
    assert.equal(u?.params.size, 0);
  });
  it('transports: unknown transports in Via are accepted', () => {
    const t = request('transports').getAll('via').map((v) => parseVia(v)?.transport);
    assert.deepEqual(t, ['UDP', 'SCTP', 'TLS', 'UNKNOWN', 'TCP']);
  });
  it('mpart01: a binary multipart body is taken octet-exact by Content-Length', () => {
    const raw = fixture('mpart01');
    const m = request('mpart01');
    assert.equal(m.body.length, Number(m.get('content-length')));
    assert.ok(raw.subarray(raw.length - m.body.length).equals(m.body));
  });
  it('unreason: a UTF-8 reason phrase is decoded', () => {
    const m = parsed('unreason');
    assert.ok(m instanceof SipResponse);
    assert.equal(m.status, 200);
    assert.ok(m.reason.startsWith('= 2**3 * 5**2 но'));
  });
  it('noreason: an empty reason phrase is accepted', () => {
    const m = parsed('noreason');
    assert.ok(m instanceof SipResponse);
    assert.equal(m.status, 100);
    assert.equal(m.reason, '');
  });
  it('inv2543: no Content-Length on a datagram means the body is the rest', () => {
    const m = request('inv2543');
    assert.equal(m.get('content-length'), undefined);
    assert.ok(m.body.toString().startsWith('v=0'));
  });
  it('unksm2: unknown URI schemes in To, From and Contact are kept opaque', () => {
    const m = request('unksm2');
    assert.equal(parseNameAddr(m.get('to')!)?.uri.opaque, '2983792873');
    assert.equal(parseNameAddr(m.get('from')!)?.uri.scheme, 'http');
    assert.equal(parseNameAddr(m.get('contact')!)?.uri.scheme, 'name');
  });
  it('cparam01 / cparam02: parameters belong to the header without <>, to the URI with <> (§20.10)', () => {
    const a = parseNameAddr(request('cparam01').get('contact')!);
    assert.equal(a?.params.get('unknownparam'), null);
    assert.equal(a?.uri.params.size, 0);
    const b = parseNameAddr(request('cparam02').get('contact')!);
    assert.equal(b?.uri.params.get('unknownparam'), null);
    assert.equal(b?.params.size, 0);
  });
  it('regescrt: the escaped Route header of the Contact URI is unescaped', () => {
    const c = parseNameAddr(request('regescrt').get('contact')!);
    assert.equal(c?.uri.headers.get('Route'), '<sip:sip.example.com>');
  });
});

describe('RFC 4475 invalid messages: reasons', () => {
  const reason = (name: string): string => {
    const r = parseMessage(fixture(name));
    assert.equal(r.ok, false);
    return r.ok ? '' : r.reason;
  };
  it('names the offending field', () => {
    assert.match(reason('scalar02'), /CSeq/);
    assert.match(reason('ncl'), /Content-Length/);
    assert.match(reason('mcl01'), /Content-Length/);
    assert.match(reason('quotbal'), /To/);
    assert.match(reason('baddn'), /From/);
    assert.match(reason('mismatch01'), /CSeq/);
    assert.match(reason('insuf'), /Missing/);
    assert.match(reason('badvers'), /Version/);
  });
  it('a partial request carries what is needed to answer (Via, Call-ID, CSeq)', () => {
    const r = parseMessage(fixture('mismatch01'));
    assert.ok(!r.ok && r.partial !== undefined);
    if (r.ok || r.partial === undefined) return;
    assert.equal(r.partial.method, 'OPTIONS');
    assert.equal(r.partial.callId, 'mismatch01.dj0234sxdfl3');
    assert.ok(r.partial.has('via') && r.partial.has('cseq') && r.partial.has('from') && r.partial.has('to'));
  });
});

describe('RFC 5118 IPv6 references', () => {
  it('§4.1 ipv6-good: Request-URI, Via sent-by and Contact hold bracketed IPv6 references', () => {
    const m = request('rfc5118/ipv6-good');
    assert.equal(parseUri(m.uri)?.host, '[2001:db8::10]');
    assert.equal(parseVia(m.get('via')!)?.host, '[2001:db8::9:1]');
    assert.equal(parseNameAddr(m.get('contact')!)?.uri.host, '[2001:db8::1]');
  });
  it('§4.3 port-ambiguous: everything inside [] is the address; there is no port', () => {
    const u = parseUri(request('rfc5118/port-ambiguous').uri);
    assert.equal(u?.host, '[2001:db8::10:5070]');
    assert.equal(u?.port, undefined);
  });
  it('§4.4 port-unambiguous: the port follows "]"', () => {
    const u = parseUri(request('rfc5118/port-unambiguous').uri);
    assert.equal(u?.host, '[2001:db8::10]');
    assert.equal(u?.port, 5070);
  });
  it('§4.5: received is accepted with and without [] delimiters', () => {
    assert.equal(parseVia(request('rfc5118/via-received-param-with-delim').get('via')!)?.params.get('received'), '[2001:db8::9:255]');
    assert.equal(parseVia(request('rfc5118/via-received-param-no-delim').get('via')!)?.params.get('received'), '2001:db8::9:255');
  });
  it('§4.7: IPv6 sent-by with a port', () => {
    const v = parseVia(request('rfc5118/mult-ip-in-header').get('via')!);
    assert.equal(v?.host, '[2001:db8::9:1]');
    assert.equal(v?.port, 6050);
  });
  it('§4.9: IPv4-mapped IPv6 references', () => {
    assert.equal(parseNameAddr(request('rfc5118/ipv4-mapped-ipv6').get('contact')!)?.uri.host, '[::ffff:192.0.2.2]');
  });
  it('§4.10: both the 3-colon (RFC 3261 ABNF bug) and 2-colon forms are tolerated', () => {
    assert.equal(parseUri(request('rfc5118/ipv6-bug-abnf-3-colons').uri)?.host, '[2001:db8:::192.0.2.1]');
    assert.equal(parseUri(request('rfc5118/ipv6-correct-abnf-2-colons').uri)?.host, '[2001:db8::192.0.2.1]');
  });
});
