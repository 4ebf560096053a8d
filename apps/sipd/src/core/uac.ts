// Requests the apps send (drachtio-server's UAC side): new requests outside a dialog, requests
// inside a dialog built from dialog state, ACK for 2xx, and CANCEL of the app's own INVITE.
// Responses are relayed to the app that sent the request, keyed by its transaction id; a 1xx
// with a tag or a 2xx to INVITE/SUBSCRIBE creates the UAC dialog the app then addresses by id.
import { formatVia, parseNameAddr, parseUri, SipResponse, type SipRequest } from '../parser';
import { createCancel, newBranch, type ClientTransaction } from '../transaction';
import type { TransportError } from '../transport/errors';
import type { Destination, InboundMessage } from '../transport/types';
import { Dialog } from '../dialog/dialog';
import type { AppConnection } from '../wire/app-connection';
import type { MsgId, SipCommand } from '../wire/messages';
import { buildNewRequest, mergeIntoDialogRequest } from './completion';
import { applicationMeta, networkMeta, sendStateless, serialize, type EngineContext } from './context';
import { newCallId, newTransactionId } from './ids';
import { LocalEndpoints, type LocalEndpoint } from './local-endpoints';
import { resolveTarget, resolveTargets, TargetError, transportOf, uriOf } from './target';
import { isInvalidHost, registeredFlow, unresolvableDestination } from './flows';
import { formatWireTime } from '../wire/sip-text';
import { stopReasonFor, type CdrReason } from './cdr';
import { lists100rel } from './reliable-provisional';
import { planFromAnswer, rememberLocalSdp } from './session-timer';

type NewRequestCommand = Extract<SipCommand, { kind: 'request' }>;
type InDialogCommand = Extract<SipCommand, { kind: 'in-dialog' | 'prack' }>;
type AckCommand = Extract<SipCommand, { kind: 'ack' }>;
type CancelCommand = Extract<SipCommand, { kind: 'cancel' }>;

/** A request an app sent, until its transaction ends. */
interface OutboundRequest {
  id: string;
  app: AppConnection;
  request: SipRequest;
  tx: ClientTransaction | undefined;
  destination: Destination;
  /** The dialog it runs in (in-dialog requests) or created (INVITE/SUBSCRIBE). */
  dialog: Dialog | undefined;
  createdDialog: boolean;
  finalSeen: boolean;
  /** RFC 3263 §4.3: further destinations, tried on timeout, transport error or 503. */
  alternates: Destination[];
  /** A response other than 503 arrived: no more failover. */
  heard: boolean;
  /** A new INVITE (not a re-INVITE): the call attempt CDR events are about. */
  initialInvite: boolean;
  /** RFC 3262 §4: the RSeq of the last reliable 1xx relayed, per early dialog (To tag). */
  lastRSeq: Map<string, number> | undefined;
}

/** Why sipd ends a dialog itself: the BYE's Reason (srv) and the cdr:stop reason. */
export type TerminationCause = 'ack-timeout' | 'session-expired' | 'app-gone';

const TERMINATION: Record<TerminationCause, { reason: string | undefined; cdr: CdrReason }> = {
  // srv endRetransmitFinalResponse(): no CDR there; sipd reports system-initiated-termination.
  'ack-timeout': { reason: 'SIP ;cause=200 ;text="ACK timeout"', cdr: 'system-initiated-termination' },
  // srv notifyTerminateStaleDialog().
  'session-expired': { reason: 'SIP ;cause=200 ;text="Session timer expired"', cdr: 'session-expired' },
  'app-gone': { reason: undefined, cdr: 'system-initiated-termination' },
};

export class UacHandler {
  private readonly byId = new Map<string, OutboundRequest>();
  /** Last ACK sent per dialog, resent when the 2xx is retransmitted (§13.2.2.4). */
  private readonly lastAck = new Map<string, { ack: SipRequest; dest: Destination; cseq: number }>();

  constructor(private readonly ctx: EngineContext) {}

  get pendingCount(): number {
    return this.byId.size;
  }

