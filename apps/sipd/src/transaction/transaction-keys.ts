// Matching keys for the transaction maps (RFC 3261 §17.1.3, §17.2.3, §9.2, §8.2.2.2).
import { randomBytes } from 'node:crypto';
import { nameAddrFacts, parseCSeq, parseVia, type SipMessage, type SipRequest, type Via } from '../parser';

/** §8.1.1.7: branches of RFC 3261 elements start with this cookie. */
export const MAGIC_COOKIE = 'z9hG4bK';

/** A new RFC 3261 branch: the cookie and 96 random bits (unique in space and time, §8.1.1.7). */
export function newBranch(): string {
  return MAGIC_COOKIE + randomBytes(12).toString('hex');
}

/** Header facts the layer needs from a message, read once. undefined when Via or CSeq is unusable. */
export interface MessageFacts {
  via: Via;
  branch?: string;
  cseqSeq: number;
  cseqMethod: string;
}

/** `knownVia`: the top Via already parsed by the transport (InboundMessage.topVia), not parsed again. */
export function messageFacts(msg: SipMessage, knownVia?: Via): MessageFacts | undefined {
  const cseqText = msg.get('cseq');
  if (cseqText === undefined) return undefined;
  let via = knownVia;
  if (via === undefined) {
    const topVia = msg.getAll('via')[0];
    if (topVia === undefined) return undefined;
    via = parseVia(topVia);
  }
  const cseq = parseCSeq(cseqText);
  if (via === undefined || cseq === undefined) return undefined;
  const branch = via.params.get('branch');
  const facts: MessageFacts = { via, cseqSeq: cseq.seq, cseqMethod: cseq.method };
  if (typeof branch === 'string' && branch !== '') facts.branch = branch;
  return facts;
}

/** §17.1.3: a response matches a client transaction by top-Via branch and CSeq method. */
export function clientKey(branch: string, cseqMethod: string): string {
  return `${branch}|${cseqMethod}`;
}

export function isRfc3261Branch(branch: string | undefined): branch is string {
  return branch !== undefined && branch.startsWith(MAGIC_COOKIE);
}

function sentBy(via: Via): string {
  return `${via.host.toLowerCase()}:${via.port ?? ''}`;
}

/** Request method as used for matching: ACK matches the INVITE transaction (§17.2.3). */
function matchMethod(method: string): string {
  return method === 'ACK' ? 'INVITE' : method;
}

/**
 * Server transaction key (§17.2.3). RFC 3261 branch: branch + sent-by + method. Otherwise the
 * RFC 2543 fallback: Request-URI, From tag, Call-ID, CSeq number, top Via (transport, sent-by,
 * branch if any) and method, plus the To tag for non-INVITE (for INVITE/ACK the To tag is checked
 * separately against the response the transaction sent, since the INVITE carried none).
 * `methodOverride` lets CANCEL look up the INVITE it cancels (§9.2).
 */
export function serverKey(req: SipRequest, facts: MessageFacts, methodOverride?: string): string {
  const method = matchMethod(methodOverride ?? req.method);
  if (isRfc3261Branch(facts.branch)) return detached(`${facts.branch}|${sentBy(facts.via)}|${method}`);
  const toTag = method === 'INVITE' ? '' : (tagOf(req.get('to')) ?? '');
  return [
    '2543', method, req.uri, tagOf(req.get('from')) ?? '', toTag, req.callId, facts.cseqSeq,
    facts.via.transport, sentBy(facts.via), facts.branch ?? '',
  ].join('|');
}

/** §8.2.2.2 merge key: From tag, Call-ID and CSeq of a request whose To has no tag. */
export function mergeKey(req: SipRequest, facts: MessageFacts): string | undefined {
  if (tagOf(req.get('to')) !== undefined) return undefined;
  const fromTag = tagOf(req.get('from'));
  if (fromTag === undefined) return undefined;
  return detached(`${fromTag}|${req.callId}|${facts.cseqSeq}|${facts.cseqMethod}`);
}

/** The tag parameter of a From/To value, if any. */
export function tagOf(value: string | undefined): string | undefined {
  return value === undefined ? undefined : nameAddrFacts(value).tag;
}

/**
 * A fresh copy of a string. Parts of a parsed message (branch, Call-ID, tags, URI) are slices of
 * its whole header text, and a key or log field built from them keeps that text alive as long as
 * the key lives: 32 s for a completed transaction (Timer J) at thousands of requests a second.
 */
export function detached(s: string): string {
  return Buffer.from(s, 'utf8').toString('utf8');
}
