// Dialled numbers to E.164 with the caller's country, by the RCS platform's rules (shared seed
// 004, "Number normalization", as GSM operators do):
//   1. a leading `+` or `00` is the international prefix: stripped, the rest starts with the CC;
//   2. a leading `011` (the North American international prefix) likewise;
//   3. a single leading `0` (national trunk prefix) is replaced by the caller's country code;
//   4. anything else is a local number: the caller's country code goes in front.
// libphonenumber-js supplies the country → calling code table, and refines rule 4 for countries
// whose numbers are dialled nationally with their own trunk prefix (NANP `1` + 10 digits).
import { getCountryCallingCode, isSupportedCountry, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';

export type NormalisationRule = 'plus' | '00' | '011' | 'national-0' | 'local' | 'e164';

export interface NormalisedNumber {
  /** "+4930123456". */
  e164: string;
  /** Which rule produced it. */
  rule: NormalisationRule;
}

/** E.164: '+', a non-zero first digit, at most 15 digits (ITU-T E.164 §6). */
export function isE164(v: string): boolean {
  return /^\+[1-9]\d{1,14}$/.test(v);
}

/** Visual separators users and phones put in numbers (RFC 3966 §5.1.1 visual-separator). */
export function stripSeparators(dialled: string): string {
  return dialled.replace(/[\s\-().]/g, '');
}

/** The calling code of an ISO 3166-1 alpha-2 country ("PL" → "48"); undefined if unknown. */
export function callingCode(country: string | null | undefined): string | undefined {
  if (!country) return undefined;
  const c = country.toUpperCase();
  return isSupportedCountry(c) ? getCountryCallingCode(c as CountryCode) : undefined;
}

function finish(digits: string, rule: NormalisationRule): NormalisedNumber | undefined {
  const e164 = `+${digits}`;
  return isE164(e164) ? { e164, rule } : undefined;
}

/**
 * The dialled string (user part of a Request-URI, digits with optional prefix) as E.164, using
 * the caller's country for national and local numbers; undefined when it is not a phone number
 * or a national/local number comes from a caller without a known country.
 */
export function normaliseNumber(dialled: string, country?: string | null): NormalisedNumber | undefined {
  const s = stripSeparators(dialled);
  if (!/^\+?\d+$/.test(s)) return undefined;
  if (s.startsWith('+')) return finish(s.slice(1), 'plus');
  if (s.startsWith('00')) return finish(s.slice(2), '00');
  if (s.startsWith('011')) return finish(s.slice(3), '011');
  const cc = callingCode(country);
  if (cc === undefined) return undefined;
  if (s.startsWith('0')) return finish(cc + s.slice(1), 'national-0');
  // NANP: the national trunk prefix is the calling code itself, so `1` + 10 digits dialled in
  // a +1 country already is CC + number (libphonenumber: a possible number with that CC).
  if (cc === '1' && s.length === 11 && s.startsWith('1')) {
    const parsed = parsePhoneNumberFromString(s, country?.toUpperCase() as CountryCode);
    if (parsed?.isPossible() && parsed.number === `+${s}`) return { e164: parsed.number, rule: 'local' };
  }
  return finish(cc + s, 'local');
}
