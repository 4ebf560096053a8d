/// <reference types="mocha" />
// Round trips over generated values: parse(format(v)) equals v for URIs, name-addrs, Via and
// params (RFC 3261 §19.1.2 escaping, §25.1 quoted-string, §20.10, §20.42).
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  formatNameAddr, formatParams, formatUri, formatVia, parseNameAddr, parseParams, parseUri, parseVia,
} from '../../src/parser';
import type { NameAddr, Params, SipUri, Via } from '../../src/parser';

const RUNS = 3000;

/** Characters whose lower-case form is themselves, including ones that need escaping. */
const ANY_CHARS = "abcz019-_.!~*'()&=+$,;?/:@[]%<>\"\\ #\x00\x7féü日😀".match(/./gu)!;
const anyText = fc.string({ unit: fc.constantFrom(...ANY_CHARS), minLength: 1, maxLength: 12 });
const TOKEN_CHARS = "abcz019-.!%*_+`'~".split('');
const token = fc.string({ unit: fc.constantFrom(...TOKEN_CHARS), minLength: 1, maxLength: 8 });
const upperToken = token.map((t) => t.toUpperCase());

const label = fc.string({ unit: fc.constantFrom(...'abcxyz019'.split('')), minLength: 1, maxLength: 6 });
const host = fc.oneof(
  fc.array(label, { minLength: 1, maxLength: 4 }).map((a) => a.join('.')),
  fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((a) => a.join('.')),
  fc.ipV6().map((a) => `[${a}]`),
);
const port = fc.option(fc.integer({ min: 0, max: 65535 }), { nil: undefined });

function params(names: fc.Arbitrary<string>, values: fc.Arbitrary<string>): fc.Arbitrary<Params> {
  return fc.array(fc.tuple(names, fc.option(values, { nil: null })), { maxLength: 4 }).map((pairs) => {
    const p: Params = new Map();
    for (const [k, v] of pairs) if (!p.has(k)) p.set(k, v);
    return p;
  });
}

const sipUri: fc.Arbitrary<SipUri> = fc
  .record({
    scheme: fc.constantFrom('sip', 'sips'),
    user: fc.option(anyText, { nil: undefined }),
    password: fc.option(anyText, { nil: undefined }),
    host,
    port,
    params: params(anyText, anyText),
    headers: fc.array(fc.tuple(anyText, fc.string({ unit: fc.constantFrom(...ANY_CHARS), maxLength: 8 })), { maxLength: 3 }).map((h) => new Map(h)),
  })
  .map((r) => {
    const u: SipUri = { scheme: r.scheme, host: r.host, params: r.params, headers: r.headers };
    if (r.user !== undefined) {
      u.user = r.user;
      if (r.password !== undefined) u.password = r.password;
    }
    if (r.port !== undefined) u.port = r.port;
    return u;
  });

const telUri: fc.Arbitrary<SipUri> = fc
  .record({ number: fc.stringMatching(/^\+?[0-9][0-9-]{0,12}$/), params: params(token, token) })
  .map((r) => ({ scheme: 'tel', user: r.number, host: '', params: r.params, headers: new Map() }));

const quotedValue = fc.string({ unit: fc.constantFrom(...ANY_CHARS.filter((c) => c !== '"' && c !== '\\')), maxLength: 8 }).map((s) => `"${s}"`);
const headerParams = params(token.map((t) => t.toLowerCase()), fc.oneof(token, quotedValue));

const displayChars = ANY_CHARS.filter((c) => c !== '\x00');
const nameAddr: fc.Arbitrary<NameAddr> = fc
  .record({
    displayName: fc.option(fc.string({ unit: fc.constantFrom(...displayChars), minLength: 1, maxLength: 10 }), { nil: undefined }),
    uri: fc.oneof(sipUri, telUri),
    params: headerParams,
  })
  .map((r) => {
    const na: NameAddr = { uri: r.uri, params: r.params, angle: true };
    if (r.displayName !== undefined) na.displayName = r.displayName;
    return na;
  });

const via: fc.Arbitrary<Via> = fc
  .record({ transport: upperToken, host, port, params: headerParams })
  .map((r) => {
    const v: Via = { protocol: 'SIP/2.0', transport: r.transport, host: r.host, params: r.params };
    if (r.port !== undefined) v.port = r.port;
    return v;
  });

describe('round trips: parse(format(v)) deep-equals v', () => {
  it('SIP/SIPS URIs with escaped user, password, params and headers (§19.1.2)', () => {
    fc.assert(fc.property(sipUri, (u) => assert.deepEqual(parseUri(formatUri(u)), u)), { numRuns: RUNS });
  });
  it('tel URIs (RFC 3966)', () => {
    fc.assert(fc.property(telUri, (u) => assert.deepEqual(parseUri(formatUri(u)), u)), { numRuns: RUNS });
  });
  it('name-addr with quoted display names and header params (§20.10, §25.1)', () => {
    fc.assert(fc.property(nameAddr, (na) => assert.deepEqual(parseNameAddr(formatNameAddr(na)), na)), { numRuns: RUNS });
  });
  it('Via values with IPv6 hosts, ports and params (§20.42, RFC 5118)', () => {
    fc.assert(fc.property(via, (v) => assert.deepEqual(parseVia(formatVia(v)), v)), { numRuns: RUNS });
  });
  it('header parameter lists (§25.1 generic-param)', () => {
    fc.assert(fc.property(headerParams, (p) => assert.deepEqual(parseParams(formatParams(p)), p)), { numRuns: RUNS });
  });
});
