// Messages the transaction layer builds itself: responses from a request (§8.2.6), used for the
// automatic 100 Trying and stateless replies, and the ACK for a non-2xx final response (§17.1.1.3).
import { SipRequest, SipResponse } from '../parser';

/** Headers copied from a request into every response (§8.2.6.2). */
const COPIED = ['via', 'from', 'to', 'call-id', 'cseq'];

/**
 * Builds a response to `request`: Via (all values, in order), From, To, Call-ID, CSeq copied;
 * a To tag is added when `toTag` is given and To has none; Timestamp is echoed on 100 (§8.2.6.1).
 */
export function createResponse(request: SipRequest, status: number, reason: string, toTag?: string): SipResponse {
  const res = new SipResponse(status, reason);
  for (const h of request.headers) {
    if (COPIED.includes(h.key)) res.headers.push({ ...h });
  }
  if (toTag !== undefined && status > 100) {
    const i = res.headers.findIndex((h) => h.key === 'to');
    const to = i >= 0 ? res.headers[i]! : undefined;
    if (to !== undefined && !/;\s*tag\s*=/i.test(stripUri(to.value))) {
      res.headers[i] = { ...to, value: `${to.value};tag=${toTag}` };
    }
  }
  if (status === 100) {
    const ts = request.get('timestamp');
    if (ts !== undefined) res.set('timestamp', ts);
  }
  res.set('content-length', '0');
  return res;
}

/**
 * ACK for a non-2xx final response to an INVITE (§17.1.1.3): same Request-URI, Call-ID, From,
 * CSeq number and top Via (one Via only) as the INVITE; To from the response (it carries the tag);
 * Route header fields from the INVITE.
 */
export function createNon2xxAck(invite: SipRequest, response: SipResponse): SipRequest {
  const ack = new SipRequest('ACK', invite.uri);
  const topVia = invite.getAll('via')[0];
  if (topVia !== undefined) ack.append('via', topVia);
  for (const h of invite.headers) if (h.key === 'route') ack.headers.push({ ...h });
  const maxForwards = invite.get('max-forwards');
  if (maxForwards !== undefined) ack.set('max-forwards', maxForwards);
  const from = invite.get('from');
  if (from !== undefined) ack.set('from', from);
  const to = response.get('to') ?? invite.get('to');
  if (to !== undefined) ack.set('to', to);
  ack.set('call-id', invite.callId);
  const seq = /^\s*(\d+)/.exec(invite.get('cseq') ?? '')?.[1] ?? '0';
  ack.set('cseq', `${seq} ACK`);
  ack.set('content-length', '0');
  return ack;
}

/** The header-parameter part of a name-addr (after '>' if bracketed), to look for ;tag=. */
function stripUri(value: string): string {
  const gt = value.lastIndexOf('>');
  return gt >= 0 ? value.slice(gt + 1) : value;
}

/**
 * CANCEL for a pending request (§9.1): same Request-URI, Call-ID, To, From, CSeq number (method
 * CANCEL), a single Via equal to the request's top Via (same branch), and its Route header fields.
 */
export function createCancel(request: SipRequest): SipRequest {
  const cancel = new SipRequest('CANCEL', request.uri);
  const topVia = request.getAll('via')[0];
  if (topVia !== undefined) cancel.append('via', topVia);
  for (const h of request.headers) if (h.key === 'route') cancel.headers.push({ ...h });
  const maxForwards = request.get('max-forwards');
  if (maxForwards !== undefined) cancel.set('max-forwards', maxForwards);
  for (const name of ['from', 'to', 'call-id']) {
    const v = request.get(name);
    if (v !== undefined) cancel.set(name, v);
  }
  const seq = /^\s*(\d+)/.exec(request.get('cseq') ?? '')?.[1] ?? '0';
  cancel.set('cseq', `${seq} CANCEL`);
  cancel.set('content-length', '0');
  return cancel;
}
