// Non-INVITE server transaction: RFC 3261 §17.2.2.
//
//   Trying --1xx from TU--> Proceeding --200-699 from TU--> Completed --Timer J--> Terminated
//     \----------------200-699 from TU------------------------^
import type { SipRequest, SipResponse } from '../parser';
import type { TransportError } from '../transport/errors';
import { TransactionStateError } from './errors';
import { arm, clear, Transaction, type TransactionOptions } from './transaction';
import { TransactionState } from './transaction-state';
import type { ServerTransactionUser } from './transaction-user';

const S = TransactionState;

export class NonInviteServerTransaction extends Transaction {
  readonly kind = 'non-invite-server' as const;
  /** Set by the layer above once it takes the request. */
  user: ServerTransactionUser = {};
  private J?: NodeJS.Timeout;
  private lastProvisional?: SipResponse;
  private lastFinal?: SipResponse;
  private transportErrorReported = false;

  constructor(opts: TransactionOptions) {
    super(opts, S.Trying);
  }

  /** The TU's response (§17.2.2). Throws once a final response has been sent. */
  respond(response: SipResponse, wire?: Buffer): void {
    if (this.state !== S.Trying && this.state !== S.Proceeding) {
      throw new TransactionStateError(this.id, this.state, `respond(${response.status})`);
    }
    if (response.status < 200) {
      // §17.2.2: "While in the Trying state, if the TU passes a provisional response to the server
      // transaction, the server transaction MUST enter the Proceeding state."
      this.lastProvisional = response;
      this.sendMessage(response, this.destination, wire);
      if (this.state === S.Trying) this.stateTransition(S.Proceeding);
    } else {
      // §17.2.2: "If the TU passes a final response (status codes 200-699) to the server while in
      // the Proceeding state, the transaction MUST enter the Completed state, and the response
      // MUST be passed to the transport layer for transmission."
      this.lastFinal = response;
      this.sendMessage(response, this.destination, wire);
      if (this.state === S.Trying || this.state === S.Proceeding) this.stateTransition(S.Completed);
    }
  }

  /** A retransmission of the request (§17.2.2). Never reaches the TU. */
  receiveRetransmission(_request: SipRequest): void {
    // Trying: "any further request retransmissions are discarded". Proceeding: "the most recently
    // sent provisional response MUST be passed to the transport layer". Completed: "the server
    // transaction MUST pass the final response to the transport layer for retransmission".
    if (this.state === S.Proceeding && this.lastProvisional !== undefined) this.sendMessage(this.lastProvisional);
    else if (this.state === S.Completed && this.lastFinal !== undefined) this.sendMessage(this.lastFinal);
  }

  protected stateTransition(to: TransactionState): void {
    switch (to) {
      case S.Proceeding:
        this.enterState(to, [S.Trying]);
        break;
      case S.Completed:
        this.enterState(to, [S.Trying, S.Proceeding]);
        // §17.2.2: "the server transaction MUST set Timer J to fire in 64*T1 seconds for
        // unreliable transports, and zero seconds for reliable transports."
        this.J = arm(this.t.J, () => this.timerJ());
        // Only the final response is resent from now on; the rest is not kept for Timer J.
        this.lastProvisional = undefined;
        if (this.lastFinal !== undefined) this.lastFinal = this.keepStartLinesOnly(this.lastFinal);
        break;
      case S.Terminated:
        this.enterState(to, [S.Trying, S.Proceeding, S.Completed]);
        this.user.onStateChange?.(to);
        this.finishTermination();
        this.user.onTerminated?.();
        return;
      default:
        this.enterState(to, []);
    }
    this.user.onStateChange?.(to);
  }

  dispose(): void {
    this.J = clear(this.J);
  }

  private timerJ(): void {
    this.J = undefined;
    if (this.state === S.Completed) this.stateTransition(S.Terminated);
  }

  /** RFC 6026 §8.8 (replacing §17.2.4): the server transaction "SHOULD inform the TU that a
   * failure has occurred, and MUST remain in the current state" — Timer J still ends it. */
  protected onTransportFailure(error: TransportError): void {
    // Told once: retransmissions (Timer G, request retransmissions) would repeat the same news.
    if (this.transportErrorReported) return;
    this.transportErrorReported = true;
    this.user.onTransportError?.(error);
  }
}
