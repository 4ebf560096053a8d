// One proxy context (RFC 3261 §16): the server transaction of the request being proxied, its
// branches (serial or simultaneous), the response context and, for srf's req.proxy(), the
// streamed replies to the app (docs/wire-protocol.md §6).
//   - provisionals other than 100 and every 2xx go upstream at once (§16.7 step 5);
//   - a 2xx ends the search and CANCELs the other branches (§16.7 step 10, Reason: RFC 3326);
//   - a 6xx ends the search and CANCELs the others; no new branches (§16.7 step 5);
//   - 3xx with followRedirects adds the Contacts as new targets (§16.5);
//   - when every branch is done, the best response goes upstream (§16.7 steps 6–7);
//   - the caller's CANCEL: 200, 487 upstream, CANCEL to every branch (§16.10, as drachtio does).
// The context ends when the upstream final is sent and no branch is waiting for a response.
// CDRs (srv sip-proxy-controller.cpp ServerTransaction::writeCdr/generateResponse): the first
// final sent upstream for a call setup is start (application, proxy-uas) or stop (application);
// a BYE loose-routed through us is stop (application, normal-release) once forwarded.
import { formatUri, headerKey, parseNameAddr, type SipRequest, type SipResponse } from '../../parser';
import { createResponse, type ServerTransaction } from '../../transaction';
import type { Destination, InboundMessage } from '../../transport/types';
import type { AppConnection } from '../../wire/app-connection';
import type { MsgId } from '../../wire/messages';
import { formatWireTime, type SipMeta, type SipText } from '../../wire/sip-text';
import { serialize, wireProtocol, type EngineContext } from '../context';
import { newTag } from '../ids';
import { LocalEndpoints, type LocalEndpoint } from '../local-endpoints';
import { isInvalidHost, registeredFlow, unresolvableDestination } from '../flows';
import { resolveTargets, transportOf, uriOf } from '../target';
import { stopReasonFor } from '../cdr';
import { bestResponse } from './best-response';
import { ProxyBranch, type BranchOwner } from './branch';
import { endOrphanDialog } from './orphan-2xx';
import { cloneRequest, decrementMaxForwards, isInitialInvite, isSipUri, newProxyBranch, proxyVia, withoutTopVia } from './forward';

export interface ProxySettings {
  recordRoute: boolean;
  fullResponse: boolean;
  followRedirects: boolean;
  simultaneous: boolean;
  provisionalTimeoutMs: number;
  finalTimeoutMs: number;
  /** Headers the app asked to add to the forwarded request (srf opts.headers). */
  extraHeaders: SipText['headers'];
  /** Keep the Route header set (loose routing of in-dialog requests); else it is removed. */
  keepRoutes: boolean;
}

/** Where the streamed results go (srf req.proxy); absent for loose-routed in-dialog requests. */
export interface ProxyApp {
  conn: AppConnection;
  msgId: MsgId;
}

/** Headers the stack owns; an app's opts.headers never replace these on a forwarded request. */
const STACK_OWNED = new Set(['via', 'route', 'record-route', 'max-forwards', 'call-id', 'cseq', 'from', 'to', 'content-length']);

export class ProxyCore implements BranchOwner {
  readonly branches: ProxyBranch[] = [];
  /** The upstream final response has been sent (or the request was answered otherwise). */
  finalSent = false;
  private searching = true;
  private doneSent = false;
  private anySent = false;
  private finished = false;
  /** The first final response sent upstream (0: none yet). */
  private upstreamStatus = 0;
  /** To tags of 2xx answered with ACK+BYE because a non-2xx had gone upstream. */
  private readonly orphans = new Set<string>();
  private readonly toTag = newTag();

  constructor(
    readonly ctx: EngineContext,
    readonly inbound: InboundMessage,
    readonly request: SipRequest,
    readonly serverTx: ServerTransaction,
    private readonly settings: ProxySettings,
    private readonly app: ProxyApp | undefined,
    private readonly onFinished: (core: ProxyCore) => void,
  ) {}

