// Session timers (RFC 4028) as drachtio-server runs them (srv sip-dialog-controller.cpp
// doRespondToSipRequest(), processRequestInsideDialog(), processResponseOutsideDialog(),
// processResponseInsideDialog(); sip-dialog.cpp setSessionTimer()/doSessionTimerHandling()):
// the pure decisions (what interval, who refreshes, what goes into our 2xx) and the per-dialog
// timer table. When we refresh, the timer fires at half the interval (a refreshing re-INVITE,
// session-refresh.ts); when the peer refreshes and stays silent, it fires before expiry and the
// session is ended with BYE.
import type { SipMessage, SipRequest, SipResponse } from '../parser';
import type { Dialog } from '../dialog/dialog';
import { createResponse } from '../transaction';

export type Refresher = 'uac' | 'uas';
export type DefaultRefresher = Refresher | 'none';

export interface SessionTimerConfig {
  /** Smallest Session-Expires we accept, in seconds (our Min-SE; RFC 4028 §5: ≥ 90 on the wire). */
  minSE: number;
  /** RFC 4028 §9: refresher when the UAC's Session-Expires names none; 'none' = no timer then. */
  defaultRefresher: DefaultRefresher;
}

/** RFC 4028 §4/§5: the smallest Min-SE an implementation may require (also drachtio's m_nMinSE). */
export const RFC_MIN_SE = 90;

export const DEFAULT_SESSION_TIMER_CONFIG: SessionTimerConfig = { minSE: RFC_MIN_SE, defaultRefresher: 'none' };

export interface SessionExpires {
  delta: number;
  refresher: Refresher | undefined;
}

/** `Session-Expires: 1800;refresher=uac` (RFC 4028 §4); undefined when absent or malformed. */
export function parseSessionExpires(value: string | undefined): SessionExpires | undefined {
  if (value === undefined) return undefined;
  const m = /^\s*(\d+)\s*(;.*)?$/.exec(value);
  if (!m) return undefined;
  const r = /;\s*refresher\s*=\s*(uac|uas)\b/i.exec(m[2] ?? '')?.[1]?.toLowerCase();
  return { delta: Number(m[1]), refresher: r === 'uac' || r === 'uas' ? r : undefined };
}

/** `Min-SE: 90` (RFC 4028 §5). */
export function parseMinSE(value: string | undefined): number | undefined {
  const m = value === undefined ? null : /^\s*(\d+)/.exec(value);
  return m ? Number(m[1]) : undefined;
}

export function supportsTimer(msg: SipMessage): boolean {
  return [...msg.getAll('supported'), ...msg.getAll('require')].some((t) => t.trim().toLowerCase() === 'timer');
}

/** When the refresher sends its refresh: half the interval (RFC 4028 §10; drachtio). */
export function refreshDelayMs(interval: number): number {
  return (interval * 1000) / 2;
}

/** RFC 4028 §10: with no refresh, the BYE goes out min(32, interval/3) s before expiry. */
export function expiryDelayMs(interval: number): number {
  return (interval - Math.min(32, interval / 3)) * 1000;
}

/** A running session timer: its interval (s) and whether we are the refresher. */
export interface TimerPlan {
  interval: number;
  weRefresh: boolean;
}

/** The Session-Expires value announcing a plan in a response we send (we are the UAS). */
export function sessionExpiresValue(plan: TimerPlan): string {
  return `${plan.interval};refresher=${plan.weRefresh ? 'uas' : 'uac'}`;
}

/**
 * RFC 4028 §9 / §8.1: the request's Session-Expires is below our minimum and the UAC can handle
 * a 422 (it said Supported: timer, §7.3) — answer 422 with our Min-SE. A UAC that cannot gets
 * the interval raised to our minimum instead (drachtio: max(90, Session-Expires)).
 */
