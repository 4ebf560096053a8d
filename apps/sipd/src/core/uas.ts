// Requests from the network and the apps' answers to them (drachtio-server's UAS side):
// new requests go to an app that routes the method (round robin), in-dialog requests to the app
// owning the dialog; the app's skeletal response is completed, sent through the server
// transaction, and echoed back; 2xx to INVITE create the dialog and are retransmitted until ACK.
import { isIP } from 'node:net';
import { parseCSeq, parseUri, type SipRequest, type SipResponse } from '../parser';
import {
  createResponse, detached, tagOf, type InviteServerTransaction, type ServerTransaction, type ServerTransactionUser,
  type Transaction,
} from '../transaction';
import type { InboundMessage } from '../transport/types';
import { isReliable } from '../transport/types';
import { Dialog } from '../dialog/dialog';
import { Uas2xxRetransmitter } from '../dialog/uas-2xx-retransmitter';
import type { AppConnection } from '../wire/app-connection';
import type { SipCommand, MsgId } from '../wire/messages';
import { appToTag, buildResponse } from './completion';
import { applicationMeta, networkMeta, sendStateless, serialize, type EngineContext } from './context';
import { newTag, newTransactionId } from './ids';
import { LocalEndpoints } from './local-endpoints';
import { lists100rel, peerAccepts100rel, ReliableProvisionals } from './reliable-provisional';
import {
  announceSessionTimer, needs422, onPeerRefresh, rememberLocalSdp, sessionTooSmall, type TimerPlan,
} from './session-timer';

type ResponseCommand = Extract<SipCommand, { kind: 'response' }>;

/** A network request handed to an app, waiting for (or done with) its final response. */
interface InboundRequest {
  id: string;
  request: SipRequest;
  inbound: InboundMessage;
  tx: ServerTransaction;
  app: AppConnection;
  /** Our To tag (first response with a tag fixes it). */
  localTag: string | undefined;
  /** The dialog this request runs in (in-dialog), or creates (early/confirmed after our 1xx/2xx). */
  dialog: Dialog | undefined;
  createdDialog: boolean;
  finalSent: boolean;
  /** Guards requests the app never answers (drachtio forgets them after 64 s). */
  timer: NodeJS.Timeout | undefined;
  /** An INVITE outside a dialog: the call attempt CDR events are about. */
  initialInvite: boolean;
  /** A re-INVITE/UPDATE that refreshes the session: the plan our 2xx announces (RFC 4028 §9). */
  session: TimerPlan | undefined;
}

const APP_ANSWER_TIMEOUT_MS = 64_000;
/** INVITEs may ring long; the app must still answer within this (then 408). */
const INVITE_ANSWER_TIMEOUT_MS = 300_000;

/** Methods of RFC 3261 and its extensions; no app routing one of these ⇒ 503 (drachtio). */
const KNOWN_METHODS = new Set(['INVITE', 'ACK', 'BYE', 'CANCEL', 'OPTIONS', 'REGISTER', 'PRACK', 'SUBSCRIBE', 'NOTIFY', 'PUBLISH', 'INFO', 'REFER', 'MESSAGE', 'UPDATE']);

/** Extensions an app behind sipd may require of us (RFC 3261 §8.2.2.3 otherwise 420). */
const SUPPORTED_EXTENSIONS = new Set(['100rel', 'timer', 'replaces', 'path', 'outbound', 'gruu', 'norefersub', 'tdialog', 'join', 'histinfo', 'from-change', 'sec-agree']);

export class UasHandler {
  private readonly byId = new Map<string, InboundRequest>();
  private readonly byTx = new Map<ServerTransaction, InboundRequest>();
  /** Dialogs whose 2xx to INVITE waits for the ACK. */
  private readonly awaitingAck = new Map<string, Uas2xxRetransmitter>();
  /** Reliable 1xx waiting for their PRACK (RFC 3262). */
  private readonly reliable: ReliableProvisionals;
  /** An UPDATE received in the early dialog of a pending INVITE, by the INVITE's transaction id. */
  private readonly earlyUpdates = new Map<string, InboundRequest>();

  constructor(private readonly ctx: EngineContext, private readonly onAckTimeout: (dialog: Dialog) => void) {
    this.reliable = new ReliableProvisionals(ctx.timers.T1);
  }

