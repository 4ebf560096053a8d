// One CallSession per call (jambonz call-session shape, mediasoup close cascade): the caller's
// leg (a), the callee's leg (b, once a branch answers), the call's media endpoint on rtpengine,
// the concurrent-call slots, the timers and the CDR. Every way a call ends — CANCEL, a final
// error, either side's BYE, a timeout, a transfer, a failure of ours — goes through the ONE
// idempotent teardown(): it stops dialling, BYEs the legs still up, deletes the media (keeping
// its final stats), releases the slots, ends the push attempt and writes the CDR exactly once.
import { randomUUID } from 'node:crypto';
import type { CdrHangupCause, CdrHangupSide, CdrParty } from '@openline/cdr';
import type { Logger } from '@openline/log';
import { reachableDevices, type ReachableDevice } from '@openline/location';
import { firstCodec, isHold, profileOfSdp, type LegProfile, type MediaEndpoint } from '@openline/media';
import { accountParty, CdrBuilder, numberParty } from './cdr';
import type { B2buaDeps } from './deps';
import type { AccountRow } from './directory';
import { CALL_ERROR_REPLIES, CallError } from './errors';
import { Fork, type ForkOutcome } from './fork';
import type { BranchTarget } from './branch';
import type { PushCallHandle } from './push';
import { lazyChild } from './lazy-logger';
import { formatReason, parseReason } from './reason';
import type { Route } from './router';
import type { TrackedLeg } from './session-tracker';
import { holdRequests, sipStatusOf, type CallerIdentity, type Dialog, type SrfReq, type SrfRes } from './srf-types';
import { TrunkDialer, type TrunkOutcome } from './trunk-dialer';
import { handleRefer } from './transfer';
import { PreOffers } from './pre-offers';
import { callerParty, inviteCallerSide, type CallerSide } from './caller-side';

export type { CallerSide } from './caller-side';

export enum SessionState {
  Routing = 'routing',
  Ringing = 'ringing',
  Answered = 'answered',
  Ended = 'ended',
}

/** One side of the call: a SIP dialog and its media leg on the call's endpoint. */
export interface Leg {
  /** Media leg name on the endpoint ('a', 'b1', …). */
  id: string;
  dialog: Dialog | undefined;
  profile: LegProfile;
  party: CdrParty;
  /** Its dialog ended (BYE received or sent): nothing more goes to it. */
  gone: boolean;
  /** The session's listeners on the dialog (removed alone when the leg moves elsewhere). */
  listeners?: Array<[string, (...args: unknown[]) => void]>;
}

export interface TeardownCause {
  side: CdrHangupSide;
  /** For an unanswered call: the final status to send the caller. */
  status?: number;
  phrase?: string;
  /** Reason header for our BYEs/final response (RFC 3326). */
  reason?: string;
  /** What ended it, for the CDR (the BYE's/CANCEL's Reason, or ours). */
  cause?: CdrHangupCause | null;
  noAnswer?: boolean;
  /** The leg whose dialog already ended (gets no BYE). */
  endedLeg?: Leg;
}

const CALLER_CANCELLED = formatReason(487, 'Caller cancelled');

export class CallSession {
  readonly id = randomUUID();
  readonly logger: Logger;
  state = SessionState.Routing;
  readonly a: Leg;
  b: Leg | undefined;
  media: MediaEndpoint | undefined;
  readonly cdr: CdrBuilder;
  /** Redis call-limit keys held until teardown. */
  readonly limits: string[];
  private dialer: Fork | TrunkDialer | undefined;
  private pushHandle: PushCallHandle | undefined;
  private readonly pushedInstances = new Set<string>();
  /** Offers for pushed devices made while they sleep (pre-offers.ts). */
  private readonly preOffers = new PreOffers((legId, profile) => this.freshOffer(legId, profile), () => `b${++this.branchSeq}`);
  private ending: Promise<void> | undefined;
  private callerCancel: CdrHangupCause | null | undefined;
  private branchSeq = 0;
  /** The branch whose early media the caller hears, if any. */
  private earlyLeg: string | undefined;
  private callerSide: CallerSide | undefined;
  private settledResolve!: (answered: boolean) => void;
  /** Resolves true once the caller side got the answer, false if the session ended before. */
  readonly settled: Promise<boolean> = new Promise((r) => { this.settledResolve = r; });
  private endingResolve!: () => void;
  /** Resolves when teardown starts (the call is over). */
  readonly over: Promise<void> = new Promise((r) => { this.endingResolve = r; });

