// Acceptance: RFC 4028 session timers on the real sipd with an unmodified drachtio-srf app.
// sipd as refresher sends a refreshing re-INVITE at half the interval (the 90 s legal minimum:
// the re-INVITE reaches SIPp at ~45 s); a peer that promised to refresh and stays silent gets a
// BYE before expiry, the app's dialog is destroyed and cdr:stop says session-expired; a refresh
// from the peer pushes the expiry back; 422 with Min-SE below our minimum. The short-interval
// cases run on a second sipd started with `--sipd-min-se 6`.
import assert from 'node:assert/strict';
import type { SipdProcess } from '../support/sipd';
import { runSipp, sippUas, type SippProcess } from '../support/sipp';
import { assertNoCrash, assertNoRefusedResponses } from '../sipd/support/output';
import { branch, parseResponse, rawInvite, RawUdpPeer } from '../sipd/support/raw-udp';
import { connectApp, disconnectApp, sdp, waitFor, type SrfApp, type SrfDialog, type SrfMessage, type SrfReq, type SrfRes } from '../sipd/support/srf';
import { assertCalls, bodyOf, featureSrf, header, isRequest, isResponseTo, rawResponse, rawUacRequest, startFeatureSipd, traced } from './support';

type Handler = (req: SrfReq, res: SrfRes) => void;

interface Rig {
  sipd: SipdProcess;
  srf: SrfApp;
  onInvite: Handler | undefined;
  stops: Array<{ reason: string; msg: SrfMessage }>;
}

async function rig(minSE?: number): Promise<Rig> {
  const sipd = await startFeatureSipd({ cdrs: true, ...(minSE !== undefined ? { minSE } : {}) });
  const r: Rig = { sipd, srf: undefined as unknown as SrfApp, onInvite: undefined, stops: [] };
  r.srf = await connectApp(sipd, (app) => {
    app.invite((req, res) => (r.onInvite ? r.onInvite(req, res) : res.send(500)));
    featureSrf(app).on('cdr:stop', (_source, _time, reason, msg) => r.stops.push({ reason, msg }));
  });
  return r;
}

async function teardown(r: Rig | undefined): Promise<void> {
  if (!r) return;
  disconnectApp(r.srf);
  const code = await r.sipd.stop();
  assert.equal(code, 0, `sipd exit code; output:\n${r.sipd.output().slice(-3000)}`);
  assertNoCrash(r.sipd.output());
  assertNoRefusedResponses(r.sipd.output());
}

/** createUAS with the app's SDP; resolves with the dialog. */
function answer(r: Rig, localSdp: string, dialogs: SrfDialog[]): Handler {
  return (req, res) => {
    r.srf.createUAS(req, res, { localSdp }).then((d) => dialogs.push(d)).catch(() => undefined);
  };
}

