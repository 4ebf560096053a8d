// The transaction layer (RFC 3261 §17): owns the live transactions, matches inbound messages to
// them and tells the layer above (the core) what each inbound message is.
//
// Use:
//   const layer = new TransactionLayer({ transport: transportLayer, trying: 'immediate' });
//   transportLayer.on('message', (inbound) => handle(layer.receive(inbound)));
//
// receive(inbound) returns one InboundOutcome (a discriminated union on `kind`):
//   'request'        a new request; a server transaction was created for it (IST for INVITE,
//                    NIST otherwise). The core sets `transaction.user` and calls
//                    `transaction.respond(response)`.
//   'merged'         §8.2.2.2: To without tag and the same From tag, Call-ID and CSeq as a request
//                    in progress, but a different transaction: the core answers 482 through the
//                    server transaction created for it (so its retransmissions are absorbed).
//                    Only when `detectMergedRequests` (default true; proxies turn it off).
//   'cancel'         a new CANCEL, with its own NIST (`transaction`) and the INVITE server
//                    transaction it cancels (`target`, matched per §9.2), or no target (⇒ 481).
//                    The core answers 200 to the CANCEL and 487 to the INVITE itself.
//   'retransmission' a request retransmission absorbed by its server transaction (§17.2.1/2):
//                    the last response was resent if any; the core does nothing.
//   'ack'            an ACK the core must handle end-to-end: an ACK for a 2xx (§13.3.1.4, RFC 6026
//                    Accepted; `transaction` is set when it matched an IST in Accepted) or an ACK
//                    matching no transaction (a proxy forwards it statelessly, §16.11).
//   'ack-absorbed'   an ACK for a non-2xx final response, absorbed by its IST (§17.2.1).
//   'response'       a response matched to a client transaction (§17.1.3) and handed to it; the
//                    transaction's user gets it via onResponse() unless it is an absorbed
//                    retransmission.
//   'stray-response' a response matching no client transaction (§17.1.3). RFC 6026 §8.9 (new
//                    §18.1.2): "any element other than a stateless proxy MUST silently discard"
//                    it; a stateless proxy forwards it (§16.11).
//   'invalid'        the message lacks a usable top Via or CSeq (the transport normally rejects
//                    those first): dropped.
//
// Client side: createClientTransaction(request, destination, user) sends the request and returns
// the ICT or NICT. The request must carry its top Via with an RFC 3261 branch (newBranch()).
// ACK for 2xx is not a transaction: the core sends it with transport.send() (§17.1.1.3).
//
// Every transaction is removed from the maps when it terminates; counts() reads the map sizes.
import type { SipRequest, SipResponse } from '../parser';
import type { Destination, InboundMessage } from '../transport/types';
import { responseDestination } from '../transport/response-routing';
import { InviteClientTransaction } from './invite-client-transaction';
import { InviteServerTransaction, type TryingMode } from './invite-server-transaction';
import { NonInviteClientTransaction } from './non-invite-client-transaction';
import { NonInviteServerTransaction } from './non-invite-server-transaction';
import { timerConfig, type TimerConfig } from './timers';
import type { Transaction } from './transaction';
import { TransactionState } from './transaction-state';
import {
  clientKey, isRfc3261Branch, mergeKey, messageFacts, serverKey, tagOf, type MessageFacts,
} from './transaction-keys';
import type { ClientTransactionUser, TransactionTransport } from './transaction-user';

export type ClientTransaction = InviteClientTransaction | NonInviteClientTransaction;
export type ServerTransaction = InviteServerTransaction | NonInviteServerTransaction;

