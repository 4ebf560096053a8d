// Non-INVITE client transaction: RFC 3261 §17.1.2.
//
//   Trying --1xx--> Proceeding --200-699--> Completed --Timer K--> Terminated
//     \------------200-699------------------^
//   Trying/Proceeding --Timer F / transport error--> Terminated
import type { SipResponse } from '../parser';
import type { TransportError } from '../transport/errors';
import { arm, clear, Transaction, type TransactionOptions } from './transaction';
import { TransactionState } from './transaction-state';
import type { ClientTransactionUser } from './transaction-user';

const S = TransactionState;

export class NonInviteClientTransaction extends Transaction {
  readonly kind = 'non-invite-client' as const;
  private E?: NodeJS.Timeout;
  private F?: NodeJS.Timeout;
  private K?: NodeJS.Timeout;
  private eInterval: number;

  /** §17.1.2.2: "the request MUST be passed to the transport layer for transmission". */
  constructor(opts: TransactionOptions, private readonly user: ClientTransactionUser) {
    super(opts, S.Trying);
    if (opts.request.method === 'INVITE' || opts.request.method === 'ACK') {
      throw new TypeError(`NonInviteClientTransaction cannot carry ${opts.request.method}`);
    }
    this.eInterval = this.t.E;
    this.sendMessage(this.request);
    // §17.1.2.2: "timer F MUST be set to fire in 64*T1 seconds"; "If an unreliable transport is
    // in use, the client transaction MUST set timer E to fire in T1 seconds".
    this.F = arm(this.t.F, () => this.timerF());
    if (!this.reliable) this.E = arm(this.eInterval, () => this.timerE());
  }

  receiveResponse(response: SipResponse): void {
    const status = response.status;
    switch (this.state) {
      case S.Trying:
      case S.Proceeding:
        if (status < 200) {
          // §17.1.2.2: "If a provisional response is received while in the Trying state, the
          // response MUST be passed to the TU, and then the client transaction SHOULD move to
          // the Proceeding state."
          this.user.onResponse(response);
          if (this.state === S.Trying) this.stateTransition(S.Proceeding);
        } else {
          // §17.1.2.2: "If a final response (status codes 200-699) is received while in the
          // Trying [or Proceeding] state, the response MUST be passed to the TU, and the client
          // transaction MUST transition to the Completed state."
          this.user.onResponse(response);
          if (this.state === S.Trying || this.state === S.Proceeding) this.stateTransition(S.Completed);
        }
        return;
      default:
        // Completed: "buffer any response retransmissions" — absorbed, never passed up.
        return;
    }
  }

  protected stateTransition(to: TransactionState): void {
    switch (to) {
      case S.Proceeding:
        this.enterState(to, [S.Trying]);
        break;
      case S.Completed:
        this.enterState(to, [S.Trying, S.Proceeding]);
        this.E = clear(this.E);
        this.F = clear(this.F);
        // §17.1.2.2: "Once the client transaction enters the Completed state, it MUST set Timer K
        // to fire in T4 seconds for unreliable transports, and zero seconds for reliable".
        this.K = arm(this.t.K, () => this.timerK());
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
    this.E = clear(this.E);
    this.F = clear(this.F);
    this.K = clear(this.K);
  }

  /** §17.1.2.2: in Trying, "When timer E fires ... reset the timer with a value of
   * MIN(2*T1, T2)"; in Proceeding "the timer is reset with a value of T2 seconds". */
  private timerE(): void {
    if (this.state !== S.Trying && this.state !== S.Proceeding) return;
    this.sendMessage(this.request);
    this.eInterval = this.state === S.Trying ? Math.min(2 * this.eInterval, this.timerConfig.T2) : this.timerConfig.T2;
    this.E = arm(this.eInterval, () => this.timerE());
  }

  /** §17.1.2.2: "If Timer F fires while the client transaction is still in the Trying [or
   * Proceeding] state, the client transaction SHOULD inform the TU about the timeout" (⇒ 408). */
  private timerF(): void {
    this.F = undefined;
    if (this.state !== S.Trying && this.state !== S.Proceeding) return;
    this.user.onTimeout?.();
    this.terminate();
  }

  private timerK(): void {
    this.K = undefined;
    if (this.state === S.Completed) this.stateTransition(S.Terminated);
  }

  /** §17.1.4: transport failure ⇒ TU told (503), transaction terminated. */
  protected onTransportFailure(error: TransportError): void {
    this.user.onTransportError?.(error);
    this.terminate();
  }
}
