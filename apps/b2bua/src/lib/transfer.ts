// Call transfer performed by the B2BUA (RFC 3515 REFER, RFC 3891 Replaces, RFC 5589 flows).
// The transferor (X) sends REFER on its leg of call S; the transferee is S's other leg (Y).
//  - Blind (Refer-To without Replaces): the target is routed like a call from the transferor's
//    account and dialled for Y by a new CallSession whose caller side is Y's existing dialog; Y
//    is re-INVITEd onto the new media when the target answers. X hears the progress as NOTIFY
//    message/sipfrag (RFC 3515 §2.4.5): 100 Trying, 180 Ringing, then the final status.
//  - Attended (Replaces naming X's dialog of another local call S2, whose other leg is Z): Y and
//    Z are bridged on a new media endpoint (re-INVITE Z with Y's offer, then Y with the answer),
//    and both of X's legs are released.
// On success the old sessions lose the moved legs (detach) and are torn down — BYE to X, media
// deleted, CDRs linked (transferredTo / transferredFrom, kind). On failure nothing moved: the
// original call goes on and X learns the failure from the last NOTIFY.
import type { CallerIdentity, Dialog, SrfReq, SrfRes } from './srf-types';
import { CallSession, SessionState, type CallerSide, type Leg } from './call-session';
import { CALL_ERROR_REPLIES } from './errors';
import { firstCodec } from '@openline/media';
import { formatReason } from './reason';
import { uriParts } from './middleware';

export interface ReferTarget {
  uri: string;
  user: string;
  host: string;
  /** Replaces (RFC 3891 §6.1): the dialog to replace, as the transferor sees it. */
  replaces?: { callId: string; toTag: string; fromTag: string };
}

/** Refer-To: `<sip:bob@example.com?Replaces=abc%40h%3Bto-tag%3D1%3Bfrom-tag%3D2>` (RFC 3515 §2.1). */
export function parseReferTo(value: string | undefined): ReferTarget | undefined {
  if (!value) return undefined;
  const inner = /<([^>]+)>/.exec(value)?.[1] ?? value.trim();
  const q = inner.indexOf('?');
  const uri = q >= 0 ? inner.slice(0, q) : inner;
  const parts = uriParts(uri);
  if (!parts) return undefined;
  const t: ReferTarget = { uri, user: decodeURIComponent(parts.user), host: parts.host };
  if (q >= 0) {
    for (const h of inner.slice(q + 1).split('&')) {
      const eq = h.indexOf('=');
      if (eq < 0 || h.slice(0, eq).toLowerCase() !== 'replaces') continue;
      const v = decodeURIComponent(h.slice(eq + 1));
      const [callId, ...params] = v.split(';');
      const p = Object.fromEntries(params.map((x) => x.split('=').map((y) => y.trim())).map(([k, val]) => [k.toLowerCase(), val ?? '']));
      if (callId && p['to-tag'] !== undefined && p['from-tag'] !== undefined) t.replaces = { callId: callId.trim(), toTag: p['to-tag'], fromTag: p['from-tag'] };
    }
  }
  return t;
}

/** NOTIFY with the transfer's progress as a sipfrag (RFC 3515 §2.4.5); failures are only logged. */
function notify(s: CallSession, x: Leg, status: number, phrase: string, final: boolean): void {
  if (!x.dialog || x.gone) return;
  const req = {
    method: 'NOTIFY',
    headers: {
      Event: 'refer',
      'Subscription-State': final ? 'terminated;reason=noresource' : 'active;expires=60',
      'Content-Type': 'message/sipfrag;version=2.0',
    },
    body: `SIP/2.0 ${status} ${phrase}\r\n`,
  };
  x.dialog.request(req as unknown as Parameters<Dialog['request']>[0]).catch((err: unknown) => s.logger.debug({ err }, 'NOTIFY failed'));
}

/** The account the transfer is routed as: the transferor's, else the transferee's. */
async function referrerIdentity(s: CallSession, x: Leg, y: Leg): Promise<CallerIdentity | undefined> {
  for (const p of [x.party, y.party]) {
    if (p.accountId === null) continue;
    const account = await s.deps.directory.accountById(p.accountId);
    if (account?.active) return { kind: 'account', account };
  }
  return undefined;
}

