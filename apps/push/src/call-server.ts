// The push-call server (RFC 8599 §5): the B2BUA hands it the callee's sleeping devices; it sends
// each a call push (with a one-time pick-up token), waits for a binding of one of those devices
// (its +sip.instance or its pn-prid) to be added or refreshed — the registrar's pub/sub event, so
// the REGISTER may land on any node — and rings it in the call's fork. The wait is bounded
// (push.callWaitSeconds); then `waitOver` lets the fork end (480 when nothing rings). When the call
// ends: cancelled / answered elsewhere → "call ended" push to the pushed devices; unanswered →
// missed-call alert to every push-capable device of the callee. Nothing outlives end().
import type { Queryable } from '@openline/db';
import type { Logger } from '@openline/log';
import { devicesOf, reachableDevices, type BindingEvent, type LocationStore, type ReachableDevice } from '@openline/location';
import type {
  AsleepDevice, PushCallGateway, PushCallHandle, PushCallInfo, PushCallOutcome, PushRequest, PushResult, PushSender, PushTarget,
} from '@openline/push';
import type { BindingWatcher } from './binding-watch';
import type { PickupTokens } from './pickup';

export interface PushCallServerOptions {
  sender: PushSender;
  watcher: BindingWatcher;
  tokens: PickupTokens;
  /** The devices table (missed-call alerts go to every push-capable device of the callee). */
  db: Queryable;
  /** Checked once after subscribing: a device that registered before the subscription. */
  location?: LocationStore;
  waitSeconds: number;
  logger: Logger;
}

/** What one push did, for tests and the bench (in send order). */
export interface PushRecord {
  sessionId: string;
  request: PushRequest;
  result: PushResult;
  sentAt: number;
  doneAt: number;
}

export class PushCallServer implements PushCallGateway {
  readonly canWake = true;
  private readonly calls = new Set<WaitingCall>();
  private readonly inflight = new Set<Promise<unknown>>();
  /** Last pushes (bounded), newest last. */
  readonly sent: PushRecord[] = [];

  constructor(readonly opts: PushCallServerOptions) {}

  incomingCall(call: PushCallInfo, ring: (device: ReachableDevice) => void, waitOver?: () => void): PushCallHandle {
    const c = new WaitingCall(this, call, ring, waitOver ?? (() => undefined));
    this.calls.add(c);
    c.start();
    return { end: (outcome) => c.end(outcome) };
  }

  /** Calls still waiting or ending (0 once every call ended). */
  get active(): number {
    return this.calls.size;
  }

  /** Resolves when every push started so far has a result. */
  async idle(): Promise<void> {
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
  }

  /** Ends every waiting call as failed (process stop) and waits for the pushes in flight. */
  async close(): Promise<void> {
    for (const c of [...this.calls]) c.dispose();
    await this.idle();
  }

  /** @internal Counts `p` as work in flight (idle() waits for it). */
  track(p: Promise<unknown>): void {
    this.inflight.add(p);
    void p.finally(() => this.inflight.delete(p));
  }

  /** @internal */
  forget(c: WaitingCall): void {
    this.calls.delete(c);
  }

  /** @internal Sends one push, recording it; never throws. */
  push(sessionId: string, req: PushRequest): Promise<PushResult> {
    const sentAt = Date.now();
    const p = this.opts.sender.send(req)
      .catch((err: unknown): PushResult => ({ ok: false, provider: req.target.provider, reason: (err as Error).message, attempts: 1 }))
      .then((result) => {
        this.sent.push({ sessionId, request: req, result, sentAt, doneAt: Date.now() });
        if (this.sent.length > 1000) this.sent.splice(0, this.sent.length - 1000);
        if (!result.ok) this.opts.logger.info({ session: sessionId, kind: req.kind, provider: result.provider, status: result.status, reason: result.reason, invalidToken: result.invalidToken }, 'push not delivered');
        return result;
      });
    this.track(p);
    return p;
  }
}

/** Push-capable devices of an account from the devices table (RFC 8599 parameters recorded by the registrar). */
export async function pushDevicesOf(db: Queryable, accountId: number): Promise<AsleepDevice[]> {
  const rows = await db.query<Array<{ instance_id: string; push_provider: string; push_prid: string; push_param: string | null }>>(
    `SELECT instance_id, push_provider, push_prid, push_param FROM devices
     WHERE account_id = ? AND push_provider IS NOT NULL AND push_prid IS NOT NULL`, [accountId]);
  return rows.map((r) => ({
    instance: r.instance_id.replace(/^<|>$/g, ''), provider: r.push_provider, prid: r.push_prid,
    ...(r.push_param ? { param: r.push_param } : {}),
  }));
}

function targetOf(d: AsleepDevice, accountId: number): PushTarget {
  return { provider: d.provider, prid: d.prid, ...(d.param ? { param: d.param } : {}), accountId, instance: d.instance };
}

/** One call waiting for its pushed devices. */
class WaitingCall {
  private timer: NodeJS.Timeout | undefined;
  private stopWatching: (() => void) | undefined;
  private waiting = true;
  private ended = false;
  /** Pushed devices by instance; `rung` once its binding joined the fork, `dead` on a dead token. */
  private readonly devices = new Map<string, { device: AsleepDevice; rung: boolean; dead: boolean }>();
  private readonly tokens: string[] = [];
  private readonly logger: Logger;

  constructor(private readonly server: PushCallServer, private readonly call: PushCallInfo,
    private readonly ring: (device: ReachableDevice) => void, private readonly waitOver: () => void) {
    this.logger = server.opts.logger.child({ session: call.sessionId, callId: call.callId });
    for (const d of call.devices) this.devices.set(d.instance, { device: d, rung: false, dead: false });
  }

