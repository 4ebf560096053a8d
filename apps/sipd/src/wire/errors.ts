// Typed failures of the wire layer. Decoding never throws: it returns a WireError, and the
// admin server answers / closes the connection as drachtio-server does (docs/wire-protocol.md §7).

export type WireErrorCode =
  | 'EBADLENGTH' // frame length prefix is not 1–9 digits followed by '#', or is 0
  | 'EOVERSIZE' // frame length exceeds maxFrameBytes
  | 'EFORMAT' // fewer than 2 '|' tokens, or a required token is missing
  | 'EUNKNOWNTYPE' // message type not in the protocol
  | 'EBADSIP' // leader fine, SIP text missing or without a valid start line (answered NOK, not fatal)
  | 'EUNSUPPORTED'; // well-formed but a combination the server does not support (NOK, not fatal)

/** Errors after which drachtio-server drops the connection (client.cpp returns false). */
export function isFatal(code: WireErrorCode): boolean {
  return code !== 'EBADSIP' && code !== 'EUNSUPPORTED';
}

export class WireError extends Error {
  constructor(
    readonly code: WireErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'WireError';
  }
}

/** Thrown (or returned) when an operation needs an open connection. Mirrors mediasoup's errors.ts. */
export class InvalidStateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidStateError';
  }
}
