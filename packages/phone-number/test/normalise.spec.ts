import assert from 'node:assert/strict';
import { callingCode, isE164, normaliseNumber } from '../src/normalise';

describe('normaliseNumber (RCS seed rules)', () => {
  it('strips a leading + (rule 1): +442085676789 → +442085676789', () => {
    assert.deepEqual(normaliseNumber('+442085676789', 'PL'), { e164: '+442085676789', rule: 'plus' });
  });
  it('strips a leading 00 (rule 1): 00442085676789 → +442085676789', () => {
    assert.deepEqual(normaliseNumber('00442085676789', 'PL'), { e164: '+442085676789', rule: '00' });
  });
  it('strips the US international prefix 011 (rule 2)', () => {
    assert.deepEqual(normaliseNumber('011442085676789', 'US'), { e164: '+442085676789', rule: '011' });
  });
  it('replaces a single national 0 by the caller country code (rule 3): 0600345698 from PL → +48600345698', () => {
    assert.deepEqual(normaliseNumber('0600345698', 'PL'), { e164: '+48600345698', rule: 'national-0' });
  });
  it('prefixes local numbers with the caller country code (rule 4): 600456789 from PL → +48600456789', () => {
    assert.deepEqual(normaliseNumber('600456789', 'PL'), { e164: '+48600456789', rule: 'local' });
  });
  it('keeps a NANP number dialled with its trunk 1 from a US caller as +1…', () => {
    assert.equal(normaliseNumber('12127365000', 'US')?.e164, '+12127365000');
    assert.equal(normaliseNumber('2127365000', 'US')?.e164, '+12127365000');
    assert.equal(normaliseNumber('15550100100', 'US')?.e164, '+15550100100', 'possible, if not assigned');
  });
  it('elsewhere a local number that starts with the country code still gets it prefixed (seed rule 4)', () => {
    assert.equal(normaliseNumber('4930123456', 'DE')?.e164, '+494930123456');
  });
  it('ignores visual separators', () => {
    assert.equal(normaliseNumber('+49 (30) 123-456', 'DE')?.e164, '+4930123456');
  });
  it('gives up on national/local numbers without a caller country, and on non-numbers', () => {
    assert.equal(normaliseNumber('0600345698', null), undefined);
    assert.equal(normaliseNumber('alice', 'PL'), undefined);
    assert.equal(normaliseNumber('+0123', 'PL'), undefined);
  });
  it('callingCode and isE164', () => {
    assert.equal(callingCode('pl'), '48');
    assert.equal(callingCode('XX'), undefined);
    assert.equal(isE164('+14155550123'), true);
    assert.equal(isE164('14155550123'), false);
  });
});