  /** A new request outside a dialog (docs/wire-protocol.md §2.4 e). */
  async sendNew(app: AppConnection, msgId: MsgId, cmd: NewRequestCommand): Promise<void> {
    // srf binds an ack() to every final response of an INVITE, also to a non-2xx one (no dialog
    // id then): that ACK is the client transaction's own (RFC 3261 §17.1.1.3) and already went out.
    if (cmd.method === 'ACK') {
      this.ctx.logger.debug({ requestUri: cmd.requestUri }, 'ACK without a dialog absorbed: the transaction layer acknowledged the non-2xx');
      return this.fail(app, msgId, 'ACK outside a dialog: a non-2xx final response is acknowledged by the transaction layer (RFC 3261 §17.1.1.3)');
    }
    const firstHopText = cmd.routeUrl ?? firstRoute(cmd.sip.headers) ?? this.ctx.behaviour.outboundProxy ?? cmd.requestUri;
    const firstHop = uriOf(firstHopText);
    if (!firstHop || !parseUri(cmd.requestUri)) return this.fail(app, msgId, `invalid request uri ${cmd.requestUri}`);
    let dest: Destination;
    let alternates: Destination[] = [];
    // A client registered over a connection is reached over it, whatever the first hop (flows.ts).
    const flow = registeredFlow(this.ctx.flows, (id) => this.ctx.transport.isConnectionOpen(id), parseUri(cmd.requestUri));
    try {
      if (flow) dest = flow;
      else if (isInvalidHost(firstHop.host)) dest = unresolvableDestination(transportOf(firstHop), firstHop);
      else [dest, ...alternates] = await resolveTargets(firstHop) as [Destination, ...Destination[]];
    } catch (err) {
      return this.fail(app, msgId, err instanceof TargetError ? err.message : String(err));
    }
    if (this.ctx.endpoints.isLocal(dest.address, dest.port)) return this.fail(app, msgId, 'can not send request to myself');
    const listener = this.ctx.endpoints.forProtocol(dest.protocol, dest.address.includes(':'), dest.address);
    if (!listener) return this.fail(app, msgId, `no ${dest.protocol} transport for ${firstHopText}`);
    const built = buildNewRequest(cmd.method, cmd.requestUri, cmd.sip, {
      hostport: LocalEndpoints.hostport(listener),
      contactUri: LocalEndpoints.contactUri(listener),
      callId: newCallId,
    });
    if (built.error) return this.fail(app, msgId, built.error);
    this.launch(app, msgId, built.request, dest, listener, undefined, alternates);
  }

  /** A request inside a dialog (BYE, re-INVITE, INFO, UPDATE, NOTIFY, REFER, PRACK, ...). */
  async sendInDialog(app: AppConnection, msgId: MsgId, cmd: InDialogCommand): Promise<void> {
    const dialog = this.ctx.dialogs.get(cmd.dialogId);
    if (!dialog) return this.fail(app, msgId, 'Server error: unable to find dialog for dialog id provided');
    const method = cmd.kind === 'prack' ? 'PRACK' : cmd.method;
    const { request, nextHop } = dialog.buildRequest(method);
    const ctError = mergeIntoDialogRequest(request, cmd.sip);
    if (ctError) return this.fail(app, msgId, ctError);
    if (method === 'INVITE' || method === 'UPDATE' || method === 'SUBSCRIBE' || method === 'REFER') {
      if (!request.has('contact') && dialog.localContact) request.set('contact', dialog.localContact);
    }
    let dest: Destination;
    try {
      dest = await this.dialogDestination(dialog, nextHop);
    } catch (err) {
      return this.fail(app, msgId, err instanceof TargetError ? err.message : String(err));
    }
    const listener = this.ctx.endpoints.forProtocol(dest.protocol, dest.address.includes(':'), dest.address);
    if (!listener) return this.fail(app, msgId, `no ${dest.protocol} transport for ${nextHop}`);
    if (method === 'INVITE') dialog.lastInviteSeq = dialog.localSeq;
    if (method === 'INVITE' || method === 'UPDATE') rememberLocalSdp(dialog, request);
    // drachtio removes the dialog when the app sends BYE; the BYE's response still reaches the app.
    if (method === 'BYE') {
      if (dialog.method === 'INVITE') this.ctx.cdr.stop('application', 'normal-release', request);
      this.endDialog(dialog);
    }
    this.launch(app, msgId, request, dest, listener, dialog);
  }

