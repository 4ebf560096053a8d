// INVITE server transaction: RFC 3261 §17.2.1 as updated by RFC 6026 §7.1 (Accepted state).
//
//   Proceeding --2xx from TU--> Accepted --Timer L--> Terminated
//       \--300-699 from TU--> Completed --ACK--> Confirmed --Timer I--> Terminated
//                               \--Timer H (no ACK) --> Terminated
//   A transport error is reported to the TU once; the state is kept (RFC 6026 §8.8).
//
// 100 Trying (§17.2.1): 'immediate' sends it on creation (drachtio-server behaviour), 'delayed'
// sends it if the TU has not answered within trying100Delay (200 ms), 'off' never does.
import type { SipRequest, SipResponse } from '../parser';
import type { TransportError } from '../transport/errors';
import { TransactionStateError } from './errors';
import { createResponse } from './message-factory';
import { arm, clear, Transaction, type TransactionOptions } from './transaction';
import { TransactionState } from './transaction-state';
import type { ServerTransactionUser } from './transaction-user';

const S = TransactionState;

export type TryingMode = 'immediate' | 'delayed' | 'off';

/** What the IST did with an ACK the layer matched to it (§17.2.3). */
export type AckDisposition = 'absorbed' | 'pass-to-tu';

export class InviteServerTransaction extends Transaction {
  readonly kind = 'invite-server' as const;
  /** Set by the layer above once it takes the request; callbacks before that are dropped. */
  user: ServerTransactionUser = {};
  private G?: NodeJS.Timeout;
  private H?: NodeJS.Timeout;
  private I?: NodeJS.Timeout;
  private L?: NodeJS.Timeout;
  /** Not an RFC letter: the §17.2.1 "200 ms" 100 Trying timer. */
  private trying100?: NodeJS.Timeout;
  private gInterval: number;
  private lastProvisional?: SipResponse;
  private lastFinal?: SipResponse;
  private transportErrorReported = false;

  constructor(opts: TransactionOptions, trying: TryingMode = 'immediate') {
    super(opts, S.Proceeding);
    this.gInterval = this.t.G;
    if (trying === 'immediate') this.sendTrying();
    else if (trying === 'delayed') {
      this.trying100 = arm(this.timerConfig.trying100Delay, () => {
        this.trying100 = undefined;
        if (this.state === S.Proceeding && this.lastProvisional === undefined) this.sendTrying();
      });
    }
  }

  /** The final response sent, if any (its To tag is used for RFC 2543 ACK matching). */
  get finalResponse(): SipResponse | undefined {
    return this.lastFinal;
  }

  /**
   * The TU's response (§17.2.1). 1xx: sent, stays Proceeding. 2xx: Accepted (RFC 6026); further
   * 2xx (the TU's retransmissions, §13.3.1.4) are sent in Accepted and, after Timer L, straight
   * through the transport. 300-699: Completed with Timer G/H. Anything else throws.
   */
  respond(response: SipResponse, wire?: Buffer): void {
    const status = response.status;
    this.trying100 = clear(this.trying100);
    switch (this.state) {
      case S.Proceeding:
        if (status < 200) {
          // §17.2.1: "The TU passes any number of provisional responses to the server transaction".
          this.lastProvisional = response;
          this.sendMessage(response, this.destination, wire);
        } else if (status < 300) {
          // RFC 6026 §8.5: "If, while in the Proceeding state, the TU passes a 2xx response to the
          // server transaction, the server transaction MUST pass this response to the transport
          // layer for transmission" and move to Accepted.
          this.lastFinal = response;
          this.sendMessage(response, this.destination, wire);
          this.stateTransition(S.Accepted);
        } else {
          // §17.2.1: "the response MUST be passed to the transport layer for transmission, and the
          // state machine MUST enter the Completed state."
          this.lastFinal = response;
          this.sendMessage(response, this.destination, wire);
          this.stateTransition(S.Completed);
        }
        return;
      case S.Accepted:
        // RFC 6026 §8.7: "2xx responses from the TU ... MUST be passed to the transport layer".
        if (status >= 200 && status < 300) {
          this.sendMessage(response, this.destination, wire);
          return;
        }
        break;
      case S.Terminated:
        if (status >= 200 && status < 300) {
          void this.transport.send(response, this.destination, wire).catch(() => undefined);
          return;
        }
        break;
      default:
        break;
    }
    throw new TransactionStateError(this.id, this.state, `respond(${status})`);
  }

