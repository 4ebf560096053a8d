// The session refresh sipd sends itself when it is the refresher (RFC 4028 §7.4 / §10), as
// drachtio-server does (srv SipDialogController::notifyRefreshDialog() and
// processResponseToRefreshingReinvite()): a re-INVITE in the dialog carrying our last session
// description, `Session-Expires: <interval>;refresher=uac` and our Min-SE; the app is not told.
// 2xx ⇒ ACK and the timer restarts from the 2xx's Session-Expires; 491 (glare) ⇒ the timer is
// re-armed to try again next interval; any other failure or a timeout ⇒ the session is ended.
import type { SipRequest, SipResponse } from '../parser';
import type { Dialog } from '../dialog/dialog';
import type { Destination } from '../transport/types';
import { sendStateless, type EngineContext } from './context';
import type { LocalEndpoint } from './local-endpoints';
import { planFromAnswer, type SessionTimerConfig, type SessionTimers, type TimerPlan } from './session-timer';

export interface SessionRefreshDeps {
  ctx: EngineContext;
  config: SessionTimerConfig;
  timers: SessionTimers;
  /** Where in-dialog requests of this dialog go (uac.ts: flow, NAT, route set, RFC 3263). */
  destination(dialog: Dialog, nextHop: string): Promise<Destination>;
  /** Puts our Via (new branch) on top for the listener used. */
  addVia(request: SipRequest, listener: LocalEndpoint): void;
  /** Ends the session: BYE, the app's unsolicited BYE, cdr:stop session-expired. */
  terminate(dialog: Dialog): void;
}

/** Builds and sends the refreshing re-INVITE; the outcome drives the dialog's session timer. */
export async function sendSessionRefresh(deps: SessionRefreshDeps, dialog: Dialog, plan: TimerPlan): Promise<void> {
  const { ctx } = deps;
  if (dialog.state === 'terminated') return;
  const { request, nextHop } = dialog.buildRequest('INVITE');
  const cseq = dialog.localSeq;
  request.set('session-expires', `${plan.interval};refresher=uac`);
  request.set('min-se', String(deps.config.minSE));
  request.set('supported', 'timer');
  if (dialog.localSdp) {
    request.set('content-type', dialog.localSdp.contentType);
    request.body = dialog.localSdp.body;
  }
  let dest: Destination;
  let listener: LocalEndpoint | undefined;
  try {
    dest = await deps.destination(dialog, nextHop);
    listener = ctx.endpoints.forProtocol(dest.protocol, dest.address.includes(':'), dest.address);
  } catch (err) {
    ctx.logger.warn({ callId: dialog.callId, err: String(err) }, 'session refresh: no route to the peer; ending the session');
    return deps.terminate(dialog);
  }
  if (!listener) return deps.terminate(dialog);
  const via = listener;
  deps.addVia(request, via);
  const target = ctx.transport.prepareRequestDestination(request, dest);
  let ack: SipRequest | undefined;
  const onFinal = (res: SipResponse): void => {
    if (res.status >= 200 && res.status < 300) {
      // The 2xx (and each retransmission of it, RFC 6026) is acknowledged (§13.2.2.4).
      const first = ack === undefined;
      if (!ack) {
        if (dialog.state !== 'terminated') dialog.refreshTarget(res);
        ack = dialog.buildRequest('ACK', cseq).request;
        deps.addVia(ack, via);
      }
      sendStateless(ctx, ack, dest);
      if (!first || dialog.state === 'terminated') return;
      ctx.counters.requestOut('ACK');
      const next = planFromAnswer(res);
      if (next) deps.timers.arm(dialog, next);
      else ctx.logger.info({ callId: dialog.callId }, 'session refresh answered without Session-Expires: session timer off');
      return;
    }
    if (dialog.state === 'terminated') return;
    if (res.status === 491) {
      // Glare with a re-INVITE of the peer: try again next interval (srv re-arms the same way).
      deps.timers.arm(dialog, { interval: plan.interval, weRefresh: true });
      return;
    }
    ctx.logger.info({ callId: dialog.callId, status: res.status }, 'session refresh refused: ending the session');
    deps.terminate(dialog);
  };
  try {
    ctx.transactions.createClientTransaction(request, target, {
      onResponse: (res) => { if (res.status >= 200) onFinal(res); },
      onTimeout: () => {
        if (dialog.state === 'terminated') return;
        ctx.logger.info({ callId: dialog.callId }, 'session refresh timed out: ending the session');
        deps.terminate(dialog);
      },
      onTransportError: () => { if (dialog.state !== 'terminated') deps.terminate(dialog); },
    });
    ctx.counters.requestOut('INVITE');
    ctx.logger.info({ callId: dialog.callId, interval: plan.interval }, 'session refresh re-INVITE sent');
  } catch (err) {
    ctx.logger.warn({ callId: dialog.callId, err: String(err) }, 'session refresh could not be sent');
    deps.terminate(dialog);
  }
}