  /** ACK for a 2xx the app received (§13.2.2.4): a new transaction-less request, same CSeq number. */
  async sendAck(app: AppConnection, msgId: MsgId, cmd: AckCommand): Promise<void> {
    const dialog = this.ctx.dialogs.get(cmd.dialogId);
    if (!dialog) return this.fail(app, msgId, 'Server error: unable to find dialog for dialog id provided');
    const cseq = dialog.lastInviteSeq ?? dialog.localSeq;
    const { request, nextHop } = dialog.buildRequest('ACK', cseq);
    const ctError = mergeIntoDialogRequest(request, cmd.sip);
    if (ctError) return this.fail(app, msgId, ctError);
    let dest: Destination;
    try {
      dest = await this.dialogDestination(dialog, nextHop);
    } catch (err) {
      return this.fail(app, msgId, err instanceof TargetError ? err.message : String(err));
    }
    const listener = this.ctx.endpoints.forProtocol(dest.protocol, dest.address.includes(':'));
    if (!listener) return this.fail(app, msgId, `no ${dest.protocol} transport for ${nextHop}`);
    this.addVia(request, listener);
    rememberLocalSdp(dialog, request);
    this.lastAck.set(dialog.id, { ack: request, dest, cseq });
    sendStateless(this.ctx, request, dest);
    this.ctx.counters.requestOut('ACK');
    const wire = serialize(request);
    app.sendResponse(msgId, {
      kind: 'request-sent',
      meta: applicationMeta(wire.length, listener.protocol, LocalEndpoints.host(listener), listener.port),
      transactionId: newTransactionId(),
      sip: wire,
    });
  }

  /** CANCEL of the app's pending INVITE (§9.1). */
  sendCancel(app: AppConnection, msgId: MsgId, cmd: CancelCommand): void {
    const out = this.byId.get(cmd.transactionId);
    if (!out || !out.tx || out.request.method !== 'INVITE') {
      return this.fail(app, msgId, `unable to cancel unknown transaction id: ${cmd.transactionId}`);
    }
    const cancel = createCancel(out.request);
    for (const h of cmd.sip.headers) {
      const n = h.name.toLowerCase();
      if (n === 'reason' || n.startsWith('x-')) cancel.append(h.name, h.value);
    }
    const id = newTransactionId();
    if (!out.finalSeen) {
      this.ctx.transactions.createClientTransaction(cancel, out.destination, {
        onResponse: () => undefined,
        onTimeout: () => undefined,
        onTransportError: () => undefined,
      });
      this.ctx.counters.requestOut('CANCEL');
    }
    const listener = this.ctx.endpoints.forProtocol(out.destination.protocol, out.destination.address.includes(':'));
    const wire = serialize(cancel);
    app.sendResponse(msgId, {
      kind: 'request-sent',
      meta: applicationMeta(wire.length, out.destination.protocol, listener ? LocalEndpoints.host(listener) : '', listener?.port ?? 0),
      transactionId: id,
      sip: wire,
    });
  }

  /** A 2xx to INVITE that no transaction wants (a retransmission after ours ended): resend our ACK. */
  onStrayResponse(response: SipResponse): void {
    if (response.status < 200 || response.status >= 300 || !/INVITE\s*$/i.test(response.get('cseq') ?? '')) return;
    const fromTag = parseNameAddr(response.get('from') ?? '')?.params.get('tag');
    const toTag = parseNameAddr(response.get('to') ?? '')?.params.get('tag');
    if (!fromTag || !toTag) return;
    const found = this.ctx.dialogs.matchResponse(response.callId, fromTag, toTag);
    const last = found ? this.lastAck.get(found.dialog.id) : undefined;
    if (last) sendStateless(this.ctx, last.ack, last.dest);
  }

  appGone(app: AppConnection): void {
    for (const out of [...this.byId.values()]) {
      if (out.app !== app) continue;
      // Pending INVITEs of a departed app are cancelled so the callee stops ringing.
      if (out.tx && out.request.method === 'INVITE' && !out.finalSeen) {
        this.ctx.transactions.createClientTransaction(createCancel(out.request), out.destination, { onResponse: () => undefined });
      }
    }
  }

