// The SIP engine: transports → transactions → (dialogs, UAS/UAC handlers) ↔ the app server.
// It owns the lifecycle (start, graceful stop) and routes every inbound message and app command
// to the handler that owns it. The SIP behaviour lives in uas.ts and uac.ts.
import type { Logger } from '@openline/log';
import { TransactionLayer, type InboundOutcome } from '../transaction';
import type { TimerConfig } from '../transaction/timers';
import { timerConfig } from '../transaction/timers';
import { TransportLayer, type TransportLayerOptions } from '../transport/transport-layer';
import type { TlsCredentials } from '../transport/tls-transport';
import { DialogStore } from '../dialog/dialog-store';
import type { Dialog } from '../dialog/dialog';
import { AdminServer } from '../wire/admin-server';
import type { AppConnection } from '../wire/app-connection';
import type { MsgId, SipCommand } from '../wire/messages';
import { newEngineCounters, type EngineCounters } from './counters';
import type { EngineBehaviour, EngineContext } from './context';
import { LocalEndpoints, type LocalEndpoint } from './local-endpoints';
import { UacHandler } from './uac';
import { FlowTable } from './flows';
import { NatDialogs } from './nat';
import { UasHandler } from './uas';
import { ProxyHandler } from './proxy/proxy-handler';
import { configureResolver } from './target';
import { CdrEmitter } from './cdr';
import { DEFAULT_SESSION_TIMER_CONFIG, SessionTimers, type SessionTimerConfig } from './session-timer';
import { sendSessionRefresh } from './session-refresh';

export interface EngineOptions {
  /** drachtio-style contacts: 'sip:127.0.0.1:5060;transport=udp,tcp'. */
  contacts: string[];
  /** Address written into messages instead of the bound one (NAT), per drachtio's --external-ip. */
  externalIp?: string;
  /**
   * Per-contact NAT settings, index-aligned with `contacts` (drachtio's external-ip / local-net
   * per contact); an entry's externalIp overrides `externalIp` for that contact's listeners.
   */
  contactNat?: Array<{ externalIp?: string; localNet?: { network: string; prefixLength: number } } | undefined>;
  /** Certificate and key for tls/wss contacts. */
  tls?: TlsCredentials;
  admin: { address: string; port: number; secret: string | string[] };
  serverVersion?: string;
  timers?: Partial<TimerConfig>;
  maxMessageSize?: number;
  transport?: Partial<Pick<TransportLayerOptions, 'udp' | 'tcp' | 'ws'>>;
  logger: Logger;
  behaviour?: EngineBehaviour;
  /** DNS servers for RFC 3263 lookups ('ip' or 'ip:port'); default: the system's. */
  dnsServers?: string[];
  /** Where the engine's counts go (Prometheus counters in main.ts). */
  counters?: EngineCounters;
  /** Send drachtio CDR events to apps that route cdr:attempt/start/stop (`<cdrs>true</cdrs>`). */
  cdrs?: boolean;
  /** RFC 4028: our Min-SE (default 90 s) and the default refresher (default 'none', as drachtio). */
  sessionTimers?: Partial<SessionTimerConfig>;
}

export class SipEngine {
  readonly counters: EngineCounters;
  readonly transport: TransportLayer;
  readonly transactions: TransactionLayer;
  readonly dialogs = new DialogStore<AppConnection>();
  readonly apps: AdminServer;
  private endpoints = new LocalEndpoints([]);
  private readonly timers: TimerConfig;
  private readonly logger: Logger;
  private uas!: UasHandler;
  private ctx: EngineContext | undefined;
  private uac!: UacHandler;
  private proxy!: ProxyHandler;
  private stopping: Promise<void> | undefined;
  /** Registered flows (flows.ts); bindings go when their connection closes or expires. */
  readonly flows = new FlowTable();
  private flowSweep: NodeJS.Timeout | undefined;
  /** RFC 4028 timers of live dialogs; each is cleared when its dialog leaves the store. */
  readonly sessionTimers: SessionTimers;
  private readonly sessionConfig: SessionTimerConfig;