  constructor(readonly deps: B2buaDeps, init: {
    aLegCallId: string; startedAt: number; logger: Logger; aLeg: Leg; limits?: string[]; callerSide?: CallerSide;
  }) {
    this.callerSide = init.callerSide;
    this.logger = lazyChild(init.logger, { session: this.id });
    this.a = init.aLeg;
    this.limits = init.limits ?? [];
    this.cdr = new CdrBuilder(this.id, init.aLegCallId, init.startedAt, () => deps.node.id, deps.settings.cdrTags);
    deps.sessions.add(this);
  }

  /** The CallSession for a routed INVITE (after the middleware): dials, answers, bridges. */
  static fromInvite(deps: B2buaDeps, req: SrfReq, res: SrfRes): CallSession {
    const l = req.locals;
    if (!l?.caller || !l.route) throw new Error('CallSession needs a routed INVITE');
    const aProfile = l.caller.kind === 'trunk' ? { kind: 'trunk' as const, codecs: l.caller.trunk.codecs } : profileOfSdp(req.body);
    const party = callerParty(deps, req, l.caller);
    const side = inviteCallerSide(deps, req, res, party);
    const s = new CallSession(deps, {
      aLegCallId: l.callId, startedAt: l.receivedAt, logger: l.logger, limits: l.limits, callerSide: side,
      aLeg: { id: 'a', dialog: undefined, profile: aProfile, party, gone: false },
    });
    l.limits = [];
    req.on('cancel', (cancel) => s.callerCancelled(cancel?.get?.('Reason')));
    void s.start(l.caller, l.route).catch((err: unknown) => {
      s.logger.error({ err }, 'call failed');
      const r = CALL_ERROR_REPLIES[CallError.ServerError];
      void s.teardown({ side: 'system', status: r.status, phrase: r.phrase, reason: r.reason, cause: parseReason(r.reason) });
    });
    return s;
  }

  /** A session over two dialogs that are already up (attended transfer): media already bridged. */
  static bridged(deps: B2buaDeps, init: { aLeg: Leg; bLeg: Leg; media: MediaEndpoint; logger: Logger; codecs: [string | null, string | null] }): CallSession {
    const s = new CallSession(deps, {
      aLegCallId: init.aLeg.dialog?.sip.callId ?? '', startedAt: Date.now(), logger: init.logger, aLeg: init.aLeg,
    });
    s.b = init.bLeg;
    s.media = init.media;
    s.cdr.caller = init.aLeg.party;
    s.cdr.callee = init.bLeg.party;
    s.cdr.bLegCallId = init.bLeg.dialog?.sip.callId ?? null;
    s.cdr.direction = init.aLeg.party.accountId === null ? 'inbound' : init.bLeg.party.accountId === null ? 'outbound' : 'onnet';
    [s.cdr.codecA, s.cdr.codecB] = init.codecs;
    s.cdr.answered();
    s.state = SessionState.Answered;
    s.watchLeg(s.a);
    s.watchLeg(s.b);
    s.settledResolve(true);
    return s;
  }

  /** The other leg of `leg` (undefined before an answer). */
  other(leg: Leg): Leg | undefined {
    return leg === this.a ? this.b : leg === this.b ? this.a : undefined;
  }