export type InboundOutcome =
  | { kind: 'request'; inbound: InboundMessage; request: SipRequest; transaction: ServerTransaction }
  | { kind: 'merged'; inbound: InboundMessage; request: SipRequest; transaction: ServerTransaction }
  | {
      kind: 'cancel';
      inbound: InboundMessage;
      request: SipRequest;
      transaction: NonInviteServerTransaction;
      target?: InviteServerTransaction;
    }
  | { kind: 'retransmission'; inbound: InboundMessage; transaction: ServerTransaction }
  | { kind: 'ack'; inbound: InboundMessage; request: SipRequest; transaction?: InviteServerTransaction }
  | { kind: 'ack-absorbed'; inbound: InboundMessage; transaction: InviteServerTransaction }
  | { kind: 'response'; inbound: InboundMessage; response: SipResponse; transaction: ClientTransaction }
  | { kind: 'stray-response'; inbound: InboundMessage; response: SipResponse }
  | { kind: 'invalid'; inbound: InboundMessage; reason: string };

export interface TransactionLayerOptions {
  transport: TransactionTransport;
  timers?: Partial<TimerConfig>;
  /** 100 Trying for INVITE (§17.2.1). Default 'immediate' (drachtio-server behaviour). */
  trying?: TryingMode;
  /** §8.2.2.2 loop/merge detection (UAS behaviour). Default true. */
  detectMergedRequests?: boolean;
}

export interface TransactionCounts {
  client: number;
  server: number;
}

export class TransactionLayer {
  private readonly transport: TransactionTransport;
  private readonly timers: TimerConfig;
  private readonly trying: TryingMode;
  private readonly detectMerged: boolean;
  private readonly clients = new Map<string, ClientTransaction>();
  private readonly servers = new Map<string, ServerTransaction>();
  /** Merge key (§8.2.2.2) → the server transaction of the original request. */
  private readonly inProgress = new Map<string, ServerTransaction>();

  constructor(opts: TransactionLayerOptions) {
    this.transport = opts.transport;
    this.timers = timerConfig(opts.timers);
    this.trying = opts.trying ?? 'immediate';
    this.detectMerged = opts.detectMergedRequests ?? true;
  }

  /** Live transaction counts, for metrics. */
  counts(): TransactionCounts {
    return { client: this.clients.size, server: this.servers.size };
  }

  /** Classifies and dispatches one inbound message (see the top of this file). */
  receive(inbound: InboundMessage): InboundOutcome {
    const msg = inbound.message;
    const facts = messageFacts(msg, inbound.topVia);
    if (facts === undefined) return { kind: 'invalid', inbound, reason: 'missing or malformed Via/CSeq' };
    if (msg.kind === 'response') return this.receiveResponse(inbound, msg, facts);
    return this.receiveRequest(inbound, msg, facts);
  }

  /**
   * Creates the client transaction for `request` and sends it (§17.1). INVITE → ICT, other
   * methods → NICT; ACK throws (not a transaction). The top Via must carry an RFC 3261 branch
   * unique to this transaction (a CANCEL reuses its INVITE's branch: method differs).
   */
  createClientTransaction(request: SipRequest, destination: Destination, user: ClientTransactionUser): ClientTransaction {
    if (request.method === 'ACK') throw new TypeError('ACK is not sent in a client transaction (§17.1.1.3)');
    const facts = messageFacts(request);
    if (facts === undefined || !isRfc3261Branch(facts.branch)) {
      throw new TypeError('client request needs a top Via with a z9hG4bK branch (§8.1.1.7)');
    }
    const id = clientKey(facts.branch, request.method);
    if (this.clients.has(id)) throw new Error(`client transaction ${id} already exists`);
    const opts = { id, request, destination, transport: this.transport, timers: this.timers };
    // Construction sends; responses arrive on a later tick, after registration below.
    const tx: ClientTransaction = request.method === 'INVITE'
      ? new InviteClientTransaction(opts, user)
      : new NonInviteClientTransaction(opts, user);
    if (tx.state !== TransactionState.Terminated) {
      this.clients.set(id, tx);
      tx.addTerminationListener(() => this.forget(this.clients, id, tx));
    }
    return tx;
  }

  findClientTransaction(branch: string, method: string): ClientTransaction | undefined {
    return this.clients.get(clientKey(branch, method));
  }

