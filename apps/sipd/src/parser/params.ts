// Header parameters: *( SEMI generic-param ), generic-param = token [ EQUAL gen-value ],
// gen-value = token / host / quoted-string, SEMI and EQUAL allow LWS around them (RFC 3261 §25.1).
// Names are lower-cased; values are kept as written (a quoted-string keeps its quotes) so that
// formatting gives back the same value.

import type { Params } from './types';
import { GEN_VALUE_CHARS, TOKEN, inTable, scanQuoted, scanRun, skipWs } from './chars';

/**
 * Reads `;name[=value]` pairs from s[i, end) into `out` (null: syntax check only, no allocation).
 * The whole range must be consumed: returns false on an empty name, an empty value, or any
 * other character (RFC 4475 badinv01).
 */
export function scanParams(s: string, i: number, end: number, out: Params | null): boolean {
  i = skipWs(s, i, end);
  while (i < end) {
    if (s.charCodeAt(i) !== 0x3b /* ; */) return false;
    i = skipWs(s, i + 1, end);
    const nameStart = i;
    i = scanRun(TOKEN, s, i, end);
    if (i === nameStart) return false;
    const nameEnd = i;
    i = skipWs(s, i, end);
    let valueStart = -1;
    let valueEnd = -1;
    if (i < end && s.charCodeAt(i) === 0x3d /* = */) {
      i = skipWs(s, i + 1, end);
      valueStart = i;
      if (i < end && s.charCodeAt(i) === 0x22) {
        i = scanQuoted(s, i, end);
        if (i < 0) return false;
      } else {
        while (i < end) {
          const c = s.charCodeAt(i);
          // Non-ASCII is tolerated in unquoted values (UTF-8 tags seen in the wild).
          if (!inTable(GEN_VALUE_CHARS, c) && c < 0x80) break;
          i++;
        }
      }
      if (i === valueStart) return false;
      valueEnd = i;
      i = skipWs(s, i, end);
    }
    if (out !== null) {
      const name = s.slice(nameStart, nameEnd).toLowerCase();
      if (!out.has(name)) out.set(name, valueStart < 0 ? null : s.slice(valueStart, valueEnd));
    }
  }
  return true;
}

/** Parses a parameter list such as ';tag=1;lr' (the leading ';' may be omitted). */
export function parseParams(text: string): Params | undefined {
  const out: Params = new Map();
  const i = skipWs(text, 0, text.length);
  const s = i < text.length && text.charCodeAt(i) !== 0x3b ? ';' + text.slice(i) : text;
  return scanParams(s, 0, s.length, out) ? out : undefined;
}

/** Writes ';name=value;flag' (empty string for no parameters). */
export function formatParams(p: Params): string {
  let out = '';
  for (const [k, v] of p) out += v === null ? ';' + k : ';' + k + '=' + v;
  return out;
}
