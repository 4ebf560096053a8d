// INVITE client transaction: RFC 3261 §17.1.1 as updated by RFC 6026 §7.2 (Accepted state).
//
//   Calling --1xx--> Proceeding --2xx--> Accepted --Timer M--> Terminated
//      |  \--------------2xx-------------^
//      \--300-699--> Completed (ACK sent) --Timer D--> Terminated
//   Calling --Timer B / transport error--> Terminated
import type { SipRequest, SipResponse } from '../parser';
import type { TransportError } from '../transport/errors';
import { createNon2xxAck } from './message-factory';
import { arm, clear, Transaction, type TransactionOptions } from './transaction';
import { TransactionState } from './transaction-state';
import type { ClientTransactionUser } from './transaction-user';

const S = TransactionState;

export class InviteClientTransaction extends Transaction {
  readonly kind = 'invite-client' as const;
  private A?: NodeJS.Timeout;
  private B?: NodeJS.Timeout;
  private D?: NodeJS.Timeout;
  private M?: NodeJS.Timeout;
  private aInterval: number;
  /** The ACK sent for the non-2xx final response, resent on its retransmissions (§17.1.1.2). */
  private ack?: SipRequest;

  /** Creating the transaction sends the INVITE (§17.1.1.2: "MUST pass the request to the transport"). */
  constructor(opts: TransactionOptions, private readonly user: ClientTransactionUser) {
    super(opts, S.Calling);
    this.aInterval = this.t.A;
    this.sendMessage(this.request);
    // §17.1.1.2: "If an unreliable transport is being used, the client transaction MUST start
    // timer A with a value of T1" and "For any transport, the client transaction MUST start timer B".
    if (!this.reliable) this.A = arm(this.aInterval, () => this.timerA());
    this.B = arm(this.t.B, () => this.timerB());
  }

  /** A response matched to this transaction by the layer (§17.1.3). */
  receiveResponse(response: SipResponse): void {
    const status = response.status;
    switch (this.state) {
      case S.Calling:
      case S.Proceeding:
        if (status < 200) {
          // §17.1.1.2: "If the client transaction receives a provisional response while in the
          // Calling state, it transitions to the Proceeding state ... MUST be passed up to the TU".
          if (this.state === S.Calling) this.stateTransition(S.Proceeding);
          this.user.onResponse(response);
        } else if (status < 300) {
          // RFC 6026 §8.4: a 2xx moves the transaction to Accepted and is passed up to the TU.
          this.stateTransition(S.Accepted);
          this.user.onResponse(response);
        } else {
          // §17.1.1.2: "When in either the Calling or Proceeding states, reception of a response
          // with status code from 300-699 MUST cause the client transaction to transition to
          // Completed. The client transaction MUST pass the received response up to the TU, and
          // the client transaction MUST generate an ACK request".
          this.ack = createNon2xxAck(this.request, response);
          this.stateTransition(S.Completed);
          this.sendMessage(this.ack);
          this.user.onResponse(response);
        }
        return;
      case S.Accepted:
        // RFC 6026 §8.4: "Any 2xx response received in the Accepted state MUST be passed up to
        // the TU" (retransmissions and forked 2xx); other responses are absorbed.
        if (status >= 200 && status < 300) this.user.onResponse(response);
        return;
      case S.Completed:
        // §17.1.1.2: "Any retransmissions of the final response that are received while in the
        // Completed state MUST cause the ACK to be re-passed to the transport layer ... but the
        // newly received response MUST NOT be passed up to the TU."
        if (status >= 300 && this.ack !== undefined) this.sendMessage(this.ack);
        return;
      default:
        return;
    }
  }

  protected stateTransition(to: TransactionState): void {
    switch (to) {
      case S.Proceeding:
        this.enterState(to, [S.Calling]);
        // No retransmissions and no Timer B once a provisional arrived (§17.1.1.2, Figure 5).
        this.A = clear(this.A);
        this.B = clear(this.B);
        break;
      case S.Accepted:
        this.enterState(to, [S.Calling, S.Proceeding]);
        this.A = clear(this.A);
        this.B = clear(this.B);
        // RFC 6026 §8.4: "the client transaction MUST start Timer M with a value of 64*T1".
        this.M = arm(this.t.M, () => this.timerM());
        break;
      case S.Completed:
        this.enterState(to, [S.Calling, S.Proceeding]);
        this.A = clear(this.A);
        this.B = clear(this.B);
        // §17.1.1.2: "start timer D ... at least 32 seconds for unreliable transports, and a value
        // of zero seconds for reliable transports".
        this.D = arm(this.t.D, () => this.timerD());
        break;
      case S.Terminated:
        this.enterState(to, [S.Calling, S.Proceeding, S.Accepted, S.Completed]);
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
    this.A = clear(this.A);
    this.B = clear(this.B);
    this.D = clear(this.D);
    this.M = clear(this.M);
  }

  /** §17.1.1.2: "When timer A fires, the client transaction MUST retransmit the request ... and
   * MUST reset the timer with a value of 2*T1" (doubling each time; no T2 cap for INVITE). */
  private timerA(): void {
    if (this.state !== S.Calling) return;
    this.sendMessage(this.request);
    this.aInterval *= 2;
    this.A = arm(this.aInterval, () => this.timerA());
  }

  /** §17.1.1.2: "If timer B fires while in the Calling state, the client transaction SHOULD
   * inform the TU that a timeout has occurred" (⇒ 408). */
  private timerB(): void {
    this.B = undefined;
    if (this.state !== S.Calling) return;
    this.user.onTimeout?.();
    this.terminate();
  }

  private timerD(): void {
    this.D = undefined;
    if (this.state === S.Completed) this.stateTransition(S.Terminated);
  }

  private timerM(): void {
    this.M = undefined;
    if (this.state === S.Accepted) this.stateTransition(S.Terminated);
  }

  /** §17.1.4: a transport failure is reported to the TU (⇒ 503) and the transaction ends. */
  protected onTransportFailure(error: TransportError): void {
    this.user.onTransportError?.(error);
    this.terminate();
  }
}
