/// <reference types="mocha" />
// parseMessage and serializeMessage (RFC 3261 §7, §18.3, §20.14).
import assert from 'node:assert/strict';
import { SipRequest, SipResponse, parseMessage, serializeMessage } from '../../src/parser';
import type { ParseResult, SipMessage } from '../../src/parser';
import { BASE_REQUEST, BASE_RESPONSE, msg, request } from './build';

function ok(r: ParseResult): SipMessage {
  if (!r.ok) assert.fail(r.reason);
  return r.message;
}
function failure(r: ParseResult): Extract<ParseResult, { ok: false }> {
  if (r.ok) assert.fail('expected a parse failure');
  return r;
}

describe('parseMessage: start line (RFC 3261 §7.1, §7.2)', () => {
  it('reads a Request-Line: method, Request-URI, version', () => {
    const m = ok(parseMessage(request()));
    assert.ok(m instanceof SipRequest);
    assert.equal(m.method, 'INVITE');
    assert.equal(m.uri, 'sip:bob@biloxi.example.com');
    assert.equal(m.version, 'SIP/2.0');
  });
  it('reads a Status-Line with a multi-word reason phrase', () => {
    const m = ok(parseMessage(msg([...BASE_RESPONSE.slice(0, 0), 'SIP/2.0 180 Ringing Now', ...BASE_RESPONSE.slice(1)])));
    assert.ok(m instanceof SipResponse);
    assert.equal(m.status, 180);
    assert.equal(m.reason, 'Ringing Now');
  });
  it('accepts "SIP" in any case (ABNF strings are case-insensitive, §25)', () => {
    ok(parseMessage(request({}, '', 'INVITE sip:bob@biloxi.example.com sip/2.0')));
  });
  it('accepts unknown methods made of token characters (§7.1)', () => {
    const m = ok(parseMessage(request({ CSeq: '1 FOO.BAR' }, '', 'FOO.BAR sip:bob@biloxi.example.com SIP/2.0')));
    assert.equal((m as SipRequest).method, 'FOO.BAR');
  });
  it('answers 505 to an unsupported SIP version, with a partial request (§21.5.6)', () => {
    const f = failure(parseMessage(request({}, '', 'INVITE sip:bob@biloxi.example.com SIP/3.0')));
    assert.equal(f.status, 505);
    assert.ok(f.partial);
  });
  it('rejects a Request-Line with extra SP (elements are separated by single SP, §7.1)', () => {
    const f = failure(parseMessage(request({}, '', 'INVITE  sip:bob@biloxi.example.com SIP/2.0')));
    assert.equal(f.status ?? 400, 400);
    assert.equal(f.partial?.method, 'INVITE');
  });
  it('rejects status codes outside 100-699 and drops the response (no partial)', () => {
    for (const code of ['099', '700', '20x', '2000']) {
      const f = failure(parseMessage(msg([`SIP/2.0 ${code} X`, ...BASE_RESPONSE.slice(1)])));
      assert.equal(f.partial, undefined, code);
    }
  });
  it('ignores CRLFs before the start line (§7.5)', () => {
    ok(parseMessage(Buffer.concat([Buffer.from('\r\n\r\n'), request()])));
  });
  it('fails (without throwing) on empty input and on CRLF-only keep-alives', () => {
    failure(parseMessage(Buffer.alloc(0)));
    failure(parseMessage(Buffer.from('\r\n\r\n')));
  });
});