  constructor(private readonly opts: EngineOptions) {
    this.logger = opts.logger;
    this.counters = opts.counters ?? newEngineCounters();
    this.timers = timerConfig(opts.timers);
    this.sessionConfig = { ...DEFAULT_SESSION_TIMER_CONFIG, ...definedOnly(opts.sessionTimers ?? {}) };
    this.sessionTimers = new SessionTimers(
      (dialog, plan) => void sendSessionRefresh({
        ctx: this.context(),
        config: this.sessionConfig,
        timers: this.sessionTimers,
        destination: (d, nextHop) => this.uac.dialogDestination(d, nextHop),
        addVia: (request, listener) => this.uac.addVia(request, listener),
        terminate: (d) => this.onSessionExpired(d),
      }, dialog, plan),
      (dialog) => this.onSessionExpired(dialog),
    );
    this.dialogs.onRemoved((dialog) => this.sessionTimers.cancel(dialog.id));
    const tlog = opts.logger.child({ layer: 'transport' });
    this.transport = new TransportLayer({
      contacts: opts.contacts,
      ...(opts.maxMessageSize !== undefined ? { maxMessageSize: opts.maxMessageSize } : {}),
      ...(opts.transport?.udp ? { udp: opts.transport.udp } : {}),
      ...(opts.transport?.tcp ? { tcp: opts.transport.tcp } : {}),
      ...(opts.transport?.ws ? { ws: opts.transport.ws } : {}),
      ...(opts.tls ? { tls: opts.tls } : {}),
      forceRport: true, // as drachtio: responses follow the NAT binding (RFC 3581 §4 for every client)
      advertisedHosts: [opts.externalIp, ...(opts.contactNat ?? []).map((n) => n?.externalIp)].filter((h): h is string => h !== undefined && h !== ''),
      logger: {
        warn: (f, m) => tlog.warn(f, m),
        info: (f, m) => tlog.info(f, m),
        debug: (f, m) => tlog.debug(f, m),
      },
    });
    this.transactions = new TransactionLayer({ transport: this.transport, timers: this.timers, trying: 'immediate' });
    this.apps = new AdminServer({
      host: opts.admin.address,
      port: opts.admin.port,
      secret: opts.admin.secret,
      hostports: () => this.endpoints.hostports(),
      localHostports: () => this.endpoints.hostports(true),
      ...(opts.serverVersion ? { serverVersion: opts.serverVersion } : {}),
    });
  }

  /** Binds the SIP listeners and the admin port. */
  async start(): Promise<{ sip: LocalEndpoint[]; admin: { address: string; port: number } }> {
    await this.transport.listen();
    this.endpoints = new LocalEndpoints(this.transport.listenersByContact().flatMap((list, i) => {
      const nat = this.opts.contactNat?.[i];
      const ext = nat?.externalIp ?? this.opts.externalIp;
      return list.map((e): LocalEndpoint => ({
        ...e,
        ...(ext ? { externalAddress: ext } : {}),
        ...(nat?.localNet ? { localNet: nat.localNet } : {}),
      }));
    }));
    const ctx: EngineContext = this.ctx = {
      cdr: new CdrEmitter(this.opts.cdrs === true, this.apps),
      sessionConfig: this.sessionConfig,
      sessionTimers: this.sessionTimers,
      behaviour: this.opts.behaviour ?? {},
      transport: this.transport,
      transactions: this.transactions,
      dialogs: this.dialogs,
      apps: this.apps,
      endpoints: this.endpoints,
      timers: this.timers,
      logger: this.logger,
      counters: this.counters,
      flows: this.flows,
      nat: new NatDialogs({
        disabled: this.opts.behaviour?.disableNatDetection === true,
        aggressive: this.opts.behaviour?.aggressiveNatDetection === true,
      }),
    };
    this.transport.on('connection-closed', (info) => {
      const n = this.flows.connectionClosed(info.connectionId);
      if (n > 0) this.logger.info({ connection: info.connectionId, remote: `${info.remote.protocol}/${info.remote.address}:${info.remote.port}`, bindings: n }, 'flow closed: its registered bindings are gone');
    });
    this.flowSweep = setInterval(() => this.flows.sweep(), 60_000);
    this.flowSweep.unref();
    this.uas = new UasHandler(ctx, (dialog) => this.onAckTimeout(dialog));
    this.uac = new UacHandler(ctx);
    this.uac.onDialogEnded = (d) => this.uas.dialogEnded(d);
    this.proxy = new ProxyHandler(ctx, (id) => this.uas.takeForProxy(id));
    const endpoints = this.endpoints;
    configureResolver({ ...(this.opts.dnsServers ? { servers: this.opts.dnsServers } : {}), supports: (p) => endpoints.forProtocol(p) !== undefined });

    this.transport.on('message', (inbound) => {
      try {
        this.dispatch(this.transactions.receive(inbound));
      } catch (err) {
        // A handler bug must never take the server down; the message is dropped and logged.
        this.logger.error({ err: errText(err), callId: inbound.message.callId }, 'inbound message handling failed');
      }
    });
    this.apps.on('sip-command', (conn, msgId, cmd) => this.onSipCommand(conn, msgId, cmd));
    this.apps.on('proxy-command', (conn, msgId, cmd) => this.proxy.onCommand(conn, msgId, cmd));
    this.apps.on('app-connected', (conn) => this.logger.info({ app: conn.id, tags: [...conn.tags] }, 'app connected'));
    this.apps.on('app-disconnected', (conn, info) => this.onAppGone(conn, info.reason));
    this.apps.on('listenererror', (ev, err) => this.logger.error({ event: ev, err: errText(err) }, 'listener failed'));
    const admin = await this.apps.listen();
    this.logger.info({ sip: this.endpoints.hostports(), admin: `${admin.address}:${admin.port}` }, 'sipd listening');
    return { sip: [...this.endpoints.all()], admin: { address: admin.address, port: admin.port } };
  }