  /** A retransmission of the INVITE (§17.2.1). Never reaches the TU. */
  receiveRetransmission(_request: SipRequest): void {
    // §17.2.1: "If a request retransmission is received while in the Proceeding state, the most
    // recent provisional response that was received from the TU MUST be passed to the transport".
    if (this.state === S.Proceeding && this.lastProvisional !== undefined) this.sendMessage(this.lastProvisional);
    // §17.2.1: in Completed, "the server SHOULD pass the response to the transport for retransmission".
    else if (this.state === S.Completed && this.lastFinal !== undefined) this.sendMessage(this.lastFinal);
    // RFC 6026 §8.7: in Accepted, retransmitted INVITEs are absorbed (the TU retransmits the 2xx).
  }

  /** An ACK matched to this transaction (§17.2.3). */
  receiveAck(_ack: SipRequest): AckDisposition {
    switch (this.state) {
      case S.Completed:
        // §17.2.1: "If an ACK is received while the server transaction is in the Completed state,
        // the server transaction MUST transition to the Confirmed state."
        this.stateTransition(S.Confirmed);
        return 'absorbed';
      case S.Accepted:
        // RFC 6026 §8.7: "ACKs received in the Accepted state MUST be passed directly to the TU".
        return 'pass-to-tu';
      default:
        // Confirmed absorbs ACK retransmissions (§17.2.1); an ACK before any final is dropped.
        return 'absorbed';
    }
  }

  protected stateTransition(to: TransactionState): void {
    switch (to) {
      case S.Accepted:
        this.enterState(to, [S.Proceeding]);
        // RFC 6026 §8.7: "the server transaction MUST start Timer L with a value of 64*T1".
        this.L = arm(this.t.L, () => this.timerL());
        break;
      case S.Completed:
        this.enterState(to, [S.Proceeding]);
        // §17.2.1: "timer G is set to fire in T1 seconds" (unreliable only) and "Timer H MUST be
        // set to fire in 64*T1 seconds for all transports".
        if (!this.reliable) this.G = arm(this.gInterval, () => this.timerG());
        this.H = arm(this.t.H, () => this.timerH());
        break;
      case S.Confirmed:
        this.enterState(to, [S.Completed]);
        this.G = clear(this.G);
        this.H = clear(this.H);
        // §17.2.1: "Timer I is set to fire in T4 seconds for unreliable transports, and zero
        // seconds for reliable transports."
        this.I = arm(this.t.I, () => this.timerI());
        break;
      case S.Terminated:
        this.enterState(to, [S.Proceeding, S.Accepted, S.Completed, S.Confirmed]);
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
    this.G = clear(this.G);
    this.H = clear(this.H);
    this.I = clear(this.I);
    this.L = clear(this.L);
    this.trying100 = clear(this.trying100);
  }

  private sendTrying(): void {
    this.lastProvisional = createResponse(this.request, 100, 'Trying');
    this.sendMessage(this.lastProvisional);
  }

  /** §17.2.1: "If timer G fires, the response is passed to the transport layer once more for
   * retransmission, and timer G is set to fire in MIN(2*T1, T2) seconds." */
  private timerG(): void {
    if (this.state !== S.Completed || this.lastFinal === undefined) return;
    this.sendMessage(this.lastFinal);
    this.gInterval = Math.min(2 * this.gInterval, this.timerConfig.T2);
    this.G = arm(this.gInterval, () => this.timerG());
  }

  /** §17.2.1: "If timer H fires while in the Completed state ... the server transaction MUST
   * transition to the Terminated state, and MUST indicate to the TU that a transaction failure
   * has occurred." */
  private timerH(): void {
    this.H = undefined;
    if (this.state !== S.Completed) return;
    this.user.onTimeout?.();
    this.terminate();
  }

  private timerI(): void {
    this.I = undefined;
    if (this.state === S.Confirmed) this.stateTransition(S.Terminated);
  }

  private timerL(): void {
    this.L = undefined;
    if (this.state === S.Accepted) this.stateTransition(S.Terminated);
  }

  /** RFC 6026 §8.8 (replacing §17.2.4): the server transaction "SHOULD inform the TU that a
   * failure has occurred, and MUST remain in the current state" — Timers H/L (or the TU's final
   * response) still end it. */
  protected onTransportFailure(error: TransportError): void {
    // Told once: retransmissions (Timer G, request retransmissions) would repeat the same news.
    if (this.transportErrorReported) return;
    this.transportErrorReported = true;
    this.user.onTransportError?.(error);
  }
}
