// Where a request goes (RFC 3261 §8.1.2, §18.1.1; RFC 3263 subset): the next-hop URI's
// transport, host and port. Names are resolved with the system resolver; NAPTR/SRV selection
// is added with the DNS work (a later issue).
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { parseNameAddr, parseUri, type SipUri } from '../parser';
import type { Destination, Protocol } from '../transport/types';

export class TargetError extends Error {}

/** Parses a URI that may be written as a name-addr (`<sip:...;lr>`), as Route values are. */
export function uriOf(text: string): SipUri | undefined {
  const t = text.trim();
  if (t.startsWith('<') || t.includes('<')) return parseNameAddr(t)?.uri;
  return parseUri(t);
}

export function transportOf(uri: SipUri): Protocol {
  const t = uri.params.get('transport')?.toLowerCase();
  if (t === 'tcp' || t === 'tls' || t === 'ws' || t === 'wss' || t === 'udp') {
    if (uri.scheme === 'sips' && t === 'tcp') return 'tls';
    return t;
  }
  return uri.scheme === 'sips' ? 'tls' : 'udp';
}

/** Resolves a next-hop URI to a destination (maddr honoured, default ports by transport). */
export async function resolveTarget(uri: SipUri): Promise<Destination> {
  if (uri.scheme !== 'sip' && uri.scheme !== 'sips') throw new TargetError(`unsupported URI scheme ${uri.scheme}`);
  const protocol = transportOf(uri);
  const hostText = (uri.params.get('maddr') ?? uri.host).replace(/^\[|\]$/g, '');
  if (!hostText) throw new TargetError('URI has no host');
  const port = uri.port ?? (protocol === 'tls' || protocol === 'wss' ? 5061 : 5060);
  let address = hostText;
  if (isIP(hostText) === 0) {
    try {
      address = (await lookup(hostText)).address;
    } catch {
      throw new TargetError(`cannot resolve ${hostText}`);
    }
  }
  return { protocol, address, port };
}