  dialogs(): TrackedLeg[] {
    return [this.a, this.b].filter((l): l is Leg => l?.dialog !== undefined && !l.gone)
      .map((l) => ({ callId: l.dialog?.sip.callId ?? '', localTag: l.dialog?.sip.localTag ?? '', remoteTag: l.dialog?.sip.remoteTag ?? '' }));
  }

  get ended(): boolean {
    return this.ending !== undefined;
  }

  /** The caller CANCELled its INVITE (sipd already answered 200 + 487, RFC 3261 §9.2). */
  callerCancelled(reason: string | undefined): void {
    if (this.callerCancel !== undefined || this.state === SessionState.Answered) return;
    this.callerCancel = parseReason(reason);
    this.dialer?.cancel(reason || CALLER_CANCELLED);
    if (!this.dialer) void this.teardown({ side: 'caller', status: 487, phrase: 'Request Terminated', cause: this.callerCancel });
  }

  /** Routes and dials for the caller side (an INVITE, or a transferred party). */
  async start(caller: CallerIdentity, route: Route): Promise<void> {
    try {
      this.media = await this.deps.media.createEndpoint(this.id);
    } catch {
      return this.refuse(CallError.MediaUnavailable);
    }
    if (this.ended) return;
    this.cdr.caller = this.a.party;
    if (route.kind === 'outbound') {
      this.cdr.direction = 'outbound';
      this.cdr.callee = numberParty(route.e164);
      return this.dialTrunks(caller, route);
    }
    this.cdr.direction = route.kind === 'inbound' ? 'inbound' : 'onnet';
    if (route.kind === 'inbound') this.cdr.trunk = route.trunk;
    // The number the caller dialled (DID, or the callee's E.164), else the callee's own phone.
    const number = route.e164 ?? route.callee.phone;
    this.cdr.callee = { ...accountParty(route.callee), number };
    return this.dialDevices(route.callee, number);
  }

  private refuse(error: CallError): Promise<void> {
    const r = CALL_ERROR_REPLIES[error];
    return this.teardown({ side: 'system', status: r.status, phrase: r.phrase, reason: r.reason, cause: parseReason(r.reason) });
  }

  /** The SDP offer for a new branch: the caller's offer through rtpengine, shaped for the target. */
  offerFor = (target: BranchTarget): Promise<string> => {
    if (!this.media) return Promise.reject(new Error('no media endpoint'));
    return this.preOffers.take(target.device?.instance, target.legId) ?? this.freshOffer(target.legId, target.profile);
  };

  private freshOffer(legId: string, profile: LegProfile): Promise<string> {
    if (!this.media) return Promise.reject(new Error('no media endpoint'));
    return this.media.offer({ from: this.a.id, to: legId, sdp: this.callerSide?.sdp ?? '', toProfile: profile, initial: true });
  }

  /**
   * A branch's early media (RFC 3960 gateway model): its SDP through rtpengine to the caller in a
   * 183, once per call (the first branch that sends it; later answers re-point the media anyway).
   */
  private onEarlyMedia = (target: BranchTarget, sdp: string): void => {
    if (this.earlyLeg !== undefined || this.ended || this.callerCancel !== undefined || !this.media || !this.callerSide?.earlyMedia) {
      this.onRinging();
      return;
    }
    this.earlyLeg = target.legId;
    if (this.state === SessionState.Routing) this.state = SessionState.Ringing;
    this.cdr.ringing();
    const side = this.callerSide;
    void this.media.answer({ offerer: this.a.id, answerer: target.legId, sdp, offererProfile: this.a.profile, initial: true })
      .then((sdpA) => { if (!this.ended && this.state !== SessionState.Answered) side.earlyMedia?.(sdpA); })
      .catch((err: unknown) => this.logger.info({ err: (err as Error).message }, 'early media not relayed'));
  };

  private onRinging = (): void => {
    if (this.state !== SessionState.Routing || this.ended || this.callerCancel !== undefined) return;
    this.state = SessionState.Ringing;
    this.cdr.ringing();
    try {
      this.callerSide?.ringing();
    } catch (err) {
      this.logger.debug({ err }, 'ringing not signalled');
    }
  };

