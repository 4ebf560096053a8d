// The SIP text carried after a wire message's leader, and the meta fields that describe it.
// Deliberately shallow: start line, header list, body. The engine re-parses with ../parser when it
// needs structure; the wire layer only needs to classify commands (docs/wire-protocol.md §2.4).

export const CRLF = '\r\n';

export interface WireHeader {
  name: string; // as sent (srf lower-cases most names)
  value: string; // trimmed; folded lines joined with a single space
}

export type StartLine =
  | { kind: 'request'; method: string; requestUri: string; version: string }
  | { kind: 'response'; status: number; reason: string; version: string };

export interface SipText {
  /** Everything after the leader's CRLF, untouched. */
  raw: string;
  startLine: StartLine;
  headers: WireHeader[];
  body: string;
}

const REQUEST_LINE = /^([A-Za-z0-9.!%*_+`'~-]+) +(\S+) +(SIP\/\d+\.\d+) *$/;
const STATUS_LINE = /^(SIP\/\d+\.\d+) +(\d{3})(?: +(.*))?$/;

export function parseStartLine(line: string): StartLine | undefined {
  const rs = STATUS_LINE.exec(line);
  if (rs) return { kind: 'response', version: rs[1] as string, status: Number(rs[2]), reason: rs[3] ?? '' };
  const rq = REQUEST_LINE.exec(line);
  if (rq) return { kind: 'request', method: (rq[1] as string).toUpperCase(), requestUri: rq[2] as string, version: rq[3] as string };
  return undefined;
}

/**
 * Splits the SIP text like drachtio-server's splitMsg(): start line, header block up to the first
 * blank line, body after it. Returns undefined when the start line is not a SIP start line.
 */
export function parseSipText(raw: string): SipText | undefined {
  const end = raw.indexOf(CRLF + CRLF);
  const head = end < 0 ? raw : raw.slice(0, end);
  const body = end < 0 ? '' : raw.slice(end + 4);
  const lines = head.split(CRLF);
  const startLine = parseStartLine(lines[0] ?? '');
  if (!startLine) return undefined;
  const headers: WireHeader[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line.length === 0) continue;
    // RFC 3261 §7.3.1: a line starting with SP/HT continues the previous header.
    if ((line[0] === ' ' || line[0] === '\t') && headers.length > 0) {
      const last = headers[headers.length - 1] as WireHeader;
      last.value = `${last.value} ${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue; // drachtio-server's makeTags() skips such lines too
    headers.push({ name: line.slice(0, colon).trim(), value: line.slice(colon + 1).trim() });
  }
  return { raw, startLine, headers, body };
}

/** First value of a header, by case-insensitive name (compact forms are the caller's concern). */
export function headerValue(sip: SipText, name: string): string | undefined {
  const lower = name.toLowerCase();
  return sip.headers.find((h) => h.name.toLowerCase() === lower)?.value;
}

/** Where and when a SIP message was received or sent (drachtio's SipMsgData_t). */
export interface SipMeta {
  source: 'network' | 'application';
  /** Size of the SIP message in bytes. */
  bytes: number;
  /** drachtio reports udp|tcp|tls (ws as tcp); sipd passes what the engine gives. */
  protocol: string;
  /** Peer for received messages; destination (responses) or our transport (requests) when sent. */
  address: string;
  port: number;
  /** UTC time of day `HH:MM:SS.uuuuuu`; see formatWireTime(). */
  time: string;
}

const pad = (n: number, w: number): string => String(n).padStart(w, '0');

/** `HH:MM:SS.` of the second last formatted: every message of that second reuses it. */
let cachedSecond = Number.NaN;
let cachedPrefix = '';

/** drachtio's time stamp: UTC time of day with microseconds (srv SipMsgData_t). */
export function formatWireTime(epochMs: number = Date.now(), micros?: number): string {
  const ms = Math.trunc(epochMs); // as new Date() reads it
  const second = Math.floor(ms / 1000);
  if (second !== cachedSecond) {
    const d = new Date(ms);
    cachedPrefix = `${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}.`;
    cachedSecond = second;
  }
  const us = micros ?? (ms - second * 1000) * 1000;
  return cachedPrefix + pad(us, 6);
}

export function formatMeta(m: SipMeta): string {
  return `${m.source}|${m.bytes}|${m.protocol}|${m.address}|${m.port}|${m.time}`;
}
