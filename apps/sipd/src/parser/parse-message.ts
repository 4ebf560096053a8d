// parseMessage: one datagram or one framed stream message → SipMessage (RFC 3261 §7, §18.3).
// One pass over the header section as a string; header values stay raw (structured parsing is
// on demand), except the few fields a server must check before answering (see validate.ts).

import { EMPTY_BODY, SipRequest, SipResponse, headerKey } from './message';
import type { Header, SipMessage } from './message';
import type { ParseResult } from './types';
import { TOKEN, scanRun } from './chars';
import { matchKnown, storedName } from './header-names';
import { parseStartLine } from './start-line';
import { validateMessage } from './validate';
import { contentLength } from './content-length';

export interface ParseOptions {
  /** Larger inputs fail with 513 (RFC 3261 §21.5.7). Default 65535. */
  maxSize?: number;
  /**
   * True for stream transports (TCP/TLS/WS): Content-Length is then mandatory (§18.3, §20.14).
   * Default false: the input is a datagram, a missing Content-Length means "the rest".
   */
  stream?: boolean;
  /**
   * Request-URI schemes this server handles; others fail with 416 (§8.2.2.1, RFC 4475 unkscm).
   * Default ['sip', 'sips', 'tel'].
   */
  uriSchemes?: readonly string[];
}

export const DEFAULT_MAX_SIZE = 65535;
const DEFAULT_SCHEMES: readonly string[] = ['sip', 'sips', 'tel'];

const CR = 0x0d;
const LF_CRLF = Buffer.from('\n\r\n', 'latin1');
const LF_LF = Buffer.from('\n\n', 'latin1');
const LF = 0x0a;

interface Failure {
  reason: string;
  status?: number;
}

/** Parses one complete message. Never throws. */
export function parseMessage(buf: Buffer, opts?: ParseOptions): ParseResult {
  try {
    return parseUnguarded(buf, opts);
  } catch {
    // Defensive: every path above is meant to return; an exception here is a parser bug.
    return { ok: false, reason: 'Bad Request - Unparseable Message' };
  }
}

/** parseMessage without its safety net; exported so the fuzz spec can prove the net is unused. */
export function parseUnguarded(buf: Buffer, opts?: ParseOptions): ParseResult {
  const maxSize = opts?.maxSize ?? DEFAULT_MAX_SIZE;
  if (buf.length > maxSize) return { ok: false, reason: 'Message Too Large', status: 513 };
  const len = buf.length;
  // CRLFs before the start line are ignored (§7.5; also keep-alives on streams).
  let start = 0;
  while (start < len && (buf[start] === CR || buf[start] === LF)) start++;
  if (start === len) return { ok: false, reason: 'Bad Request - Empty Message' };

  // End of the header section: the first empty line, CRLF CRLF or (tolerated) LF LF.
  let headEnd = len;
  let bodyStart = len; // no empty line at all: everything is header (tolerated on datagrams)
  const crlf = buf.indexOf(LF_CRLF, start);
  if (crlf >= 0) {
    headEnd = crlf + 1;
    bodyStart = crlf + 3;
  } else {
    const lflf = buf.indexOf(LF_LF, start);
    if (lflf >= 0) {
      headEnd = lflf + 1;
      bodyStart = lflf + 2;
    }
  }
  let head = buf.toString('utf8', start, headEnd);
  // An LF LF before the CRLF CRLF ends the headers earlier (rare: mixed line ends).
  const early = crlf >= 0 ? head.indexOf('\n\n') : -1;
  if (early >= 0) {
    head = head.slice(0, early + 1);
    bodyStart = buf.indexOf(LF_LF, start) + 2;
  }
  let nl = head.indexOf('\n');
  if (nl < 0) nl = head.length;
  const startLine = parseStartLine(head.charCodeAt(nl - 1) === CR ? head.slice(0, nl - 1) : head.slice(0, nl));
  let failure: Failure | undefined;
  let msg: SipMessage | undefined;
  if (startLine.kind === 'error') {
    failure = startLine.status === undefined ? { reason: startLine.reason } : { reason: startLine.reason, status: startLine.status };
    // Keep reading headers so a request can still be answered with 400/505.
    if (startLine.method !== undefined && startLine.uri !== undefined) msg = new SipRequest(startLine.method, startLine.uri);
  } else if (startLine.kind === 'request') msg = new SipRequest(startLine.method, startLine.uri);
  else msg = new SipResponse(startLine.status, startLine.reason);

  const headers: Header[] = [];
  const badLine = readHeaders(head, nl + 1, headers);
  if (badLine !== undefined && failure === undefined) failure = { reason: badLine };
  if (msg === undefined) return { ok: false, reason: failure?.reason ?? 'Bad Request' };
  msg.headers = headers;

  if (failure === undefined) {
    const v = validateMessage(msg, opts?.uriSchemes ?? DEFAULT_SCHEMES);
    if (v !== undefined) failure = v;
  }
  if (failure === undefined) {
    const body = readBody(msg, buf, bodyStart, opts?.stream === true);
    if (typeof body === 'string') failure = { reason: body };
    else msg.body = body;
  }
  if (failure === undefined) return { ok: true, message: msg };
  return fail(failure, msg);
}

