// drachtio's CDR events (docs/wire-protocol.md §5): `cdr:attempt`, `cdr:start` and `cdr:stop`,
// each carrying the SIP message that caused it, sent only when CDRs are enabled (`<cdrs>true`)
// to one app chosen round robin among those that routed that event (srv cdr.cpp postCdr():
// selectClientForRequestOutsideDialog(record type)). The handlers call these at the points
// drachtio does (srv controller.cpp, sip-dialog-controller.cpp, sip-proxy-controller.cpp).
import { serializeMessage, type SipMessage } from '../parser';
import type { AppConnection } from '../wire/app-connection';
import type { CdrEvent } from '../wire/messages';
import { formatWireTime } from '../wire/sip-text';

export type CdrSource = 'network' | 'application';
export type CdrRole = Extract<CdrEvent, { event: 'start' }>['role'];
export type CdrReason = Extract<CdrEvent, { event: 'stop' }>['reason'];

/** The app picker the emitter needs (AdminServer.pickAppFor). */
export interface CdrAppPicker {
  pickAppFor(verb: string): AppConnection | undefined;
}

/** srv: a final ≥ 300 to an INVITE is `call-canceled` when it is 487, else `call-rejected`. */
export function stopReasonFor(status: number): CdrReason {
  return status === 487 ? 'call-canceled' : 'call-rejected';
}

export class CdrEmitter {
  /** Events handed to an app (for tests and metrics). */
  sent = 0;

  constructor(readonly enabled: boolean, private readonly apps: CdrAppPicker) {}

  /** A new INVITE received from the network or sent for an app. */
  attempt(source: CdrSource, msg: SipMessage | Buffer): void {
    if (this.enabled) this.post('attempt', (time, raw) => ({ event: 'attempt', source, time, raw }), msg);
  }

  /** A 200 to an INVITE: received (`uac`, `proxy-uac`) or sent (`uas`, `proxy-uas`). */
  start(source: CdrSource, role: CdrRole, msg: SipMessage | Buffer): void {
    if (this.enabled) this.post('start', (time, raw) => ({ event: 'start', source, time, role, raw }), msg);
  }

  /** The call attempt or call ended: a final ≥ 300, a CANCEL, a BYE, or sipd's own teardown. */
  stop(source: CdrSource, reason: CdrReason, msg: SipMessage | Buffer): void {
    if (this.enabled) this.post('stop', (time, raw) => ({ event: 'stop', source, time, reason, raw }), msg);
  }

  private post(event: CdrEvent['event'], make: (time: string, raw: Buffer) => CdrEvent, msg: SipMessage | Buffer): void {
    const app = this.apps.pickAppFor(`cdr:${event}`);
    if (!app || app.closed) return;
    const raw = Buffer.isBuffer(msg) ? msg : serializeMessage(msg);
    if (app.sendCdr(make(formatWireTime(), raw))) this.sent++;
  }
}
