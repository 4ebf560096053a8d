// RCS seed, "Number normalization": +/00 international, 011 (NANP international), single 0
// national, otherwise local; all to E.164 for the uploader's country.
import assert from 'node:assert/strict';
import { callingCode, normaliseNumber } from '../src/phone/normalise';

describe('phone number normalisation (RCS rules)', () => {
  describe('international numbers', () => {
    it('keeps +CC… as it is (+442085676789)', () => {
      assert.deepEqual(normaliseNumber('+442085676789', 'PL'), { e164: '+442085676789', format: 'international' });
    });
    it('strips the 00 prefix (0044 20 8567 6789)', () => {
      assert.equal(normaliseNumber('0044 20 8567 6789', 'PL')?.e164, '+442085676789');
    });
    it('strips 011 for a NANP uploader (US: 011 44 20 8567 6789)', () => {
      assert.deepEqual(normaliseNumber('011 44 20 8567 6789', 'US'), { e164: '+442085676789', format: 'nanp-idd' });
    });
    it('does not treat 011 as international outside NANP (UK national 0113 496 0000 is Leeds)', () => {
      assert.equal(normaliseNumber('0113 496 0000', 'GB')?.e164, '+441134960000');
    });
  });

  describe('national and local numbers', () => {
    it('replaces a single leading 0 with the country code (PL 0600345698 → 48600345698)', () => {
      assert.deepEqual(normaliseNumber('0600345698', 'PL'), { e164: '+48600345698', format: 'national' });
    });
    it('puts the country code in front of a local number (PL 600456789 → 48600456789)', () => {
      assert.deepEqual(normaliseNumber('600456789', 'PL'), { e164: '+48600456789', format: 'local' });
    });
    it('reads a UK national number with separators ((020) 8567-6789)', () => {
      assert.equal(normaliseNumber('(020) 8567-6789', 'GB')?.e164, '+442085676789');
    });
    it('keeps the NANP trunk prefix 1 of an 11-digit national number (1 415 555 0100)', () => {
      assert.equal(normaliseNumber('1 415 555 0100', 'US')?.e164, '+14155550100');
      assert.equal(normaliseNumber('415-555-0100', 'US')?.e164, '+14155550100');
    });
  });

  describe('what is not a number', () => {
    it('refuses letters, an empty string, a + in the middle and more than 15 digits', () => {
      for (const s of ['abc', '', '12+34', '+1234567890123456', '+0441234']) assert.equal(normaliseNumber(s, 'GB'), undefined, s);
    });
    it('refuses an unknown country', () => {
      assert.equal(normaliseNumber('600456789', 'XX'), undefined);
      assert.equal(callingCode('XX'), undefined);
      assert.equal(callingCode('pl'), '48');
    });
  });
});