  /** Terminates every live transaction (timers cleared, maps emptied). */
  close(): void {
    for (const tx of [...this.clients.values(), ...this.servers.values()]) tx.terminate();
    this.clients.clear();
    this.servers.clear();
    this.inProgress.clear();
  }

  private receiveResponse(inbound: InboundMessage, response: SipResponse, facts: MessageFacts): InboundOutcome {
    // §17.1.3: branch of the top Via and the CSeq method.
    const tx = facts.branch === undefined ? undefined : this.clients.get(clientKey(facts.branch, facts.cseqMethod));
    if (tx === undefined) return { kind: 'stray-response', inbound, response };
    tx.receiveResponse(response);
    return { kind: 'response', inbound, response, transaction: tx };
  }

  private receiveRequest(inbound: InboundMessage, request: SipRequest, facts: MessageFacts): InboundOutcome {
    const key = serverKey(request, facts);
    const existing = this.servers.get(key);

    if (request.method === 'ACK') return this.receiveAck(inbound, request, existing);
    if (existing !== undefined) {
      existing.receiveRetransmission(request);
      return { kind: 'retransmission', inbound, transaction: existing };
    }

    const destination = responseDestination(facts.via, inbound.source, inbound.connectionId, inbound.local);
    const opts = { id: key, request, destination, transport: this.transport, timers: this.timers };
    const tx: ServerTransaction = request.method === 'INVITE'
      ? new InviteServerTransaction(opts, this.trying)
      : new NonInviteServerTransaction(opts);
    this.servers.set(key, tx);
    tx.addTerminationListener(this.onServerTerminated);

    if (request.method === 'CANCEL') {
      // §9.2: the CANCEL matches the INVITE server transaction by the §17.2.3 rules, method INVITE.
      const target = this.servers.get(serverKey(request, facts, 'INVITE'));
      const outcome: InboundOutcome = { kind: 'cancel', inbound, request, transaction: tx as NonInviteServerTransaction };
      if (target !== undefined && target.kind === 'invite-server') outcome.target = target;
      return outcome;
    }

    const mKey = mergeKey(request, facts);
    if (mKey !== undefined) {
      const original = this.inProgress.get(mKey);
      if (this.detectMerged && original !== undefined && original !== tx) {
        return { kind: 'merged', inbound, request, transaction: tx };
      }
      if (original === undefined) {
        this.inProgress.set(mKey, tx);
        tx.mergeKey = mKey;
      }
    }
    return { kind: 'request', inbound, request, transaction: tx };
  }

  private receiveAck(inbound: InboundMessage, ack: SipRequest, ist: ServerTransaction | undefined): InboundOutcome {
    if (ist === undefined || ist.kind !== 'invite-server') return { kind: 'ack', inbound, request: ack };
    // §17.2.3 (RFC 2543 fallback): the ACK's To tag must match the tag of the response sent.
    if (!isRfc3261Branch(messageFacts(ack)?.branch)) {
      const sentTag = tagOf(ist.finalResponse?.get('to'));
      if (sentTag !== undefined && sentTag !== tagOf(ack.get('to'))) return { kind: 'ack', inbound, request: ack };
    }
    if (ist.receiveAck(ack) === 'pass-to-tu') return { kind: 'ack', inbound, request: ack, transaction: ist };
    return { kind: 'ack-absorbed', inbound, transaction: ist };
  }

  private forget<T extends Transaction>(map: Map<string, T>, key: string, tx: T): void {
    if (map.get(key) === tx) map.delete(key);
  }

  /**
   * One listener shared by every server transaction (its key is its id, its merge key a field),
   * instead of two closures per transaction that a completed one would hold through Timer J.
   */
  private readonly onServerTerminated = (t: Transaction): void => {
    const tx = t as ServerTransaction;
    this.forget(this.servers, tx.id, tx);
    if (tx.mergeKey !== undefined) this.forget(this.inProgress, tx.mergeKey, tx);
  };
}