  get provisionalTimeoutMs(): number {
    return this.settings.provisionalTimeoutMs;
  }

  get finalTimeoutMs(): number {
    return this.settings.finalTimeoutMs;
  }

  /** Starts forwarding to the targets (the Request-URI when none). */
  start(targets: string[]): void {
    if (!this.settings.keepRoutes) this.request.remove('route');
    for (const t of targets) this.branches.push(new ProxyBranch(this, t, false));
    this.serverTx.user = {
      onTransportError: (err) => this.ctx.logger.warn({ callId: this.request.callId, err: err.message }, 'proxied response could not be sent'),
    };
    if (this.app && !this.settings.fullResponse) this.reply({ kind: 'proxy-done' });
    this.launch();
  }

  /** The caller's CANCEL (§16.10): 200 to it, 487 upstream, CANCEL to every branch. */
  cancelFromUpstream(cancel: SipRequest, cancelTx: ServerTransaction): void {
    this.respondTo(cancelTx, createResponse(cancel, 200, 'OK', this.toTag));
    if (this.finalSent) return;
    this.searching = false;
    const reason = cancel.get('reason');
    for (const b of this.branches) {
      if (b.state === 'pending') b.state = 'skipped';
      else b.cancel(reason);
    }
    this.sendUpstreamFinal(createResponse(this.request, 487, 'Request Terminated', this.toTag));
    this.checkFinished();
  }

  /** Engine stop: timers off (transactions are closed by the engine). */
  dispose(): void {
    for (const b of this.branches) b.dispose();
  }

  // ───────────── BranchOwner ─────────────

  resolve(target: string): Promise<Destination[]> {
    const uri = uriOf(target);
    if (!uri) return Promise.reject(new Error(`invalid target ${target}`));
    // A client registered over a connection (WebSocket, TCP/TLS) is reached over it (flows.ts).
    const flow = registeredFlow(this.ctx.flows, (id) => this.ctx.transport.isConnectionOpen(id), uri);
    if (flow) return Promise.resolve([flow]);
    if (isInvalidHost(uri.host)) return Promise.resolve([unresolvableDestination(transportOf(uri), uri)]);
    return resolveTargets(uri);
  }

  buildRequest(branch: ProxyBranch, dest: Destination): SipRequest | undefined {
    const out = this.ctx.endpoints.forProtocol(dest.protocol, dest.address.includes(':'), dest.address);
    if (!out) return undefined;
    const req = cloneRequest(this.request);
    // Request-URI: redirect contacts retarget it; app destinations do when it names us (drachtio).
    const ruri = uriOf(req.uri);
    if (branch.retarget || (ruri !== undefined && this.ctx.endpoints.isLocal(ruri.host, ruri.port ?? 5060) && isSipUri(branch.target))) {
      req.uri = branch.target;
    }
    decrementMaxForwards(req);
    for (const h of this.settings.extraHeaders) {
      const key = headerKey(h.name);
      if (STACK_OWNED.has(key)) continue;
      req.set(key, h.value);
    }
    if (this.settings.recordRoute) this.addRecordRoute(req, out);
    req.prepend('via', proxyVia(out.protocol, LocalEndpoints.hostport(out), newProxyBranch(this.request)));
    return req;
  }

  onSent(_branch: ProxyBranch, request: SipRequest): void {
    // srv processRequestWithRouteHeader(): the forwarded BYE ends the call (once, not per retry).
    if (request.method === 'BYE' && this.settings.keepRoutes && !this.anySent) this.ctx.cdr.stop('application', 'normal-release', request);
    this.anySent = true;
  }

  onProvisional(_branch: ProxyBranch, res: SipResponse): void {
    if (res.status === 100 || this.finalSent) return;
    this.forwardUpstream(withoutTopVia(res));
  }

