// SIP, SIPS and tel URIs (RFC 3261 §19.1, §25.1; RFC 3966; IPv6 references per RFC 5118).
// Any other scheme is kept opaque: RFC 4475 unksm2 requires accepting unknown schemes in headers.

import type { Params, SipUri } from './types';
import {
  HNV_CHARS, HOST_CHARS, IPV6_CHARS, PARAM_CHARS, PASSWORD_CHARS, SCHEME_CHARS, USER_CHARS,
  inTable, parseDigits, scanRun,
} from './chars';
import { escape, unescape } from './escape';

/** Characters that may never appear unescaped in a URI (controls, space, '"', '<', '>', '\', DEL). */
function isForbidden(c: number): boolean {
  return c <= 0x20 || c === 0x22 || c === 0x3c || c === 0x3e || c === 0x5c || c === 0x7f;
}

/** Parses a URI. Returns undefined when it is not a well-formed absolute URI. */
export function parseUri(text: string): SipUri | undefined {
  const r = readUri(text, true);
  return typeof r === 'object' ? r : undefined;
}

/** Same grammar as parseUri, without building anything (used to validate messages). */
export function isValidUri(text: string): boolean {
  return readUri(text, false) !== false;
}

/** The URI when `build`, true when only checking; false when malformed. */
function readUri(text: string, build: boolean): SipUri | boolean {
  const n0 = text.length;
  const s = n0 > 0 && (text.charCodeAt(0) <= 0x20 || text.charCodeAt(n0 - 1) <= 0x20) ? text.trim() : text;
  const n = s.length;
  const schemeEnd = scanRun(SCHEME_CHARS, s, 0, n);
  if (schemeEnd === 0 || schemeEnd >= n || s.charCodeAt(schemeEnd) !== 0x3a /* : */) return false;
  const c0 = s.charCodeAt(0);
  if (!((c0 >= 0x41 && c0 <= 0x5a) || (c0 >= 0x61 && c0 <= 0x7a))) return false;
  const scheme = schemeName(s, schemeEnd);
  // The sip/tel scanners only accept characters of their productions; opaque URIs are checked here.
  if (scheme === 'sip' || scheme === 'sips' || scheme === 'tel') {
    const uri: SipUri | null = build ? { scheme, host: '', params: new Map(), headers: new Map() } : null;
    const ok = scheme === 'tel' ? readTelUri(s, schemeEnd + 1, uri) : readSipUri(s, schemeEnd + 1, uri);
    return ok && (uri ?? true);
  }
  if (schemeEnd + 1 === n) return false;
  for (let i = schemeEnd + 1; i < n; i++) if (isForbidden(s.charCodeAt(i))) return false;
  return build ? { scheme, host: '', params: new Map(), headers: new Map(), opaque: s.slice(schemeEnd + 1) } : true;
}

/** Lower-case scheme; the common ones without allocating. */
function schemeName(s: string, end: number): string {
  const c0 = s.charCodeAt(0) | 0x20;
  if (end === 3 && c0 === 0x73 && (s.charCodeAt(1) | 0x20) === 0x69 && (s.charCodeAt(2) | 0x20) === 0x70) return 'sip';
  if (end === 4 && c0 === 0x73 && (s.charCodeAt(1) | 0x20) === 0x69 && (s.charCodeAt(2) | 0x20) === 0x70 && (s.charCodeAt(3) | 0x20) === 0x73) return 'sips';
  if (end === 3 && c0 === 0x74 && (s.charCodeAt(1) | 0x20) === 0x65 && (s.charCodeAt(2) | 0x20) === 0x6c) return 'tel';
  return s.slice(0, end).toLowerCase();
}

/** sip/sips URI body from `start`; fills `uri` unless it is null (check only). */
function readSipUri(s: string, start: number, uri: SipUri | null): boolean {
  const n = s.length;
  let i = start;
  // '@' can only appear as the userinfo delimiter (it is in no other URI production).
  const at = s.indexOf('@', i);
  if (at >= 0) {
    const colon = s.indexOf(':', i);
    const userEnd = colon >= 0 && colon < at ? colon : at;
    if (!validRun(USER_CHARS, s, i, userEnd) || userEnd === i) return false;
    if (userEnd < at && !validRun(PASSWORD_CHARS, s, userEnd + 1, at)) return false;
    if (uri !== null) {
      uri.user = unescape(s.slice(i, userEnd));
      if (userEnd < at) uri.password = unescape(s.slice(userEnd + 1, at));
    }
    i = at + 1;
  }
  // hostport = host [ ":" port ]; host = hostname / IPv4address / IPv6reference
  const hostStart = i;
  if (i < n && s.charCodeAt(i) === 0x5b /* [ */) {
    const close = s.indexOf(']', i);
    if (close < 0 || close === i + 1) return false;
    const colon = s.indexOf(':', i);
    if (scanRun(IPV6_CHARS, s, i + 1, close) !== close || colon < 0 || colon > close) return false;
    i = close + 1;
  } else {
    i = scanRun(HOST_CHARS, s, i, n);
    if (i === hostStart) return false;
  }
  if (uri !== null) uri.host = s.slice(hostStart, i);
  if (i < n && s.charCodeAt(i) === 0x3a) {
    const portStart = ++i;
    while (i < n && s.charCodeAt(i) >= 0x30 && s.charCodeAt(i) <= 0x39) i++;
    const port = parseDigits(s, portStart, i, 65535);
    if (port < 0) return false;
    if (uri !== null) uri.port = port;
  }
  i = scanUriParams(s, i, uri === null ? null : uri.params);
  if (i < 0) return false;
  if (i < n && s.charCodeAt(i) === 0x3f /* ? */) i = scanUriHeaders(s, i + 1, uri === null ? null : uri.headers);
  return i === n;
}