  /** ONNET / inbound: every reachable device of the callee in parallel; asleep ones via push. */
  private async dialDevices(callee: AccountRow, number: string | null): Promise<void> {
    const aor = `sip:${callee.username}@${callee.domain}`;
    const devices = await reachableDevices(this.deps.location, aor);
    const live = new Set(devices.map((d) => d.instance).filter(Boolean));
    // Sleeping devices matter only when something can wake them (no query otherwise).
    const asleep = this.deps.push.canWake ? (await this.deps.directory.pushDevices(callee.id)).filter((d) => !live.has(d.instance)) : [];
    if (this.ended) return;
    const canWake = this.deps.push.canWake && asleep.length > 0;
    if (devices.length === 0 && !canWake) return this.refuse(CallError.NoDevice);
    const fork = new Fork(this.deps.srf, {
      noAnswerTimeoutMs: this.deps.settings.noAnswerTimeoutMs,
      offerFor: this.offerFor,
      onRinging: this.onRinging,
      onEarlyMedia: this.onEarlyMedia,
    });
    this.dialer = fork;
    const from = this.callerSide?.from ?? '<sip:anonymous@anonymous.invalid>';
    const targetOf = (d: ReachableDevice): BranchTarget => {
      const profile = { kind: d.flow.transport === 'ws' || d.flow.transport === 'wss' ? 'webrtc' as const : 'sip' as const };
      return {
        // A woken device whose offer was made while it slept takes that branch (offerFor).
        legId: this.preOffers.legFor(d.instance, profile) ?? `b${++this.branchSeq}`,
        uri: d.requestUri,
        proxy: d.nextHop,
        profile,
        party: { ...accountParty(callee, d.instance ?? d.requestUri), number },
        headers: { From: from, To: `<${aor}>` },
        device: d,
      };
    };
    if (this.deps.push.canWake) {
      // Also without sleeping devices: an unanswered call gets the callee's missed-call alerts.
      if (canWake) fork.setKeepOpen(true);
      for (const d of asleep) this.pushedInstances.add(d.instance);
      this.pushHandle = this.deps.push.incomingCall({
        sessionId: this.id, callId: this.cdr.aLegCallId, callee: { accountId: callee.id, aor },
        caller: { accountId: this.a.party.accountId, number: this.a.party.number, displayName: this.a.party.displayName, uri: from },
        devices: asleep,
      }, (d) => fork.join(targetOf(d)), () => fork.setKeepOpen(false));
      // After the pushes went out: their branch offers, so a woken device rings without waiting for rtpengine.
      if (this.media) this.preOffers.start(asleep);
      // No 180 yet: the caller hears ringing only when a device rings (sipd sent 100 Trying).
    }
    for (const d of devices) fork.add(targetOf(d));
    const outcome = await fork.result;
    this.dialer = undefined;
    await this.settle(outcome);
  }

