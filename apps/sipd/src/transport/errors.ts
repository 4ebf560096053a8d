// Typed send failures. TransportLayer.send() rejects with a TransportError; the transaction layer
// maps any of them to "transport error" (⇒ 503 by the core, RFC 3261 §8.1.3.1 / §17.1.4).

export type TransportErrorCode =
  | 'ECONNREFUSED' // TCP connect refused (or ICMP port unreachable surfaced by the OS)
  | 'EHOSTUNREACH' // no route / network unreachable / address not available
  | 'ETIMEDOUT' // connect did not complete in time
  | 'ETOOLARGE' // message too large for the transport (UDP > 65507 bytes, or over maxMessageSize)
  | 'ECLOSED' // the connection or transport was closed (also: layer closed)
  | 'ENOLISTENER' // no listener for this protocol / address family
  | 'ELIMIT' // max connections reached
  | 'ENOFLOW' // the destination is reachable only over a connection it opened, and that is gone (WebSocket clients)
  | 'EOTHER';

export class TransportError extends Error {
  constructor(
    readonly code: TransportErrorCode,
    message: string,
    override readonly cause?: unknown,
  ) {
    super(message);
    this.name = 'TransportError';
  }
}

/** Maps a Node.js socket error to a TransportError. */
export function toTransportError(err: unknown, context: string): TransportError {
  if (err instanceof TransportError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  const text = err instanceof Error ? err.message : String(err);
  switch (code) {
    case 'ECONNREFUSED':
      return new TransportError('ECONNREFUSED', `${context}: connection refused`, err);
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EADDRNOTAVAIL':
    case 'EAFNOSUPPORT':
    case 'ENOTFOUND':
      return new TransportError('EHOSTUNREACH', `${context}: unreachable (${String(code)})`, err);
    case 'ETIMEDOUT':
      return new TransportError('ETIMEDOUT', `${context}: timed out`, err);
    case 'EMSGSIZE':
      return new TransportError('ETOOLARGE', `${context}: message too large`, err);
    case 'ECONNRESET':
    case 'EPIPE':
    case 'ERR_SOCKET_DGRAM_NOT_RUNNING':
    case 'ERR_STREAM_DESTROYED':
      return new TransportError('ECLOSED', `${context}: connection closed (${String(code)})`, err);
    default:
      return new TransportError('EOTHER', `${context}: ${text}`, err);
  }
}