describe('parseMessage: header fields (§7.3)', () => {
  it('unfolds continuation lines to one SP (§7.3.1)', () => {
    const m = ok(parseMessage(msg([...BASE_REQUEST, 'Subject: I know you\'re there,', '   pick up the phone', '\tand talk to me!'])));
    assert.equal(m.get('subject'), "I know you're there, pick up the phone and talk to me!");
  });
  it('treats header names case-insensitively and maps compact forms to long forms (§7.3.3)', () => {
    const lines = ['INVITE sip:bob@biloxi.example.com SIP/2.0', 'v: SIP/2.0/UDP h;branch=z9hG4bK1', 't: <sip:bob@b>', 'F: <sip:a@a>;tag=1', 'i: abc', 'CSEQ: 1 INVITE', 'm: <sip:a@h>', 'l: 0', 'k: timer'];
    const m = ok(parseMessage(msg(lines)));
    assert.deepEqual(m.headers.map((h) => h.name), ['Via', 'To', 'From', 'Call-ID', 'CSeq', 'Contact', 'Content-Length', 'Supported']);
    assert.equal(m.get('Call-ID'), 'abc');
    assert.equal(m.get('supported'), 'timer');
  });
  it('keeps the spelling of unknown extension headers', () => {
    const m = ok(parseMessage(request({ 'X-Custom-thing': 'a b' })));
    assert.equal(m.headers.at(-1)?.name, 'X-Custom-thing');
    assert.equal(m.get('x-custom-THING'), 'a b');
  });
  it('keeps repeated and comma-separated lines as written; getAll splits them (§7.3.1)', () => {
    const m = ok(parseMessage(msg([...BASE_REQUEST, 'Route: <sip:p1;lr>, <sip:p2;lr>', 'Route: <sip:p3;lr>'])));
    assert.deepEqual(m.getLines('route'), ['<sip:p1;lr>, <sip:p2;lr>', '<sip:p3;lr>']);
    assert.deepEqual(m.getAll('route'), ['<sip:p1;lr>', '<sip:p2;lr>', '<sip:p3;lr>']);
  });
  it('trims LWS around the colon and at the end of values (§7.3.1)', () => {
    const m = ok(parseMessage(request({ 'Max-Forwards': '70   ' })));
    assert.equal(m.get('max-forwards'), '70');
  });
  it('tolerates LF-only line ends', () => {
    const m = ok(parseMessage(msg(BASE_REQUEST, '', '\n')));
    assert.equal(m.callId, 'a84b4c76e66710@pc33.atlanta.example.com');
  });
  it('ends LF-only headers at the first LF LF even when the body holds CRLF CRLF', () => {
    const lines = [...BASE_REQUEST, 'Content-Length: 4'];
    const m = ok(parseMessage(Buffer.from(lines.join('\n') + '\n\nab\r\n\r\n')));
    assert.equal(m.body.toString(), 'ab\r\n');
    assert.equal(m.get('content-length'), '4');
  });
  it('decodes UTF-8 in display names and reason phrases', () => {
    const m = ok(parseMessage(request({ From: '"Zoë Ωmega" <sip:z@example.com>;tag=9' })));
    assert.match(m.get('from')!, /Zoë Ωmega/);
    const r = ok(parseMessage(msg(['SIP/2.0 486 Occupé', ...BASE_RESPONSE.slice(1)])));
    assert.equal((r as SipResponse).reason, 'Occupé');
  });
  it('rejects a header line without a colon, with a partial request', () => {
    const f = failure(parseMessage(msg([...BASE_REQUEST, 'this is not a header'])));
    assert.match(f.reason, /Header/);
    assert.ok(f.partial);
  });
  it('rejects a header name with non-token characters', () => {
    failure(parseMessage(msg([...BASE_REQUEST, 'Bad Name: x'])));
  });
});

