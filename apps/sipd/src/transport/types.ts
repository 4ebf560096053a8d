// Transport-level addressing shared by every layer above the transports.
import type { SipMessage, Via } from '../parser';

export type Protocol = 'udp' | 'tcp' | 'tls' | 'ws' | 'wss';

export interface Endpoint {
  protocol: Protocol;
  address: string; // IPv4 dotted or IPv6 without brackets
  port: number;
}

/** A message as it arrived, with where it came from and which listener took it. */
export interface InboundMessage {
  message: SipMessage;
  raw: Buffer;
  source: Endpoint; // the remote side
  local: Endpoint; // our listener (address/port as bound)
  /** Set for connection-oriented transports: the connection it arrived on. */
  connectionId?: string;
  receivedAt: number; // Date.now()
  /**
   * The top Via of `message` as the transport parsed it (after §18.2.1 received/rport), so the
   * transaction layer does not parse it again. Read-only: it is shared.
   */
  topVia?: Via;
}

/** Where to send: an address, and (preferred when alive) a specific connection. */
export interface Destination {
  protocol: Protocol;
  address: string;
  port: number;
  connectionId?: string;
  /**
   * Send from this listener when several serve the protocol and address family (responses leave
   * through the listener the request arrived on, which NAT bindings expect).
   */
  local?: Endpoint;
}

export function isReliable(p: Protocol): boolean {
  return p !== 'udp';
}
