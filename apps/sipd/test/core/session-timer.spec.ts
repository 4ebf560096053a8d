// RFC 4028 decisions sipd takes (as drachtio-server: sip-dialog-controller.cpp) and the
// per-dialog timer table: who refreshes, what our 2xx announces, when the timer fires.
import assert from 'node:assert/strict';
import { SipRequest, SipResponse } from '../../src/parser';
import { Dialog } from '../../src/dialog/dialog';
import {
  expiryDelayMs, needs422, parseMinSE, parseSessionExpires, planFromAnswer, planPeerRefresh, planUasAnswer, refreshDelayMs,
  announceSessionTimer, onPeerRefresh, rememberLocalSdp, SessionTimers, sessionTooSmall, type SessionTimerConfig,
} from '../../src/core/session-timer';

const cfg = (o: Partial<SessionTimerConfig> = {}): SessionTimerConfig => ({ minSE: 90, defaultRefresher: 'none', ...o });

function invite(headers: Record<string, string>): SipRequest {
  const r = new SipRequest('INVITE', 'sip:callee@127.0.0.1');
  r.append('from', '<sip:caller@127.0.0.1>;tag=a');
  r.append('to', '<sip:callee@127.0.0.1>');
  r.append('call-id', 'st-1');
  r.append('cseq', '1 INVITE');
  r.append('contact', '<sip:caller@127.0.0.1:5070>');
  for (const [k, v] of Object.entries(headers)) r.append(k, v);
  return r;
}

function confirmedDialog(): Dialog {
  const req = invite({});
  const res = new SipResponse(200, 'OK');
  res.append('to', '<sip:callee@127.0.0.1>;tag=b');
  const d = Dialog.forUas(req, res, '<sip:127.0.0.1:5060>', undefined);
  assert.ok(d);
  return d;
}

