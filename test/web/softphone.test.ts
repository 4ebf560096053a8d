// Acceptance (issue 9, browser end to end): the web softphone (apps/web, served by the API at `/`)
// in Debian's Chromium with fake media devices, against the stack started by the project's
// supervisor, everything inside a network namespace with only `lo` (support/stack-host.ts,
// support/browser.ts). Pages are driven through the client's data-testid contract
// (docs/web-client-contract.md); media is measured with getStats over 2 s windows.
import assert from 'node:assert/strict';
import { mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { launchInNamespace, MEDIA_DENIED_ARGS, type NamespacedBrowser } from './support/browser';
import { StackHost } from './support/host-client';
import { growth, Softphone, type MediaStats } from './support/softphone';
import type { HostAccount, HostCdr } from './support/stack-host';

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const ARTIFACTS = path.join(REPO_ROOT, 'test-artifacts', 'web');
/** Media counters are compared over windows this long. */
const WINDOW_MS = 2000;
/** More than a muted/held direction can carry in a window (RTP headers of stray packets), far less than audio. */
const SILENT_BYTES = 600;
/** Opus at ~32 kbit/s carries ~8000 bytes in 2 s; G.711 16000. */
const FLOWING_BYTES = 3000;

/** totalAudioEnergy growth over a window that holds a few of the fake microphone's beeps. */
const MIN_BEEP_ENERGY = 0.01;

interface CallLogEntry { direction: string; other: { username: string | null }; answered: boolean; durationSeconds: number; outcome: string }

describe('web softphone in Chromium, end to end through the stack', function () {
  this.timeout(180_000);
  let host: StackHost;
  let chrome: NamespacedBrowser;
  let alice: HostAccount;
  let bob: HostAccount;
  let a: Softphone;
  let b: Softphone;
  const pages: Softphone[] = [];
  let baresipPhone: number | undefined;

  const open = async (name: string, query = ''): Promise<Softphone> => {
    const p = await Softphone.open(chrome.browser, name, `${host.info.apiUrl}/${query}`);
    pages.push(p);
    return p;
  };

  /** Both directions of a two-party call carry audio, measured on both pages over the same window. */
  const assertAudioBothWays = async (x: Softphone, y: Softphone, what: string): Promise<void> => {
    const [wx, wy] = await Promise.all([x.statsOver(WINDOW_MS), y.statsOver(WINDOW_MS)]);
    assert.ok(growth(wx, 'audioBytesIn') > FLOWING_BYTES, `${what}: ${x.name} inbound audio bytes grew ${growth(wx, 'audioBytesIn')} in ${WINDOW_MS} ms`);
    assert.ok(growth(wy, 'audioBytesIn') > FLOWING_BYTES, `${what}: ${y.name} inbound audio bytes grew ${growth(wy, 'audioBytesIn')} in ${WINDOW_MS} ms`);
    // Chrome's fake microphone beeps (20 ms every 500 ms): what arrives is not silence.
    assert.ok(growth(wx, 'audioEnergyIn') > MIN_BEEP_ENERGY, `${what}: ${x.name} hears the other's beeps: totalAudioEnergy grew ${growth(wx, 'audioEnergyIn')}`);
    assert.ok(growth(wy, 'audioEnergyIn') > MIN_BEEP_ENERGY, `${what}: ${y.name} hears the other's beeps: totalAudioEnergy grew ${growth(wy, 'audioEnergyIn')}`);
  };

  before(async function () {
    this.timeout(180_000);
    host = await StackHost.start();
    chrome = await launchInNamespace(host.ns.name);
    alice = await host.account('alice');
    bob = await host.account('bob');
    a = await open('alice');
    b = await open('bob');
    await Promise.all([a.signInRegistered(alice.username, alice.webPassword), b.signInRegistered(bob.username, bob.webPassword)]);
  });

  // A failed test must not leave a call up for the next one.
  afterEach(async function () {
    if (this.currentTest?.state !== 'failed') return;
    for (const p of pages) {
      const s = await p.callState().catch(() => null);
      if (s !== null && s !== 'ended') await p.el('hangup').click({ timeout: 2000 }).catch(() => undefined);
      if ((await p.el('incoming').count().catch(() => 0)) > 0) await p.el('decline').click({ timeout: 2000 }).catch(() => undefined);
    }
    process.stdout.write(`${await host.diagnostics().catch(() => '')}\n`);
  });

  after(async function () {
    this.timeout(60_000);
    for (const p of pages) await p.close();
    if (baresipPhone !== undefined) await host.call('baresipStop', { phone: baresipPhone }).catch(() => undefined);
    await chrome?.close();
    await host?.stop();
  });

  describe('harness', () => {
    it('the namespace has only lo, and the stack serves the client and /v1/client/config in it', async () => {
      const links = host.ns.exec('ip', ['-o', 'link', 'show']).trim().split('\n').map((l) => l.split(':')[1]?.trim());
      assert.deepEqual(links, ['lo']);
      for (const s of ['sipd', 'registrar', 'b2bua', 'api']) assert.ok(host.info.services.includes(s), `${s} runs: ${host.info.services.join(', ')}`);
      const health = await host.http('GET', '/v1/health');
      assert.equal(health.status, 200, health.text);
      const cfg = await host.http('GET', '/v1/client/config');
      assert.equal(cfg.status, 200, cfg.text);
      const body = cfg.body as { sipDomain: string; wssUrl: string };
      assert.equal(body.sipDomain, host.info.sipDomain);
      assert.equal(body.wssUrl, `wss://127.0.0.1:${host.info.wssPort}`);
      assert.equal(await a.el('signin-form').isVisible(), false, 'signed in: the sign-in form is gone');
    });
  });

  describe('sign-in', () => {
    it('a wrong password shows signin-error and no SIP registration is attempted (no WebSocket to sipd)', async () => {
      const eve = await open('eve-wrong');
      const account = await host.account('eve');
      await eve.signIn(account.username, 'definitely-not-the-password');
      await eve.el('signin-error').waitFor({ state: 'visible', timeout: 15_000 });
      assert.match(await eve.el('signin-error').innerText(), /\S/, 'the error has a human text');
      // Give a (wrong) client time to go on and register anyway.
      await eve.page.waitForTimeout(1500);
      const reg = eve.el('reg-status');
      const state = (await reg.count()) > 0 ? await reg.getAttribute('data-state') : null;
      assert.notEqual(state, 'registered');
      assert.equal(await eve.el('idle').isVisible(), false, 'not signed in: no idle screen');
      const wss = eve.websockets.filter((u) => u.includes(`:${host.info.wssPort}`));
      assert.deepEqual(wss, [], 'no WebSocket to sipd was opened');
      await eve.close();
    });

    it('the right password registers over WSS (reg-status registered, idle screen)', async () => {
      assert.equal(await a.el('reg-status').getAttribute('data-state'), 'registered');
      assert.equal(await b.el('reg-status').getAttribute('data-state'), 'registered');
      assert.ok(a.websockets.some((u) => u.startsWith('wss://') && u.includes(`:${host.info.wssPort}`)), `alice's WebSockets: ${a.websockets.join(', ')}`);
    });
  });

  describe('audio call browser A → browser B', () => {
    it('B rings and answers; audio flows both ways; the in-call screen is saved as an artifact', async () => {
      await a.dial(bob.username);
      await b.el('incoming').waitFor({ state: 'visible', timeout: 20_000 });
      assert.match(await b.el('incoming-from').innerText(), new RegExp(alice.username));
      await a.waitAttr('call-screen', 'data-state', 'ringing', 10_000);
      await b.answer();
      await Promise.all([a.established(), b.established()]);
      assert.equal(await b.el('incoming').isVisible(), false, 'the incoming panel is gone once answered');
      assert.match(await a.el('call-peer').innerText(), new RegExp(bob.username));
      await assertAudioBothWays(a, b, 'established');
      // Browser to browser: opus end to end (both legs' first codec), nothing to transcode.
      assert.match((await a.stats()).audioCodecIn, /^audio\/opus$/i);
      assert.match((await b.stats()).audioCodecIn, /^audio\/opus$/i);
      assert.match(await a.el('call-timer').innerText(), /^\d\d:\d\d$/);
      mkdirSync(ARTIFACTS, { recursive: true });
      const shot = path.join(ARTIFACTS, 'in-call.png');
      await a.screenshot(shot);
      assert.ok(statSync(shot).size > 1000, 'screenshot written');
      process.stdout.write(`      in-call screenshot: ${shot}\n`);
    });

    it('mute stops A\'s outbound audio (B receives none) and unmute restores it', async () => {
      assert.equal(await a.pressed('mute'), 'false');
      await a.el('mute').click();
      assert.equal(await a.pressed('mute'), 'true');
      await a.page.waitForTimeout(500);
      const [wa, wb] = await Promise.all([a.statsOver(WINDOW_MS), b.statsOver(WINDOW_MS)]);
      assert.ok(growth(wa, 'audioBytesOut') < SILENT_BYTES, `muted: alice still sent ${growth(wa, 'audioBytesOut')} bytes in ${WINDOW_MS} ms`);
      assert.ok(growth(wb, 'audioBytesIn') < SILENT_BYTES, `muted: bob still received ${growth(wb, 'audioBytesIn')} bytes`);
      assert.ok(growth(wa, 'audioBytesIn') > FLOWING_BYTES, `muted: bob → alice must still flow (${growth(wa, 'audioBytesIn')})`);
      await a.el('mute').click();
      assert.equal(await a.pressed('mute'), 'false');
      await a.page.waitForTimeout(500);
      await assertAudioBothWays(a, b, 'unmuted');
    });

    it('hold stops the audio to A (state held) and resume restores both directions', async () => {
      await a.el('hold').click();
      await a.waitAttr('call-screen', 'data-state', 'held', 15_000);
      assert.equal(await a.pressed('hold'), 'true');
      await a.page.waitForTimeout(500);
      const wa = await a.statsOver(WINDOW_MS);
      assert.ok(growth(wa, 'audioBytesIn') < SILENT_BYTES, `held: alice still received ${growth(wa, 'audioBytesIn')} bytes in ${WINDOW_MS} ms`);
      assert.notEqual(await b.callState(), 'ended', 'bob stays in the call');
      await a.el('hold').click();
      await a.waitAttr('call-screen', 'data-state', 'established', 15_000);
      assert.equal(await a.pressed('hold'), 'false');
      await a.page.waitForTimeout(500);
      await assertAudioBothWays(a, b, 'resumed');
    });

    it('hang up returns both to idle, and the CDR / call log shows the answered call on both sides', async () => {
      await a.el('hangup').click();
      await Promise.all([a.idle(), b.idle()]);
      assert.equal(await a.el('incoming').isVisible(), false);
      const calls = async (acc: HostAccount): Promise<CallLogEntry[]> => {
        const r = (await host.call('calls', { login: acc.username, password: acc.webPassword })) as { status: number; body: { items: CallLogEntry[] }; text: string };
        assert.equal(r.status, 200, r.text);
        return r.body.items;
      };
      let out: CallLogEntry[] = [];
      for (let i = 0; i < 50 && out.length === 0; i++) {
        out = await calls(alice);
        if (out.length === 0) await new Promise((r) => setTimeout(r, 200));
      }
      assert.equal(out.length, 1, `alice's call log: ${JSON.stringify(out)}`);
      assert.equal(out[0]!.direction, 'outgoing');
      assert.equal(out[0]!.other.username, bob.username);
      assert.equal(out[0]!.answered, true);
      assert.ok(out[0]!.durationSeconds >= 6, `talk time ${out[0]!.durationSeconds} s`);
      const inB = await calls(bob);
      assert.equal(inB[0]?.direction, 'incoming');
      assert.equal(inB[0]?.outcome, 'answered');
      // The client's own call log, reloaded from GET /v1/me/calls.
      await a.el('call-log-refresh').click();
      await a.el('call-log-item').first().waitFor({ state: 'visible', timeout: 10_000 });
      assert.equal(await a.el('call-log-item').first().getAttribute('data-direction'), 'out');
      assert.equal(await a.el('call-log-item').first().getAttribute('data-status'), 'answered');
      await b.el('call-log-refresh').click();
      await b.el('call-log-item').first().waitFor({ state: 'visible', timeout: 10_000 });
      assert.equal(await b.el('call-log-item').first().getAttribute('data-direction'), 'in');
      assert.equal(await b.el('call-log-item').first().getAttribute('data-status'), 'answered');
    });
  });

  describe('video call browser A → browser B', () => {
    it('both sides decode inbound video frames (framesDecoded grows on both)', async () => {
      await a.dial(bob.username, true);
      await b.answer(true);
      await Promise.all([a.established(), b.established()]);
      await a.page.waitForTimeout(1000);
      const [wa, wb] = await Promise.all([a.statsOver(WINDOW_MS), b.statsOver(WINDOW_MS)]);
      assert.ok(growth(wa, 'videoFramesDecoded') > 10, `alice decoded ${growth(wa, 'videoFramesDecoded')} frames in ${WINDOW_MS} ms`);
      assert.ok(growth(wb, 'videoFramesDecoded') > 10, `bob decoded ${growth(wb, 'videoFramesDecoded')} frames in ${WINDOW_MS} ms`);
      assert.ok(growth(wa, 'audioBytesIn') > FLOWING_BYTES && growth(wb, 'audioBytesIn') > FLOWING_BYTES, 'audio flows too');
      assert.equal(await a.el('remote-video').count(), 1);
      await b.el('hangup').click();
      await Promise.all([a.idle(), b.idle()]);
    });
  });

  /**
   * The newest entry of the page's own call log once it holds more than `before` entries (the client
   * reloads the log 1 s and 4 s after a call; the refresh button is what a user would press).
   */
  const newestLogEntry = async (p: Softphone, before: number): Promise<{ direction: string | null; status: string | null }> => {
    const items = p.el('call-log-item');
    for (let i = 0; i < 40 && (await items.count()) <= before; i++) {
      if (i % 5 === 4) await p.el('call-log-refresh').click();
      await p.page.waitForTimeout(250);
    }
    assert.ok((await items.count()) > before, `${p.name}: no new call-log-item (still ${await items.count()})`);
    return { direction: await items.first().getAttribute('data-direction'), status: await items.first().getAttribute('data-status') };
  };

  /** The call failed with this reason: call-error is shown with a text and the call screen says ended. */
  const assertCallError = async (p: Softphone, reason: string, text: RegExp): Promise<void> => {
    await p.waitAttr('call-error', 'data-reason', reason, 20_000);
    assert.match(await p.el('call-error').innerText(), text);
    assert.equal(await p.callState(), 'ended');
    await p.idle(5000);
  };

  describe('callee busy, unreachable or declining', () => {
    let c: Softphone;
    before(async () => {
      const chris = await host.account('chris');
      c = await open('chris');
      await c.signInRegistered(chris.username, chris.webPassword);
    });

    it('B is in a call with C: A calling B sees call-error busy (B\'s client 486, the B2BUA 486), B\'s call goes on and A\'s log says busy', async () => {
      await c.dial(bob.username);
      await b.answer();
      await Promise.all([c.established(), b.established()]);
      const logBefore = await a.el('call-log-item').count();
      await a.dial(bob.username);
      await assertCallError(a, 'busy', /busy/i);
      assert.equal(await b.el('incoming').count(), 0, 'bob was never offered the second call');
      assert.equal(await b.callState(), 'established', 'bob\'s call with chris is untouched');
      await assertAudioBothWays(b, c, 'bob ↔ chris after the busy attempt');
      assert.deepEqual(await newestLogEntry(a, logBefore), { direction: 'out', status: 'busy' });
      await c.el('hangup').click();
      await Promise.all([b.idle(), c.idle()]);
    });

    it('a user with no registered device and an unknown name are both call-error unreachable', async () => {
      const nobody = await host.account('nobody');
      await a.dial(nobody.username);
      await assertCallError(a, 'unreachable', /cannot be reached/i);
      // From bob's page, which shows no error yet (alice's would still show the first one).
      assert.equal(await b.el('call-error').count(), 0);
      await b.dial(`no-such-user-${Date.now().toString(36)}`);
      await assertCallError(b, 'unreachable', /cannot be reached/i);
    });

    it('B declines: A sees call-error declined (603 through the B2BUA), B is idle at once, B\'s log has a missed call and A\'s a failed one', async () => {
      const [aBefore, bBefore] = [await a.el('call-log-item').count(), await b.el('call-log-item').count()];
      await a.dial(bob.username);
      await b.el('incoming').waitFor({ state: 'visible', timeout: 20_000 });
      await a.waitAttr('call-screen', 'data-state', 'ringing', 10_000);
      await b.el('decline').click();
      await assertCallError(a, 'declined', /declined/i);
      assert.equal(await b.el('incoming').count(), 0, 'the incoming panel is gone');
      assert.equal(await b.el('idle').isVisible(), true, 'bob is idle');
      assert.equal(await b.el('call-error').count(), 0, 'declining is not an error for bob');
      assert.deepEqual(await newestLogEntry(b, bBefore), { direction: 'in', status: 'missed' });
      assert.deepEqual(await newestLogEntry(a, aBefore), { direction: 'out', status: 'failed' });
    });
  });

  describe('microphone/camera permission denied', () => {
    let denied: NamespacedBrowser | undefined;
    after(async () => { await denied?.close(); });

    it('dialling from a browser that refuses getUserMedia shows call-error media-denied and B is never offered the call', async () => {
      denied = await launchInNamespace(host.ns.name, MEDIA_DENIED_ARGS);
      const mia = await host.account('mia');
      const m = await Softphone.open(denied.browser, 'mia-denied', `${host.info.apiUrl}/`, { grantMedia: false });
      pages.push(m);
      await m.signInRegistered(mia.username, mia.webPassword);
      for (const video of [false, true]) {
        await m.dial(bob.username, video);
        await assertCallError(m, 'media-denied', /microphone( or camera)? permission denied/i);
      }
      // An INVITE would ring bob within well under a second on loopback.
      await b.page.waitForTimeout(1500);
      assert.equal(await b.el('incoming').count(), 0, 'bob never saw an incoming call');
      assert.equal(await b.callState(), null, 'bob has no call screen');
      await m.close();
    });
  });

  describe('server unreachable', () => {
    it('when the WSS server cannot be reached, sign-in succeeds and reg-status is error with a "Server unreachable" text', async () => {
      const finn = await host.account('finn');
      const f = await open('finn-no-wss');
      // Only this page is told that the WSS server is on a closed port (nothing listens on port 1 in
      // the namespace); the rest of the config is the API's (fetched in the namespace: route.fetch
      // would run in this process, outside it).
      const cfg = await host.http('GET', '/v1/client/config');
      assert.equal(cfg.status, 200, cfg.text);
      await f.page.route('**/v1/client/config', (route) => route.fulfill({ json: { ...(cfg.body as object), wssUrl: 'wss://127.0.0.1:1' } }));
      await f.signIn(finn.username, finn.webPassword);
      await f.waitAttr('reg-status', 'data-state', 'error', 20_000);
      assert.match(await f.el('reg-status').innerText(), /server unreachable/i);
      assert.equal(await f.el('signin-error').count(), 0, 'the API sign-in itself worked');
      await f.close();
    });
  });

  describe('relay-only ICE (?relay=1) through coturn', () => {
    it('a relay-only browser connects through a TURN relay candidate and audio flows', async () => {
      const carol = await host.account('carol');
      const c = await open('carol-relay', '?relay=1');
      await c.signInRegistered(carol.username, carol.webPassword);
      await c.dial(bob.username);
      await b.answer();
      await Promise.all([c.established(), b.established()]);
      await assertAudioBothWays(c, b, 'relay');
      const s = await c.stats();
      assert.equal(s.localCandidateType, 'relay', `carol's selected pair: local ${s.localCandidateType}, remote ${s.remoteCandidateType}`);
      await c.el('hangup').click();
      await Promise.all([c.idle(), b.idle()]);
    });
  });

  describe('browser ↔ baresip (SIP over UDP, G.711 only)', () => {
    let dave: HostAccount;
    let olga: HostAccount;
    /** A browser that offers and answers only opus, so its calls with G.711-only baresip are transcoded. */
    let o: Softphone;
    before(async () => {
      dave = await host.account('dave');
      olga = await host.account('olga');
      const started = (await host.call('baresipStart', { account: dave, toneHz: 1000 })) as { phone: number };
      baresipPhone = started.phone;
      o = await Softphone.open(chrome.browser, 'olga-opus', `${host.info.apiUrl}/`, { opusOnly: true });
      pages.push(o);
      await Promise.all([host.call('baresipRegistered', { phone: baresipPhone }), o.signInRegistered(olga.username, olga.webPassword)]);
    });

    /** Media at the browser over a window (audio bytes grow), then the loudness of what it plays. */
    const listen = async (p: Softphone, codec: RegExp): Promise<{ w: { before: MediaStats; after: MediaStats }; rms: number }> => {
      await p.page.waitForTimeout(500);
      const w = await p.statsOver(WINDOW_MS);
      assert.ok(growth(w, 'audioBytesIn') > FLOWING_BYTES, `${p.name} inbound audio grew ${growth(w, 'audioBytesIn')} bytes in ${WINDOW_MS} ms`);
      assert.match(w.after.audioCodecIn, codec, `${p.name}'s inbound codec`);
      return { w, rms: await p.remoteAudioRms(1000) };
    };
    /** baresip's 1 kHz tone (amplitude 0.5, RMS 0.35) is what the browser plays, not silence. */
    const assertHeardTone = (p: Softphone, m: { w: { before: MediaStats; after: MediaStats }; rms: number }): void => {
      assert.ok(m.rms > 0.1, `${p.name} plays baresip's tone: loudest 50 ms RMS ${m.rms} (silence = 0); getStats ${JSON.stringify(m.w.after)}`);
      assert.ok(growth(m.w, 'audioEnergyIn') > 0.01, `${p.name}: totalAudioEnergy grew ${growth(m.w, 'audioEnergyIn')}`);
    };
    /** The newest CDR of a call from `caller` to `callee`: the codecs rtpengine used on each leg. */
    const cdrWith = async (caller: string, callee: string): Promise<HostCdr> => {
      for (let i = 0; i < 50; i++) {
        const c = (await host.cdrs(dave.username))[0];
        if (c !== undefined && c.caller_username === caller && c.callee_username === callee) return c;
        await new Promise((r) => setTimeout(r, 200));
      }
      throw new Error(`no CDR ${caller} → ${callee}: ${JSON.stringify(await host.cdrs(dave.username))}`);
    };
    const baresipHeard = async (): Promise<{ rms: number; seconds: number }> =>
      (await host.call('baresipHeard', { phone: baresipPhone! })) as { rms: number; seconds: number };

    it('a browser sharing G.711 calls baresip (auto-answer) and plays its tone (PCMU relayed, no transcoding)', async () => {
      await a.dial(dave.username);
      await a.established();
      const m = await listen(a, /^audio\/PCM[UA]$/i);
      await a.el('hangup').click();
      await a.idle();
      assertHeardTone(a, m);
    });

    it('an opus-only browser calls baresip: rtpengine transcodes opus ↔ PCMU, baresip hears the browser and the browser plays the tone', async () => {
      await o.dial(dave.username);
      await o.established();
      const m = await listen(o, /^audio\/opus$/i);
      await o.el('hangup').click();
      await o.idle();
      const c = await cdrWith(olga.username, dave.username);
      assert.match(c.a_codec ?? '', /^opus/i, `browser leg codec: ${JSON.stringify(c)}`);
      assert.match(c.b_codec ?? '', /^PCM[UA]/i, `baresip leg codec: ${JSON.stringify(c)}`);
      const heard = await baresipHeard();
      assert.ok(heard.rms > 0.02, `baresip heard the browser's fake microphone (opus → PCMU): loudest RMS ${heard.rms} over ${heard.seconds} s`);
      assertHeardTone(o, m);
    });

    it('baresip calls the opus-only browser, which rings, answers and plays the tone (PCMU → opus)', async () => {
      await host.call('baresipCommand', { phone: baresipPhone!, command: 'dial', args: `sip:${olga.username}@${olga.domain}` });
      await o.el('incoming').waitFor({ state: 'visible', timeout: 20_000 });
      assert.match(await o.el('incoming-from').innerText(), new RegExp(dave.username));
      await o.answer();
      await o.established();
      const m = await listen(o, /^audio\/opus$/i);
      await o.el('hangup').click();
      await o.idle();
      const c = await cdrWith(dave.username, olga.username);
      assert.match(c.a_codec ?? '', /^PCM[UA]/i, `baresip leg codec: ${JSON.stringify(c)}`);
      assert.match(c.b_codec ?? '', /^opus/i, `browser leg codec: ${JSON.stringify(c)}`);
      assertHeardTone(o, m);
    });

    it('DTMF keys 1, 5, # pressed in quick succession in a call to baresip arrive at baresip in order, as RFC 4733 events (no SIP INFO)', async () => {
      const before = ((await host.call('baresipEventParams', { phone: baresipPhone!, type: 'CALL_DTMF_START' })) as string[]).length;
      await a.dial(dave.username);
      await a.established();
      await a.page.waitForTimeout(500);
      // Faster than a tone plays (160 ms + 70 ms gap): the later keys are pressed while the first still sounds.
      const infoBefore = a.sipLines.filter((l) => l.startsWith('> INFO')).length;
      for (const key of ['dtmf-1', 'dtmf-5', 'dtmf-hash']) await a.el(key).click();
      let got: string[] = [];
      for (let i = 0; i < 30 && got.length < 3; i++) {
        got = ((await host.call('baresipEventParams', { phone: baresipPhone!, type: 'CALL_DTMF_START' })) as string[]).slice(before);
        if (got.length < 3) await a.page.waitForTimeout(200);
      }
      await a.el('hangup').click();
      await a.idle();
      assert.deepEqual(got, ['1', '5', '#'], 'baresip\'s CALL_DTMF_START events');
      assert.equal(a.sipLines.filter((l) => l.startsWith('> INFO')).length, infoBefore, 'the digits went as telephone-events, not SIP INFO');
    });
  });
});
