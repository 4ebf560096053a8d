// The engine's proxy: srf's proxyRequest / req.proxy (the `proxy` command, docs/wire-protocol.md
// §6) and loose routing of the later requests of dialogs we record-routed (RFC 3261 §16.4,
// §16.12). The engine offers it the inbound messages it may own before the UAS side sees them:
//   onCancel        a CANCEL whose INVITE is being proxied
//   onRequest       an in-dialog request whose top Route names us and that is no dialog of ours
//   onAck           an ACK for a 2xx routed through us (forwarded statelessly, §16.11)
//   onStrayResponse a 2xx to a proxied INVITE after its client transaction ended (§16.7 step 5)
// Every context is removed when its upstream final response is sent and no branch still waits.
import { parseVia, type SipRequest, type SipResponse } from '../../parser';
import { createResponse, type InviteServerTransaction, type NonInviteServerTransaction, type ServerTransaction } from '../../transaction';
import { responseDestination } from '../../transport/response-routing';
import type { InboundMessage } from '../../transport/types';
import type { AppConnection } from '../../wire/app-connection';
import type { MsgId, ProxyCommand } from '../../wire/messages';
import { sendStateless, type EngineContext } from '../context';
import { newTag } from '../ids';
import { LocalEndpoints } from '../local-endpoints';
import { resolveTarget, uriOf } from '../target';
import {
  decrementMaxForwards, hasLooped, isInitialInvite, isOurUri, isOurVia, maxForwardsExhausted, newProxyBranch, passedThroughUs, popOurRoutes, proxyVia,
} from './forward';
import { parseProxyTimeout, ProxyCore } from './proxy-core';

/** A network request the UAS side handed over (srf's req, by its transaction id). */
export interface TakenRequest {
  request: SipRequest;
  inbound: InboundMessage;
  tx: ServerTransaction;
}

export class ProxyHandler {
  private readonly byServerTx = new Map<ServerTransaction, ProxyCore>();

  constructor(
    private readonly ctx: EngineContext,
    /** Takes a request away from the UAS side (undefined: unknown or already answered). */
    private readonly take: (transactionId: string) => TakenRequest | undefined,
  ) {}

  /** Live proxy contexts (drachtio_proxy_cores). */
  get count(): number {
    return this.byServerTx.size;
  }

  /** srf's proxy command. */
  onCommand(app: AppConnection, msgId: MsgId, cmd: ProxyCommand): void {
    const taken = this.take(cmd.transactionId);
    if (!taken) {
      this.ctx.counters.commandFailures++;
      app.sendResponse(msgId, { kind: 'failure', reason: `Unknown transaction id: ${cmd.transactionId}` });
      return;
    }
    const { request, inbound, tx } = taken;
    if (maxForwardsExhausted(request)) {
      app.sendResponse(msgId, { kind: 'failure', reason: 'Rejected with 483 Too Many Hops due to Max-Forwards value of 0' });
      return this.answer(tx, request, 483, 'Too Many Hops');
    }
    if (hasLooped(request, this.ctx.endpoints)) {
      app.sendResponse(msgId, { kind: 'failure', reason: 'Rejected with 482 Loop Detected' });
      return this.answer(tx, request, 482, 'Loop Detected');
    }
    const core = new ProxyCore(this.ctx, inbound, request, tx, {
      recordRoute: cmd.recordRoute,
      fullResponse: cmd.fullResponse,
      followRedirects: cmd.followRedirects,
      simultaneous: cmd.simultaneous,
      provisionalTimeoutMs: parseProxyTimeout(cmd.provisionalTimeout),
      finalTimeoutMs: parseProxyTimeout(cmd.finalTimeout),
      extraHeaders: cmd.sip?.headers ?? [],
      keepRoutes: false,
    }, { conn: app, msgId }, (c) => this.forget(c));
    this.track(core);
    core.start(cmd.destinations.length > 0 ? cmd.destinations : [request.uri]);
  }

  /** A CANCEL for a proxied INVITE (§16.10). True when it was ours. */
  onCancel(cancel: SipRequest, tx: NonInviteServerTransaction, target: InviteServerTransaction | undefined): boolean {
    const core = target ? this.byServerTx.get(target) : undefined;
    if (!core) return false;
    this.ctx.counters.requestIn('CANCEL');
    core.cancelFromUpstream(cancel, tx);
    return true;
  }

  /**
   * An in-dialog request (To tag) whose top Route names us, for a dialog we are not a party to:
   * we record-routed it as a proxy, so it is forwarded statefully to the next hop (§16.4, §16.12).
   */
  onRequest(inbound: InboundMessage, request: SipRequest, tx: ServerTransaction): boolean {
    if (!this.isRoutedThroughUs(request)) return false;
    this.ctx.counters.requestIn(request.method);
    // srv processRequestWithRouteHeader(): a BYE through a dialog we record-routed ends the call.
    if (request.method === 'BYE') this.ctx.cdr.stop('network', 'normal-release', inbound.raw);
    if (maxForwardsExhausted(request)) {
      this.answer(tx, request, 483, 'Too Many Hops');
      return true;
    }
    if (hasLooped(request, this.ctx.endpoints)) {
      this.answer(tx, request, 482, 'Loop Detected');
      return true;
    }
    popOurRoutes(request, this.ctx.endpoints);
    const nextHop = request.getAll('route')[0] ?? request.uri;
    const core = new ProxyCore(this.ctx, inbound, request, tx, {
      recordRoute: false, fullResponse: false, followRedirects: false, simultaneous: false,
      provisionalTimeoutMs: 0, finalTimeoutMs: 0, extraHeaders: [], keepRoutes: true,
    }, undefined, (c) => this.forget(c));
    this.track(core);
    core.start([routeUri(nextHop)]);
    return true;
  }

