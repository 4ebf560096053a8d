/// <reference types="mocha" />
// parseCSeq (RFC 3261 §20.16, §8.1.1.5) and parseParams / formatParams (§25.1 generic-param).
import assert from 'node:assert/strict';
import { formatParams, parseCSeq, parseParams } from '../../src/parser';

describe('parseCSeq (§20.16)', () => {
  it('reads number and method', () => {
    assert.deepEqual(parseCSeq('4711 INVITE'), { seq: 4711, method: 'INVITE' });
  });
  it('accepts leading zeros and LWS (RFC 4475 wsinv "0009 INVITE")', () => {
    assert.deepEqual(parseCSeq('  0009 \t INVITE  '), { seq: 9, method: 'INVITE' });
  });
  it('keeps the method case-sensitive and accepts extension methods', () => {
    assert.deepEqual(parseCSeq('1 invite'), { seq: 1, method: 'invite' });
    assert.deepEqual(parseCSeq("139122385 !interesting-Method0123456789_*+`.%indeed'~"), { seq: 139122385, method: "!interesting-Method0123456789_*+`.%indeed'~" });
  });
  it('accepts 0 and 2^31-1, rejects 2^31 and beyond (§8.1.1.5, RFC 4475 scalar02)', () => {
    assert.equal(parseCSeq('0 ACK')?.seq, 0);
    assert.equal(parseCSeq('2147483647 BYE')?.seq, 2147483647);
    assert.equal(parseCSeq('2147483648 BYE'), undefined);
    assert.equal(parseCSeq('36893488147419103232 REGISTER'), undefined);
  });
  it('rejects missing parts, signs and trailing text', () => {
    for (const bad of ['', 'INVITE', '12', '12INVITE', '-1 INVITE', '1 INVITE x', '1.5 INVITE', '1 IN VITE']) {
      assert.equal(parseCSeq(bad), undefined, bad);
    }
  });
});

describe('parseParams / formatParams (§25.1 generic-param)', () => {
  it('reads name=value and flags, lower-casing names', () => {
    assert.deepEqual([...parseParams(';Tag=AbC;lr;Expires=60')!], [['tag', 'AbC'], ['lr', null], ['expires', '60']]);
  });
  it('accepts a list without the leading ";" and LWS around ";" and "="', () => {
    assert.deepEqual([...parseParams('a = 1 ;  b')!], [['a', '1'], ['b', null]]);
  });
  it('keeps quoted-string values with their quotes (so formatting gives them back)', () => {
    const p = parseParams(';+sip.instance="<urn:uuid:f81d4fae-7dec>";reason="a;b,c"')!;
    assert.equal(p.get('+sip.instance'), '"<urn:uuid:f81d4fae-7dec>"');
    assert.equal(p.get('reason'), '"a;b,c"');
  });
  it('accepts host values including IPv6 with or without [] (received, maddr)', () => {
    assert.equal(parseParams(';received=[2001:db8::1]')!.get('received'), '[2001:db8::1]');
    assert.equal(parseParams(';received=2001:db8::1')!.get('received'), '2001:db8::1');
  });
  it('keeps the first of duplicate names', () => {
    assert.equal(parseParams(';tag=1;tag=2')!.get('tag'), '1');
  });
  it('rejects empty names, empty values, unterminated quotes and junk', () => {
    for (const bad of [';', ';;', ';=1', ';a=', ';a="x', ';a b', ';a=1 2', ';a,b']) assert.equal(parseParams(bad), undefined, bad);
  });
  it('accepts an empty list', () => {
    assert.equal(parseParams('')!.size, 0);
  });
  it('formats in order and round-trips', () => {
    const text = ';tag=1;lr;q=0.5;x="a b"';
    assert.equal(formatParams(parseParams(text)!), text);
    assert.equal(formatParams(new Map()), '');
  });
});