  get pendingCount(): number {
    return this.byTx.size;
  }

  // ───────────── from the network ─────────────

  onRequest(inbound: InboundMessage, request: SipRequest, tx: ServerTransaction): void {
    this.ctx.counters.requestIn(request.method);
    const b = this.ctx.behaviour;
    if (b.spammers && this.isSpam(request, b.spammers.headers)) {
      const action = inbound.source.protocol === 'udp' ? b.spammers.action : b.spammers.tcpAction;
      this.ctx.logger.info({ callId: request.callId, source: inbound.source.address }, 'request from a listed spammer');
      // drachtio: 'discard' drops silently; the transaction simply times out on the sender's side.
      if (action === 'reject') return this.reply(tx, request, 603, 'Decline');
      return;
    }
    const unsupported = this.unsupportedRequire(request);
    if (unsupported.length) {
      const res = createResponse(request, 420, 'Bad Extension', newTag());
      res.set('unsupported', unsupported.join(', '));
      return this.replyStateless(tx, res);
    }
    const toTag = tagOf(request.get('to'));
    if (toTag) return this.onInDialogRequest(inbound, request, tx, toTag);

    switch (request.method) {
      case 'BYE':
      case 'UPDATE':
      case 'PRACK':
        return this.reply(tx, request, 481, 'Call/Transaction Does Not Exist');
      default:
        break;
    }
    if (request.method === 'REGISTER' && b.rejectRegisterWithNoRealm && isIpHost(request.uri)) {
      return this.reply(tx, request, 403, 'Forbidden', 'REGISTER needs a domain in the Request-URI');
    }
    if (request.method === 'OPTIONS' && b.userAgentOptionsAutoRespond !== undefined && request.get('user-agent') === b.userAgentOptionsAutoRespond) {
      return this.reply(tx, request, 200, 'OK');
    }
    // drachtio --always-send-180: 180 right after 100, before any app sees the INVITE.
    let ringingTag: string | undefined;
    if (request.method === 'INVITE' && b.alwaysSend180) {
      ringingTag = newTag();
      this.replyStateless(tx, createResponse(request, 180, 'Ringing', ringingTag));
    }
    const isInvite = request.method === 'INVITE';
    // srv controller.cpp: every new INVITE handed on (or refused with 503) is a call attempt.
    if (isInvite) this.ctx.cdr.attempt('network', inbound.raw);
    if (isInvite && needs422(request, this.ctx.sessionConfig)) {
      // RFC 4028 §9: Session-Expires below our minimum ⇒ 422 with our Min-SE (sipd; srv raises it).
      const res = sessionTooSmall(request, ringingTag ?? newTag(), this.ctx.sessionConfig);
      this.replyStateless(tx, res);
      return this.ctx.cdr.stop('application', 'call-rejected', res);
    }
    const app = this.ctx.apps.pickAppFor(request.method.toLowerCase());
    if (!app) {
      this.ctx.counters.unrouted++;
      // §21.5.2: 501 is the answer when a UAS does not recognise the method (RFC 4475 §3.1.1.2,
      // §3.1.1.5); a known method nobody routes is drachtio's 503 (docs/wire-protocol.md §4.1).
      if (!KNOWN_METHODS.has(request.method)) return this.unknownMethod(tx, request);
      const res = createResponse(request, 503, 'Service Unavailable', ringingTag ?? newTag());
      this.replyStateless(tx, res);
      if (isInvite) this.ctx.cdr.stop('application', 'call-rejected', res);
      return;
    }
    const ir = this.track(inbound, request, tx, app, undefined);
    ir.localTag = ringingTag;
    ir.initialInvite = isInvite;
    app.sendSipMessage({
      meta: networkMeta(inbound),
      transactionId: ir.id,
      dialogId: '',
      receivedOn: { address: inbound.local.address, port: inbound.local.port },
      raw: inbound.raw,
    });
  }

