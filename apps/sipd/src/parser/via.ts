// Via (RFC 3261 §20.42, §25.1): sent-protocol LWS sent-by *( SEMI via-params ).
// SLASH and COLON allow LWS around them (RFC 4475 wsinv: "SIP  /   2.0 / UDP").

import type { Via } from './types';
import { HOST_CHARS, IPV6_CHARS, TOKEN, isWsp, parseDigits, scanRun, skipWs } from './chars';
import { formatParams, scanParams } from './params';

/**
 * Parses ONE Via value (split a line with getAll('via') first, or use topVia()). Params such as
 * rport or received may have no value (null).
 */
export function parseVia(text: string): Via | undefined {
  const r = readVia(text, true);
  return typeof r === 'object' ? r : undefined;
}

/** Same grammar as parseVia, without building anything (used to validate messages). */
export function isValidVia(text: string): boolean {
  return readVia(text, false) !== false;
}

/** The Via when `build`, true when only checking; false when malformed. */
function readVia(s: string, build: boolean): Via | boolean {
  const n = s.length;
  let i = skipWs(s, 0, n);
  const nameStart = i;
  i = scanRun(TOKEN, s, i, n);
  if (i === nameStart) return false;
  const nameEnd = i;
  i = expectSep(s, i, n, 0x2f /* / */);
  if (i < 0) return false;
  const verStart = i;
  i = scanRun(TOKEN, s, i, n);
  if (i === verStart) return false;
  const verEnd = i;
  i = expectSep(s, i, n, 0x2f);
  if (i < 0) return false;
  const trStart = i;
  i = scanRun(TOKEN, s, i, n);
  if (i === trStart) return false;
  const trEnd = i;
  // LWS is mandatory between sent-protocol and sent-by.
  if (i >= n || !isWsp(s.charCodeAt(i))) return false;
  i = skipWs(s, i, n);
  const hostStart = i;
  if (i < n && s.charCodeAt(i) === 0x5b /* [ */) {
    const close = s.indexOf(']', i);
    if (close < 0 || close === i + 1 || scanRun(IPV6_CHARS, s, i + 1, close) !== close) return false;
    i = close + 1;
  } else {
    i = scanRun(HOST_CHARS, s, i, n);
    if (i === hostStart) return false;
  }
  const hostEnd = i;
  let port: number | undefined;
  let j = skipWs(s, i, n);
  if (j < n && s.charCodeAt(j) === 0x3a /* : */) {
    j = skipWs(s, j + 1, n);
    const portStart = j;
    while (j < n && s.charCodeAt(j) >= 0x30 && s.charCodeAt(j) <= 0x39) j++;
    const p = parseDigits(s, portStart, j, 65535);
    if (p < 0) return false;
    port = p;
    i = j;
  }
  if (!build) return scanParams(s, i, n, null);
  const via: Via = {
    protocol: protocolName(s, nameStart, nameEnd, verStart, verEnd),
    transport: s.slice(trStart, trEnd).toUpperCase(),
    host: s.slice(hostStart, hostEnd),
    params: new Map(),
  };
  if (port !== undefined) via.port = port;
  return scanParams(s, i, n, via.params) && via;
}

/** 'SIP/2.0' without allocating in the usual case. */
function protocolName(s: string, nameStart: number, nameEnd: number, verStart: number, verEnd: number): string {
  const name = s.slice(nameStart, nameEnd).toUpperCase();
  const version = s.slice(verStart, verEnd);
  return name === 'SIP' && version === '2.0' ? 'SIP/2.0' : name + '/' + version;
}

/** Index after SWS sep SWS, or -1. */
function expectSep(s: string, i: number, n: number, sep: number): number {
  i = skipWs(s, i, n);
  if (i >= n || s.charCodeAt(i) !== sep) return -1;
  return skipWs(s, i + 1, n);
}

/** Writes 'SIP/2.0/UDP host:port;params'. */
export function formatVia(via: Via): string {
  let out = via.protocol + '/' + via.transport + ' ' + via.host;
  if (via.port !== undefined) out += ':' + via.port;
  return out + formatParams(via.params);
}