export function needs422(request: SipRequest, cfg: SessionTimerConfig): boolean {
  const se = parseSessionExpires(request.get('session-expires'));
  return se !== undefined && se.delta < cfg.minSE && supportsTimer(request);
}

export interface UasAnswerPlan {
  plan: TimerPlan | undefined;
  /** Session-Expires to add to our 2xx (the app gave none). */
  header: string | undefined;
  /** RFC 4028 §9: a 2xx with Session-Expires to a UAC that supports timer carries Require: timer. */
  requireTimer: boolean;
}

/**
 * The 2xx to an initial INVITE (srv doRespondToSipRequest): the app's own Session-Expires wins
 * (refresher uas ⇒ us, else the UAC); otherwise the UAC's request decides, its refresher or the
 * configured default ('none' ⇒ no timer and nothing added).
 */
export function planUasAnswer(invite: SipRequest, appSessionExpires: string | undefined, cfg: SessionTimerConfig): UasAnswerPlan {
  const none: UasAnswerPlan = { plan: undefined, header: undefined, requireTimer: false };
  const fromApp = parseSessionExpires(appSessionExpires);
  if (fromApp) {
    return { plan: { interval: Math.max(cfg.minSE, fromApp.delta), weRefresh: fromApp.refresher === 'uas' }, header: undefined, requireTimer: false };
  }
  const asked = parseSessionExpires(invite.get('session-expires'));
  if (!asked) return none;
  const refresher = asked.refresher ?? cfg.defaultRefresher;
  if (refresher === 'none') return none;
  const plan = { interval: Math.max(cfg.minSE, asked.delta, parseMinSE(invite.get('min-se')) ?? 0), weRefresh: refresher === 'uas' };
  return { plan, header: sessionExpiresValue(plan), requireTimer: supportsTimer(invite) };
}

/**
 * A re-INVITE or UPDATE from the peer (srv processRequestInsideDialog): without Session-Expires
 * the timer stops; with it, refresher=uac means the peer, uas means us, and none keeps the
 * current refresher (the peer when no timer ran). sipd differs from srv here: srv flips the
 * refresher when the parameter is missing.
 */
export function planPeerRefresh(request: SipRequest, current: TimerPlan | undefined, cfg: SessionTimerConfig): TimerPlan | undefined {
  const se = parseSessionExpires(request.get('session-expires'));
  if (!se) return undefined;
  const weRefresh = se.refresher === 'uas' ? true : se.refresher === 'uac' ? false : current?.weRefresh ?? false;
  return { interval: Math.max(cfg.minSE, se.delta), weRefresh };
}

/**
 * The 2xx to an INVITE/re-INVITE/UPDATE we sent (srv processResponseOutsideDialog /
 * processResponseInsideDialog): its Session-Expires starts the timer; refresher uac or none ⇒ us.
 */
export function planFromAnswer(response: SipMessage): TimerPlan | undefined {
  const se = parseSessionExpires(response.get('session-expires'));
  if (!se || se.delta <= 0) return undefined;
  return { interval: se.delta, weRefresh: se.refresher !== 'uas' };
}

/** 422 Session Interval Too Small with our Min-SE (RFC 4028 §6). */
export function sessionTooSmall(request: SipRequest, toTag: string, cfg: SessionTimerConfig): SipResponse {
  const res = createResponse(request, 422, 'Session Interval Too Small', toTag);
  res.set('min-se', String(cfg.minSE));
  return res;
}

/**
 * A re-INVITE/UPDATE from the peer in a confirmed INVITE dialog (srv processRequestInsideDialog):
 * below our minimum ⇒ 'too-small' (answer 422, the running timer stays); otherwise the timer
 * restarts from its Session-Expires (none ⇒ it stops). Returns the plan our 2xx announces.
 */