describe('parseMessage: mandatory headers and field checks (§8.1.1, §8.2)', () => {
  for (const name of ['Via', 'From', 'To', 'Call-ID', 'CSeq']) {
    it(`rejects a request without ${name} with "Missing ${name}"`, () => {
      const f = failure(parseMessage(request({ [name]: null })));
      assert.equal(f.reason, `Bad Request - Missing ${name}`);
    });
  }
  it('tolerates a missing Max-Forwards (RFC 2543 peers)', () => {
    ok(parseMessage(request({ 'Max-Forwards': null })));
  });
  it('rejects Max-Forwards that is not 1*DIGIT in 0-255 (§20.22)', () => {
    failure(parseMessage(request({ 'Max-Forwards': '256' })));
    failure(parseMessage(request({ 'Max-Forwards': 'seventy' })));
  });
  it('rejects a CSeq number ≥ 2^31 (§8.1.1.5) and accepts 2^31-1', () => {
    assert.match(failure(parseMessage(request({ CSeq: '2147483648 INVITE' }))).reason, /CSeq/);
    ok(parseMessage(request({ CSeq: '2147483647 INVITE' })));
  });
  it('rejects a CSeq method that differs from the request method (§8.1.1.5)', () => {
    assert.match(failure(parseMessage(request({ CSeq: '1 BYE' }))).reason, /CSeq/);
  });
  it('rejects two From, To, Call-ID, CSeq or Content-Length lines', () => {
    for (const name of ['From', 'To', 'Call-ID', 'CSeq']) {
      const lines = [...BASE_REQUEST, BASE_REQUEST.find((l) => l.startsWith(name + ':'))!];
      assert.match(failure(parseMessage(msg(lines))).reason, new RegExp(`Multiple ${name}`));
    }
  });
  it('rejects a malformed top Via, From, To or Contact', () => {
    assert.match(failure(parseMessage(request({ Via: 'SIP/2.0/UDP' }))).reason, /Via/);
    assert.match(failure(parseMessage(request({ From: '"unterminated <sip:a@b>' }))).reason, /From/);
    assert.match(failure(parseMessage(request({ To: 'nobody' }))).reason, /To/);
    assert.match(failure(parseMessage(request({ Contact: '<sip:a@b' }))).reason, /Contact/);
  });
  it('accepts Contact: * (§10.2.2)', () => {
    ok(parseMessage(request({ Contact: '*' })));
  });
  it('answers 416 for a Request-URI scheme not handled, and accepts it when allowed (§8.2.2.1)', () => {
    const buf = request({}, '', 'INVITE urn:service:sos SIP/2.0');
    const f = failure(parseMessage(buf));
    assert.equal(f.status, 416);
    assert.ok(f.partial);
    ok(parseMessage(buf, { uriSchemes: ['sip', 'urn'] }));
  });
  it('rejects headers in the Request-URI (§19.1.1)', () => {
    failure(parseMessage(request({}, '', 'INVITE sip:bob@biloxi.example.com?Subject=x SIP/2.0')));
  });
  it('does not validate responses beyond what is needed to match them', () => {
    ok(parseMessage(msg([...BASE_RESPONSE, 'Max-Forwards: junk', 'Contact: junk'])));
  });
});

describe('parseMessage: body and Content-Length (§18.3, §20.14)', () => {
  it('takes exactly Content-Length octets of body', () => {
    const m = ok(parseMessage(request({ 'Content-Length': '5' }, 'hello')));
    assert.equal(m.body.toString(), 'hello');
  });
  it('counts octets, not characters, for UTF-8 bodies', () => {
    const m = ok(parseMessage(request({ 'Content-Length': '6' }, 'héllo')));
    assert.equal(m.body.toString(), 'héllo');
  });
  it('discards octets beyond Content-Length in a datagram', () => {
    const m = ok(parseMessage(request({ 'Content-Length': '3' }, 'abcdef')));
    assert.equal(m.body.toString(), 'abc');
  });
  it('rejects a datagram whose body is shorter than Content-Length', () => {
    assert.match(failure(parseMessage(request({ 'Content-Length': '10' }, 'abc'))).reason, /Content-Length/);
  });
  it('takes the rest of a datagram as body when Content-Length is missing', () => {
    const m = ok(parseMessage(request({}, 'abc')));
    assert.equal(m.body.toString(), 'abc');
  });
  it('requires Content-Length on stream transports (§18.3)', () => {
    assert.match(failure(parseMessage(request(), { stream: true })).reason, /Content-Length/);
    ok(parseMessage(request({ 'Content-Length': '0' }), { stream: true }));
  });
  it('rejects a negative or non-numeric Content-Length', () => {
    failure(parseMessage(request({ 'Content-Length': '-1' })));
    failure(parseMessage(request({ 'Content-Length': '1e3' })));
  });
  it('fails with 513 above maxSize (§21.5.7)', () => {
    const f = failure(parseMessage(request(), { maxSize: 100 }));
    assert.equal(f.status, 513);
  });
  it('keeps a body containing an empty line and binary octets', () => {
    const body = Buffer.from([0x00, 0x0d, 0x0a, 0x0d, 0x0a, 0xff]);
    const m = ok(parseMessage(Buffer.concat([request({ 'Content-Length': '6' }), body])));
    assert.ok(m.body.equals(body));
  });
});

