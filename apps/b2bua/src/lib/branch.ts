// One outgoing INVITE of a call (a fork branch or a trunk attempt) through srf's createUAC: it
// learns the request (to CANCEL it, RFC 3261 §9.1), reports provisionals, and settles once with
// the answered dialog or the final status. A 2xx that arrives after the branch was cancelled is
// ended at once with BYE (§15: the branch lost the race).
import type Srf from 'drachtio-srf';
import type { CdrParty } from '@openline/cdr';
import type { LegProfile } from '@openline/media';
import type { ReachableDevice } from '@openline/location';
import type { TrunkRow } from './directory';
import { holdRequests, sipStatusOf, type Dialog, type SrfReq, type SrfRes } from './srf-types';

export interface BranchTarget {
  /** Media leg name (rtpengine tag and via-branch). */
  legId: string;
  /** Request-URI. */
  uri: string;
  /** Where to send it (the device's flow, RFC 5626), when not the Request-URI's host. */
  proxy?: string;
  profile: LegProfile;
  /** The called party as the CDR records it. */
  party: CdrParty;
  headers: Record<string, string>;
  auth?: { username: string; password: string };
  device?: ReachableDevice;
  trunk?: TrunkRow;
}

export type BranchOutcome =
  | { ok: true; dialog: Dialog; target: BranchTarget }
  | { ok: false; status: number; phrase: string; target: BranchTarget; cancelled: boolean };

export interface BranchEvents {
  /** A provisional response (180/183 …) arrived; `sdp` when it carries early media. */
  onProvisional(status: number, target: BranchTarget, sdp?: string): void;
}

type CbRequest = (err: unknown, req?: SrfReq) => void;

export class Branch {
  private req: SrfReq | undefined;
  private cancelReason: string | undefined;
  private settled = false;
  readonly done: Promise<BranchOutcome>;
  /** Highest provisional status seen (0 = none). */
  provisional = 0;

  constructor(private readonly srf: Srf, readonly target: BranchTarget, sdp: string, events: BranchEvents) {
    const cbRequest: CbRequest = (err, req) => {
      if (err || !req) return;
      this.req = req;
      if (this.cancelReason !== undefined) this.sendCancel();
    };
    const progress = {
      cbRequest: cbRequest as unknown as (req: Srf.SrfRequest) => void,
      cbProvisional: (res: SrfRes) => {
        this.provisional = Math.max(this.provisional, res.status);
        if (this.cancelReason === undefined) events.onProvisional(res.status, target, /^m=audio/m.test(res.body ?? '') ? res.body : undefined);
      },
    };
    const opts: Srf.CreateUACOptions = { localSdp: sdp, headers: target.headers, ...(target.proxy ? { proxy: target.proxy } : {}), ...(target.auth ? { auth: target.auth } : {}) };
    const created = new Promise<Dialog>((resolve, reject) => {
      // The callback form runs as srf creates the dialog: requests are held from that moment.
      this.srf.createUAC(target.uri, opts, progress, (err: unknown, dialog: Dialog) => {
        if (err) return reject(err);
        holdRequests(dialog, true);
        resolve(dialog);
      });
    });
    this.done = created.then(
      (dialog): BranchOutcome => {
        this.settled = true;
        if (this.cancelReason !== undefined) {
          // Crossed our CANCEL: a 2xx wins over CANCEL at the UAS (§9.2), so end it with BYE.
          holdRequests(dialog, false);
          dialog.destroy({ headers: { Reason: this.cancelReason } });
          return { ok: false, status: 487, phrase: 'Request Terminated', target, cancelled: true };
        }
        return { ok: true, dialog, target };
      },
      (err: unknown): BranchOutcome => {
        this.settled = true;
        const s = sipStatusOf(err);
        return { ok: false, status: s.status, phrase: s.reason, target, cancelled: this.cancelReason !== undefined };
      });
  }

  get pending(): boolean {
    return !this.settled;
  }

  /** CANCELs the INVITE (once) with a Reason header (RFC 3326), e.g. "Call completed elsewhere". */
  cancel(reason: string): void {
    if (this.settled || this.cancelReason !== undefined) return;
    this.cancelReason = reason;
    if (this.req) this.sendCancel();
  }

  private sendCancel(): void {
    try {
      // srf's runtime signature is cancel(opts, callback); its typings only know the callback.
      const req = this.req as unknown as { cancel(opts: { headers: Record<string, string> }): void } | undefined;
      req?.cancel({ headers: { Reason: this.cancelReason ?? '' } });
    } catch {
      // the transaction already completed
    }
  }
}
