// Where a server sends responses: RFC 3261 §18.2.2 with RFC 3581 §4 (rport). Pure functions.
import type { Via } from '../parser';
import { isReliable, type Destination, type Endpoint, type Protocol } from './types';

/** Default port for a protocol when a Via or URI gives none (§19.1.2, RFC 7118). */
export function defaultPort(protocol: Protocol): number {
  switch (protocol) {
    case 'tls':
      return 5061;
    case 'ws':
      return 80;
    case 'wss':
      return 443;
    default:
      return 5060;
  }
}

/** '[::1]' → '::1' (Endpoint/Destination addresses carry no brackets). */
export function unbracket(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/**
 * Destination for responses (sent from `local`, the listener the request came in on) to a request whose top Via (already processed by §18.2.1 inbound
 * handling, so `received`/`rport` are filled) is `via`, received from `source` on `connectionId`.
 *
 * - Reliable (§18.2.2): the connection the request came on if still open (connectionId), else a
 *   new connection to `received` (or the sent-by host) at the sent-by port.
 * - UDP with rport (RFC 3581 §4): the `received` address and the `rport` port.
 * - UDP otherwise (§18.2.2): `received` if present, else the sent-by host; sent-by port or 5060.
 *   (maddr/multicast responses are not supported: sent to the source instead.)
 */
export function responseDestination(via: Via, source: Endpoint, connectionId?: string, local?: Endpoint): Destination {
  const dest = destinationFor(via, source, connectionId);
  if (local !== undefined) dest.local = local;
  return dest;
}

function destinationFor(via: Via, source: Endpoint, connectionId?: string): Destination {
  const protocol = source.protocol;
  const received = via.params.get('received');
  const host = received !== undefined && received !== null && received !== '' ? received : unbracket(via.host);
  if (isReliable(protocol)) {
    const dest: Destination = { protocol, address: host, port: via.port ?? defaultPort(protocol) };
    if (connectionId !== undefined) dest.connectionId = connectionId;
    return dest;
  }
  if (via.params.has('maddr')) return { protocol, address: source.address, port: source.port };
  const rport = via.params.get('rport');
  if (rport !== undefined && rport !== null && rport !== '') {
    const port = Number(rport);
    if (Number.isInteger(port) && port > 0 && port < 65536) return { protocol, address: unbracket(host), port };
  }
  return { protocol, address: unbracket(host), port: via.port ?? defaultPort(protocol) };
}