  onFinal(branch: ProxyBranch, res: SipResponse, synthesized: boolean, dest: Destination | undefined): void {
    if (!synthesized) this.report(res, dest);
    const method = this.request.method;
    if (res.status >= 200 && res.status < 300) {
      if (!this.finalSent) {
        this.searching = false;
        this.finalSent = true;
        this.forwardUpstream(withoutTopVia(res));
        this.reply({ kind: 'proxy-done' });
        if (method === 'INVITE') this.cancelOthers(branch, `SIP;cause=${res.status};text="Call completed elsewhere"`);
      } else if (method === 'INVITE') {
        this.forwardUpstream(withoutTopVia(res)); // another fork's 2xx (§16.7 step 5)
      }
      return this.checkFinished();
    }
    if (res.status >= 300 && res.status < 400 && this.settings.followRedirects && this.searching && !synthesized) {
      const contacts = redirectTargets(res);
      if (contacts.length > 0) {
        branch.followed = true;
        const at = this.branches.indexOf(branch) + 1;
        this.branches.splice(at, 0, ...contacts.map((c) => new ProxyBranch(this, c, true)));
      }
    }
    if (res.status >= 600 && method === 'INVITE' && this.searching) {
      this.searching = false;
      this.cancelOthers(branch, `SIP;cause=${res.status}`);
    }
    this.launch();
  }

  onLate2xx(_branch: ProxyBranch, res: SipResponse): void {
    if (this.request.method !== 'INVITE') return;
    // 2xx retransmissions and late forks go upstream unchanged but for our Via (§16.7 step 5)…
    if (this.upstreamStatus < 300) return this.forwardUpstream(withoutTopVia(res));
    // …unless a non-2xx already went up (the caller CANCELled): that call is ended downstream.
    const tag = /;\s*tag=([^;>\s]+)/i.exec(res.get('to') ?? '')?.[1] ?? '';
    if (this.orphans.has(tag)) return;
    this.orphans.add(tag);
    this.ctx.logger.info({ callId: this.request.callId, status: res.status }, '2xx after the call was cancelled upstream: ACK and BYE');
    endOrphanDialog(this.ctx, this.request, res).catch((err: unknown) => this.ctx.logger.info({ callId: this.request.callId, err: String(err) }, 'could not end the orphan dialog'));
  }

  // ───────────── internals ─────────────

  /** Starts what may start; when nothing is left running, the best response goes upstream. */
  private launch(): void {
    if (this.searching && !this.finalSent) {
      const pending = this.branches.filter((b) => b.state === 'pending');
      const active = this.branches.some((b) => b.busy);
      const toStart = this.settings.simultaneous ? pending : active ? [] : pending.slice(0, 1);
      for (const b of toStart) void b.start().catch((err: unknown) => this.ctx.logger.error({ err: String(err) }, 'proxy branch failed'));
      if (toStart.length > 0) return;
    } else {
      for (const b of this.branches) if (b.state === 'pending') b.state = 'skipped';
    }
    if (!this.finalSent && !this.branches.some((b) => b.busy || b.state === 'pending')) this.forwardBest();
    this.checkFinished();
  }

  private forwardBest(): void {
    if (!this.anySent && this.app) {
      // Nothing could be sent at all: drachtio's NOK and a 500 upstream.
      this.reply({ kind: 'failure', reason: 'error proxying request to ' });
      this.sendUpstreamFinal(createResponse(this.request, 500, 'Server Internal Error', this.toTag));
      return;
    }
    const finals = this.branches.filter((b) => b.final && !b.followed).map((b) => b.final!);
    const best = bestResponse(finals);
    if (best) best.removeFirstValue('via');
    this.sendUpstreamFinal(best ?? createResponse(this.request, 408, 'Request Timeout', this.toTag));
    this.reply({ kind: 'proxy-done' });
  }

  private sendUpstreamFinal(res: SipResponse): void {
    if (this.finalSent) return;
    this.finalSent = true;
    this.searching = false;
    this.forwardUpstream(res);
  }

  private forwardUpstream(res: SipResponse): void {
    if (res.status >= 200 && this.upstreamStatus === 0) {
      this.upstreamStatus = res.status;
      // sipd: our own 487 to a CANCEL is call-canceled (srv's generateResponse() says call-rejected).
      if (isInitialInvite(this.request)) {
        if (res.status < 300) this.ctx.cdr.start('application', 'proxy-uas', res);
        else this.ctx.cdr.stop('application', stopReasonFor(res.status), res);
      }
    }
    this.respondTo(this.serverTx, res);
  }

