// Character classes of the RFC 3261 §25.1 grammar as lookup tables over char codes, so scanners
// test a character with one array read instead of a regex or a chain of comparisons.

function table(chars: string, ranges: Array<[number, number]> = []): Uint8Array {
  const t = new Uint8Array(128);
  for (let i = 0; i < chars.length; i++) t[chars.charCodeAt(i)] = 1;
  for (const [a, b] of ranges) for (let c = a; c <= b; c++) t[c] = 1;
  return t;
}

const ALNUM: Array<[number, number]> = [[0x30, 0x39], [0x41, 0x5a], [0x61, 0x7a]];

/** token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~") (§25.1) */
export const TOKEN = table("-.!%*_+`'~", ALNUM);
/** user = 1*( unreserved / escaped / user-unreserved ) (§25.1) */
export const USER_CHARS = table("-_.!~*'()&=+$,;?/", ALNUM);
/** password = *( unreserved / escaped / "&" / "=" / "+" / "$" / "," ) (§25.1) */
export const PASSWORD_CHARS = table("-_.!~*'()&=+$,", ALNUM);
/** paramchar = param-unreserved / unreserved / escaped (§25.1) */
export const PARAM_CHARS = table("-_.!~*'()[]/:&+$", ALNUM);
/** hname / hvalue = *( hnv-unreserved / unreserved / escaped ) (§25.1) */
export const HNV_CHARS = table("-_.!~*'()[]/?:+$", ALNUM);
/** Characters of a hostname or IPv4 address ('_' tolerated: it is common in the wild). */
export const HOST_CHARS = table('-._', ALNUM);
/** Characters inside an IPv6 reference (RFC 5118: hex digits, ':' and a trailing dotted IPv4). */
export const IPV6_CHARS = table(':.', [[0x30, 0x39], [0x41, 0x46], [0x61, 0x66]]);
/** scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) (§25.1) */
export const SCHEME_CHARS = table('+-.', ALNUM);
/** Characters allowed in a generic-param value besides quoted strings (token / host, §25.1). */
export const GEN_VALUE_CHARS = table("-.!%*_+`'~:[]", ALNUM);

export const SP = 0x20;
export const HTAB = 0x09;

/** True for characters in a 128-entry table (non-ASCII is never in one). */
export function inTable(t: Uint8Array, c: number): boolean {
  return c < 128 && t[c] === 1;
}

export function isWsp(c: number): boolean {
  return c === SP || c === HTAB;
}

/** Skips LWS characters (SP, HTAB, and CR/LF of folds when a caller passes raw text). */
export function skipWs(s: string, i: number, end: number): number {
  while (i < end) {
    const c = s.charCodeAt(i);
    if (c !== SP && c !== HTAB && c !== 0x0d && c !== 0x0a) break;
    i++;
  }
  return i;
}

/** Index just past a run of `t` characters starting at i. */
export function scanRun(t: Uint8Array, s: string, i: number, end: number): number {
  while (i < end) {
    const c = s.charCodeAt(i);
    if (c >= 128 || t[c] !== 1) break;
    i++;
  }
  return i;
}

/**
 * Index just past a quoted-string starting at i (s[i] must be '"'), or -1 when it is not
 * terminated. quoted-pair = "\" any char except CR/LF (§25.1).
 */
export function scanQuoted(s: string, i: number, end: number): number {
  for (let j = i + 1; j < end; j++) {
    const c = s.charCodeAt(j);
    if (c === 0x5c) {
      const n = j + 1 < end ? s.charCodeAt(j + 1) : -1;
      if (n < 0 || n === 0x0d || n === 0x0a) return -1;
      j++;
    } else if (c === 0x22) return j + 1;
  }
  return -1;
}

/** Content of a quoted-string without the quotes, quoted-pairs resolved. */
export function unquote(quoted: string): string {
  const inner = quoted.slice(1, -1);
  if (inner.indexOf('\\') < 0) return inner;
  let out = '';
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i]!;
    if (c === '\\' && i + 1 < inner.length) {
      out += inner[i + 1];
      i++;
    } else out += c;
  }
  return out;
}

/** Writes text as a quoted-string, escaping '"' and '\' (§25.1 quoted-pair). */
export function quote(text: string): string {
  if (text.indexOf('"') < 0 && text.indexOf('\\') < 0) return '"' + text + '"';
  return '"' + text.replace(/["\\]/g, (m) => '\\' + m) + '"';
}

/** Parses 1*DIGIT in s[i, end); -1 when empty, not all digits, or above `max`. */
export function parseDigits(s: string, i: number, end: number, max: number): number {
  if (i >= end) return -1;
  let v = 0;
  for (let j = i; j < end; j++) {
    const c = s.charCodeAt(j) - 0x30;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
    if (v > max) return -1;
  }
  return v;
}
