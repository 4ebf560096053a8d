// One branch of a proxy context (RFC 3261 §16.6–§16.8): a target URI, its RFC 3263 destinations
// tried in turn, the client transaction of the current attempt and the branch's timers:
//   provisional  no response at all within the app's provisionalTimeout ⇒ branch abandoned
//   final        no final response within the app's finalTimeout ⇒ CANCEL, branch gives up
//   timer C      (no finalTimeout) > 3 min without a final, restarted by each 1xx (§16.6 step 11)
//   cancel guard a CANCELled branch whose UAS never answers ends after 64·T1 (§16.8)
// A branch abandoned before any provisional arrived cannot be CANCELled yet (§9.1); a late 1xx
// is then answered with CANCEL.
// CDRs (srv sip-proxy-controller.cpp ClientTransaction): each INVITE sent is an attempt
// (application); its first final received is start (network, proxy-uac) or stop (network),
// also the 487 a CANCELled branch gets after it has counted as done.
import { SipResponse, type SipRequest } from '../../parser';
import { createCancel, TransactionState, type ClientTransaction } from '../../transaction';
import type { Destination } from '../../transport/types';
import { stopReasonFor } from '../cdr';
import type { EngineContext } from '../context';
import { isInitialInvite } from './forward';

export type BranchState =
  /** not started yet (serial forking) */
  | 'pending'
  /** resolving or sent, no provisional yet */
  | 'trying'
  /** a provisional arrived */
  | 'proceeding'
  /** has its final response (received or synthesized); its transaction may still live */
  | 'completed'
  /** never started, and never will be */
  | 'skipped';

/** What the branch needs from its proxy context. */
export interface BranchOwner {
  readonly ctx: EngineContext;
  readonly provisionalTimeoutMs: number;
  readonly finalTimeoutMs: number;
  /** The request for one attempt at one destination (Via, Record-Route added), or why not. */
  buildRequest(branch: ProxyBranch, dest: Destination): SipRequest | undefined;
  resolve(target: string): Promise<Destination[]>;
  onSent(branch: ProxyBranch, request: SipRequest): void;
  onProvisional(branch: ProxyBranch, res: SipResponse): void;
  /** A final response; `synthesized` when the proxy made it (timeout, transport error, abandon). */
  onFinal(branch: ProxyBranch, res: SipResponse, synthesized: boolean, dest: Destination | undefined): void;
  /** A further 2xx (retransmission or another fork's) on a branch already completed. */
  onLate2xx(branch: ProxyBranch, res: SipResponse): void;
}

/** > 3 minutes (§16.6 step 11). */
const TIMER_C_MS = 181_000;

