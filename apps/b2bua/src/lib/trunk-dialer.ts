// OFFNET: the trunks of the dial-plan route, tried in order (longest prefix, lowest priority
// first). A trunk that answers 5xx, 408, or sends nothing within the setup timeout is abandoned
// for the next one (failover); any other final status ends the attempt (the callee answered it:
// busy, not found, ...). A trunk at its concurrent-call limit is skipped. Digest challenges from
// the carrier are answered by srf's client with the trunk's credentials (RFC 3261 §22.2).
import type Srf from 'drachtio-srf';
import type { Logger } from '@openline/log';
import { Branch, type BranchOutcome, type BranchTarget } from './branch';
import type { TrunkRow } from './directory';
import { formatReason } from './reason';

export type TrunkOutcome =
  | { ok: true; winner: Extract<BranchOutcome, { ok: true }>; trunk: TrunkRow; limitKey: string | null }
  | { ok: false; status: number; phrase: string; cancelled: boolean; noAnswer: boolean; lastTrunk: TrunkRow | null; allAtLimit: boolean };

export interface TrunkDialerOptions {
  setupTimeoutMs: number;
  noAnswerTimeoutMs: number;
  /** Target for one trunk (URI, headers, auth, media profile); legId unique per attempt. */
  targetFor(trunk: TrunkRow, attempt: number): Promise<BranchTarget>;
  offerFor(target: BranchTarget): Promise<string>;
  /** Takes a slot of the trunk's concurrent-call limit; null key = unlimited, false = full. */
  acquire(trunk: TrunkRow): Promise<string | null | false>;
  release(key: string): void;
  onRinging(): void;
  /** The trunk sent early media (183 with SDP: ringback, announcements). */
  onEarlyMedia?(target: BranchTarget, sdp: string): void;
  logger: Logger;
}

const TIMEOUT_REASON = formatReason(408, 'Trunk setup timeout');
const NO_ANSWER_REASON = formatReason(480, 'No answer');

function failsOver(status: number): boolean {
  return status === 408 || (status >= 500 && status < 600);
}

export class TrunkDialer {
  private current: Branch | undefined;
  private setupTimer: NodeJS.Timeout | undefined;
  private noAnswerTimer: NodeJS.Timeout | undefined;
  private cancelledBy: string | undefined;
  private noAnswer = false;

  constructor(private readonly srf: Srf, private readonly trunks: readonly TrunkRow[], private readonly opts: TrunkDialerOptions) {}

  async run(): Promise<TrunkOutcome> {
    let last: { status: number; phrase: string } = { status: 503, phrase: 'Service Unavailable' };
    let lastTrunk: TrunkRow | null = null;
    let tried = 0;
    for (const [i, trunk] of this.trunks.entries()) {
      if (this.cancelledBy !== undefined || this.noAnswer) break;
      const key = await this.opts.acquire(trunk);
      if (key === false) {
        this.opts.logger.info({ trunk: trunk.name }, 'trunk at its call limit: skipped');
        continue;
      }
      tried++;
      lastTrunk = trunk;
      const target = await this.opts.targetFor(trunk, i);
      this.opts.logger.debug({ trunk: trunk.name, uri: target.uri }, 'trying trunk');
      const outcome = await this.attempt(target);
      if (outcome.ok) return { ok: true, winner: outcome, trunk, limitKey: key };
      if (key !== null) this.opts.release(key);
      last = { status: outcome.status, phrase: outcome.phrase };
      this.opts.logger.info({ trunk: trunk.name, status: outcome.status }, 'trunk attempt failed');
      if (outcome.cancelled && this.cancelledBy !== undefined) break;
      if (this.noAnswer || !failsOver(outcome.status)) break;
    }
    this.dispose();
    if (this.cancelledBy !== undefined) return { ok: false, status: 487, phrase: 'Request Terminated', cancelled: true, noAnswer: false, lastTrunk, allAtLimit: false };
    if (this.noAnswer) return { ok: false, status: 480, phrase: 'Temporarily Unavailable', cancelled: false, noAnswer: true, lastTrunk, allAtLimit: false };
    if (tried === 0) return { ok: false, status: 503, phrase: 'Service Unavailable', cancelled: false, noAnswer: false, lastTrunk, allAtLimit: true };
    // Every trunk failed over: the caller learns the service is unavailable (not the carrier's 5xx).
    const status = failsOver(last.status) ? 503 : last.status;
    return { ok: false, status, phrase: status === 503 ? 'Service Unavailable' : last.phrase, cancelled: false, noAnswer: false, lastTrunk, allAtLimit: false };
  }

  private async attempt(target: BranchTarget): Promise<BranchOutcome> {
    const sdp = await this.opts.offerFor(target);
    this.opts.logger.debug({ leg: target.legId }, 'trunk INVITE');
    const b = new Branch(this.srf, target, sdp, {
      onProvisional: (status, t, sdp) => {
        // Any provisional (except the 100 sipd sends for the hop) means the carrier handles it.
        if (status > 100) this.clearSetupTimer();
        if (status >= 180) {
          this.noAnswerTimer ??= setTimeout(() => { this.noAnswer = true; this.current?.cancel(NO_ANSWER_REASON); }, this.opts.noAnswerTimeoutMs);
          if (sdp && this.opts.onEarlyMedia) this.opts.onEarlyMedia(t, sdp);
          else this.opts.onRinging();
        }
      },
    });
    this.current = b;
    // A silent trunk may not even answer the CANCEL (RFC 3261 §9.1: no provisional, no CANCEL
    // transaction to speak of): the attempt is over at the timeout, the branch is left to end.
    const timedOut = new Promise<BranchOutcome>((resolve) => {
      this.setupTimer = setTimeout(() => {
        this.setupTimer = undefined;
        b.cancel(TIMEOUT_REASON);
        resolve({ ok: false, status: 408, phrase: 'Request Timeout', target, cancelled: false });
      }, this.opts.setupTimeoutMs);
    });
    const o = await Promise.race([b.done, timedOut]);
    this.clearSetupTimer();
    this.current = undefined;
    if (!o.ok && o.cancelled && this.cancelledBy === undefined && !this.noAnswer) return { ...o, status: 408, phrase: 'Request Timeout', cancelled: false };
    return o;
  }

  private clearSetupTimer(): void {
    if (this.setupTimer) clearTimeout(this.setupTimer);
    this.setupTimer = undefined;
  }

  cancel(reason: string): void {
    this.cancelledBy ??= reason;
    this.current?.cancel(reason);
  }

  dispose(): void {
    this.clearSetupTimer();
    if (this.noAnswerTimer) clearTimeout(this.noAnswerTimer);
    this.noAnswerTimer = undefined;
  }
}