describe('sipd: session timers (RFC 4028)', function () {
  this.timeout(90_000);
  const procs: SippProcess[] = [];
  afterEach(async () => {
    for (const p of procs.splice(0)) await p.stop(500);
  });

  describe('with the RFC minimum interval (Min-SE 90)', () => {
    let r: Rig;
    before(async () => { r = await rig(); });
    after(async () => teardown(r));
    afterEach(() => { r.onInvite = undefined; });

    it('sipd is the refresher (caller asked refresher=uas): its 200 says so and a refreshing re-INVITE with the app’s SDP, Session-Expires and Min-SE reaches the caller at half the interval (~45 s)', async () => {
      const dialogs: SrfDialog[] = [];
      const appSdp = sdp(7);
      r.onInvite = answer(r, appSdp, dialogs);
      const run = await runSipp({ scenario: 'uac-call-session-refresh.xml', remote: `127.0.0.1:${r.sipd.sipPort}`, keys: { se: '90' }, calls: 1, timeoutSec: 80, traceMessages: true });
      assertCalls(run, 1, 'caller');
      const trace = traced(run);
      const reinvite = /INVITE sip:[^\r\n]+ SIP\/2\.0\r\n[\s\S]*?\r\n\r\n[\s\S]*?(?=-{20,}|$)/g;
      // The caller's own INVITE has our tag in From; the refresh comes from sipd (tag in To).
      const invites = [...trace.matchAll(reinvite)].map((m) => m[0]).filter((t) => /\r\nTo: [^\r\n]*SIPpTag00/.test(t));
      assert.equal(invites.length, 1, 'exactly one refresh in the call');
      const refresh = invites[0] ?? '';
      assert.match(refresh, /\r\nSession-Expires: 90;refresher=uac\r\n/);
      assert.match(refresh, /\r\nMin-SE: 90\r\n/);
      assert.ok(refresh.includes(appSdp.trim()), 'the refresh repeats the session description the app answered with');
      // Call length: the refresh came at interval/2 = 45 s (the run ends right after it).
      assert.ok(run.elapsedMs > 43_000 && run.elapsedMs < 52_000, `call lasted ${run.elapsedMs} ms`);
      assert.equal(dialogs.length, 1);
      assert.ok(r.stops.some((s) => s.reason === 'normal-release'), 'the caller’s BYE ended it normally');
    });

    it('a Session-Expires below 90 gets 422 with Min-SE: 90 from a UAC that supports timer, and is raised to 90 for one that does not', async () => {
      const dialogs: SrfDialog[] = [];
      r.onInvite = answer(r, sdp(1), dialogs);
      const peer = await RawUdpPeer.open();
      try {
        await peer.send(rawInvite(peer, r.sipd.sipPort, `se422-${branch()}`, ['Supported: timer', 'Session-Expires: 30']), r.sipd.sipPort);
        const got = parseResponse((await peer.next(isResponseTo('INVITE', 422), 3000)) ?? Buffer.alloc(0));
        assert.equal(got?.status, 422);
        assert.equal(got?.reason, 'Session Interval Too Small');
        assert.equal(got?.header('min-se'), '90');
        assert.equal(dialogs.length, 0, 'the app never saw it');

        const invite = rawInvite(peer, r.sipd.sipPort, `seraise-${branch()}`, ['Session-Expires: 30;refresher=uac']);
        await peer.send(invite, r.sipd.sipPort);
        const ok = (await peer.next(isResponseTo('INVITE', 200), 3000))?.toString('latin1') ?? '';
        assert.equal(header(ok, 'session-expires'), '90;refresher=uac', 'raised to our minimum; the caller stays the refresher');
        assert.equal(header(ok, 'require'), undefined, 'no Require: timer for a UAC that did not say it supports timer');
        await peer.send(rawUacRequest(invite.toString('latin1'), ok, 'ACK', 1, { port: peer.port }), r.sipd.sipPort);
        await peer.send(rawUacRequest(invite.toString('latin1'), ok, 'BYE', 2, { port: peer.port }), r.sipd.sipPort);
        assert.ok(await peer.next(isResponseTo('BYE', 200), 3000));
      } finally {
        peer.close();
      }
    });
  });

  describe('with a short interval (--sipd-min-se 6)', () => {
    let r: Rig;
    before(async () => { r = await rig(6); });
    after(async () => teardown(r));
    afterEach(() => { r.onInvite = undefined; r.stops.length = 0; });

    it('the caller is the refresher and never refreshes: sipd sends BYE (Reason: Session timer expired) before expiry, the app’s dialog emits destroy and cdr:stop says session-expired', async () => {
      const dialogs: SrfDialog[] = [];
      r.onInvite = answer(r, sdp(1), dialogs);
      const destroyed = waitFor<string>((done) => {
        const t = setInterval(() => {
          const d = dialogs[0];
          if (!d) return;
          clearInterval(t);
          (d as unknown as { on(ev: 'destroy', fn: (m: SrfMessage, reason: string) => void): void }).on('destroy', (_m, reason) => done(reason));
        }, 20);
      }, 15_000, 'the app dialog’s destroy');
      const started = Date.now();
      const run = await runSipp({ scenario: 'uac-call-session-expiry.xml', remote: `127.0.0.1:${r.sipd.sipPort}`, keys: { se: '6' }, calls: 1, timeoutSec: 30, traceMessages: true });
      assertCalls(run, 1, 'caller');
      const reason = await destroyed;
      assert.equal(reason, 'Session timer expired', 'srf read the Reason text of the unsolicited BYE');
      const bye = /BYE sip:[^\r\n]+ SIP\/2\.0\r\n[\s\S]*?\r\n\r\n/.exec(traced(run))?.[0] ?? '';
      assert.match(bye, /\r\nReason: SIP ;cause=200 ;text="Session timer expired"\r\n/);
      // RFC 4028 §10: BYE at interval − min(32, interval/3) = 4 s after the 200.
      const elapsed = Date.now() - started;
      assert.ok(elapsed > 3500 && elapsed < 9000, `BYE after ${elapsed} ms`);
      await waitFor<void>((done) => { const t = setInterval(() => { if (r.stops.length) { clearInterval(t); done(); } }, 20); }, 3000, 'cdr:stop');
      assert.deepEqual(r.stops.map((s) => s.reason), ['session-expired']);
      assert.equal(r.stops[0]?.msg.method, 'BYE');
    });

    it('a refresh from the peer (re-INVITE with Session-Expires) pushes the expiry back', async () => {
      const dialogs: SrfDialog[] = [];
      r.onInvite = answer(r, sdp(1), dialogs);
      const peer = await RawUdpPeer.open();
      try {
        const start = Date.now();
        const invite = rawInvite(peer, r.sipd.sipPort, `serefresh-${branch()}`, ['Supported: timer', 'Session-Expires: 6;refresher=uac']).toString('latin1');
        await peer.send(Buffer.from(invite, 'latin1'), r.sipd.sipPort);
        const ok = (await peer.next(isResponseTo('INVITE', 200), 3000))?.toString('latin1') ?? '';
        assert.equal(header(ok, 'session-expires'), '6;refresher=uac');
        await peer.send(rawUacRequest(invite, ok, 'ACK', 1, { port: peer.port }), r.sipd.sipPort);
        await new Promise((res) => setTimeout(res, 2500));
        await peer.send(rawUacRequest(invite, ok, 'INVITE', 2, { port: peer.port, body: bodyOf(invite), extra: ['Supported: timer', 'Session-Expires: 6;refresher=uac'] }), r.sipd.sipPort);
        const ok2 = (await peer.next(isResponseTo('INVITE', 200), 3000))?.toString('latin1') ?? '';
        assert.equal(header(ok2, 'session-expires'), '6;refresher=uac', 'the refresh is confirmed with the interval (RFC 4028 §9)');
        await peer.send(rawUacRequest(invite, ok2, 'ACK', 2, { port: peer.port }), r.sipd.sipPort);
        const bye = await peer.next(isRequest('BYE'), 10_000);
        const at = Date.now() - start;
        assert.ok(bye, 'the session still expires when the peer stops refreshing');
        assert.ok(at > 5500, `no BYE at the first expiry (4 s): it came at ${at} ms, 4 s after the refresh`);
        await peer.send(rawResponse(bye.toString('latin1'), 200, 'OK'), r.sipd.sipPort);
      } finally {
        peer.close();
      }
    });

    it('createUAC: the callee’s 200 makes sipd the refresher (refresher=uac): the callee gets the refreshing re-INVITE at half the interval, then the app’s BYE', async () => {
      const far = await sippUas({ scenario: 'uas-answer-session-timer.xml', keys: { se: '6' }, timeoutSec: 40, traceMessages: true });
      procs.push(far);
      const appSdp = sdp(4);
      const uac = await r.srf.createUAC(`sip:callee@127.0.0.1:${far.localPort}`, { localSdp: appSdp, headers: { Supported: 'timer', 'Session-Expires': '6' } });
      await new Promise((res) => setTimeout(res, 4200));
      await uac.destroy();
      const run = await far.stop(3000);
      assertCalls(run, 1, 'callee');
      const trace = traced(run);
      const refresh = /INVITE sip:[^\r\n]+ SIP\/2\.0\r\n(?:(?!\r\n\r\n)[\s\S])*?CSeq: 2 INVITE[\s\S]*?\r\n\r\n[\s\S]*?(?=-{20,}|$)/.exec(trace)?.[0] ?? '';
      assert.match(refresh, /\r\nSession-Expires: 6;refresher=uac\r\n/, `the refresh re-INVITE:\n${trace.slice(-4000)}`);
      assert.ok(refresh.includes(appSdp.trim()), 'with the app’s offer repeated');
    });
  });
});
