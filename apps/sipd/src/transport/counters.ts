// Transport counters: a plain object the metrics module reads (no metrics library dependency).
import type { Protocol } from './types';

export type PerProtocol = Record<Protocol, number>;

export interface TransportCounters {
  datagramsIn: number;
  datagramsOut: number;
  bytesIn: number;
  bytesOut: number;
  messagesIn: PerProtocol;
  messagesOut: PerProtocol;
  /** Messages the parser rejected (datagrams and framed stream messages). */
  parseErrors: number;
  /** Stream framing failures (missing/bad Content-Length, oversize, buffer overflow). */
  framingErrors: number;
  /** 400 responses sent statelessly for unparseable requests (§18.3, §8.2). */
  badRequestsSent: number;
  /** Responses whose top Via was not ours (§18.1.2). */
  responsesDropped: number;
  /** Requests without a usable Via (dropped). */
  requestsDropped: number;
  sendErrors: number;
  /** Requests moved from UDP to TCP for size (§18.1.1). */
  udpToTcpSwitches: number;
  connectionsOpen: number;
  connectionsAccepted: number;
  connectionsConnected: number;
  connectionsRejected: number;
  connectionsIdleClosed: number;
  keepalivePingsAnswered: number;
  /** TLS handshakes that failed on accepted connections (bad client, wrong certificate). */
  tlsHandshakeFailures: number;
  /** WebSocket upgrades refused (no `sip` subprotocol, bad request). */
  wsUpgradesRefused: number;
  /** WebSocket connections closed for a frame that was not exactly one SIP message (RFC 7118 §5). */
  wsFramingErrors: number;
  /** WebSocket connections closed because the peer stopped answering pings. */
  wsPingTimeouts: number;
}

export function perProtocol(): PerProtocol {
  return { udp: 0, tcp: 0, tls: 0, ws: 0, wss: 0 };
}

export function newCounters(): TransportCounters {
  return {
    datagramsIn: 0, datagramsOut: 0, bytesIn: 0, bytesOut: 0,
    messagesIn: perProtocol(), messagesOut: perProtocol(),
    parseErrors: 0, framingErrors: 0, badRequestsSent: 0, responsesDropped: 0, requestsDropped: 0,
    sendErrors: 0, udpToTcpSwitches: 0,
    connectionsOpen: 0, connectionsAccepted: 0, connectionsConnected: 0, connectionsRejected: 0,
    connectionsIdleClosed: 0, keepalivePingsAnswered: 0,
    tlsHandshakeFailures: 0, wsUpgradesRefused: 0, wsFramingErrors: 0, wsPingTimeouts: 0,
  };
}
