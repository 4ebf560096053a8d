// What a server must check before it hands a message up (RFC 3261 §8.2, §16.3, §18.3, §20):
// mandatory headers present once, CSeq in range and matching the method, Max-Forwards and
// Content-Length numeric, a usable Request-URI. Everything else stays raw for higher layers.

import type { Header, SipMessage } from './message';
import { splitHeaderList } from './message';
import { parseCSeq } from './cseq';
import { isValidNameAddr } from './name-addr';
import { nameAddrFacts } from './name-addr-facts';
import { parseUri } from './uri';
import { isValidVia } from './via';
import { contentLength } from './content-length';

export interface ValidationFailure {
  reason: string;
  status?: number;
}

/** First value of a list header line, without allocating when there is no comma. */
export function firstValue(line: string): string {
  if (line.indexOf(',') < 0) return line;
  return splitHeaderList(line)[0] ?? '';
}

/** Lines per mandatory or single-valued header, gathered in one pass. */
interface Seen {
  via?: Header;
  from?: Header;
  to?: Header;
  callId?: Header;
  cseq?: Header;
  maxForwards?: Header;
  contentLength?: Header;
  multi?: string;
  contacts?: Header[];
}

function gather(headers: Header[]): Seen {
  const seen: Seen = {};
  for (const h of headers) {
    switch (h.key) {
      case 'via':
        seen.via ??= h;
        break;
      case 'from':
        if (seen.from !== undefined) seen.multi ??= 'From';
        seen.from = h;
        break;
      case 'to':
        if (seen.to !== undefined) seen.multi ??= 'To';
        seen.to = h;
        break;
      case 'call-id':
        if (seen.callId !== undefined) seen.multi ??= 'Call-ID';
        seen.callId = h;
        break;
      case 'cseq':
        if (seen.cseq !== undefined) seen.multi ??= 'CSeq';
        seen.cseq = h;
        break;
      case 'max-forwards':
        if (seen.maxForwards !== undefined) seen.multi ??= 'Max-Forwards';
        seen.maxForwards = h;
        break;
      case 'content-length':
        if (seen.contentLength !== undefined) seen.multi ??= 'Content-Length'; // RFC 4475 mcl01
        seen.contentLength = h;
        break;
      case 'contact':
        (seen.contacts ??= []).push(h);
        break;
    }
  }
  return seen;
}

const bad = (what: string): ValidationFailure => ({ reason: 'Bad Request - ' + what });

/** Returns undefined when the message may be handed up, else why not (and the status). */
export function validateMessage(msg: SipMessage, uriSchemes: readonly string[]): ValidationFailure | undefined {
  const seen = gather(msg.headers);
  // §8.1.1: To, From, CSeq, Call-ID, Max-Forwards and Via are mandatory; Max-Forwards is
  // tolerated when missing (RFC 2543 peers, RFC 4475 inv2543).
  if (seen.via === undefined) return bad('Missing Via');
  if (seen.from === undefined) return bad('Missing From');
  if (seen.to === undefined) return bad('Missing To');
  if (seen.callId === undefined) return bad('Missing Call-ID');
  if (seen.cseq === undefined) return bad('Missing CSeq');
  // Single-valued headers appearing twice (RFC 4475 multi01, mcl01; §7.3.1).
  if (seen.multi !== undefined) return bad('Multiple ' + seen.multi);
  if (!isValidVia(firstValue(seen.via.value))) return bad('Malformed Via');
  // Parsed (not only checked) once here: the transaction layer and the core read these tags next.
  if (nameAddrFacts(seen.from.value).parsed === undefined) return bad('Malformed From');
  if (nameAddrFacts(seen.to.value).parsed === undefined) return bad('Malformed To');
  if (!isCallId(seen.callId.value)) return bad('Malformed Call-ID');
  const cseq = parseCSeq(seen.cseq.value);
  if (cseq === undefined) return bad('Malformed CSeq');
  if (seen.contentLength !== undefined && contentLength(seen.contentLength.value) < 0) {
    return bad('Malformed Content-Length');
  }
  if (msg.kind === 'response') return undefined;

  // §8.2.2: requests only from here on.
  if (cseq.method !== msg.method) return bad('CSeq Method Does Not Match'); // RFC 4475 mismatch01/02
  if (seen.maxForwards !== undefined && !isMaxForwards(seen.maxForwards.value)) return bad('Malformed Max-Forwards');
  if (seen.contacts !== undefined) {
    for (const h of seen.contacts) {
      for (const v of splitHeaderList(h.value)) if (!isValidNameAddr(v)) return bad('Malformed Contact');
    }
  }
  const ruri = parseUri(msg.uri);
  if (ruri === undefined) return bad('Malformed Request-URI');
  // §19.1.1 table: headers are not allowed in a Request-URI (RFC 4475 escruri).
  if (ruri.headers.size > 0) return bad('Headers In Request-URI');
  if (!uriSchemes.includes(ruri.scheme)) return { reason: 'Unsupported URI Scheme', status: 416 };
  return undefined;
}

/** callid = word [ "@" word ] (§25.1); kept lenient: non-empty with no whitespace. */
function isCallId(v: string): boolean {
  if (v.length === 0) return false;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c <= 0x20 || c === 0x7f) return false;
  }
  return true;
}

/** Max-Forwards = 1*DIGIT, 0-255 (§20.22, §8.1.1.6; RFC 4475 scalar02 sends 300). */
function isMaxForwards(v: string): boolean {
  if (v.length === 0 || v.length > 10) return false;
  let n = 0;
  for (let i = 0; i < v.length; i++) {
    const d = v.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return false;
    n = n * 10 + d;
  }
  return n <= 255;
}