  /** OFFNET: the route's trunks in order, with failover and digest auth towards the carrier. */
  private async dialTrunks(caller: CallerIdentity, route: Extract<Route, { kind: 'outbound' }>): Promise<void> {
    const account = caller.kind === 'account' ? caller.account : undefined;
    const callerNumber = account?.phone ?? (account ? await this.deps.directory.firstDid(account.id) : undefined) ?? this.a.party.number;
    const display = this.a.party.displayName;
    const dialer = new TrunkDialer(this.deps.srf, route.trunks, {
      setupTimeoutMs: this.deps.settings.trunkSetupTimeoutMs,
      noAnswerTimeoutMs: this.deps.settings.noAnswerTimeoutMs,
      logger: this.logger,
      offerFor: this.offerFor,
      onRinging: this.onRinging,
      onEarlyMedia: this.onEarlyMedia,
      acquire: async (t) => {
        const key = this.deps.limits.key('trunk', t.id);
        if (t.maxCalls === null) return null;
        return (await this.deps.limits.acquire(key, t.maxCalls)) ? key : false;
      },
      release: (key) => void this.deps.limits.release(key).catch(() => undefined),
      targetFor: async (t) => {
        const password = t.authUser ? await this.deps.directory.trunkPassword(t.id) : null;
        const host = t.host.includes(':') ? `[${t.host}]` : t.host;
        const from = `${display ? `"${display.replace(/"/g, '')}" ` : ''}<sip:${callerNumber ?? 'anonymous'}@${host}>`;
        return {
          legId: `b${++this.branchSeq}`,
          uri: `sip:${route.e164}@${host}:${t.port};transport=${t.transport}`,
          profile: { kind: 'trunk', codecs: t.codecs },
          party: numberParty(route.e164),
          headers: { From: from, To: `<sip:${route.e164}@${host}>` },
          ...(t.authUser && password !== null ? { auth: { username: t.authUser, password } } : {}),
          trunk: t,
        };
      },
    });
    this.dialer = dialer;
    const outcome: TrunkOutcome = await dialer.run();
    this.dialer = undefined;
    if (outcome.ok) {
      this.cdr.trunk = outcome.trunk;
      if (outcome.limitKey) this.limits.push(outcome.limitKey);
      return this.settle({ ok: true, winner: outcome.winner });
    }
    if (outcome.lastTrunk) this.cdr.trunk = outcome.lastTrunk;
    if (outcome.allAtLimit) return this.refuse(CallError.TrunkLimit);
    if (!outcome.cancelled && !outcome.noAnswer && outcome.status === 503) return this.refuse(CallError.TrunksFailed);
    return this.settle({ ok: false, status: outcome.status, phrase: outcome.phrase, noAnswer: outcome.noAnswer, cancelled: outcome.cancelled, failures: [] });
  }

  /** The dialling is over: bridge the winner to the caller, or end with the final status. */
  private async settle(outcome: ForkOutcome): Promise<void> {
    if (!outcome.ok) {
      if (outcome.cancelled) return this.teardown({ side: 'caller', status: 487, phrase: 'Request Terminated', cause: this.callerCancel ?? null });
      const reason = outcome.noAnswer ? CALL_ERROR_REPLIES[CallError.NoAnswer].reason
        : outcome.status === 486 ? CALL_ERROR_REPLIES[CallError.Busy].reason : formatReason(outcome.status, outcome.phrase);
      return this.teardown({
        side: outcome.noAnswer ? 'system' : 'callee', status: outcome.status, phrase: outcome.phrase, reason,
        cause: parseReason(reason), noAnswer: outcome.noAnswer,
      });
    }
    const { dialog, target } = outcome.winner;
    this.b = { id: target.legId, dialog, profile: target.profile, party: target.party, gone: false };
    this.cdr.bLegCallId = dialog.sip.callId;
    this.cdr.callee = target.party;
    this.watchLeg(this.b);
    if (this.ended || this.callerCancel !== undefined) {
      return this.teardown({ side: 'caller', status: 487, phrase: 'Request Terminated', cause: this.callerCancel ?? null });
    }
    try {
      const media = this.media as MediaEndpoint;
      const sdpA = await media.answer({ offerer: this.a.id, answerer: this.b.id, sdp: dialog.remote.sdp, offererProfile: this.a.profile, initial: true });
      this.cdr.codecB = firstCodec(dialog.remote.sdp);
      this.cdr.codecA = firstCodec(sdpA);
      const uas = await (this.callerSide as CallerSide).answer(sdpA);
      this.a.dialog = uas;
      this.cdr.answered();
      this.state = SessionState.Answered;
      const woken = target.device?.instance !== undefined && this.pushedInstances.has(target.device.instance);
      this.endPush(woken ? 'answered' : 'answered-elsewhere');
      this.watchLeg(this.a);
      this.settledResolve(true);
      this.logger.info({ callee: target.uri, leg: this.b.id, mediaInstance: media.instance }, 'call answered');
    } catch (err) {
      this.logger.info({ err: (err as Error).message }, 'caller gone before the answer reached it');
      return this.teardown({ side: 'caller', status: 487, phrase: 'Request Terminated', cause: this.callerCancel ?? null });
    }
  }

  /** In-dialog requests of a leg: BYE ends the call, offers are relayed, INFO relayed, REFER transfers. */
  watchLeg(leg: Leg): void {
    const d = leg.dialog;
    if (!d) return;
    leg.listeners = [];
    const on = ((event: string, fn: (...args: unknown[]) => void) => {
      leg.listeners?.push([event, fn]);
      d.on(event as 'destroy', fn as unknown as (msg: SrfReq) => void);
    }) as unknown as Dialog['on'];
    const ended = (msg: SrfReq | undefined): void => {
      leg.gone = true;
      const cause = parseReason(msg?.get?.('Reason'));
      void this.teardown({ side: leg === this.a ? 'caller' : 'callee', endedLeg: leg, cause });
    };
    on('destroy', ended);
    // A BYE that arrived before we listened (same read as the 2xx) left the dialog disconnected.
    if ((d as unknown as { connected?: boolean }).connected === false) setImmediate(() => ended(undefined));
    // Requests srf held since it created the dialog (re-INVITE, BYE, ...) now reach the listeners.
    holdRequests(d, false);
    on('modify', (req, res) => void this.relayOffer(leg, req.body, async (other, sdp) => (other.dialog as Dialog).modify(sdp))
      .then((sdp) => res.send(200, { body: sdp, headers: { 'Content-Type': 'application/sdp' } }))
      .catch((err: unknown) => this.refuseInDialog(res, err)));
    on('update', (req, res) => {
      if (!req.body) return res.send(200);
      void this.relayOffer(leg, req.body, async (other, sdp) => {
        const r = await (other.dialog as Dialog).request({ method: 'UPDATE', body: sdp, headers: { 'Content-Type': 'application/sdp' } } as unknown as Parameters<Dialog['request']>[0]);
        if (r.status >= 300) throw Object.assign(new Error('UPDATE refused'), { status: r.status, reason: r.reason });
        return r.body;
      }).then((sdp) => res.send(200, { body: sdp, headers: { 'Content-Type': 'application/sdp' } }))
        .catch((err: unknown) => this.refuseInDialog(res, err));
    });
    on('info', (req, res) => void this.relayInfo(leg, req, res));
    on('refer', (req, res) => void handleRefer(this, leg, req as SrfReq, res).catch((err: unknown) => {
      this.logger.warn({ err }, 'REFER failed');
      if (!res.finalResponseSent) res.send(500);
    }));
  }

  private refuseInDialog(res: SrfRes, err: unknown): void {
    const s = sipStatusOf(err);
    this.logger.info({ status: s.status, err: (err as Error).message }, 'offer not relayed');
    if (!res.finalResponseSent) res.send(s.status >= 400 && s.status < 700 && s.status !== 500 ? s.status : 488);
  }

  /**
   * A re-INVITE/UPDATE offer from `from` (RFC 3261 §14, RFC 3311): rewritten by rtpengine for the
   * other leg (media re-anchored there), sent, and its answer rewritten back. Hold (sendonly/
   * inactive, RFC 3264 §8.4) passes through like any offer.
   */
  async relayOffer(from: Leg, sdp: string, send: (to: Leg, sdp: string) => Promise<string>): Promise<string> {
    const to = this.other(from);
    if (!to?.dialog || to.gone || !this.media) throw Object.assign(new Error('no peer'), { status: 481, reason: 'Call Does Not Exist' });
    if (!sdp) return from.dialog?.local.sdp ?? '';
    this.logger.info({ from: from.id, hold: isHold(sdp) }, 'relaying offer');
    const offer = await this.media.offer({ from: from.id, to: to.id, sdp, toProfile: to.profile });
    const answer = await send(to, offer);
    return this.media.answer({ offerer: from.id, answerer: to.id, sdp: answer, offererProfile: from.profile });
  }

  /** SIP INFO (e.g. application/dtmf-relay) relayed to the other leg with its status back. */
  private async relayInfo(from: Leg, req: { body: string; get(n: string): string | undefined }, res: SrfRes): Promise<void> {
    const to = this.other(from);
    if (!to?.dialog || to.gone) return res.send(481);
    const headers: Record<string, string> = {};
    const ct = req.get('Content-Type');
    if (ct) headers['Content-Type'] = ct;
    try {
      const r = await to.dialog.request({ method: 'INFO', headers, body: req.body } as unknown as Parameters<Dialog['request']>[0]);
      res.send(r.status);
    } catch (err) {
      res.send(sipStatusOf(err).status);
    }
  }

  /** Tells the push-call server once how the call ended for its devices. */
  private endPush(outcome: Parameters<PushCallHandle['end']>[0]): void {
    const h = this.pushHandle;
    this.pushHandle = undefined;
    try {
      h?.end(outcome);
    } catch (err) {
      this.logger.warn({ err }, 'push gateway end() threw');
    }
  }

  /** A leg leaves the session without a BYE (it moves to another session: transfer). */
  detach(leg: Leg): void {
    for (const [event, fn] of leg.listeners ?? []) leg.dialog?.removeListener(event, fn);
    leg.listeners = [];
    if (leg === this.b) this.b = undefined;
    leg.gone = true;
  }

  teardown(cause: TeardownCause): Promise<void> {
    this.ending ??= this.runTeardown(cause);
    return this.ending;
  }

  private async runTeardown(c: TeardownCause): Promise<void> {
    const endedAt = Date.now();
    this.settledResolve(false);
    this.endingResolve();
    this.state = SessionState.Ended;
    this.dialer?.cancel(c.reason ?? CALLER_CANCELLED);
    const answered = this.a.dialog !== undefined;
    const status = answered ? 200 : c.status ?? 500;
    const phrase = answered ? 'OK' : c.phrase ?? 'Server Internal Error';
    if (!answered && this.callerCancel === undefined) {
      try {
        this.callerSide?.fail(status, phrase, c.reason);
      } catch (err) {
        this.logger.debug({ err }, 'final response not sent');
      }
    }
    const bye = c.reason ?? (c.side === 'system' ? formatReason(500, 'Call ended by the system') : undefined);
    for (const leg of [this.a, this.b]) {
      if (!leg?.dialog || leg.gone || leg === c.endedLeg) continue;
      leg.gone = true;
      try {
        leg.dialog.destroy(bye ? { headers: { Reason: bye } } : undefined);
      } catch (err) {
        this.logger.debug({ err, leg: leg.id }, 'BYE not sent');
      }
    }
    const stats = this.media ? await this.media.destroy() : undefined;
    for (const key of this.limits.splice(0)) await this.deps.limits.release(key).catch(() => undefined);
    this.endPush(answered ? 'answered' : this.callerCancel !== undefined ? 'cancelled' : c.noAnswer ? 'no-answer' : 'failed');
    const record = this.cdr.build({
      at: endedAt, status, phrase, side: c.side, cause: c.cause ?? null, noAnswer: c.noAnswer ?? false,
      ...(stats ? { stats } : {}), legs: { a: this.a.id, b: this.b?.id ?? null },
    });
    this.deps.sessions.remove(this);
    this.logger.info({ cdr: record.id, disposition: record.disposition, status: record.sipStatus, side: c.side, talkMs: record.talkMs }, 'call ended');
    try {
      await this.deps.cdr.write(record);
    } catch (err) {
      this.logger.error({ err, cdr: record.id }, 'CDR write failed');
    }
  }
}
