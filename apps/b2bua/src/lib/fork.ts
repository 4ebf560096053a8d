// Parallel forking to every device of the callee (RFC 3261 §16.7 shape, done by a B2BUA): every
// branch is an INVITE of its own; the first 2xx wins and the others are CANCELled with
// `Reason: SIP;cause=200;text="Call completed elsewhere"` (RFC 3326); a 6xx from any device ends
// the fork with that 6xx (§16.7); 486 only when every device answered busy; no answer within the
// timeout → every branch CANCELled, 480. While push-woken
// devices may still join (`keepOpen`), the fork waits for them.
//
// Ring time with push (apps/push/README.md): the no-answer deadline starts at the call's start
// and becomes max(deadline, join time + noAnswerTimeoutMs) whenever a woken device joins
// (`join()`), so a device woken late still rings a full no-answer timeout. While the push wait
// runs the deadline is not enforced (the wait is push.callWaitSeconds, not the no-answer
// timeout); a deadline that passed meanwhile ends the fork when the wait is over.
import type Srf from 'drachtio-srf';
import { Branch, type BranchOutcome, type BranchTarget } from './branch';
import { COMPLETED_ELSEWHERE, formatReason } from './reason';
import { holdRequests } from './srf-types';

export type ForkOutcome =
  | { ok: true; winner: Extract<BranchOutcome, { ok: true }> }
  | { ok: false; status: number; phrase: string; noAnswer: boolean; cancelled: boolean; failures: Array<Extract<BranchOutcome, { ok: false }>> };

export interface ForkOptions {
  noAnswerTimeoutMs: number;
  /** The SDP for a branch (an rtpengine offer shaped for the target's profile). */
  offerFor(target: BranchTarget): Promise<string>;
  onRinging(): void;
  /** A branch sent early media (183 with SDP, RFC 3960). */
  onEarlyMedia?(target: BranchTarget, sdp: string): void;
  /** A branch failed with 430 Flow Failed (RFC 5626): its device may be woken by push. */
  onFlowFailed?(target: BranchTarget): void;
}

const NO_ANSWER_REASON = formatReason(480, 'No answer');

export class Fork {
  private readonly branches: Branch[] = [];
  private readonly failures: Array<Extract<BranchOutcome, { ok: false }>> = [];
  private noAnswerTimer: NodeJS.Timeout | undefined;
  /** When the ringing gives up (ms since epoch): max(start, last join) + noAnswerTimeoutMs. */
  private deadline: number;
  /** The deadline passed while the push wait kept the fork open. */
  private deadlinePassed = false;
  private finished = false;
  private cancelledBy: string | undefined;
  private keepOpen = false;
  private starting = 0;
  private resolve!: (o: ForkOutcome) => void;
  readonly result: Promise<ForkOutcome>;

  constructor(private readonly srf: Srf, private readonly opts: ForkOptions) {
    this.result = new Promise((r) => { this.resolve = r; });
    this.deadline = Date.now() + opts.noAnswerTimeoutMs;
    this.noAnswerTimer = setTimeout(() => this.timeout(), opts.noAnswerTimeoutMs);
  }

  /** While true the fork does not fail when its branches have (woken devices may still join). */
  setKeepOpen(v: boolean): void {
    this.keepOpen = v;
    // The push wait ran out and no device was ever tried: nobody answered (480).
    if (!v && !this.finished && this.starting === 0 && this.branches.length === 0 && this.failures.length === 0) return this.fail(true);
    // The ring time ran out during the wait and no woken device extended it.
    if (!v && this.deadlinePassed) return this.timeout();
    this.maybeFinish();
  }

  /** A device woken by push joins: it rings a full no-answer timeout from now (see the header). */
  join(target: BranchTarget): void {
    if (this.finished) return;
    const until = Date.now() + this.opts.noAnswerTimeoutMs;
    if (until > this.deadline) {
      this.deadline = until;
      this.deadlinePassed = false;
      if (this.noAnswerTimer) clearTimeout(this.noAnswerTimer);
      this.noAnswerTimer = setTimeout(() => this.timeout(), this.opts.noAnswerTimeoutMs);
    }
    this.add(target);
  }