describe('serializeMessage (§7, §20.14)', () => {
  it('writes the start line, headers as stored, CRLF line ends and the body', () => {
    const m = ok(parseMessage(request({ 'Content-Length': '5', 'Content-Type': 'text/plain' }, 'hello')));
    const text = serializeMessage(m).toString();
    assert.ok(text.startsWith('INVITE sip:bob@biloxi.example.com SIP/2.0\r\nVia: SIP/2.0/UDP'));
    assert.ok(text.endsWith('\r\n\r\nhello'));
    assert.equal(text.split('\n').every((l, i, a) => i === a.length - 1 || l.endsWith('\r')), true);
  });
  it('writes compact and odd-case names in canonical long form', () => {
    const m = ok(parseMessage(msg(['INVITE sip:b@b SIP/2.0', 'v: SIP/2.0/UDP h;branch=z9hG4bK1', 't: <sip:b@b>', 'f: <sip:a@a>;tag=1', 'i: x', 'cseq: 1 INVITE'])));
    const text = serializeMessage(m).toString();
    assert.match(text, /\r\nVia: .*\r\nTo: .*\r\nFrom: .*\r\nCall-ID: x\r\nCSeq: 1 INVITE\r\n/);
  });
  it('replaces a wrong Content-Length in place and adds one when missing', () => {
    const m = ok(parseMessage(request({ 'Content-Length': '2' }, 'hi')));
    m.body = Buffer.from('hello');
    assert.match(serializeMessage(m).toString(), /Content-Length: 5\r\n\r\nhello$/);
    m.remove('content-length');
    assert.match(serializeMessage(m).toString(), /Content-Length: 5\r\n\r\nhello$/);
  });
  it('writes one Content-Length even if several lines are stored', () => {
    const m = new SipRequest('OPTIONS', 'sip:a@b');
    m.append('Content-Length', '1');
    m.append('Content-Length', '2');
    assert.equal(serializeMessage(m).toString().match(/Content-Length/g)?.length, 1);
  });
  it('writes responses with status and reason', () => {
    const r = new SipResponse(486, 'Busy Here');
    r.append('Call-ID', 'x');
    assert.equal(serializeMessage(r).toString(), 'SIP/2.0 486 Busy Here\r\nCall-ID: x\r\nContent-Length: 0\r\n\r\n');
  });
  it('folds CR/LF inside values so no header can be injected', () => {
    const r = new SipResponse(200, 'OK\r\nX-Evil: 1');
    r.append('Subject', 'a\r\nX-Evil: 2');
    const text = serializeMessage(r).toString();
    assert.doesNotMatch(text, /\r\nX-Evil/);
  });
  it('round-trips: parse(serialize(parse(x))) has the same headers and body', () => {
    const first = ok(parseMessage(request({ 'Content-Length': '3' }, 'abc')));
    const second = ok(parseMessage(serializeMessage(first)));
    assert.deepEqual(second.headers, first.headers);
    assert.ok(second.body.equals(first.body));
    assert.ok(serializeMessage(second).equals(serializeMessage(first)));
  });
});
