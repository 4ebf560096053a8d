// Server-side inbound processing of requests (RFC 3261 §18.2.1, RFC 3581 §4) and the client-side
// check of responses (§18.1.2). Pure functions over parsed messages.
import { formatVia, parseVia, splitHeaderList, SipRequest, SipResponse, type SipMessage, type Via } from '../parser';
import { defaultPort, unbracket } from './response-routing';
import type { Endpoint } from './types';

/** Decides whether a top-Via sent-by names this server (§18.1.2). Injectable in TransportLayer. */
export type SentByMatcher = (via: Via, local: Endpoint) => boolean;

/** The top Via, parsed; undefined when there is none or it does not parse. */
export function topVia(msg: SipMessage): Via | undefined {
  const first = msg.getAll('via')[0];
  return first === undefined ? undefined : parseVia(first);
}

/**
 * §18.2.1: "When the server transport receives a request over any transport, it MUST examine the
 * value of the sent-by parameter in the top Via header field value. If the host portion of the
 * sent-by parameter contains a domain name, or if it contains an IP address that differs from the
 * packet source address, the server MUST add a received parameter to that Via header field value."
 * RFC 3581 §4: with an empty rport, the server MUST set rport to the source port and MUST add
 * received "even if it is identical to the value of the sent-by component".
 *
 * With `forceRport`, a Via without rport is treated as if it had an empty one.
 * Rewrites the top Via in place. Returns the processed Via, or undefined if there is no usable one.
 */
export function processInboundVia(req: SipRequest, source: Endpoint, forceRport = false): Via | undefined {
  const via = topVia(req);
  if (via === undefined) return undefined;
  let changed = false;
  // drachtio runs sofia with NTATAG_SERVER_RPORT(2): rport is filled even when the client did not
  // ask for it, so responses reach NAT'd UDP clients that omit it (RFC 3581 §4 made mandatory).
  const rport = forceRport && via.params.get('rport') === undefined ? null : via.params.get('rport');
  if (rport === null) {
    // RFC 3581 §4: fill the empty rport; received is then mandatory.
    via.params.set('rport', String(source.port));
    changed = true;
  }
  const sameHost = sameAddress(unbracket(via.host), source.address);
  if (rport === null || !sameHost) {
    if (via.params.get('received') !== source.address) {
      via.params.set('received', source.address);
      changed = true;
    }
  }
  if (changed) replaceTopVia(req, formatVia(via));
  return via;
}

/** Replaces the first value of the first Via line, keeping the others on that line. */
export function replaceTopVia(msg: SipMessage, value: string): void {
  const i = msg.headers.findIndex((h) => h.key === 'via');
  if (i < 0) return;
  const values = splitHeaderList(msg.headers[i]!.value);
  values[0] = value;
  msg.headers[i] = { ...msg.headers[i]!, value: values.join(', ') };
}

function sameAddress(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/**
 * Default §18.1.2 check: the sent-by host is one of `hosts` (our listening and advertised
 * addresses; any host when a listener is bound to a wildcard address) and the sent-by port (5060
 * when absent) is one of `ports`.
 */
export function sentByMatcher(hosts: Iterable<string>, ports: Iterable<number>, anyHost: boolean): SentByMatcher {
  const hostSet = new Set([...hosts].map((h) => unbracket(h).toLowerCase()));
  const portSet = new Set(ports);
  return (via) => {
    const port = via.port ?? defaultPort(via.transport.toLowerCase() === 'tls' ? 'tls' : 'udp');
    if (!portSet.has(port)) return false;
    return anyHost || hostSet.has(unbracket(via.host).toLowerCase());
  };
}

/**
 * A 400 for a request the parser could only partly read (§8.2 / §18.3): Via, From, To, Call-ID and
 * CSeq copied, the reason from the parser. Built here (not in the transaction layer) because it is
 * sent statelessly by the transport layer.
 */
export function badRequest(partial: SipRequest, reason: string, status = 400): SipResponse {
  const res = new SipResponse(status, oneLine(reason) || 'Bad Request');
  for (const h of partial.headers) {
    if (h.key === 'via' || h.key === 'from' || h.key === 'to' || h.key === 'call-id' || h.key === 'cseq') res.headers.push({ ...h });
  }
  res.set('content-length', '0');
  return res;
}

function oneLine(s: string): string {
  return s.replace(/[\r\n]+/g, ' ').trim();
}
