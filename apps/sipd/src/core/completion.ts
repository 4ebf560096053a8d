// Completing the skeletal messages drachtio-srf sends (docs/wire-protocol.md §2.4 a, b/e):
// the app gives a start line, the headers it cares about and a body; sipd adds what a SIP stack
// owns (Via, tags, Call-ID, CSeq, Max-Forwards, Contact, Content-Type, Content-Length).
import {
  SipRequest, SipResponse, formatNameAddr, headerKey, parseNameAddr, withTag, type NameAddr, type SipMessage,
} from '../parser';
import type { SipText } from '../wire/sip-text';
import { newTag } from './ids';

/** Headers an app may not set: the stack owns them (drachtio's immutable headers). */
const IMMUTABLE_IN_RESPONSE = new Set(['via', 'route', 'record-route', 'rseq', 'content-length', 'from', 'call-id', 'cseq', 'to']);
const IMMUTABLE_IN_REQUEST = new Set(['via', 'content-length']);
/** In-dialog requests take these from the dialog. */
const DIALOG_OWNED = new Set(['via', 'content-length', 'from', 'to', 'call-id', 'cseq', 'route']);

function copyAppHeaders(target: SipMessage, sip: SipText, skip: Set<string>): void {
  const seen = new Set<string>();
  for (const h of sip.headers) {
    const key = headerKey(h.name);
    if (skip.has(key)) continue;
    // The app's value replaces ours (first occurrence), further lines of the same header append.
    if (!seen.has(key)) {
      target.remove(key);
      seen.add(key);
    }
    target.append(key, h.value);
  }
}

/** Content-Type for a body the app sent without one: SDP when it looks like SDP. */
function ensureContentType(msg: SipMessage): string | undefined {
  if (msg.body.length === 0 || msg.has('content-type')) return undefined;
  if (msg.body.subarray(0, 3).toString('latin1') === 'v=0') {
    msg.set('content-type', 'application/sdp');
    return undefined;
  }
  return 'missing content-type';
}

/** `@localhost` in From/To/Contact/P-Asserted-Identity means "our address" (drachtio makeTags). */
function replaceLocalhost(msg: SipMessage, hostport: string): void {
  for (const h of msg.headers) {
    if ((h.key === 'from' || h.key === 'to' || h.key === 'contact' || h.key === 'p-asserted-identity') && h.value.includes('@localhost')) {
      h.value = h.value.replace(/@localhost(?![\w.-])/g, `@${hostport}`);
    }
  }
}

export interface ResponseCompletion {
  /** Our To tag for this transaction (kept for every response of it). */
  localTag: string | undefined;
  /** Contact to add when the app gave none and the response needs one. */
  contact: string | undefined;
  /** Copy Record-Route from the request (dialog-creating responses, §12.1.1). */
  copyRecordRoute: boolean;
}

/**
 * Builds the response to `request` (§8.2.6.2: Via, From, To, Call-ID, CSeq copied) from the
 * app's skeletal response, adding the To tag, Contact and Content-Type.
 */
export function buildResponse(request: SipRequest, status: number, reason: string, sip: SipText, c: ResponseCompletion): SipResponse {
  const res = new SipResponse(status, reason);
  for (const h of request.headers) {
    if (h.key === 'via' || h.key === 'from' || h.key === 'call-id' || h.key === 'cseq') res.headers.push({ ...h });
    else if (h.key === 'to') {
      const value = status > 100 && c.localTag !== undefined ? withTag(h.value, c.localTag) : h.value;
      res.headers.push({ ...h, value });
    } else if (h.key === 'record-route' && c.copyRecordRoute && status > 100 && status < 300) {
      res.headers.push({ ...h });
    }
  }
  copyAppHeaders(res, sip, IMMUTABLE_IN_RESPONSE);
  res.body = sip.body.length ? Buffer.from(sip.body, 'utf8') : res.body;
  if (c.contact !== undefined && !res.has('contact')) res.append('contact', `<${c.contact}>`);
  ensureContentType(res);
  return res;
}

/** The To tag the app chose (`res.send(…, {headers: {to: '…;tag=x'}})`), if any. */
export function appToTag(sip: SipText): string | undefined {
  for (const h of sip.headers) {
    const n = h.name.toLowerCase();
    if (n === 'to' || n === 't') {
      const m = /;\s*tag=([^;>\s]+)/i.exec(h.value);
      if (m) return m[1];
    }
  }
  return undefined;
}

export interface RequestCompletion {
  /** Our listener's host:port for `@localhost` and default From/Contact. */
  hostport: string;
  /** Contact URI of the listener used. */
  contactUri: string;
  callId: () => string;
}

/** A new request outside a dialog from the app's skeleton (§8.1.1). */
export function buildNewRequest(method: string, requestUri: string, sip: SipText, c: RequestCompletion): { request: SipRequest; error?: string } {
  const req = new SipRequest(method, requestUri);
  copyAppHeaders(req, sip, IMMUTABLE_IN_REQUEST);
  req.body = sip.body.length ? Buffer.from(sip.body, 'utf8') : req.body;
  replaceLocalhost(req, c.hostport);

  const from = parseNameAddr(req.get('from') ?? `<sip:${c.hostport}>`);
  if (!from) return { request: req, error: 'invalid From header' };
  if (!from.params.has('tag')) from.params.set('tag', newTag());
  req.set('from', formatNameAddr(asAngle(from)));
  if (!req.has('to')) req.set('to', `<${requestUri}>`);
  if (!req.has('call-id')) req.set('call-id', c.callId());
  const cseq = /^\s*(\d+)/.exec(req.get('cseq') ?? '');
  req.set('cseq', `${cseq ? cseq[1] : '1'} ${method}`);
  if (!req.has('max-forwards')) req.set('max-forwards', '70');
  if (!req.has('contact') && (method === 'INVITE' || method === 'SUBSCRIBE' || method === 'REFER')) {
    req.set('contact', `<${c.contactUri}>`);
  }
  const ctError = ensureContentType(req);
  return ctError ? { request: req, error: ctError } : { request: req };
}

/** Merges the app's headers and body into an in-dialog request built from dialog state. */
export function mergeIntoDialogRequest(req: SipRequest, sip: SipText): string | undefined {
  copyAppHeaders(req, sip, DIALOG_OWNED);
  if (sip.body.length) req.body = Buffer.from(sip.body, 'utf8');
  return ensureContentType(req);
}

function asAngle(na: NameAddr): NameAddr {
  return { ...na, angle: true };
}