  private respondTo(tx: ServerTransaction, res: SipResponse): void {
    this.ctx.counters.responseOut(/\s(\S+)\s*$/.exec(res.get('cseq') ?? '')?.[1] ?? '', res.status);
    try {
      tx.respond(res);
    } catch (err) {
      this.ctx.logger.info({ callId: this.request.callId, status: res.status, err: String(err) }, 'response not forwarded upstream');
    }
  }

  private cancelOthers(winner: ProxyBranch, reason: string): void {
    for (const b of this.branches) {
      if (b === winner) continue;
      if (b.state === 'pending') b.state = 'skipped';
      else b.cancel(reason);
    }
  }

  /** One final response received, to the app (srf collects them in result.responses). */
  private report(res: SipResponse, dest: Destination | undefined): void {
    if (!this.app || !this.settings.fullResponse || this.doneSent) return;
    const raw = serialize(res);
    this.reply({
      kind: 'proxy-response',
      meta: {
        source: 'network', bytes: raw.length, protocol: wireProtocol(dest?.protocol ?? 'udp'),
        address: dest?.address ?? '', port: dest?.port ?? 0, time: formatWireTime(),
      },
      sip: raw,
    });
  }

  private reply(r: { kind: 'proxy-done' } | { kind: 'failure'; reason: string } | { kind: 'proxy-response'; meta: SipMeta; sip: Buffer }): void {
    if (!this.app || this.doneSent) return;
    if (r.kind !== 'proxy-response') this.doneSent = true;
    this.app.conn.sendResponse(this.app.msgId, r);
  }

  /**
   * Record-Route (§16.6 step 4) with the listener the request leaves on; when it arrived on
   * another transport, a second entry for that one (RFC 5658 double Record-Route, r2=on), so each
   * side of the dialog sees an address it can reach. REGISTER gets Path (RFC 3327) instead.
   */
  private addRecordRoute(req: SipRequest, out: LocalEndpoint): void {
    const inListener = this.ctx.endpoints.forProtocol(this.inbound.local.protocol, this.inbound.local.address.includes(':'));
    const double = inListener !== undefined && inListener.protocol !== out.protocol;
    const entry = (e: LocalEndpoint): string => `<${LocalEndpoints.contactUri(e)};lr${double ? ';r2=on' : ''}>`;
    const header = req.method === 'REGISTER' ? 'path' : 'record-route';
    if (double) req.prepend(header, entry(inListener));
    req.prepend(header, entry(out));
    if (req.method === 'REGISTER' && !req.getAll('require').some((v) => v.toLowerCase() === 'path')) req.append('require', 'path');
  }

  private checkFinished(): void {
    if (this.finished || !this.finalSent) return;
    if (this.branches.some((b) => b.busy)) return;
    this.finished = true;
    for (const b of this.branches) b.dispose();
    this.onFinished(this);
  }
}

/** Contact URIs of a 3xx, highest q first (§16.5 / §8.1.3.4). */
function redirectTargets(res: SipResponse): string[] {
  return res.getAll('contact')
    .map((c) => parseNameAddr(c))
    .filter((na): na is NonNullable<typeof na> => na !== undefined && !na.wildcard && (na.uri.scheme === 'sip' || na.uri.scheme === 'sips'))
    .map((na, i) => ({ uri: formatUri(na.uri), q: Number(na.params.get('q') ?? '1'), i }))
    .sort((a, b) => b.q - a.q || a.i - b.i)
    .map((x) => x.uri);
}

/** Parses srf's '2s' / '1500ms' (drachtio's regex ^(\d+)(ms|s)$); anything else is "no timeout". */
export function parseProxyTimeout(text: string): number {
  const m = /^(\d+)(ms|s)$/.exec(text.trim());
  if (!m) return 0;
  return Number(m[1]) * (m[2] === 's' ? 1000 : 1);
}