export class ProxyBranch {
  state: BranchState = 'pending';
  final: SipResponse | undefined;
  /** The 3xx was recursed on: it leaves the response context (§16.7 step 4 / §16.5). */
  followed = false;
  /** CANCEL requested (sent at once, or when a provisional arrives). */
  cancelled = false;
  private cancelReason: string | undefined;
  private destinations: Destination[] = [];
  private attempt = -1;
  private tx: ClientTransaction | undefined;
  private request: SipRequest | undefined;
  private gotProvisional = false;
  private gotAnyResponse = false;
  /** The current attempt's final response has gone to the CDR events. */
  private finalInCdr = false;
  private cancelSent = false;
  private provisionalTimer: NodeJS.Timeout | undefined;
  private finalTimer: NodeJS.Timeout | undefined;
  private guardTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly owner: BranchOwner,
    /** The URI this branch targets. */
    readonly target: string,
    /** The Request-URI becomes the target (redirect contacts); else the target is the next hop. */
    readonly retarget: boolean,
  ) {}

  /** A live transaction or pending CANCEL still needs this branch. */
  get busy(): boolean {
    return this.state === 'trying' || this.state === 'proceeding';
  }

  get destination(): Destination | undefined {
    return this.destinations[this.attempt];
  }

  async start(): Promise<void> {
    this.state = 'trying';
    try {
      this.destinations = await this.owner.resolve(this.target);
    } catch (err) {
      this.owner.ctx.logger.info({ target: this.target, err: String(err) }, 'proxy target does not resolve');
      this.destinations = [];
    }
    if (this.cancelled) return this.giveUp(487, 'Request Terminated');
    this.armBranchTimers();
    this.nextAttempt('no reachable destination');
  }

  /**
   * CANCEL this branch (§16.10 / §16.7 step 10; Reason per RFC 3326 when given). The branch
   * counts as 487 at once; an INVITE that has had no provisional yet is CANCELled when one
   * arrives (§9.1), else Timer B ends it.
   */
  cancel(reason?: string): void {
    if (this.cancelled || !this.busy) return;
    this.cancelled = true;
    this.cancelReason = reason;
    if (!this.tx) return; // still resolving: start() sees the flag
    if (this.gotProvisional && this.request?.method === 'INVITE') this.sendCancel();
    this.giveUp(487, 'Request Terminated');
  }

  /** Stops the branch's timers (engine stop); transactions end with the transaction layer. */
  dispose(): void {
    this.provisionalTimer = clear(this.provisionalTimer);
    this.finalTimer = clear(this.finalTimer);
    this.guardTimer = clear(this.guardTimer);
  }

  // ───────────── attempts (RFC 3263 §4.3 failover) ─────────────

  private nextAttempt(why: string): void {
    while (++this.attempt < this.destinations.length) {
      const dest = this.destinations[this.attempt]!;
      const req = this.owner.buildRequest(this, dest);
      if (!req) continue;
      const d = this.owner.ctx.transport.prepareRequestDestination(req, dest);
      this.request = req;
      this.gotAnyResponse = false;
      try {
        const tx = this.owner.ctx.transactions.createClientTransaction(req, d, {
          onResponse: (res) => { if (this.tx === tx) this.onResponse(res); else if (res.status >= 200 && res.status < 300) this.owner.onLate2xx(this, res); },
          onTimeout: () => { if (this.tx === tx) this.onFailure(408, 'Request Timeout', 'timeout'); },
          // RFC 5626 §5.3: a client's flow that is gone is 430, not a 503 to fail over on.
          onTransportError: (e) => {
            if (this.tx !== tx) return;
            if (e.code === 'ENOFLOW') this.giveUp(430, 'Flow Failed');
            else this.onFailure(503, 'Service Unavailable', e.message);
          },
        });
        this.tx = tx;
      } catch (err) {
        this.owner.ctx.logger.warn({ target: this.target, err: String(err) }, 'proxy branch could not be sent');
        continue;
      }
      this.owner.ctx.counters.requestOut(req.method);
      this.finalInCdr = false;
      if (isInitialInvite(req)) this.owner.ctx.cdr.attempt('application', req);
      // §16.6 step 11: Timer C runs from the forwarding of an INVITE (unless finalTimeout rules).
      if (req.method === 'INVITE' && this.owner.finalTimeoutMs <= 0 && !this.finalTimer) this.armTimerC();
      this.owner.onSent(this, req);
      return;
    }
    this.owner.ctx.logger.info({ target: this.target, why }, 'proxy branch has no destination left');
    this.giveUp(why === 'timeout' ? 408 : 503, why === 'timeout' ? 'Request Timeout' : 'Service Unavailable');
  }

  /** Timeout or transport error: the next destination if nothing was heard yet, else a final. */
  private onFailure(status: number, reason: string, why: string): void {
    if (this.state === 'completed') return;
    if (!this.gotAnyResponse && !this.cancelled && this.attempt + 1 < this.destinations.length) {
      this.owner.ctx.logger.info({ target: this.target, dest: this.destination, why }, 'proxy branch fails over to the next destination');
      return this.nextAttempt(why);
    }
    this.giveUp(status, reason);
  }

  private onResponse(res: SipResponse): void {
    this.owner.ctx.counters.responseIn(this.request?.method ?? '', res.status);
    this.gotAnyResponse = true;
    this.provisionalTimer = clear(this.provisionalTimer);
    if (res.status >= 200) this.finalToCdr(res);
    if (this.state === 'completed') {
      if (res.status >= 200 && res.status < 300) this.owner.onLate2xx(this, res);
      else if (res.status < 200 && this.cancelled && !this.cancelSent) this.sendCancel();
      return;
    }
    if (res.status < 200) {
      this.gotProvisional = true;
      this.state = 'proceeding';
      if (this.cancelled) {
        if (!this.cancelSent) this.sendCancel();
        return;
      }
      if (res.status > 100 && this.owner.finalTimeoutMs <= 0 && this.request?.method === 'INVITE') this.armTimerC();
      this.owner.onProvisional(this, res);
      return;
    }
    // RFC 3263 §4.3: a 503 (before any provisional) moves on to the next destination.
    if (res.status === 503 && !this.gotProvisional && !this.cancelled && this.attempt + 1 < this.destinations.length) {
      this.owner.ctx.logger.info({ target: this.target, dest: this.destination }, 'proxy branch got 503: next destination');
      return this.nextAttempt('503');
    }
    this.complete(res, false);
  }

  /** srv ClientTransaction::writeCdr(): 200 ⇒ start (sipd: any 2xx, as for uac), else stop. */
  private finalToCdr(res: SipResponse): void {
    if (this.finalInCdr || !this.request || !isInitialInvite(this.request)) return;
    this.finalInCdr = true;
    if (res.status < 300) this.owner.ctx.cdr.start('network', 'proxy-uac', res);
    else this.owner.ctx.cdr.stop('network', stopReasonFor(res.status), res);
  }

  private giveUp(status: number, reason: string): void {
    if (this.state === 'completed') return;
    const res = new SipResponse(status, reason);
    if (this.request) for (const name of ['via', 'from', 'to', 'call-id', 'cseq']) for (const v of this.request.getLines(name)) res.append(name, v);
    this.complete(res, true);
  }

  private complete(res: SipResponse, synthesized: boolean): void {
    this.state = 'completed';
    this.final = res;
    this.provisionalTimer = clear(this.provisionalTimer);
    this.finalTimer = clear(this.finalTimer);
    this.owner.onFinal(this, res, synthesized, this.destination);
  }

  // ───────────── CANCEL and timers ─────────────

  private sendCancel(): void {
    if (!this.request || !this.tx || this.cancelSent) return;
    this.cancelSent = true;
    const cancel = createCancel(this.request);
    if (this.cancelReason) cancel.set('reason', this.cancelReason);
    try {
      this.owner.ctx.transactions.createClientTransaction(cancel, this.tx.destination, { onResponse: () => undefined });
      this.owner.ctx.counters.requestOut('CANCEL');
    } catch (err) {
      this.owner.ctx.logger.warn({ target: this.target, err: String(err) }, 'CANCEL could not be sent');
    }
    this.armGuard();
  }

  private armBranchTimers(): void {
    const { provisionalTimeoutMs, finalTimeoutMs } = this.owner;
    if (provisionalTimeoutMs > 0) {
      this.provisionalTimer = later(provisionalTimeoutMs, () => {
        this.provisionalTimer = undefined;
        if (this.gotAnyResponse || this.state !== 'trying') return;
        this.owner.ctx.logger.info({ target: this.target }, 'no provisional response within provisionalTimeout');
        this.abandon();
      });
    }
    if (finalTimeoutMs > 0) {
      this.finalTimer = later(finalTimeoutMs, () => {
        this.finalTimer = undefined;
        if (!this.busy) return;
        this.owner.ctx.logger.info({ target: this.target }, 'no final response within finalTimeout');
        this.abandon();
      });
    }
  }

  /** Timer C (§16.8): CANCEL, and the branch counts as 408. */
  private armTimerC(): void {
    this.finalTimer = clear(this.finalTimer);
    this.finalTimer = later(TIMER_C_MS, () => {
      this.finalTimer = undefined;
      if (this.busy) this.abandon();
    });
  }

  /** Gives up on the branch now: CANCEL it (when possible) and count it as 408 (§16.8). */
  private abandon(): void {
    this.cancelled = true;
    if (this.gotProvisional) this.sendCancel();
    this.giveUp(408, 'Request Timeout');
  }

  /** After CANCEL the UAS owes a 487; if it never comes the transaction is ended (§16.8). */
  private armGuard(): void {
    if (this.guardTimer) return;
    this.guardTimer = later(64 * this.owner.ctx.timers.T1, () => {
      this.guardTimer = undefined;
      const st = this.tx?.state;
      if (st === TransactionState.Calling || st === TransactionState.Proceeding) this.tx?.terminate();
    });
  }
}

function later(ms: number, fn: () => void): NodeJS.Timeout {
  const t = setTimeout(fn, ms);
  t.unref();
  return t;
}

function clear(t: NodeJS.Timeout | undefined): undefined {
  if (t) clearTimeout(t);
  return undefined;
}