  start(): void {
    const o = this.server.opts;
    // Nothing asleep: nothing to wait for (and no waitOver: the fork never waited); end() still alerts.
    if (this.devices.size === 0) {
      this.waiting = false;
      return;
    }
    // Listen before pushing: a fast device must not register between the push and the subscription.
    this.stopWatching = o.watcher.watchAor(this.call.callee.aor, (e) => this.onBinding(e));
    this.timer = setTimeout(() => { this.timer = undefined; this.stopWaiting('timeout'); }, o.waitSeconds * 1000);
    for (const s of this.devices.values()) this.server.track(this.sendCallPush(s.device));
    if (o.location) {
      void reachableDevices(o.location, this.call.callee.aor).then((live) => {
        for (const d of live) for (const b of d.bindings) this.onBinding({ type: 'refreshed', aor: d.aor, key: b.key, binding: b });
      }, (err: unknown) => this.logger.debug({ err }, 'location check failed'));
    }
  }

  private async sendCallPush(d: AsleepDevice): Promise<void> {
    const o = this.server.opts;
    const { call } = this;
    let token = '';
    try {
      token = await o.tokens.issue({ sessionId: call.sessionId, callId: call.callId, aor: call.callee.aor, instance: d.instance }, o.waitSeconds);
      this.tokens.push(token);
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'pick-up token not stored');
    }
    if (!this.waiting) return;
    const r = await this.server.push(call.sessionId, {
      target: targetOf(d, call.callee.accountId), kind: 'call', collapseId: call.sessionId,
      data: {
        type: 'call', callId: call.callId, sessionId: call.sessionId, pickupToken: token,
        callerNumber: call.caller.number ?? '', callerName: call.caller.displayName ?? '', callerUri: call.caller.uri,
        expiresAt: String(Date.now() + o.waitSeconds * 1000),
      },
    });
    if (r.invalidToken) {
      // The dispatcher removed the dead token's push binding; nothing will wake this device.
      const s = this.devices.get(d.instance);
      if (s) s.dead = true;
      this.maybeDoneWaiting();
    }
  }

  private onBinding(e: BindingEvent): void {
    if (!this.waiting || (e.type !== 'added' && e.type !== 'refreshed') || !e.binding) return;
    const b = e.binding;
    if (b.expiresAt <= Date.now()) return;
    const s = (b.instance !== undefined ? this.devices.get(b.instance) : undefined)
      ?? [...this.devices.values()].find((x) => b.push !== undefined && x.device.prid === b.push.prid && x.device.provider === b.push.provider);
    if (!s || s.rung) return;
    s.rung = true;
    const [device] = devicesOf([b]);
    // Ring first: this is the REGISTER → INVITE path (bench/push); the log line can wait.
    try {
      this.ring(device);
    } catch (err) {
      this.logger.warn({ err }, 'ring failed');
    }
    this.logger.info({ instance: s.device.instance, transport: b.flow.transport, node: b.flow.node }, 'woken device registered: rang it');
    this.maybeDoneWaiting();
  }

  /** Every pushed device rang or cannot be woken: nothing left to wait for. */
  private maybeDoneWaiting(): void {
    if ([...this.devices.values()].every((s) => s.rung || s.dead)) this.stopWaiting('all devices answered the push');
  }

  private stopWaiting(why: string): void {
    if (!this.waiting) return;
    this.waiting = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.stopWatching?.();
    this.stopWatching = undefined;
    if (this.ended) return;
    this.logger.info({ why }, 'push wait over');
    try {
      this.waitOver();
    } catch (err) {
      this.logger.warn({ err }, 'waitOver failed');
    }
  }

  end(outcome: PushCallOutcome): void {
    if (this.ended) return;
    this.ended = true;
    this.stopWaiting('call ended');
    void this.server.opts.tokens.revoke(this.tokens.splice(0)).catch(() => undefined);
    this.server.forget(this);
    const { call } = this;
    const data = { callId: call.callId, sessionId: call.sessionId, callerNumber: call.caller.number ?? '', callerName: call.caller.displayName ?? '', callerUri: call.caller.uri };
    if (outcome === 'cancelled' || outcome === 'answered-elsewhere' || outcome === 'answered') {
      // Devices that rang got a SIP CANCEL; the others show the push UI until told. After an
      // answer by a woken device, only the ones that never rang are told.
      const reason = outcome === 'cancelled' ? 'cancelled' : 'answered-elsewhere';
      for (const s of this.devices.values()) {
        if (s.dead || (outcome === 'answered' && s.rung)) continue;
        void this.server.push(call.sessionId, {
          target: targetOf(s.device, call.callee.accountId), kind: 'call-ended', collapseId: call.sessionId, data: { type: 'call-ended', reason, ...data },
        });
      }
      return;
    }
    // Unanswered (no-answer / failed): a missed-call alert to every push-capable device.
    const who = call.caller.displayName ?? call.caller.number ?? call.caller.uri;
    const p = pushDevicesOf(this.server.opts.db, call.callee.accountId).then((all) => {
      const seen = new Set<string>();
      for (const d of all) {
        const k = `${d.provider}\n${d.prid}`;
        if (seen.has(k)) continue;
        seen.add(k);
        void this.server.push(call.sessionId, {
          target: targetOf(d, call.callee.accountId), kind: 'missed-call', collapseId: call.sessionId,
          data: { type: 'missed-call', reason: outcome, ...data }, alert: { title: 'Missed call', body: who },
        });
      }
    }, (err: unknown) => this.logger.warn({ err: (err as Error).message }, 'devices for the missed-call alert not read'));
    this.server.track(p);
  }

  /** Process stop: no pushes, no timers, no listeners. */
  dispose(): void {
    this.ended = true;
    this.stopWaiting('server closing');
    this.server.forget(this);
  }
}