  /** ACK for a 2xx on a dialog we record-routed: forwarded statelessly (§16.11). */
  onAck(ack: SipRequest): boolean {
    if (!this.isRoutedThroughUs(ack)) return false;
    this.ctx.counters.requestIn('ACK');
    if (maxForwardsExhausted(ack)) return true;
    popOurRoutes(ack, this.ctx.endpoints);
    const next = uriOf(ack.getAll('route')[0] ?? ack.uri);
    if (!next) return true;
    void resolveTarget(next).then((dest) => {
      const out = this.ctx.endpoints.forProtocol(dest.protocol, dest.address.includes(':'), dest.address);
      if (!out) return;
      decrementMaxForwards(ack);
      ack.prepend('via', proxyVia(out.protocol, LocalEndpoints.hostport(out), newProxyBranch(ack)));
      sendStateless(this.ctx, ack, dest);
      this.ctx.counters.requestOut('ACK');
    }, (err: unknown) => this.ctx.logger.info({ callId: ack.callId, err: String(err) }, 'ACK next hop does not resolve'));
    return true;
  }

  /**
   * A response no transaction matched: a 2xx to an INVITE we forwarded whose transaction has
   * ended goes upstream statelessly, by the Via below ours (RFC 6026 §8.1 leaves 2xx to the TU).
   */
  onStrayResponse(response: SipResponse): boolean {
    if (response.status < 200 || response.status >= 300 || !/INVITE\s*$/i.test(response.get('cseq') ?? '')) return false;
    const vias = response.getAll('via');
    const top = vias[0] ? parseVia(vias[0]) : undefined;
    const below = vias[1] ? parseVia(vias[1]) : undefined;
    if (!top || !below || !isOurVia(top, this.ctx.endpoints)) return false;
    const branch = top.params.get('branch');
    if (typeof branch !== 'string' || !branch.startsWith('z9hG4bKsp')) return false;
    response.removeFirstValue('via');
    const protocol = below.transport.toLowerCase() === 'udp' ? 'udp' : 'tcp';
    const dest = responseDestination(below, { protocol, address: below.host.replace(/^\[|\]$/g, ''), port: below.port ?? 5060 });
    sendStateless(this.ctx, response, dest);
    return true;
  }

  /** A request merged per §8.2.2.2 that has passed through us is a spiral, not a merge. */
  isSpiral(request: SipRequest): boolean {
    return passedThroughUs(request, this.ctx.endpoints);
  }

  close(): void {
    for (const core of this.byServerTx.values()) core.dispose();
    this.byServerTx.clear();
  }

  // ───────────── internals ─────────────

  private isRoutedThroughUs(request: SipRequest): boolean {
    const route = request.get('route');
    if (route === undefined) return false;
    const toTag = /;\s*tag=/i.test(request.get('to') ?? '');
    if (!toTag) return false;
    const top = request.getAll('route')[0];
    if (top === undefined || !isOurUri(top, this.ctx.endpoints)) return false;
    // A dialog we are a party to (UAS/UAC) is the UA core's, whatever its Route says.
    const fromTag = /;\s*tag=([^;>\s]+)/i.exec(request.get('from') ?? '')?.[1] ?? '';
    const toTagValue = /;\s*tag=([^;>\s]+)/i.exec(request.get('to') ?? '')?.[1] ?? '';
    return this.ctx.dialogs.matchRequest(request.callId, toTagValue, fromTag) === undefined;
  }

  private track(core: ProxyCore): void {
    this.byServerTx.set(core.serverTx, core);
    // A server transaction that ends (transport failure, engine stop) takes its context along.
    core.serverTx.addTerminationListener(() => {
      if (this.byServerTx.get(core.serverTx) === core && core.finalSent) this.forget(core);
    });
  }

  private forget(core: ProxyCore): void {
    if (this.byServerTx.get(core.serverTx) === core) this.byServerTx.delete(core.serverTx);
  }

  private answer(tx: ServerTransaction, request: SipRequest, status: number, reason: string): void {
    this.ctx.counters.responseOut(request.method, status);
    const res = createResponse(request, status, reason, newTag());
    // srv doProxy(): the 483 to a call setup it cannot forward ends the attempt.
    if (isInitialInvite(request)) this.ctx.cdr.stop('application', 'call-rejected', res);
    try {
      tx.respond(res);
    } catch (err) {
      this.ctx.logger.info({ callId: request.callId, err: String(err) }, 'response not sent');
    }
  }
}

/** The URI inside a Route value (`<sip:a;lr>` → `sip:a;lr`). */
function routeUri(value: string): string {
  return /<([^>]*)>/.exec(value)?.[1] ?? value.trim();
}