  private onInDialogRequest(inbound: InboundMessage, request: SipRequest, tx: ServerTransaction, toTag: string): void {
    const fromTag = tagOf(request.get('from')) ?? '';
    const found = this.ctx.dialogs.matchRequest(request.callId, toTag, fromTag);
    if (!found) return this.reply(tx, request, 481, 'Call/Transaction Does Not Exist');
    const { dialog, owner } = found;
    const seq = parseCSeq(request.get('cseq') ?? '')?.seq ?? 0;
    if (!dialog.acceptRemoteCSeq(seq)) return this.reply(tx, request, 500, 'Server Internal Error', 'CSeq out of order');
    if (owner.closed) {
      if (request.method === 'BYE') this.dropDialog(dialog);
      return this.reply(tx, request, 481, 'Call/Transaction Does Not Exist');
    }
    if (request.method === 'PRACK') return this.onPrack(inbound, request, tx, dialog, owner);
    const refresh = onPeerRefresh(request, dialog, this.ctx.sessionTimers, this.ctx.sessionConfig);
    if (refresh === 'too-small') return this.replyStateless(tx, sessionTooSmall(request, dialog.localTag, this.ctx.sessionConfig));
    if (request.method === 'BYE' && dialog.method === 'INVITE') this.ctx.cdr.stop('network', 'normal-release', inbound.raw);
    const ir = this.track(inbound, request, tx, owner, dialog);
    ir.session = refresh;
    // srv route_request_inside_invite(): an UPDATE in the early dialog of an INVITE still being
    // answered reaches the app with the INVITE's transaction id (srf finds the INVITE by Call-ID).
    const invite = request.method === 'UPDATE' ? this.pendingInviteOf(dialog) : undefined;
    if (invite) this.earlyUpdates.set(invite.id, ir);
    owner.sendSipMessage({ meta: networkMeta(inbound), transactionId: invite?.id ?? ir.id, dialogId: dialog.id, raw: inbound.raw });
  }

  /** The unanswered INVITE whose early dialog this is (UAS side). */
  private pendingInviteOf(dialog: Dialog): InboundRequest | undefined {
    if (dialog.state !== 'early') return undefined;
    for (const ir of this.byId.values()) {
      if (ir.initialInvite && ir.dialog === dialog && !ir.finalSent) return ir;
    }
    return undefined;
  }

  /**
   * RFC 3262 §3: a PRACK acknowledging our reliable 1xx stops its retransmission and is answered
   * 200 here, then passed to the app; one that matches no unacknowledged reliable 1xx gets 481.
   * srv leaves the PRACK's answer to the app (processPrack(); srf's middleware answers 200 by
   * default, proto.js) — sipd answers at once so the PRACK's 200 always precedes an INVITE 2xx
   * the app sends from its PRACK callback; the app's own answer then gets NOK (unknown transaction).
   */
  private onPrack(inbound: InboundMessage, request: SipRequest, tx: ServerTransaction, dialog: Dialog, owner: AppConnection): void {
    if (!this.reliable.acknowledge(dialog.id, request.get('rack') ?? '')) return this.reply(tx, request, 481, 'Call/Transaction Does Not Exist');
    this.replyStateless(tx, createResponse(request, 200, 'OK', dialog.localTag));
    owner.sendSipMessage({ meta: networkMeta(inbound), transactionId: newTransactionId(), dialogId: dialog.id, raw: inbound.raw });
  }

  /** ACK for a 2xx we sent (§13.3.1.4): stops retransmission and goes to the dialog's app. */
  onAck(inbound: InboundMessage, ack: SipRequest): void {
    const toTag = tagOf(ack.get('to'));
    // An RFC 2543 peer sends no From tag: its dialog's remote tag is empty (§12.1.1, §12.2.2).
    const fromTag = tagOf(ack.get('from')) ?? '';
    if (!toTag) return;
    const found = this.ctx.dialogs.matchRequest(ack.callId, toTag, fromTag);
    if (!found) return;
    const rtx = this.awaitingAck.get(found.dialog.id);
    if (rtx) {
      rtx.dispose();
      this.awaitingAck.delete(found.dialog.id);
    }
    if (found.owner.closed) return;
    found.owner.sendSipMessage({ meta: networkMeta(inbound), transactionId: newTransactionId(), dialogId: found.dialog.id, raw: inbound.raw });
  }