  /** Live state sizes for metrics and leak checks. */
  stats(): { clientTransactions: number; serverTransactions: number; dialogs: number; pendingInbound: number; pendingOutbound: number; proxyCores: number; connections: number; apps: number; sessionTimers: number } {
    const t = this.transactions.counts();
    return {
      sessionTimers: this.sessionTimers.size,
      clientTransactions: t.client,
      serverTransactions: t.server,
      dialogs: this.dialogs.size,
      pendingInbound: this.uas?.pendingCount ?? 0,
      pendingOutbound: this.uac?.pendingCount ?? 0,
      proxyCores: this.proxy?.count ?? 0,
      connections: this.transport.connectionCount(),
      apps: this.apps.connections().length,
    };
  }

  /**
   * Graceful stop: no new apps or messages; open transactions get up to `graceMs` to finish,
   * then everything is closed. Idempotent.
   */
  stop(graceMs = 2000): Promise<void> {
    this.stopping ??= (async () => {
      const deadline = Date.now() + graceMs;
      while (Date.now() < deadline) {
        const s = this.stats();
        if (s.clientTransactions + s.serverTransactions === 0) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      if (this.flowSweep) clearInterval(this.flowSweep);
      this.flows.clear();
      this.sessionTimers.close();
      this.uas?.close();
      this.uac?.close();
      this.proxy?.close();
      this.transactions.close();
      await this.apps.close();
      await this.transport.close();
    })();
    return this.stopping;
  }

  private dispatch(o: InboundOutcome): void {
    switch (o.kind) {
      // The proxy is offered what it may own first (proxy/proxy-handler.ts).
      case 'request':
        if (this.proxy.onRequest(o.inbound, o.request, o.transaction)) return;
        return this.uas.onRequest(o.inbound, o.request, o.transaction);
      case 'merged':
        // A request that spiralled through us is not a merge (§16.3 step 4, §8.2.2.2).
        if (this.proxy.isSpiral(o.request)) return this.uas.onRequest(o.inbound, o.request, o.transaction);
        return this.uas.onMerged(o.request, o.transaction);
      case 'cancel':
        if (this.proxy.onCancel(o.request, o.transaction, o.target)) return;
        return this.uas.onCancel(o.inbound, o.request, o.transaction, o.target);
      case 'ack':
        if (this.proxy.onAck(o.request)) return;
        return this.uas.onAck(o.inbound, o.request);
      case 'stray-response':
        if (this.proxy.onStrayResponse(o.response)) return;
        return this.uac.onStrayResponse(o.response);
      case 'response':
      case 'retransmission':
      case 'ack-absorbed':
        return;
      case 'invalid':
        this.logger.debug({ reason: o.reason }, 'invalid message dropped');
        return;
    }
  }

  private onSipCommand(conn: AppConnection, msgId: MsgId, cmd: SipCommand): void {
    const run = (p: Promise<void> | void): void => {
      if (p instanceof Promise) {
        p.catch((err: unknown) => {
          this.logger.error({ err: errText(err) }, 'app command failed');
          conn.sendResponse(msgId, { kind: 'failure', reason: `server error: ${errText(err)}` });
        });
      }
    };
    try {
      switch (cmd.kind) {
        case 'response':
          return run(this.uas.respond(conn, msgId, cmd));
        case 'request':
          return run(this.uac.sendNew(conn, msgId, cmd));
        case 'in-dialog':
        case 'prack':
          return run(this.uac.sendInDialog(conn, msgId, cmd));
        case 'ack':
          return run(this.uac.sendAck(conn, msgId, cmd));
        case 'cancel':
          return run(this.uac.sendCancel(conn, msgId, cmd));
      }
    } catch (err) {
      this.logger.error({ err: errText(err) }, 'app command failed');
      conn.sendResponse(msgId, { kind: 'failure', reason: `server error: ${errText(err)}` });
    }
  }

  /** No ACK for our 2xx within 64*T1 (§13.3.1.4): end the session with BYE and tell the app. */
  private onAckTimeout(dialog: Dialog): void {
    this.logger.warn({ callId: dialog.callId }, 'no ACK for 2xx: sending BYE');
    void this.uac.terminateDialog(dialog, 'unsolicited', 'ack-timeout');
  }

  /**
   * RFC 4028 §10: the refresher stayed silent (or our own refresh failed): BYE, the app is told
   * with drachtio's unsolicited BYE, cdr:stop session-expired (srv notifyTerminateStaleDialog()).
   */
  private onSessionExpired(dialog: Dialog): void {
    if (dialog.state === 'terminated') return;
    this.logger.info({ callId: dialog.callId }, 'session timer expired: sending BYE');
    void this.uac.terminateDialog(dialog, 'unsolicited', 'session-expired');
  }

  private context(): EngineContext {
    if (!this.ctx) throw new Error('engine not started');
    return this.ctx;
  }

  private onAppGone(conn: AppConnection, reason: string): void {
    this.logger.info({ app: conn.id, reason }, 'app disconnected');
    this.uas.appGone(conn);
    this.uac.appGone(conn);
    // Calls of a departed app are ended so no far end stays connected to nothing.
    for (const d of this.dialogs.ownedBy(conn)) void this.uac.terminateDialog(d, 'silent', 'app-gone');
  }
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function errText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
