// Phone numbers to E.164 by the RCS seed's rules ("Number normalization"), for the uploader's
// country (its calling code from libphonenumber-js metadata):
//   +CC… or 00CC…           international: the prefix is stripped (+442085676789 → 442085676789)
//   011CC…                  international from NANP countries (the US/Canada international prefix)
//   0…   (single zero)      national: the 0 is replaced by the country code (PL 0600345698 → 48600345698)
//   anything else           local: the country code is put in front (PL 600456789 → 48600456789)
// One addition for NANP (calling code 1), where the national trunk prefix is 1, not 0:
// 1NXXNXXXXXX (11 digits) is national and keeps its 1. Separators (spaces, dashes, dots,
// parentheses, slashes) are ignored. The result is E.164 with '+' (the seed's form without '+'
// is the SIP login of phone accounts); anything that does not give 2..15 digits, or starts with
// a 0 country code, is not a number.
import { getCountryCallingCode, isSupportedCountry, parsePhoneNumberFromString } from 'libphonenumber-js';

export type NumberFormat = 'international' | 'idd' | 'nanp-idd' | 'national' | 'local';

export interface Normalised {
  e164: string;
  format: NumberFormat;
}

const SEPARATORS = /[\s\-.()/\u00a0]/g;

/** The calling code ("48") of an ISO 3166-1 alpha-2 country, or undefined when unknown. */
export function callingCode(country: string): string | undefined {
  const c = country.toUpperCase();
  return isSupportedCountry(c) ? getCountryCallingCode(c) : undefined;
}

export function isCountry(country: string): boolean {
  return callingCode(country) !== undefined;
}

function e164(digits: string, format: NumberFormat): Normalised | undefined {
  return /^[1-9]\d{1,14}$/.test(digits) ? { e164: `+${digits}`, format } : undefined;
}

/** E.164 for a number as a user in `country` would dial it; undefined when it is not a number. */
export function normaliseNumber(raw: string, country: string): Normalised | undefined {
  const cc = callingCode(country);
  if (cc === undefined) return undefined;
  const s = raw.trim().replace(SEPARATORS, '');
  if (s.startsWith('+')) return /^\+\d+$/.test(s) ? e164(s.slice(1), 'international') : undefined;
  if (!/^\d+$/.test(s)) return undefined;
  if (s.startsWith('00')) return e164(s.slice(2), 'idd');
  if (cc === '1' && s.startsWith('011')) return e164(s.slice(3), 'nanp-idd');
  if (s.startsWith('0')) return e164(cc + s.slice(1), 'national');
  if (cc === '1' && s.length === 11 && s.startsWith('1')) return e164(s, 'national');
  return e164(cc + s, 'local');
}

/**
 * The country of an E.164 number (for an account without one set): the one the number's range
 * belongs to, else the first country of its calling code (GB for +44, US for +1).
 */
export function countryOfNumber(e164: string): string | undefined {
  const p = parsePhoneNumberFromString(e164);
  return p?.country ?? p?.getPossibleCountries()[0];
}
