// %-escaping of URI components (RFC 3261 §19.1.2, §25.1 "escaped"). Escaped octets are decoded
// as UTF-8; a '%' not followed by two hex digits is kept literally (being liberal, RFC 4475 esc02).

import { inTable } from './chars';

function hexVal(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/** Decodes %HH escapes. Fast path: no '%' means the input is returned as is. */
export function unescape(s: string): string {
  if (s.indexOf('%') < 0) return s;
  const bytes: number[] = [];
  let ascii = true;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x25 && i + 2 < s.length) {
      const h = hexVal(s.charCodeAt(i + 1));
      const l = hexVal(s.charCodeAt(i + 2));
      if (h >= 0 && l >= 0) {
        const b = (h << 4) | l;
        if (b >= 0x80) ascii = false;
        bytes.push(b);
        i += 2;
        continue;
      }
    }
    if (c >= 0x80) {
      ascii = false;
      for (const b of Buffer.from(String.fromCharCode(c), 'utf8')) bytes.push(b);
    } else bytes.push(c);
  }
  // Not String.fromCharCode(...bytes): spreading a long array can overflow the stack.
  return Buffer.from(bytes).toString(ascii ? 'latin1' : 'utf8');
}

const HEX = '0123456789ABCDEF';

/** Escapes every character not in `allowed` as %HH of its UTF-8 bytes. */
export function escape(s: string, allowed: Uint8Array): string {
  let i = 0;
  while (i < s.length && inTable(allowed, s.charCodeAt(i))) i++;
  if (i === s.length) return s;
  let out = s.slice(0, i);
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (inTable(allowed, c)) {
      out += s[i];
      continue;
    }
    // Surrogate pairs are encoded together so the UTF-8 bytes are right.
    let ch = s[i]!;
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) ch += s[++i];
    for (const b of Buffer.from(ch, 'utf8')) out += '%' + HEX[b >> 4] + HEX[b & 15];
  }
  return out;
}