export function onPeerRefresh(request: SipRequest, dialog: Dialog, timers: SessionTimers, cfg: SessionTimerConfig): TimerPlan | 'too-small' | undefined {
  if ((request.method !== 'INVITE' && request.method !== 'UPDATE') || dialog.method !== 'INVITE' || dialog.state !== 'confirmed') return undefined;
  const se = parseSessionExpires(request.get('session-expires'));
  if (se && se.delta < cfg.minSE) return 'too-small';
  const current = timers.planOf(dialog.id);
  timers.cancel(dialog.id);
  const plan = planPeerRefresh(request, current, cfg);
  if (plan) timers.arm(dialog, plan);
  return plan;
}

/**
 * RFC 4028 on our 2xx, before it is sent: for a new INVITE what srv's doRespondToSipRequest()
 * decides (the app's Session-Expires, else the caller's with its refresher or the default), added
 * to the response; for a re-INVITE/UPDATE that refreshed the session, the plan chosen when it
 * arrived is announced (§9). Returns the plan to arm once the 2xx is out.
 */
export function announceSessionTimer(request: SipRequest, res: SipResponse, initialInvite: boolean, refresh: TimerPlan | undefined, cfg: SessionTimerConfig): TimerPlan | undefined {
  if (!initialInvite && !refresh) return undefined;
  const fromApp = res.get('session-expires');
  if (initialInvite || fromApp !== undefined) {
    const ans = planUasAnswer(request, fromApp, cfg);
    if (ans.header) res.set('session-expires', ans.header);
    if (ans.requireTimer) addRequireTimer(res);
    return ans.plan;
  }
  res.set('session-expires', sessionExpiresValue(refresh!));
  if (supportsTimer(request)) addRequireTimer(res);
  return refresh;
}

function addRequireTimer(res: SipResponse): void {
  if (!res.getAll('require').some((t) => t.trim().toLowerCase() === 'timer')) res.append('require', 'timer');
}

/** What the refresh re-INVITE repeats: the last session description we sent (srv getLocalEndpoint()). */
export function rememberLocalSdp(dialog: Dialog, msg: SipMessage): void {
  if (msg.body.length === 0) return;
  dialog.localSdp = { body: msg.body, contentType: msg.get('content-type') ?? 'application/sdp' };
}

interface Running extends TimerPlan {
  dialog: Dialog;
  /** Fires the refresh (we refresh) or the expiry (the peer refreshes). */
  timer: NodeJS.Timeout;
}

/** One timer per dialog; cleared when the dialog ends (SessionTimers.cancel from the dialog store). */
export class SessionTimers {
  private readonly running = new Map<string, Running>();

  constructor(
    private readonly onRefreshDue: (dialog: Dialog, plan: TimerPlan) => void,
    private readonly onExpired: (dialog: Dialog, plan: TimerPlan) => void,
  ) {}

  get size(): number {
    return this.running.size;
  }

  planOf(dialogId: string): TimerPlan | undefined {
    const r = this.running.get(dialogId);
    return r ? { interval: r.interval, weRefresh: r.weRefresh } : undefined;
  }

  /** (Re)starts the dialog's timer for this plan. */
  arm(dialog: Dialog, plan: TimerPlan): void {
    this.cancel(dialog.id);
    if (dialog.state === 'terminated') return;
    const delay = plan.weRefresh ? refreshDelayMs(plan.interval) : expiryDelayMs(plan.interval);
    const timer = setTimeout(() => {
      this.running.delete(dialog.id);
      if (plan.weRefresh) this.onRefreshDue(dialog, plan);
      else this.onExpired(dialog, plan);
    }, delay);
    timer.unref();
    this.running.set(dialog.id, { dialog, interval: plan.interval, weRefresh: plan.weRefresh, timer });
  }

  cancel(dialogId: string): void {
    const r = this.running.get(dialogId);
    if (!r) return;
    clearTimeout(r.timer);
    this.running.delete(dialogId);
  }

  close(): void {
    for (const r of this.running.values()) clearTimeout(r.timer);
    this.running.clear();
  }
}
