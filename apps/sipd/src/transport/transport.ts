// The per-protocol transport interface. UDP and TCP implement it now; TLS, WS and WSS slot in as
// further implementations (a TLS transport is the TCP one over tls.Server/tls.connect; WS frames
// one message per WebSocket message, RFC 7118). The TransportLayer parses and routes above it.
import type { FrameErrorReason } from './stream-framer';
import type { TransportError } from './errors';
import type { Destination, Endpoint, Protocol } from './types';

/** Where a transport hands what it receives (implemented by the TransportLayer). */
export interface TransportSink {
  /** One complete message: a datagram, or a framed message of a stream. */
  onMessage(raw: Buffer, source: Endpoint, local: Endpoint, connectionId?: string): void;
  /**
   * A stream could not be framed. The return value (e.g. a 400, §18.3) is written before the
   * connection is closed; undefined closes without a reply.
   */
  onFramingError(reason: FrameErrorReason, head: Buffer | undefined, source: Endpoint, local: Endpoint, connectionId: string): Buffer | undefined;
  /** A connection went away (RFC 5626 flow failure: registrations over it may be dropped). */
  onConnectionClosed(info: ConnectionInfo): void;
}

export interface ConnectionInfo {
  connectionId: string;
  remote: Endpoint;
  local: Endpoint;
  /** True when the peer connected to us. */
  inbound: boolean;
}

/** Told when a message handed over with post() could not be sent; always on a later tick. */
export interface SendFailureListener {
  sendFailed(error: TransportError): void;
}

export interface Transport {
  readonly protocol: Protocol;
  /** The bound address (port resolved after listen()). */
  readonly local: Endpoint;
  listen(): Promise<Endpoint>;
  /** Sends serialised bytes; rejects with a TransportError. */
  send(data: Buffer, dest: Destination): Promise<void>;
  /**
   * send() without a promise (the hot path of responses: no promise, no microtasks per message);
   * a failure goes to `listener`, success is only counted.
   */
  post?(data: Buffer, dest: Destination, listener: SendFailureListener | undefined): void;
  /** Closes the listener and every connection; resolves when all are closed. Idempotent. */
  close(): Promise<void>;
}

/** Connection-oriented transports (TCP now; TLS, WS, WSS later). */
export interface ConnectionTransport extends Transport {
  /** True while the connection exists and is writable. */
  hasConnection(connectionId: string): boolean;
  /**
   * RFC 5923 §5 spirit: also reach `address:port` (the peer's sent-by) over this connection, so
   * requests to the peer reuse the flow it opened. Ignored when that key already has an open one.
   */
  addAlias(connectionId: string, address: string, port: number): void;
  readonly connectionCount: number;
}

export function isConnectionTransport(t: Transport): t is ConnectionTransport {
  return 'hasConnection' in t && 'addAlias' in t;
}

export interface TransportLogger {
  warn(fields: object, msg: string): void;
  info(fields: object, msg: string): void;
  debug(fields: object, msg: string): void;
}

export const NULL_LOGGER: TransportLogger = {
  warn: () => undefined,
  info: () => undefined,
  debug: () => undefined,
};
