// name-addr / addr-spec with header parameters: From, To, Contact, Route, Record-Route, Refer-To,
// P-Asserted-Identity ... (RFC 3261 §20.10, §25.1). Also Contact's "*" (§20.10, §10.2.2).

import type { NameAddr, SipUri } from './types';
import { TOKEN, inTable, quote, scanQuoted, skipWs, unquote } from './chars';
import { formatParams, scanParams } from './params';
import { formatUri, parseUri } from './uri';

/** The placeholder URI of a wildcard Contact (`*`): scheme '', host '*'. */
function wildcardUri(): SipUri {
  return { scheme: '', host: '*', params: new Map(), headers: new Map() };
}

/**
 * Parses ONE name-addr or addr-spec with its header parameters (split lists with getAll first).
 * Without <>, parameters after the URI belong to the header, not the URI (§20.10), and the URI
 * may not contain ',', ';' or '?' (RFC 4475 regbadct).
 */
export function parseNameAddr(text: string): NameAddr | undefined {
  const s = text;
  const n = s.length;
  let i = skipWs(s, 0, n);
  if (i >= n) return undefined;
  const c = s.charCodeAt(i);
  if (c === 0x2a /* * */ && skipWs(s, i + 1, n) === n) {
    return { uri: wildcardUri(), params: new Map(), angle: false, wildcard: true };
  }
  let displayName: string | undefined;
  let lt = -1;
  if (c === 0x22 /* " */) {
    const q = scanQuoted(s, i, n);
    if (q < 0) return undefined; // RFC 4475 quotbal
    displayName = unquote(s.slice(i, q));
    i = skipWs(s, q, n);
    if (i >= n || s.charCodeAt(i) !== 0x3c) return undefined;
    lt = i;
  } else {
    lt = findDisplayNameEnd(s, i, n);
    if (lt >= 0) {
      const dn = s.slice(i, lt).trim();
      if (dn !== '') displayName = dn;
    }
  }
  let uri: SipUri | undefined;
  let angle = false;
  if (lt >= 0) {
    const gt = s.indexOf('>', lt + 1);
    if (gt < 0) return undefined;
    const inner = s.slice(lt + 1, gt);
    // No LWS inside <> (RFC 4475 badaspec); parseUri would trim it away.
    if (inner.length === 0 || isSpace(inner.charCodeAt(0)) || isSpace(inner.charCodeAt(inner.length - 1))) return undefined;
    uri = parseUri(inner);
    angle = true;
    i = gt + 1;
  } else {
    const start = i;
    while (i < n) {
      const ch = s.charCodeAt(i);
      if (ch === 0x3b || isSpace(ch)) break;
      if (ch === 0x2c || ch === 0x3f) return undefined; // §20.10: needs <>
      i++;
    }
    uri = parseUri(s.slice(start, i));
  }
  if (uri === undefined) return undefined;
  const params = new Map<string, string | null>();
  if (!scanParams(s, i, n, params)) return undefined;
  const na: NameAddr = { uri, params, angle };
  if (displayName !== undefined) na.displayName = displayName;
  return na;
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a;
}

/**
 * display-name = *(token LWS) (§25.1): returns the index of '<' when s[i..] is tokens and LWS
 * followed by '<'; -1 otherwise (then the value is read as an addr-spec, which fails for
 * 'Bell, Alexander <...>' as RFC 4475 baddn requires).
 */
function findDisplayNameEnd(s: string, i: number, n: number): number {
  for (let j = i; j < n; j++) {
    const c = s.charCodeAt(j);
    if (c === 0x3c) return j;
    // UTF-8 in an unquoted display name is not in the grammar but is common: tolerated.
    if (!inTable(TOKEN, c) && !isSpace(c) && c < 0x80) return -1;
  }
  return -1;
}

/** Writes a name-addr (or `*`); uses <> whenever an addr-spec would be ambiguous (§20.10). */
export function formatNameAddr(na: NameAddr): string {
  if (na.wildcard === true) return '*';
  const uri = formatUri(na.uri);
  const needsAngle =
    na.angle || na.displayName !== undefined || na.uri.params.size > 0 || na.uri.headers.size > 0 || /[;,?\s]/.test(uri);
  let out = '';
  if (na.displayName !== undefined && na.displayName !== '') out += quote(na.displayName) + ' ';
  out += needsAngle ? '<' + uri + '>' : uri;
  return out + formatParams(na.params);
}