  /** CANCEL (§9.2): 200 to the CANCEL, 487 to the INVITE if still pending, and the app is told. */
  onCancel(inbound: InboundMessage, cancel: SipRequest, tx: ServerTransaction, target: InviteServerTransaction | undefined): void {
    this.ctx.counters.requestIn('CANCEL');
    const ir = target ? this.byTx.get(target) : undefined;
    if (!target || !ir) return this.reply(tx, cancel, 481, 'Call/Transaction Does Not Exist');
    this.reply(tx, cancel, 200, 'OK');
    if (ir.finalSent) return;
    ir.localTag ??= newTag();
    const res487 = createResponse(ir.request, 487, 'Request Terminated', ir.localTag);
    if (ir.initialInvite) this.ctx.cdr.stop('network', 'call-canceled', inbound.raw);
    this.sendFinal(ir, res487, false);
    ir.app.sendSipMessage({ meta: networkMeta(inbound), transactionId: ir.id, dialogId: ir.dialog?.id ?? '', raw: inbound.raw });
  }

  onMerged(request: SipRequest, tx: ServerTransaction): void {
    this.reply(tx, request, 482, 'Loop Detected');
  }

  // ───────────── from the apps ─────────────

  /** The app's response to a network request (docs/wire-protocol.md §2.4 a). */
  respond(app: AppConnection, msgId: MsgId, cmd: ResponseCommand): void {
    let ir = this.byId.get(cmd.transactionId);
    // srv doRespondToSipRequest()/containsCseqUpdate(): the answer to an early-dialog UPDATE comes
    // with the INVITE's transaction id and `CSeq: n UPDATE`.
    if (ir && ir.request.method === 'INVITE' && cseqMethodOf(cmd.sip.headers) === 'UPDATE') ir = this.earlyUpdates.get(cmd.transactionId);
    if (!ir) return this.fail(app, msgId, 'Response not sent due to unknown transaction');
    if (ir.request.method === 'CANCEL') return this.fail(app, msgId, '200 OK to incoming CANCEL is automatically generated by the stack');
    if (ir.finalSent) return this.fail(app, msgId, 'final response already sent');
    const { status } = cmd;
    const method = ir.request.method;
    // RFC 3262 §3: a 1xx the app marks `Require: 100rel` is sent reliably, if the caller allows it.
    const reliable = method === 'INVITE' && status > 100 && status < 200 && cmd.sip.headers.some((h) => h.name.toLowerCase() === 'require' && /(^|,)\s*100rel\s*(,|$)/i.test(h.value));
    if (reliable && !peerAccepts100rel(ir.request)) return this.fail(app, msgId, 'Remote endpoint does not support 100rel');
    const createsDialog = (method === 'INVITE' || method === 'SUBSCRIBE') && ir.dialog === undefined;
    if (status > 100) ir.localTag ??= appToTag(cmd.sip) ?? (ir.dialog ? undefined : newTag());
    const listener = this.ctx.endpoints.forProtocol(ir.inbound.local.protocol, ir.inbound.local.address.includes(':'), ir.inbound.source.address);
    const needsContact = (method === 'INVITE' || method === 'SUBSCRIBE' || method === 'UPDATE') && status > 100 && status < 300;
    const contactUri = listener ? LocalEndpoints.contactUri(listener) : undefined;
    const res = buildResponse(ir.request, status, cmd.reason, cmd.sip, {
      localTag: ir.localTag,
      contact: needsContact ? contactUri : undefined,
      copyRecordRoute: createsDialog,
    });

    // Dialog bookkeeping before sending, so a fast ACK finds the dialog.
    if (createsDialog && status > 100 && status < 300) {
      const flow = { protocol: ir.inbound.source.protocol, address: ir.inbound.source.address, port: ir.inbound.source.port, connectionId: ir.inbound.connectionId };
      const dialog = Dialog.forUas(ir.request, res, res.getAll('contact')[0] ?? (contactUri ? `<${contactUri}>` : ''), flow);
      if (dialog) {
        this.ctx.dialogs.add(dialog, ir.app);
        this.ctx.nat.checkUas(dialog, ir.request, ir.inbound.source);
        ir.dialog = dialog;
        ir.createdDialog = true;
      }
    } else if (ir.createdDialog && ir.dialog && status >= 200 && status < 300) {
      ir.dialog.state = 'confirmed';
    }
    if (ir.dialog && status >= 200 && status < 300 && (method === 'INVITE' || method === 'UPDATE')) ir.dialog.refreshTarget(ir.request);

    let rseq: number | undefined;
    if (reliable && ir.dialog && lists100rel(res, 'require')) {
      rseq = this.reliable.nextRSeq(ir.dialog.id);
      res.set('rseq', String(rseq));
    }
    const success = status >= 200 && status < 300;
    const sessionPlan = success ? announceSessionTimer(ir.request, res, ir.initialInvite, ir.session, this.ctx.sessionConfig) : undefined;
    if (ir.dialog && (method === 'INVITE' || method === 'UPDATE') && status > 100 && status < 300) rememberLocalSdp(ir.dialog, res);

    this.ctx.counters.responseOut(method, status);
    const dest = ir.tx.destination;
    const sending = ir;
    // Serialised once: these bytes go on the wire, to the app's echo and into retransmissions.
    const wire = serialize(res);
    const deliver = (): void => {
      if (status >= 200) this.sendFinal(sending, res, true, wire);
      else this.sendProvisional(sending, res, wire);
      if (success) this.ctx.flows.onResponseSent(sending.request, res, sending.inbound);
      if (rseq !== undefined && sending.dialog) this.retransmitReliable(sending, sending.dialog, res, rseq, wire);
      if (method === 'INVITE' && success && sending.dialog) this.awaitAck(sending, res, wire);
      if (sessionPlan && sending.dialog) this.ctx.sessionTimers.arm(sending.dialog, sessionPlan);
      // srv: a 200 the app sends to a new INVITE starts the call record (role uas).
      if (sending.initialInvite && success) this.ctx.cdr.start('application', 'uas', res);
    };
    // RFC 3262 §3: one unacknowledged reliable 1xx at a time, and a 2xx waits for the PRACK of a
    // reliable 1xx that carried a session description.
    const rel = ir.dialog && method === 'INVITE' ? ir.dialog.id : undefined;
    const held = rel !== undefined && ((rseq !== undefined && this.reliable.busy(rel)) || (success && this.reliable.holdsFinal(rel)));
    if (held) {
      if (status >= 200) ir.finalSent = true;
      this.reliable.afterAcknowledged(rel, status >= 200 ? 'final' : 'reliable', deliver);
    } else deliver();
    if (status >= 300 && ir.createdDialog && ir.dialog) this.dropDialog(ir.dialog);
    if (method === 'BYE' && status >= 200 && ir.dialog) this.dropDialog(ir.dialog);

    app.sendResponse(msgId, {
      kind: 'response-sent',
      meta: applicationMeta(wire.length, dest.protocol, dest.address, dest.port),
      transactionId: cmd.transactionId,
      dialogId: ir.dialog && (status >= 200 ? status < 300 : status > 100) ? ir.dialog.id : '',
      sip: wire,
    });
  }