  /**
   * sipd ends a dialog itself (no ACK for our 2xx, or its app left): BYE to the peer; with
   * 'unsolicited' the owning app is told with drachtio's `application|…|unsolicited` BYE.
   */
  async terminateDialog(dialog: Dialog, notify: 'unsolicited' | 'silent', cause: TerminationCause): Promise<void> {
    if (dialog.state === 'terminated') return;
    const owner = this.ctx.dialogs.ownerOf(dialog.id);
    const { request, nextHop } = dialog.buildRequest('BYE');
    const why = TERMINATION[cause];
    if (why.reason) request.set('reason', why.reason);
    this.endDialog(dialog);
    if (dialog.method === 'INVITE') this.ctx.cdr.stop('application', why.cdr, request);
    try {
      const dest = await this.dialogDestination(dialog, nextHop);
      const listener = this.ctx.endpoints.forProtocol(dest.protocol, dest.address.includes(':'));
      if (!listener) return;
      this.addVia(request, listener);
      this.ctx.transactions.createClientTransaction(request, dest, { onResponse: () => undefined });
      this.ctx.counters.requestOut('BYE');
      if (notify === 'unsolicited' && owner && !owner.closed) {
        const raw = serialize(request);
        owner.sendSipMessage({
          meta: applicationMeta(raw.length, listener.protocol, LocalEndpoints.host(listener), listener.port),
          transactionId: 'unsolicited',
          dialogId: dialog.id,
          raw,
        });
      }
    } catch (err) {
      this.ctx.logger.warn({ callId: dialog.callId, err: String(err) }, 'could not send BYE');
    }
  }

  forgetDialog(dialog: Dialog): void {
    this.lastAck.delete(dialog.id);
  }

  close(): void {
    this.byId.clear();
    this.lastAck.clear();
  }

  // ───────────── internals ─────────────

  private launch(app: AppConnection, msgId: MsgId, request: SipRequest, dest0: Destination, listener: LocalEndpoint, dialog: Dialog | undefined, alternates: Destination[] = []): void {
    this.addVia(request, listener);
    const dest = this.ctx.transport.prepareRequestDestination(request, dest0);
    const out: OutboundRequest = {
      id: newTransactionId(), app, request, tx: undefined, destination: dest, dialog, createdDialog: false, finalSeen: false, alternates, heard: false,
      initialInvite: request.method === 'INVITE' && dialog === undefined, lastRSeq: undefined,
    };
    this.byId.set(out.id, out);
    const wire = serialize(request);
    // The echo must reach srf before any response to this request (srf keys responses by this id).
    app.sendResponse(msgId, {
      kind: 'request-sent',
      meta: applicationMeta(wire.length, listener.protocol, LocalEndpoints.host(listener), listener.port),
      transactionId: out.id,
      sip: wire,
    });
    this.ctx.counters.requestOut(request.method);
    // srv doSendRequestOutsideDialog(): an INVITE an app sends is a call attempt.
    if (out.initialInvite) this.ctx.cdr.attempt('application', request);
    this.startTransaction(out);
  }

  /** One attempt at out.destination; responses of an earlier attempt are ignored. */
  private startTransaction(out: OutboundRequest): void {
    try {
      const tx: ClientTransaction = this.ctx.transactions.createClientTransaction(out.request, out.destination, {
        onResponse: (res) => {
          if (out.tx !== tx) return;
          if (res.status === 503 && this.failover(out)) return;
          if (res.status > 100) out.heard = true;
          this.onResponse(out, res);
        },
        onTimeout: () => { if (out.tx === tx && !this.failover(out)) this.synthesize(out, 408, 'Request Timeout'); },
        onTransportError: (err: TransportError) => {
          if (out.tx !== tx || this.failover(out)) return;
          // The client's flow is gone (RFC 5626 §5.3): 430 at once, not a timeout.
          if (err.code === 'ENOFLOW') this.synthesize(out, 430, 'Flow Failed', err.message);
          else this.synthesize(out, 503, 'Service Unavailable', err.message);
        },
        onTerminated: () => { if (out.tx === tx) this.byId.delete(out.id); },
      });
      out.tx = tx;
    } catch (err) {
      this.byId.delete(out.id);
      this.ctx.logger.warn({ callId: out.request.callId, err: String(err) }, 'could not start client transaction');
      this.synthesize(out, 503, 'Service Unavailable', String(err));
    }
  }

