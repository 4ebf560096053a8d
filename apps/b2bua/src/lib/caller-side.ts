// The calling side of a CallSession before the answer: the caller's INVITE (its offer, 180, the
// 2xx through createUAS, a final error) — or, for a blind transfer, the transferee's dialog
// (transfer.ts). Also the caller's identity as the CDR records it.
import type { CdrParty } from '@openline/cdr';
import { normaliseNumber } from '@openline/phone-number';
import { accountParty, displayNameOf, numberParty } from './cdr';
import type { B2buaDeps } from './deps';
import { uriParts } from './middleware';
import { header, holdRequests, type CallerIdentity, type Dialog, type SrfReq, type SrfRes } from './srf-types';

/**
 * How the session talks to the calling side before the answer: the caller's INVITE (180, 200 via
 * createUAS, final error), or — for a blind transfer — the transferred party's existing dialog
 * (re-INVITE on answer) with progress reported to the transferor by NOTIFY (RFC 3515).
 */
export interface CallerSide {
  /** The caller's SDP (its INVITE's offer, or its dialog's current SDP). */
  readonly sdp: string;
  /** From header for the outgoing INVITEs. */
  readonly from: string;
  ringing(): void;
  /** Early media towards the caller (183 with SDP, RFC 3960); absent: plain ringing instead. */
  earlyMedia?(sdp: string): void;
  /** Delivers the rewritten answer; resolves the caller's dialog. */
  answer(sdp: string): Promise<Dialog>;
  /** The attempt ended unanswered: final response (or NOTIFY) with this status. */
  fail(status: number, phrase: string, reason: string | undefined): void;
}

/** The caller side of an INVITE the B2BUA answers itself. */
export function inviteCallerSide(deps: B2buaDeps, req: SrfReq, res: SrfRes, party: CdrParty): CallerSide {
  return {
    sdp: req.body,
    from: fromHeaderOf(req, party),
    ringing: () => res.send(180, 'Ringing', {}),
    earlyMedia: (sdp) => {
      if (!res.finalResponseSent) res.send(183, 'Session Progress', { body: sdp, headers: { 'Content-Type': 'application/sdp' } });
    },
    // Callback form: srf calls it as it creates the dialog, so its requests are held from then.
    answer: (sdp) => new Promise<Dialog>((resolve, reject) => {
      deps.srf.createUAS(req, res, { localSdp: sdp }, (err: unknown, dialog: Dialog) => {
        if (err) return reject(err);
        holdRequests(dialog, true);
        resolve(dialog);
      });
    }),
    fail: (status, phrase, reason) => {
      if (!res.finalResponseSent) res.send(status, phrase, reason ? { headers: { Reason: reason } } : {});
    },
  };
}

/** From for the outgoing INVITEs: the caller's display name and identity (account or number). */
export function fromHeaderOf(req: SrfReq, party: CdrParty): string {
  const from = header(req, 'from') ?? '';
  const display = displayNameOf(from);
  const user = party.username ?? party.number ?? uriParts(from)?.user ?? 'anonymous';
  const domain = uriParts(from)?.host ?? 'anonymous.invalid';
  return `${display ? `"${display.replace(/"/g, '')}" ` : ''}<sip:${user}@${domain}>`;
}

/** The caller as the CDR records it: an account (with its device) or a trunk's calling number. */
export function callerParty(deps: B2buaDeps, req: SrfReq, caller: CallerIdentity): CdrParty {
  const from = header(req, 'from');
  const display = displayNameOf(from);
  if (caller.kind === 'account') {
    const inst = /\+sip\.instance="<?([^">]+)>?"/.exec(header(req, 'contact') ?? '')?.[1];
    const contact = /<([^>]+)>/.exec(header(req, 'contact') ?? '')?.[1] ?? null;
    return accountParty(caller.account, inst ?? contact, display);
  }
  return numberParty(normaliseNumber(uriParts(from)?.user ?? '', deps.settings.defaultCountry)?.e164 ?? null, display);
}