  /** Starts a branch to one more device (also after the start: a device woken by push). */
  add(target: BranchTarget): void {
    if (this.finished) return;
    this.starting++;
    void this.opts.offerFor(target).then((sdp) => {
      this.starting--;
      if (this.finished) return;
      const b = new Branch(this.srf, target, sdp, {
        onProvisional: (status, t, sdp) => {
          if (this.finished) return;
          if (sdp && this.opts.onEarlyMedia) this.opts.onEarlyMedia(t, sdp);
          else if (status >= 180) this.opts.onRinging();
        },
      });
      this.branches.push(b);
      void b.done.then((o) => this.settled(b, o));
    }, (err: unknown) => {
      this.starting--;
      this.failures.push({ ok: false, status: 500, phrase: (err as Error).message, target, cancelled: false });
      this.maybeFinish();
    });
  }

  private settled(_b: Branch, o: BranchOutcome): void {
    if (o.ok) {
      if (this.finished) {
        holdRequests(o.dialog, false);
        o.dialog.destroy({ headers: { Reason: COMPLETED_ELSEWHERE } });
        return;
      }
      this.finish({ ok: true, winner: o }, COMPLETED_ELSEWHERE);
      return;
    }
    this.failures.push(o);
    if (o.status === 430) this.opts.onFlowFailed?.(o.target);
    // RFC 3261 §16.7 step 5: a 6xx (Decline, Busy Everywhere) is a definitive answer for the
    // user: the other branches are CANCELled and the caller gets that 6xx, not a 480.
    if (o.status >= 600 && o.status < 700 && !o.cancelled && !this.finished) {
      this.finish({ ok: false, status: o.status, phrase: o.phrase, noAnswer: false, cancelled: false, failures: this.failures },
        formatReason(o.status, o.phrase));
      return;
    }
    this.maybeFinish();
  }

  private maybeFinish(): void {
    if (this.finished || this.keepOpen || this.starting > 0 || this.branches.some((b) => b.pending)) return;
    if (this.branches.length === 0 && this.failures.length === 0) return;
    this.fail(false);
  }

  private fail(noAnswer: boolean): void {
    const f = this.failures.filter((x) => !x.cancelled);
    const allBusy = f.length > 0 && f.every((x) => x.status === 486 || x.status === 600);
    const [status, phrase] = this.cancelledBy !== undefined ? [487, 'Request Terminated']
      : noAnswer ? [480, 'Temporarily Unavailable']
        : allBusy ? [486, 'Busy Here'] : [480, 'Temporarily Unavailable'];
    this.finish({ ok: false, status, phrase, noAnswer, cancelled: this.cancelledBy !== undefined, failures: this.failures }, NO_ANSWER_REASON);
  }

  private timeout(): void {
    this.noAnswerTimer = undefined;
    if (this.finished) return;
    // Woken devices may still join: decided when the wait is over (setKeepOpen(false)).
    if (this.keepOpen) {
      this.deadlinePassed = true;
      return;
    }
    for (const b of this.branches) b.cancel(NO_ANSWER_REASON);
    this.fail(true);
  }

  /** The caller gave up (CANCEL) or the session ends: CANCEL every branch with this Reason. */
  cancel(reason: string): void {
    if (this.finished) return;
    this.cancelledBy = reason;
    for (const b of this.branches) b.cancel(reason);
    this.fail(false);
  }

  private finish(outcome: ForkOutcome, cancelOthers: string): void {
    if (this.finished) return;
    this.finished = true;
    this.dispose();
    for (const b of this.branches) if (b.pending) b.cancel(this.cancelledBy ?? cancelOthers);
    this.resolve(outcome);
  }

  /** Clears the no-answer timer (SIP.js: every timer a field, cleared in dispose). */
  dispose(): void {
    if (this.noAnswerTimer) clearTimeout(this.noAnswerTimer);
    this.noAnswerTimer = undefined;
  }
}