describe('core/session-timer', () => {
  describe('header parsing (RFC 4028 §4, §5)', () => {
    it('reads delta-seconds and the refresher parameter, case-insensitively', () => {
      assert.deepEqual(parseSessionExpires('1800;refresher=UAC'), { delta: 1800, refresher: 'uac' });
      assert.deepEqual(parseSessionExpires(' 90 ; refresher = uas'), { delta: 90, refresher: 'uas' });
      assert.deepEqual(parseSessionExpires('600'), { delta: 600, refresher: undefined });
      assert.deepEqual(parseSessionExpires('600;x=1'), { delta: 600, refresher: undefined });
    });
    it('rejects a malformed Session-Expires', () => {
      assert.equal(parseSessionExpires('soon'), undefined);
      assert.equal(parseSessionExpires(undefined), undefined);
      assert.equal(parseMinSE('120;x'), 120);
      assert.equal(parseMinSE('x'), undefined);
    });
  });

  describe('timing (RFC 4028 §10)', () => {
    it('the refresher refreshes at half the interval', () => {
      assert.equal(refreshDelayMs(90), 45_000);
      assert.equal(refreshDelayMs(1800), 900_000);
    });
    it('without a refresh the BYE goes out min(32, interval/3) s before expiry', () => {
      assert.equal(expiryDelayMs(90), 60_000);
      assert.equal(expiryDelayMs(1800), 1_768_000);
      assert.equal(expiryDelayMs(6), 4_000);
    });
  });

  describe('a new INVITE below our minimum', () => {
    it('gets 422 when the UAC supports timer (it can retry, §7.3)', () => {
      assert.equal(needs422(invite({ supported: 'timer', 'session-expires': '60' }), cfg()), true);
      assert.equal(needs422(invite({ supported: '100rel, timer', 'session-expires': '89' }), cfg()), true);
    });
    it('does not when the interval is at or above our minimum, or the UAC does not support timer', () => {
      assert.equal(needs422(invite({ supported: 'timer', 'session-expires': '90' }), cfg()), false);
      assert.equal(needs422(invite({ 'session-expires': '60' }), cfg()), false);
      assert.equal(needs422(invite({ supported: 'timer' }), cfg()), false);
    });
  });

  describe('our 2xx to a new INVITE (srv doRespondToSipRequest)', () => {
    it('the app’s Session-Expires wins: refresher=uas ⇒ we refresh; none or uac ⇒ the caller; never below our minimum', () => {
      const inv = invite({ 'session-expires': '1800;refresher=uac' });
      assert.deepEqual(planUasAnswer(inv, '600;refresher=uas', cfg()), { plan: { interval: 600, weRefresh: true }, header: undefined, requireTimer: false });
      assert.deepEqual(planUasAnswer(inv, '600', cfg()).plan, { interval: 600, weRefresh: false });
      assert.deepEqual(planUasAnswer(inv, '30;refresher=uas', cfg()).plan, { interval: 90, weRefresh: true });
    });
    it('else the caller’s refresher is honoured and announced, with Require: timer when it supports timer (§9)', () => {
      const a = planUasAnswer(invite({ supported: 'timer', 'session-expires': '1800;refresher=uas' }), undefined, cfg());
      assert.deepEqual(a, { plan: { interval: 1800, weRefresh: true }, header: '1800;refresher=uas', requireTimer: true });
      const b = planUasAnswer(invite({ 'session-expires': '300;refresher=uac' }), undefined, cfg());
      assert.deepEqual(b, { plan: { interval: 300, weRefresh: false }, header: '300;refresher=uac', requireTimer: false });
    });
    it('a caller without a refresher gets the configured default; default none ⇒ no timer and nothing added', () => {
      const inv = invite({ supported: 'timer', 'session-expires': '1800' });
      assert.deepEqual(planUasAnswer(inv, undefined, cfg()), { plan: undefined, header: undefined, requireTimer: false });
      assert.equal(planUasAnswer(inv, undefined, cfg({ defaultRefresher: 'uas' })).header, '1800;refresher=uas');
      assert.deepEqual(planUasAnswer(inv, undefined, cfg({ defaultRefresher: 'uac' })).plan, { interval: 1800, weRefresh: false });
    });
    it('the interval is raised to our minimum and to the caller’s Min-SE', () => {
      assert.equal(planUasAnswer(invite({ 'session-expires': '30;refresher=uac' }), undefined, cfg()).header, '90;refresher=uac');
      assert.equal(planUasAnswer(invite({ 'session-expires': '100;refresher=uac', 'min-se': '120' }), undefined, cfg()).header, '120;refresher=uac');
    });
    it('no Session-Expires anywhere ⇒ no timer', () => {
      assert.equal(planUasAnswer(invite({}), undefined, cfg({ defaultRefresher: 'uas' })).plan, undefined);
    });
  });

  describe('a refresh from the peer (re-INVITE/UPDATE)', () => {
    it('refresher=uac ⇒ the peer, uas ⇒ us, none ⇒ whoever refreshed before (the peer if no timer ran)', () => {
      assert.deepEqual(planPeerRefresh(invite({ 'session-expires': '120;refresher=uac' }), { interval: 90, weRefresh: true }, cfg()), { interval: 120, weRefresh: false });
      assert.deepEqual(planPeerRefresh(invite({ 'session-expires': '120;refresher=uas' }), undefined, cfg()), { interval: 120, weRefresh: true });
      assert.deepEqual(planPeerRefresh(invite({ 'session-expires': '120' }), { interval: 90, weRefresh: true }, cfg()), { interval: 120, weRefresh: true });
      assert.deepEqual(planPeerRefresh(invite({ 'session-expires': '120' }), undefined, cfg()), { interval: 120, weRefresh: false });
    });
    it('without Session-Expires the session timer stops', () => {
      assert.equal(planPeerRefresh(invite({}), { interval: 90, weRefresh: false }, cfg()), undefined);
    });
  });

  describe('the 2xx to a request we sent (RFC 4028 §7.2)', () => {
    it('refresher=uac or none ⇒ we refresh; uas ⇒ the peer; no Session-Expires ⇒ no timer', () => {
      const res = (se?: string): SipResponse => {
        const r = new SipResponse(200, 'OK');
        if (se) r.append('session-expires', se);
        return r;
      };
      assert.deepEqual(planFromAnswer(res('90;refresher=uac')), { interval: 90, weRefresh: true });
      assert.deepEqual(planFromAnswer(res('90')), { interval: 90, weRefresh: true });
      assert.deepEqual(planFromAnswer(res('90;refresher=uas')), { interval: 90, weRefresh: false });
      assert.equal(planFromAnswer(res()), undefined);
    });
  });

  describe('SessionTimers', () => {
    it('fires the refresh at half the interval when we refresh, the expiry otherwise; re-arming replaces; cancel clears', async () => {
      const fired: string[] = [];
      const timers = new SessionTimers((d) => fired.push(`refresh ${d.id}`), (d) => fired.push(`expire ${d.id}`));
      const d = confirmedDialog();
      timers.arm(d, { interval: 0.06, weRefresh: true }); // refresh at 30 ms
      assert.equal(timers.size, 1);
      assert.deepEqual(timers.planOf(d.id), { interval: 0.06, weRefresh: true });
      await new Promise((r) => setTimeout(r, 60));
      assert.deepEqual(fired, [`refresh ${d.id}`]);
      assert.equal(timers.size, 0, 'a fired timer leaves the table');
      timers.arm(d, { interval: 0.03, weRefresh: false }); // expiry at 20 ms
      timers.arm(d, { interval: 0.3, weRefresh: false }); // replaced: 200 ms
      await new Promise((r) => setTimeout(r, 60));
      assert.equal(fired.length, 1, 'the replaced timer did not fire');
      timers.cancel(d.id);
      assert.equal(timers.size, 0);
      await new Promise((r) => setTimeout(r, 250));
      assert.equal(fired.length, 1, 'a cancelled timer never fires');
    });
    it('does not arm for a terminated dialog, and close() clears every timer', () => {
      const timers = new SessionTimers(() => assert.fail('no refresh'), () => assert.fail('no expiry'));
      const d = confirmedDialog();
      d.state = 'terminated';
      timers.arm(d, { interval: 0.01, weRefresh: true });
      assert.equal(timers.size, 0);
      const e = confirmedDialog();
      timers.arm(e, { interval: 0.01, weRefresh: false });
      timers.close();
      assert.equal(timers.size, 0);
    });
  });

  describe('glue used by the UAS side', () => {
    it('a peer refresh below our minimum is refused without touching the running timer; a valid one re-arms it', () => {
      const timers = new SessionTimers(() => undefined, () => undefined);
      const d = confirmedDialog();
      timers.arm(d, { interval: 1000, weRefresh: false });
      const small = invite({ 'session-expires': '30' });
      assert.equal(onPeerRefresh(small, d, timers, cfg()), 'too-small');
      assert.deepEqual(timers.planOf(d.id), { interval: 1000, weRefresh: false });
      assert.deepEqual(onPeerRefresh(invite({ 'session-expires': '120;refresher=uas' }), d, timers, cfg()), { interval: 120, weRefresh: true });
      assert.deepEqual(timers.planOf(d.id), { interval: 120, weRefresh: true });
      assert.equal(onPeerRefresh(invite({}), d, timers, cfg()), undefined);
      assert.equal(timers.size, 0, 'a re-INVITE without Session-Expires stops the timer');
      const res = sessionTooSmall(small, 'x', cfg());
      assert.equal(res.status, 422);
      assert.equal(res.get('min-se'), '90');
      timers.close();
    });
    it('our 2xx announces the plan: added for a new INVITE (with Require: timer), for a refresh, never when the app set its own', () => {
      const inv = invite({ supported: 'timer', 'session-expires': '300;refresher=uas' });
      const ok = new SipResponse(200, 'OK');
      assert.deepEqual(announceSessionTimer(inv, ok, true, undefined, cfg()), { interval: 300, weRefresh: true });
      assert.equal(ok.get('session-expires'), '300;refresher=uas');
      assert.equal(ok.get('require'), 'timer');
      const ok2 = new SipResponse(200, 'OK');
      assert.deepEqual(announceSessionTimer(inv, ok2, false, { interval: 120, weRefresh: false }, cfg()), { interval: 120, weRefresh: false });
      assert.equal(ok2.get('session-expires'), '120;refresher=uac');
      const ok3 = new SipResponse(200, 'OK');
      ok3.append('session-expires', '600;refresher=uac');
      assert.deepEqual(announceSessionTimer(inv, ok3, true, undefined, cfg()), { interval: 600, weRefresh: false });
      assert.equal(ok3.getAll('session-expires').length, 1);
      assert.equal(announceSessionTimer(invite({}), new SipResponse(200, 'OK'), false, undefined, cfg()), undefined);
    });
  });

  it('rememberLocalSdp keeps the last body we sent with its Content-Type', () => {
    const d = confirmedDialog();
    const r = new SipResponse(200, 'OK');
    rememberLocalSdp(d, r);
    assert.equal(d.localSdp, undefined, 'no body, nothing remembered');
    r.body = Buffer.from('v=0\r\n');
    rememberLocalSdp(d, r);
    assert.deepEqual(d.localSdp, { body: Buffer.from('v=0\r\n'), contentType: 'application/sdp' });
  });
});