  /** An app went away: its unanswered requests get 503 (no caller is left hanging). */
  appGone(app: AppConnection): void {
    for (const ir of [...this.byTx.values()]) {
      if (ir.app !== app || ir.finalSent) continue;
      ir.localTag ??= newTag();
      this.sendFinal(ir, createResponse(ir.request, 503, 'Service Unavailable', ir.localTag));
    }
  }

  /** srf's req.proxy(): the proxy takes the request over; the UAS side no longer answers it. */
  takeForProxy(transactionId: string): { request: SipRequest; inbound: InboundMessage; tx: ServerTransaction } | undefined {
    const ir = this.byId.get(transactionId);
    if (!ir || ir.finalSent || ir.dialog) return undefined;
    this.untrack(ir);
    return { request: ir.request, inbound: ir.inbound, tx: ir.tx };
  }

  close(): void {
    this.reliable.close();
    for (const r of this.awaitingAck.values()) r.dispose();
    this.awaitingAck.clear();
    for (const ir of this.byTx.values()) if (ir.timer) clearTimeout(ir.timer);
    this.byTx.clear();
    this.byId.clear();
  }

  /** Called when a dialog ends for any reason: stop waiting for its ACK. */
  dialogEnded(dialog: Dialog): void {
    this.reliable.forget(dialog.id);
    const r = this.awaitingAck.get(dialog.id);
    if (r) {
      r.dispose();
      this.awaitingAck.delete(dialog.id);
    }
  }

  // ───────────── internals ─────────────