function fail(f: Failure, msg: SipMessage): ParseResult {
  const r: { ok: false; reason: string; status?: number; partial?: SipRequest } = { ok: false, reason: f.reason };
  if (f.status !== undefined) r.status = f.status;
  // A request can be answered when it has a Via to copy (§8.2.6.2); if the top Via does not
  // parse, the transport answers to the source address (§18.2.2), the Via copied verbatim.
  if (msg.kind === 'request' && msg.has('via')) r.partial = msg;
  return r;
}

/**
 * Reads header lines from head[pos..] into `out`; folded lines (LWS continuation, §7.3.1) become
 * one value with a single SP per fold. Returns a reason when a line is not `token ":" value`.
 */
function readHeaders(head: string, pos: number, out: Header[]): string | undefined {
  const n = head.length;
  let bad: string | undefined;
  while (pos < n) {
    let nl = head.indexOf('\n', pos);
    if (nl < 0) nl = n;
    let lineEnd = nl > pos && head.charCodeAt(nl - 1) === CR ? nl - 1 : nl;
    let next = nl + 1;
    // field-name = token, then HCOLON = *( SP / HTAB ) ":" SWS. Scanning only this line keeps
    // the whole pass linear (indexOf(':') would rescan the rest on every colon-less line).
    const nameEnd = scanRun(TOKEN, head, pos, lineEnd);
    let colon = nameEnd;
    while (colon < lineEnd && isWs(head.charCodeAt(colon))) colon++;
    if (nameEnd === pos || colon >= lineEnd || head.charCodeAt(colon) !== 0x3a /* : */) {
      if (lineEnd > pos) bad ??= 'Bad Request - Malformed Header Line';
      pos = next;
      continue;
    }
    let vs = colon + 1;
    while (vs < lineEnd && isWs(head.charCodeAt(vs))) vs++;
    while (lineEnd > vs && isWs(head.charCodeAt(lineEnd - 1))) lineEnd--;
    let value = head.slice(vs, lineEnd);
    // Continuation lines start with SP or HTAB.
    while (next < n && isWs(head.charCodeAt(next))) {
      let nl2 = head.indexOf('\n', next);
      if (nl2 < 0) nl2 = n;
      let s = next;
      let e = nl2 > next && head.charCodeAt(nl2 - 1) === CR ? nl2 - 1 : nl2;
      while (s < e && isWs(head.charCodeAt(s))) s++;
      while (e > s && isWs(head.charCodeAt(e - 1))) e--;
      if (e > s) value = value === '' ? head.slice(s, e) : value + ' ' + head.slice(s, e);
      next = nl2 + 1;
    }
    const known = matchKnown(head, pos, nameEnd);
    if (known !== undefined) out.push({ name: known.name, key: known.key, value });
    else {
      const written = head.slice(pos, nameEnd);
      const key = headerKey(written);
      out.push({ name: storedName(written, key), key, value });
    }
    pos = next;
  }
  return bad;
}

function isWs(c: number): boolean {
  return c === 0x20 || c === 0x09;
}

/**
 * Body by Content-Length (§18.3, §20.14): on datagrams extra octets are discarded (RFC 4475
 * dblreq), too few is an error (clerr), no Content-Length means the rest (inv2543). On streams
 * Content-Length is mandatory. Returns a reason on error.
 */
function readBody(msg: SipMessage, buf: Buffer, bodyStart: number, stream: boolean): Buffer | string {
  const available = buf.length - bodyStart;
  const cl = msg.get('content-length');
  if (cl === undefined) {
    if (stream) return 'Bad Request - Missing Content-Length';
    return available > 0 ? buf.subarray(bodyStart) : EMPTY_BODY;
  }
  const n = contentLength(cl);
  if (n < 0) return 'Bad Request - Malformed Content-Length';
  if (n > available) return 'Bad Request - Content-Length Larger Than Body';
  return n === 0 ? EMPTY_BODY : buf.subarray(bodyStart, bodyStart + n);
}