  /** RFC 3263 §4.3: the next destination, with a new branch, before the app sees a failure. */
  private failover(out: OutboundRequest): boolean {
    if (out.finalSeen || out.heard) return false;
    for (let next = out.alternates.shift(); next; next = out.alternates.shift()) {
      const listener = this.ctx.endpoints.forProtocol(next.protocol, next.address.includes(':'));
      if (!listener || this.ctx.endpoints.isLocal(next.address, next.port)) continue;
      this.ctx.logger.info({ callId: out.request.callId, from: out.destination, to: next }, 'request fails over to the next destination');
      this.addVia(out.request, listener);
      out.destination = this.ctx.transport.prepareRequestDestination(out.request, next);
      this.startTransaction(out);
      return true;
    }
    return false;
  }

  /** Our Via on top, with a new branch (also used for sipd's own in-dialog requests). */
  addVia(request: SipRequest, listener: LocalEndpoint): void {
    const via = formatVia({
      protocol: 'SIP/2.0',
      transport: listener.protocol.toUpperCase(),
      host: LocalEndpoints.host(listener),
      port: listener.port,
      params: new Map<string, string | null>([['branch', newBranch()], ['rport', null]]),
    });
    request.remove('via');
    request.prepend('via', via);
  }

  private onResponse(out: OutboundRequest, res: SipResponse, inbound?: InboundMessage): void {
    this.ctx.counters.responseIn(out.request.method, res.status);
    const method = out.request.method;
    const toTag = parseNameAddr(res.get('to') ?? '')?.params.get('tag');
    // A second 2xx from another fork after the first final response: ACK and BYE it (§13.2.2.4).
    if (out.finalSeen) {
      if (method === 'INVITE' && res.status >= 200 && res.status < 300) this.onExtra2xx(out, res);
      return;
    }
    if (method === 'INVITE' && res.status > 100 && res.status < 200 && toTag && this.isStaleReliable(out, res, toTag)) return;
    if ((method === 'INVITE' || method === 'SUBSCRIBE') && toTag && res.status > 100 && res.status < 300 && !out.dialog) {
      const d = Dialog.forUac(out.request, res, out.destination);
      if (d) {
        d.lastInviteSeq = d.localSeq;
        rememberLocalSdp(d, out.request);
        if (!this.ctx.dialogs.get(d.id)) this.ctx.dialogs.add(d, out.app);
        out.dialog = d;
        out.createdDialog = true;
        this.ctx.nat.checkUac(d, method, res, out.destination);
      }
    } else if (out.createdDialog && out.dialog && res.status >= 200 && res.status < 300) {
      out.dialog.confirmFromUacResponse(res);
      this.ctx.nat.checkUac(out.dialog, method, res, out.destination);
    } else if (out.dialog && !out.createdDialog && res.status >= 200 && res.status < 300 && (method === 'INVITE' || method === 'UPDATE')) {
      out.dialog.refreshTarget(res);
    }
    if (res.status >= 200) {
      out.finalSeen = true;
      if (res.status >= 300 && out.createdDialog && out.dialog) this.endDialog(out.dialog);
      if (out.initialInvite) {
        // srv processResponseOutsideDialog(): 200 ⇒ start (uac), ≥ 300 ⇒ stop (487: call-canceled).
        if (res.status >= 300) this.ctx.cdr.stop('network', stopReasonFor(res.status), res);
        else this.ctx.cdr.start('network', 'uac', res);
      }
      // RFC 4028 §7.2: the 2xx's Session-Expires starts the session timer (refresher uac ⇒ us).
      const plan = res.status < 300 && out.dialog && (method === 'INVITE' || method === 'UPDATE') ? planFromAnswer(res) : undefined;
      if (plan && out.dialog && out.dialog.state === 'confirmed') this.ctx.sessionTimers.arm(out.dialog, plan);
    }
    const raw = serialize(res);
    out.app.sendSipMessage({
      meta: inbound ? networkMeta(inbound) : { source: 'network', bytes: raw.length, protocol: out.destination.protocol, address: out.destination.address, port: out.destination.port, time: formatWireTime() },
      transactionId: out.id,
      dialogId: out.dialog && res.status > 100 && res.status < 300 ? out.dialog.id : '',
      raw,
    });
  }