export async function handleRefer(s: CallSession, x: Leg, req: SrfReq, res: SrfRes): Promise<void> {
  const y = s.other(x);
  const target = parseReferTo(req.get('Refer-To'));
  if (!target) return void res.send(400, 'Bad Request - Refer-To', {});
  if (!y?.dialog || y.gone || s.state !== SessionState.Answered) return void res.send(403, 'Forbidden - No Call To Transfer', {});
  if (target.replaces) return attended(s, x, y, target.replaces, res);
  const identity = await referrerIdentity(s, x, y);
  if (!identity) return void res.send(403, 'Forbidden - Transferor Not Local', {});
  const route = await s.deps.router.route(identity, target.user, target.host);
  if (!route.ok) {
    const r = CALL_ERROR_REPLIES[route.error];
    return void res.send(r.status, r.phrase, { headers: { Reason: r.reason } });
  }
  res.send(202, 'Accepted', {});
  notify(s, x, 100, 'Trying', false);
  s.logger.info({ target: target.uri, route: route.route.kind }, 'blind transfer');
  const yDialog = y.dialog;
  const side: CallerSide = {
    sdp: yDialog.remote.sdp,
    from: `<sip:${y.party.username ?? y.party.number ?? 'anonymous'}@${target.host}>`,
    ringing: () => notify(s, x, 180, 'Ringing', false),
    // Y moves to the new media: the re-INVITE carries the new endpoint's SDP (RFC 3725 §4.1 shape).
    answer: async (sdp) => { await yDialog.modify(sdp); return yDialog; },
    fail: (status, phrase) => notify(s, x, status, phrase, true),
  };
  const s2 = new CallSession(s.deps, {
    aLegCallId: yDialog.sip.callId, startedAt: Date.now(), logger: s.logger, callerSide: side,
    aLeg: { id: 'a', dialog: undefined, profile: y.profile, party: y.party, gone: false },
  });
  s2.cdr.transferredFrom = s.cdr.id;
  s2.cdr.transferKind = 'blind';
  // Y's in-dialog requests stay with the old session until the new one answers.
  void s2.start(identity, route.route);
  const answered = await Promise.race([s2.settled, s.over.then(() => false)]);
  if (!answered) {
    if (s.ended && !s2.ended) void s2.teardown({ side: 'system', status: 487, phrase: 'Request Terminated', reason: formatReason(487, 'Transferee gone') });
    return;
  }
  s.detach(y);
  y.dialog = undefined;
  notify(s, x, 200, 'OK', true);
  s.cdr.transferredTo = s2.cdr.id;
  s.cdr.transferKind = 'blind';
  const reason = formatReason(200, 'Call transferred');
  await s.teardown({ side: x === s.a ? 'caller' : 'callee', reason, cause: { protocol: 'SIP', cause: 200, text: 'Call transferred' } });
}

async function attended(s: CallSession, x: Leg, y: Leg, replaces: NonNullable<ReferTarget['replaces']>, res: SrfRes): Promise<void> {
  const s2 = s.deps.sessions.findByDialog(replaces.callId, replaces.toTag, replaces.fromTag) as CallSession | undefined;
  const xr = s2 ? [s2.a, s2.b].find((l) => l?.dialog?.sip.callId === replaces.callId) : undefined;
  const z = s2 && xr ? s2.other(xr) : undefined;
  if (!s2 || s2 === s || !xr || !z?.dialog || z.gone || s2.state !== SessionState.Answered) {
    return void res.send(481, 'Call/Transaction Does Not Exist', {});
  }
  res.send(202, 'Accepted', {});
  notify(s, x, 100, 'Trying', false);
  s.logger.info({ replaces: replaces.callId }, 'attended transfer');
  let media;
  try {
    media = await s.deps.media.createEndpoint(`${s.id}-xfer`);
    const yDialog = y.dialog as Dialog;
    const zDialog = z.dialog;
    const toZ = await media.offer({ from: 'a', to: 'b', sdp: yDialog.remote.sdp, toProfile: z.profile, initial: true });
    const zAnswer = await zDialog.modify(toZ);
    const toY = await media.answer({ offerer: 'a', answerer: 'b', sdp: zAnswer, offererProfile: y.profile, initial: true });
    await yDialog.modify(toY);
    s.detach(y);
    s2.detach(z);
    const s3 = CallSession.bridged(s.deps, {
      aLeg: { id: 'a', dialog: yDialog, profile: y.profile, party: y.party, gone: false },
      bLeg: { id: 'b', dialog: zDialog, profile: z.profile, party: z.party, gone: false },
      media, logger: s.logger, codecs: [firstCodec(toY), firstCodec(zAnswer)],
    });
    s3.cdr.transferredFrom = s.cdr.id;
    s3.cdr.transferKind = 'attended';
    for (const old of [s, s2]) {
      old.cdr.transferredTo = s3.cdr.id;
      old.cdr.transferKind = 'attended';
    }
    notify(s, x, 200, 'OK', true);
    const reason = formatReason(200, 'Call transferred');
    const cause = { protocol: 'SIP', cause: 200, text: 'Call transferred' };
    await Promise.all([
      s.teardown({ side: x === s.a ? 'caller' : 'callee', reason, cause }),
      s2.teardown({ side: xr === s2.a ? 'caller' : 'callee', reason, cause }),
    ]);
  } catch (err) {
    s.logger.warn({ err }, 'attended transfer failed');
    await media?.destroy();
    notify(s, x, 500, 'Server Internal Error', true);
  }
}