  private track(inbound: InboundMessage, request: SipRequest, tx: ServerTransaction, app: AppConnection, dialog: Dialog | undefined): InboundRequest {
    const ir: InboundRequest = {
      id: newTransactionId(), request, inbound, tx, app, dialog,
      localTag: dialog?.localTag, createdDialog: false, finalSent: false, timer: undefined,
      initialInvite: false, session: undefined,
    };
    this.byId.set(ir.id, ir);
    this.byTx.set(tx, ir);
    const limit = request.method === 'INVITE' ? INVITE_ANSWER_TIMEOUT_MS : APP_ANSWER_TIMEOUT_MS;
    ir.timer = setTimeout(() => this.appTimeout(ir), limit);
    ir.timer.unref();
    // Neither listener nor user closes over ir or the request: a completed transaction lives on
    // for Timer J/H (32 s over UDP) and must not keep the request's bookkeeping alive that long.
    tx.addTerminationListener(this.onTransactionTerminated);
    tx.user = this.transactionUser(detached(request.callId));
    return ir;
  }

  private transactionUser(callId: string): ServerTransactionUser {
    return new LoggingTransactionUser(this.ctx.logger, callId);
  }

  private readonly onTransactionTerminated = (tx: Transaction): void => {
    const ir = this.byTx.get(tx as ServerTransaction);
    if (ir !== undefined) this.untrack(ir);
  };

  private untrack(ir: InboundRequest): void {
    this.forgetEarlyUpdate(ir);
    if (ir.timer) clearTimeout(ir.timer);
    ir.timer = undefined;
    this.byId.delete(ir.id);
    this.byTx.delete(ir.tx);
  }

  private appTimeout(ir: InboundRequest): void {
    ir.timer = undefined;
    if (ir.finalSent) return;
    this.ctx.logger.warn({ callId: ir.request.callId, method: ir.request.method }, 'app did not answer in time');
    ir.localTag ??= newTag();
    this.sendFinal(ir, createResponse(ir.request, ir.request.method === 'INVITE' ? 408 : 500, ir.request.method === 'INVITE' ? 'Request Timeout' : 'Server Internal Error', ir.localTag));
  }

  private sendProvisional(ir: InboundRequest, res: SipResponse, wire?: Buffer): void {
    try {
      ir.tx.respond(res, wire);
    } catch (err) {
      this.ctx.logger.warn({ callId: ir.request.callId, err: String(err) }, 'provisional response refused by the transaction');
    }
  }

  private forgetEarlyUpdate(ir: InboundRequest): void {
    if (ir.request.method !== 'UPDATE') return;
    for (const [inviteId, u] of this.earlyUpdates) if (u === ir) this.earlyUpdates.delete(inviteId);
  }

  /**
   * RFC 3262 §3: resend until PRACK; none after 64*T1 ⇒ the INVITE is rejected with a 5xx (a 2xx
   * the app already sent and that waited for this PRACK goes out instead).
   */
  private retransmitReliable(ir: InboundRequest, dialog: Dialog, res: SipResponse, rseq: number, wire: Buffer): void {
    const cseq = parseCSeq(ir.request.get('cseq') ?? '')?.seq ?? 0;
    this.reliable.start(dialog.id, rseq, cseq, res.body.length > 0, () => { if (!ir.finalSent) this.sendProvisional(ir, res, wire); }, () => {
      if (ir.finalSent) return;
      this.ctx.logger.warn({ callId: ir.request.callId }, 'no PRACK for a reliable provisional response');
      this.sendFinal(ir, createResponse(ir.request, 500, 'Server Internal Error', ir.localTag));
    });
  }

  /** `cdr`: a final ≥ 300 to a new INVITE ends the call attempt (srv: call-rejected). */
  private sendFinal(ir: InboundRequest, res: SipResponse, cdr = true, wire?: Buffer): void {
    ir.finalSent = true;
    this.forgetEarlyUpdate(ir);
    if (ir.dialog) this.reliable.stop(ir.dialog.id);
    if (ir.timer) clearTimeout(ir.timer);
    ir.timer = undefined;
    this.byId.delete(ir.id);
    // Only an INVITE is still looked up by its transaction after its final response (a CANCEL
    // after the final gets 200, §9.2); other requests are done here, while their transaction
    // alone absorbs retransmissions.
    if (ir.request.method !== 'INVITE') this.byTx.delete(ir.tx);
    // Early dialogs end with a non-2xx final response (§12.3 / §13.3.1.4).
    if (res.status >= 300 && ir.createdDialog && ir.dialog) this.dropDialog(ir.dialog);
    try {
      ir.tx.respond(res, wire);
    } catch (err) {
      this.ctx.logger.warn({ callId: ir.request.callId, err: String(err) }, 'final response refused by the transaction');
    }
    if (cdr && ir.initialInvite && res.status >= 300) this.ctx.cdr.stop('application', 'call-rejected', res);
  }