/** telephone-subscriber;params (RFC 3966); the number is kept in `user`. */
function readTelUri(s: string, start: number, uri: SipUri | null): boolean {
  const n = s.length;
  let i = start;
  while (i < n && s.charCodeAt(i) !== 0x3b && s.charCodeAt(i) !== 0x3f) i++;
  if (i === start || !validRun(PARAM_CHARS, s, start, i)) return false;
  if (uri !== null) uri.user = unescape(s.slice(start, i));
  i = scanUriParams(s, i, uri === null ? null : uri.params);
  if (i < 0) return false;
  if (i < n && s.charCodeAt(i) === 0x3f) i = scanUriHeaders(s, i + 1, uri === null ? null : uri.headers);
  return i === n;
}

/** True when s[i, end) has only `t` characters or %HH escapes. */
function validRun(t: Uint8Array, s: string, i: number, end: number): boolean {
  for (; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x25 /* % */) continue; // escapes are checked leniently (see escape.ts)
    if (!inTable(t, c) && c < 0x80) return false;
  }
  return true;
}

/** *( ";" pname [ "=" pvalue ] ); returns the index after them or -1. No LWS inside URIs. */
function scanUriParams(s: string, i: number, out: Params | null): number {
  const n = s.length;
  while (i < n && s.charCodeAt(i) === 0x3b) {
    const nameStart = ++i;
    while (i < n && isParamChar(s.charCodeAt(i))) i++;
    if (i === nameStart) return -1;
    const nameEnd = i;
    let valueStart = -1;
    if (i < n && s.charCodeAt(i) === 0x3d) {
      valueStart = ++i;
      while (i < n && isParamChar(s.charCodeAt(i))) i++;
      if (i === valueStart) return -1;
    }
    if (out !== null) {
      const name = unescape(s.slice(nameStart, nameEnd)).toLowerCase();
      if (!out.has(name)) out.set(name, valueStart < 0 ? null : unescape(s.slice(valueStart, i)));
    }
  }
  return i;
}

function isParamChar(c: number): boolean {
  return c === 0x25 || c >= 0x80 || inTable(PARAM_CHARS, c);
}

/** hname "=" hvalue *( "&" hname "=" hvalue ); returns the index after them (-1 if malformed). */
function scanUriHeaders(s: string, i: number, out: Map<string, string> | null): number {
  const n = s.length;
  for (;;) {
    const nameStart = i;
    while (i < n && isHnvChar(s.charCodeAt(i))) i++;
    if (i === nameStart || i >= n || s.charCodeAt(i) !== 0x3d) return -1;
    const nameEnd = i;
    const valueStart = ++i;
    while (i < n && isHnvChar(s.charCodeAt(i))) i++;
    if (out !== null) out.set(unescape(s.slice(nameStart, nameEnd)), unescape(s.slice(valueStart, i)));
    if (i < n && s.charCodeAt(i) === 0x26 /* & */) {
      i++;
      continue;
    }
    return i;
  }
}

function isHnvChar(c: number): boolean {
  return c === 0x25 || c >= 0x80 || inTable(HNV_CHARS, c);
}

/** Writes a URI; components are re-escaped where their characters require it (§19.1.2). */
export function formatUri(uri: SipUri): string {
  const scheme = uri.scheme;
  if (uri.opaque !== undefined && scheme !== 'sip' && scheme !== 'sips' && scheme !== 'tel') {
    return scheme + ':' + uri.opaque;
  }
  let out = scheme + ':';
  if (scheme === 'tel') out += escape(uri.user ?? '', PARAM_CHARS);
  else {
    if (uri.user !== undefined && uri.user !== '') {
      out += escape(uri.user, USER_CHARS);
      if (uri.password !== undefined) out += ':' + escape(uri.password, PASSWORD_CHARS);
      out += '@';
    }
    out += uri.host;
    if (uri.port !== undefined) out += ':' + uri.port;
  }
  for (const [k, v] of uri.params) {
    out += ';' + escape(k, PARAM_CHARS);
    if (v !== null) out += '=' + escape(v, PARAM_CHARS);
  }
  let sep = '?';
  for (const [k, v] of uri.headers) {
    out += sep + escape(k, HNV_CHARS) + '=' + escape(v, HNV_CHARS);
    sep = '&';
  }
  return out;
}
