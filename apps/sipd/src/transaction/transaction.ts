// Shared plumbing of the four RFC 3261 §17 machines: identity, state, sending through the
// transport with errors routed to the machine, and termination notification. Each subclass owns
// its state machine (stateTransition) and its timers (named fields cleared in dispose()).
import { SipRequest, SipResponse, type SipMessage } from '../parser';
import { isReliable, type Destination } from '../transport/types';
import { toTransportError, type TransportError } from '../transport/errors';
import { TransactionStateError } from './errors';
import { detached } from './transaction-keys';
import { TransactionState, type TransactionKind } from './transaction-state';
import { timerValues, type TimerConfig, type TimerValues } from './timers';
import type { TransactionTransport } from './transaction-user';

export interface TransactionOptions {
  /** Matching key (assigned by the TransactionLayer; §17.1.3 / §17.2.3). */
  id: string;
  request: SipRequest;
  /** Client: where the request goes. Server: where responses go (§18.2.2). */
  destination: Destination;
  transport: TransactionTransport;
  timers: TimerConfig;
}

export abstract class Transaction {
  abstract readonly kind: TransactionKind;
  readonly id: string;
  readonly destination: Destination;
  /** Reliable transports skip retransmissions and use 0 for D, I, J, K. */
  readonly reliable: boolean;
  protected readonly transport: TransactionTransport;
  protected readonly timerConfig: TimerConfig;
  protected readonly t: Readonly<TimerValues>;
  private _state: TransactionState;
  private _request: SipRequest;
  private readonly terminationListeners: Array<(tx: Transaction) => void> = [];
  /** Server side: the §8.2.2.2 merge key the layer registered this transaction under, if any. */
  mergeKey: string | undefined = undefined;
  /** The bytes the TU serialised for a message it handed us, reused for its retransmissions. */
  private lastWire: { message: SipMessage; wire: Buffer } | undefined;

  protected constructor(opts: TransactionOptions, initial: TransactionState) {
    this.id = opts.id;
    this._request = opts.request;
    this.destination = opts.destination;
    this.transport = opts.transport;
    this.timerConfig = opts.timers;
    this.reliable = isReliable(opts.destination.protocol);
    this.t = timerValues(opts.timers, this.reliable);
    this._state = initial;
  }

  get state(): TransactionState {
    return this._state;
  }

  /**
   * The request of the transaction. A completed non-INVITE server transaction keeps only its
   * request line (see keepStartLinesOnly()).
   */
  get request(): SipRequest {
    return this._request;
  }

  /** Called once when the transaction reaches Terminated (the layer removes it from its maps). */
  addTerminationListener(fn: (tx: Transaction) => void): void {
    this.terminationListeners.push(fn);
  }

  /** Clears every timer. Idempotent; called on Terminated and by the layer on close. */
  abstract dispose(): void;

  /** Forces Terminated (layer shutdown): timers cleared, listeners told. */
  terminate(): void {
    if (this._state !== TransactionState.Terminated) this.stateTransition(TransactionState.Terminated);
  }

  protected abstract stateTransition(to: TransactionState): void;
  protected abstract onTransportFailure(error: TransportError): void;

  /**
   * Validates and records a move; subclasses call this first in stateTransition(), then arm the
   * new state's timers. Throws TransactionStateError on an illegal move.
   */
  protected enterState(to: TransactionState, legalFrom: readonly TransactionState[]): TransactionState {
    const from = this._state;
    if (!legalFrom.includes(from)) throw new TransactionStateError(this.id, from, to);
    this._state = to;
    return from;
  }

  /** Common tail of every transition into Terminated. */
  protected finishTermination(): void {
    this.dispose();
    for (const fn of this.terminationListeners.splice(0)) fn(this);
  }

  /**
   * Memory for the long tail of a finished transaction (Timer J: 64·T1 = 32 s over UDP, at
   * thousands of requests a second): keeps the request line of the request and the start line of
   * `response` with the bytes the TU serialised for it, and lets the parsed headers of both go.
   * What remains is what absorbs retransmissions (§17.2.2: the same response, resent as is).
   * Returns the response to keep: its start line only when its bytes are known, else itself.
   */
  protected keepStartLinesOnly(response: SipResponse): SipResponse {
    const req = this._request;
    this._request = new SipRequest(detached(req.method), detached(req.uri), req.version);
    if (this.lastWire === undefined || this.lastWire.message !== response) return response;
    const statusLine = new SipResponse(response.status, response.reason, response.version);
    this.lastWire = { message: statusLine, wire: this.lastWire.wire };
    return statusLine;
  }

  /** SendFailureListener: a message handed to the transport's post() was not sent. */
  sendFailed(error: TransportError): void {
    if (this._state === TransactionState.Terminated) return;
    this.onTransportFailure(error);
  }

  /**
   * Hands a message to the transport; a failure goes to onTransportFailure (§17.1.4, §17.2.4).
   * `wire` is the message already serialised by the TU (it also echoes those bytes to its app), so
   * neither this send nor the retransmissions of the same message serialise it again.
   */
  protected sendMessage(message: SipMessage, destination: Destination = this.destination, wire?: Buffer): void {
    if (this._state === TransactionState.Terminated) return;
    if (wire !== undefined) this.lastWire = { message, wire };
    else if (this.lastWire !== undefined && this.lastWire.message === message) wire = this.lastWire.wire;
    if (this.transport.post !== undefined) {
      this.transport.post(message, destination, wire, this);
      return;
    }
    let p: Promise<void>;
    try {
      p = this.transport.send(message, destination, wire);
    } catch (err) {
      p = Promise.reject(err);
    }
    p.catch((err: unknown) => {
      if (this._state === TransactionState.Terminated) return;
      this.onTransportFailure(toTransportError(err, `${this.kind} ${this.id}`));
    });
  }
}

/** Clears a timer field value; returns undefined for assignment back to the field. */
export function clear(timer: NodeJS.Timeout | undefined): undefined {
  if (timer !== undefined) clearTimeout(timer);
  return undefined;
}

/** A timer that does not keep the process alive (transactions must not block shutdown). */
export function arm(ms: number, fn: () => void): NodeJS.Timeout {
  const timer = setTimeout(fn, ms);
  timer.unref();
  return timer;
}
