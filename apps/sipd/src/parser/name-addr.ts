// name-addr / addr-spec with header parameters: From, To, Contact, Route, Record-Route, Refer-To,
// P-Asserted-Identity ... (RFC 3261 §20.10, §25.1). Also Contact's "*" (§20.10, §10.2.2).

import type { NameAddr, SipUri } from './types';
import { TOKEN, inTable, quote, scanQuoted, skipWs, unquote } from './chars';
import { formatParams, scanParams } from './params';
import { formatUri, isValidUri, parseUri } from './uri';

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
  const r = readNameAddr(text, true);
  return typeof r === 'object' ? r : undefined;
}

/** Same grammar as parseNameAddr, without building anything (used to validate messages). */
export function isValidNameAddr(text: string): boolean {
  return readNameAddr(text, false) !== false;
}

/** The name-addr when `build`, true when only checking; false when malformed. */
function readNameAddr(s: string, build: boolean): NameAddr | boolean {
  const n = s.length;
  let i = skipWs(s, 0, n);
  if (i >= n) return false;
  const c = s.charCodeAt(i);
  if (c === 0x2a /* * */ && skipWs(s, i + 1, n) === n) {
    return build ? { uri: wildcardUri(), params: new Map(), angle: false, wildcard: true } : true;
  }
  let displayName: string | undefined;
  let lt = -1;
  if (c === 0x22 /* " */) {
    const q = scanQuoted(s, i, n);
    if (q < 0) return false; // RFC 4475 quotbal
    if (build) displayName = unquote(s.slice(i, q));
    i = skipWs(s, q, n);
    if (i >= n || s.charCodeAt(i) !== 0x3c) return false;
    lt = i;
  } else {
    lt = findDisplayNameEnd(s, i, n);
    if (lt >= 0 && build) {
      const dn = s.slice(i, lt).trim();
      if (dn !== '') displayName = dn;
    }
  }
  let uriText: string;
  let angle = false;
  if (lt >= 0) {
    const gt = s.indexOf('>', lt + 1);
    // No LWS inside <> (RFC 4475 badaspec); the URI parser would trim it away.
    if (gt < 0 || gt === lt + 1 || isSpace(s.charCodeAt(lt + 1)) || isSpace(s.charCodeAt(gt - 1))) return false;
    uriText = s.slice(lt + 1, gt);
    angle = true;
    i = gt + 1;
  } else {
    const start = i;
    while (i < n) {
      const ch = s.charCodeAt(i);
      if (ch === 0x3b || isSpace(ch)) break;
      if (ch === 0x2c || ch === 0x3f) return false; // §20.10: needs <>
      i++;
    }
    uriText = s.slice(start, i);
  }
  if (!build) return isValidUri(uriText) && scanParams(s, i, n, null);
  const uri = parseUri(uriText);
  if (uri === undefined) return false;
  const params = new Map<string, string | null>();
  if (!scanParams(s, i, n, params)) return false;
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