  /**
   * RFC 3262 §4: a reliable 1xx whose RSeq is not one more than the last one of its early dialog
   * (a retransmission, or out of order) is not PRACKed and not processed further.
   */
  private isStaleReliable(out: OutboundRequest, res: SipResponse, toTag: string): boolean {
    if (!lists100rel(res, 'require')) return false;
    const rseq = Number(/^\s*(\d+)\s*$/.exec(res.get('rseq') ?? '')?.[1] ?? NaN);
    if (!Number.isInteger(rseq)) return false;
    out.lastRSeq ??= new Map();
    const last = out.lastRSeq.get(toTag);
    if (last !== undefined && rseq !== last + 1) return true;
    out.lastRSeq.set(toTag, rseq);
    return false;
  }

  private onExtra2xx(out: OutboundRequest, res: SipResponse): void {
    const d = Dialog.forUac(out.request, res, out.destination);
    if (!d || (out.dialog && d.id === out.dialog.id && d.remoteTag === out.dialog.remoteTag)) {
      // A retransmission of the 2xx we accepted: resend the ACK the app sent.
      if (out.dialog) {
        const last = this.lastAck.get(out.dialog.id);
        if (last) sendStateless(this.ctx, last.ack, last.dest);
      }
      return;
    }
    void this.ackAndBye(d);
  }

  private async ackAndBye(d: Dialog): Promise<void> {
    const ack = d.buildRequest('ACK', d.localSeq);
    const bye = d.buildRequest('BYE');
    try {
      const dest = await this.dialogDestination(d, ack.nextHop);
      const listener = this.ctx.endpoints.forProtocol(dest.protocol, dest.address.includes(':'));
      if (!listener) return;
      this.addVia(ack.request, listener);
      sendStateless(this.ctx, ack.request, dest);
      this.addVia(bye.request, listener);
      this.ctx.transactions.createClientTransaction(bye.request, dest, { onResponse: () => undefined });
    } catch (err) {
      this.ctx.logger.warn({ callId: d.callId, err: String(err) }, 'could not end an extra fork');
    }
  }

  /** §8.1.3.1: a timeout or transport error is reported to the app as a response. */
  private synthesize(out: OutboundRequest, status: number, reason: string, warning?: string): void {
    if (out.finalSeen) return;
    const res = new SipResponse(status, reason);
    for (const name of ['via', 'from', 'to', 'call-id', 'cseq']) {
      for (const v of out.request.getLines(name)) res.append(name, v);
    }
    if (warning) res.set('warning', `399 sipd "${warning.replace(/"/g, "'")}"`);
    this.onResponse(out, res);
  }

  /** Where an in-dialog request of this dialog goes (also used for sipd's session refreshes). */
  async dialogDestination(dialog: Dialog, nextHop: string): Promise<Destination> {
    // Reuse the peer's flow when it is a live connection (RFC 5923 spirit; drachtio does so for
    // connection-oriented transports), else the next hop from the route set or remote target.
    const flow = dialog.flow;
    const isOpen = (id: string): boolean => this.ctx.transport.isConnectionOpen(id);
    if (flow && flow.connectionId && isOpen(flow.connectionId)) return flow;
    const uri = uriOf(nextHop);
    if (!uri) throw new TargetError(`invalid next hop ${nextHop}`);
    // The client re-registered over a new connection mid-call (drachtio: mid-call handoff).
    const moved = dialog.routeSet.length === 0 ? registeredFlow(this.ctx.flows, isOpen, uri) : undefined;
    if (moved) return moved;
    // A NAT'd peer (nat.ts) is reached at the address its messages came from.
    if (flow && this.ctx.nat.has(dialog)) return { protocol: flow.protocol, address: flow.address, port: flow.port };
    if (isInvalidHost(uri.host)) return unresolvableDestination(transportOf(uri), uri);
    return resolveTarget(uri);
  }

  private endDialog(dialog: Dialog): void {
    this.ctx.dialogs.remove(dialog.id);
    this.lastAck.delete(dialog.id);
    this.onDialogEnded?.(dialog);
  }

  /** Set by the engine so the UAS side stops waiting for an ACK of a dialog that ended. */
  onDialogEnded: ((dialog: Dialog) => void) | undefined;

  private fail(app: AppConnection, msgId: MsgId, reason: string): void {
    this.ctx.counters.commandFailures++;
    app.sendResponse(msgId, { kind: 'failure', reason });
  }
}

/** The first Route header value an app put on a new request (a preloaded route). */
function firstRoute(headers: Array<{ name: string; value: string }>): string | undefined {
  for (const h of headers) if (h.name.toLowerCase() === 'route') return h.value.split(',')[0]?.trim();
  return undefined;
}
