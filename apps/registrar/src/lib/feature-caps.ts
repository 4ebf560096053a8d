// The Feature-Caps header field of a REGISTER's response (RFC 6809) with the RFC 8599 indicators:
// +sip.pns (§6.1: the push service this registrar requests notifications from) and +sip.pnsreg.
//
// +sip.pnsreg (RFC 8599 §4.1.4, §5.6.1.1, IANA §12): sent only to a UA whose Contact carried the
// `sip.pnsreg` media feature tag (it can wake itself to refresh its binding). Its value is the
// minimum number of seconds before the binding expires at which the registrar expects that UA's
// own binding-refresh REGISTER; a UA that gets no indicator refreshes only when a push asks it to.
// This registrar sends binding-refresh pushes (apps/push BindingRefreshScheduler) at
// expiry − min(push.refreshBeforeSeconds, lifetime / 2); the value asks for the UA's own refresh
// PNSREG_MARGIN_SECONDS before that, so a UA that keeps to it is never pushed and one that does
// not is pushed in time. Only while push is enabled (the scheduler runs in the B2BUA processes).
import type { ContactValue } from './contact';

/** How much earlier than the binding-refresh push the UA is asked to refresh by itself. */
export const PNSREG_MARGIN_SECONDS = 10;

/** The +sip.pnsreg value for a binding of `lifetimeSeconds` (never more than the lifetime). */
export function pnsregSeconds(lifetimeSeconds: number, refreshBeforeSeconds: number): number {
  const pushLead = Math.min(refreshBeforeSeconds, Math.floor(lifetimeSeconds / 2));
  return Math.max(0, Math.min(lifetimeSeconds, pushLead + PNSREG_MARGIN_SECONDS));
}

/** True when the Contact carries the `sip.pnsreg` media feature tag (`;+sip.pnsreg`, RFC 3840 form). */
export function wantsPnsreg(c: ContactValue): boolean {
  return c.params.has('+sip.pnsreg');
}

/** `*;+sip.pns="apns"` (and `;+sip.pnsreg="130"` when given). */
export function featureCaps(providers: readonly string[], pnsreg?: number): string {
  const pns = `*;+sip.pns="${providers.join(',')}"`;
  return pnsreg === undefined ? pns : `${pns};+sip.pnsreg="${pnsreg}"`;
}
