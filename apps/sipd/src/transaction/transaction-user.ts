// Typed callbacks from a transaction to its Transaction User (the dialog/UA core), RFC 3261 §17.
// Every member is optional except onResponse; a missing member means "not interested".
import type { SipMessage, SipResponse } from '../parser';
import type { Destination } from '../transport/types';
import type { TransportError } from '../transport/errors';
import type { SendFailureListener } from '../transport/transport';
import type { TransactionState } from './transaction-state';

/** What a transaction needs from the transport layer (TransportLayer implements it). */
export interface TransactionTransport {
  /**
   * Resolves when handed to the OS; rejects with a TransportError (§18). `wire`, when given, is
   * `message` already serialised (sent as is).
   */
  send(message: SipMessage, destination: Destination, wire?: Buffer): Promise<void>;
  /** send() without a promise: a failure reaches `listener` on a later tick (optional; TransportLayer has it). */
  post?(message: SipMessage, destination: Destination, wire: Buffer | undefined, listener: SendFailureListener): void;
}

export interface ClientTransactionUser {
  /**
   * A response the TU must see (§17.1.1.2 / §17.1.2.2): provisional, the first final response, and,
   * for INVITE, every 2xx (retransmissions and forks, RFC 6026 Accepted). Retransmitted non-2xx
   * finals are absorbed by the transaction and never delivered.
   */
  onResponse(response: SipResponse): void;
  /** Timer B (INVITE) or F (non-INVITE) fired: the TU synthesises a 408 (§8.1.3.1). */
  onTimeout?(): void;
  /** The transport failed to send (§17.1.4): the TU synthesises a 503 (§8.1.3.1). */
  onTransportError?(error: TransportError): void;
  onStateChange?(state: TransactionState): void;
  onTerminated?(): void;
}

export interface ServerTransactionUser {
  /**
   * A response could not be sent. RFC 6026 §8.8: the transaction stays in its state (its timers
   * end it); the TU decides (e.g. a UAS core ends the dialog).
   */
  onTransportError?(error: TransportError): void;
  /** INVITE server transaction: Timer H fired, no ACK for a non-2xx final response (§17.2.1). */
  onTimeout?(): void;
  onStateChange?(state: TransactionState): void;
  onTerminated?(): void;
}
