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
  const s = text;
  const n = s.length;
  let i = skipWs(s, 0, n);
  const nameStart = i;
  i = scanRun(TOKEN, s, i, n);
  if (i === nameStart) return undefined;
  const name = s.slice(nameStart, i);
  i = expectSep(s, i, n, 0x2f /* / */);
  if (i < 0) return undefined;
  const verStart = i;
  i = scanRun(TOKEN, s, i, n);
  if (i === verStart) return undefined;
  const version = s.slice(verStart, i);
  i = expectSep(s, i, n, 0x2f);
  if (i < 0) return undefined;
  const trStart = i;
  i = scanRun(TOKEN, s, i, n);
  if (i === trStart) return undefined;
  const transport = s.slice(trStart, i).toUpperCase();
  // LWS is mandatory between sent-protocol and sent-by.
  if (i >= n || !isWsp(s.charCodeAt(i))) return undefined;
  i = skipWs(s, i, n);
  let host: string;
  if (i < n && s.charCodeAt(i) === 0x5b /* [ */) {
    const close = s.indexOf(']', i);
    if (close < 0 || close === i + 1 || scanRun(IPV6_CHARS, s, i + 1, close) !== close) return undefined;
    host = s.slice(i, close + 1);
    i = close + 1;
  } else {
    const hostStart = i;
    i = scanRun(HOST_CHARS, s, i, n);
    if (i === hostStart) return undefined;
    host = s.slice(hostStart, i);
  }
  const via: Via = { protocol: name.toUpperCase() + '/' + version, transport, host, params: new Map() };
  let j = skipWs(s, i, n);
  if (j < n && s.charCodeAt(j) === 0x3a /* : */) {
    j = skipWs(s, j + 1, n);
    const portStart = j;
    while (j < n && s.charCodeAt(j) >= 0x30 && s.charCodeAt(j) <= 0x39) j++;
    const port = parseDigits(s, portStart, j, 65535);
    if (port < 0) return undefined;
    via.port = port;
    i = j;
  }
  return scanParams(s, i, n, via.params) ? via : undefined;
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