  private awaitAck(ir: InboundRequest, res: SipResponse, wire: Buffer): void {
    const dialog = ir.dialog!;
    const dest = ir.tx.destination;
    const old = this.awaitingAck.get(dialog.id);
    old?.dispose();
    const rtx = new Uas2xxRetransmitter(
      this.ctx.timers,
      !isReliable(dest.protocol),
      () => sendStateless(this.ctx, res, dest, wire),
      () => {
        this.awaitingAck.delete(dialog.id);
        this.ctx.counters.ackTimeouts++;
        this.onAckTimeout(dialog);
      },
    );
    this.awaitingAck.set(dialog.id, rtx);
  }

  private dropDialog(dialog: Dialog): void {
    this.dialogEnded(dialog);
    this.ctx.dialogs.remove(dialog.id);
  }

  private reply(tx: ServerTransaction, request: SipRequest, status: number, reason: string, warning?: string, toTag?: string): void {
    const res = createResponse(request, status, reason, toTag ?? newTag());
    if (warning) res.set('warning', `399 sipd "${warning}"`);
    this.replyStateless(tx, res);
  }

  /** 501 with Allow: the methods apps route now (§20.5 lets a 501 carry Allow). */
  private unknownMethod(tx: ServerTransaction, request: SipRequest): void {
    const res = createResponse(request, 501, 'Not Implemented', newTag());
    const allowed = [...KNOWN_METHODS].filter((m) => this.ctx.apps.appsRouting(m.toLowerCase()).length > 0);
    if (allowed.length) res.set('allow', allowed.join(', '));
    this.replyStateless(tx, res);
  }

  private replyStateless(tx: ServerTransaction, res: SipResponse): void {
    this.ctx.counters.responseOut(/\s(\S+)\s*$/.exec(res.get('cseq') ?? '')?.[1] ?? '', res.status);
    try {
      tx.respond(res);
    } catch (err) {
      this.ctx.logger.warn({ err: String(err) }, 'response refused by the transaction');
    }
  }

  private isSpam(request: SipRequest, rules: Map<string, string[]>): boolean {
    for (const [header, needles] of rules) {
      const value = request.get(header);
      if (value !== undefined && needles.some((n) => value.includes(n))) return true;
    }
    return false;
  }

  private unsupportedRequire(request: SipRequest): string[] {
    if (request.method === 'ACK' || request.method === 'CANCEL') return [];
    const out: string[] = [];
    for (const opt of request.getAll('require')) {
      if (!SUPPORTED_EXTENSIONS.has(opt.toLowerCase())) out.push(opt);
    }
    return out;
  }

  private fail(app: AppConnection, msgId: MsgId, reason: string): void {
    this.ctx.counters.commandFailures++;
    app.sendResponse(msgId, { kind: 'failure', reason });
  }
}

/**
 * What the UAS wants to hear from a server transaction: only failures, logged with the Call-ID.
 * A class, not closures: a completed transaction holds its user through Timer J (32 s over UDP).
 */
class LoggingTransactionUser implements ServerTransactionUser {
  constructor(private readonly logger: EngineContext['logger'], private readonly callId: string) {}

  onTransportError(err: Error): void {
    this.logger.warn({ callId: this.callId, err: err.message }, 'response could not be sent');
  }

  onTimeout(): void {
    this.logger.info({ callId: this.callId }, 'no ACK for a non-2xx final response (Timer H)');
  }
}

function isIpHost(uri: string): boolean {
  const host = parseUri(uri)?.host.replace(/^\[|\]$/g, '') ?? '';
  return isIP(host) !== 0;
}

/** The method of the CSeq an app put in its skeletal response (srf copies the request's). */
function cseqMethodOf(headers: Array<{ name: string; value: string }>): string | undefined {
  for (const h of headers) if (h.name.toLowerCase() === 'cseq') return /\s(\S+)\s*$/.exec(h.value)?.[1]?.toUpperCase();
  return undefined;
}
