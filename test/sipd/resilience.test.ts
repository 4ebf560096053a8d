// Acceptance: what happens around a call in progress. Garbage or a wrong secret on the admin
// (app) port must not disturb the call; SIGTERM with calls up must end sipd within 5 s, exit 0.
import assert from 'node:assert/strict';
import { createConnection, type Socket } from 'node:net';
import { startSipd, type SipdProcess } from '../support/sipd';
import { describeSippResult, startSipp, type SippProcess } from '../support/sipp';
import { assertNoCrash } from './support/output';
import { branch, okFor, parseResponse, rawInvite, RawUdpPeer, type RawResponse } from './support/raw-udp';
import { connectApp, disconnectApp, sdp, Srf, waitFor, type SrfApp, type SrfDialog, type SrfReq, type SrfRes } from './support/srf';

/** Opens a raw TCP connection to the admin port, writes `data`, and collects what comes back until sipd closes it. */
function rawAdmin(port: number, data: string, ms: number): Promise<{ reply: string; closedByServer: boolean }> {
  return new Promise((resolve) => {
    let reply = '';
    const s: Socket = createConnection({ host: '127.0.0.1', port }, () => s.write(data));
    const t = setTimeout(() => { s.destroy(); resolve({ reply, closedByServer: false }); }, ms);
    s.on('data', (d: Buffer) => { reply += d.toString('utf8'); });
    s.on('error', () => undefined);
    s.on('close', () => { clearTimeout(t); resolve({ reply, closedByServer: true }); });
  });
}

/**
 * srf sends its `route` commands on the admin TCP connection right after authenticating; a
 * request sent over UDP at once can overtake them (then it is answered 503, no app routes it).
 */
function routesSettled(): Promise<void> {
  return new Promise((r) => setTimeout(r, 200));
}

async function waitForMetric(sipd: SipdProcess, name: string, pred: (v: number) => boolean, ms: number): Promise<number> {
  const deadline = Date.now() + ms;
  let v = await sipd.metric(name);
  while (!pred(v) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    v = await sipd.metric(name);
  }
  return v;
}

describe('sipd resilience around calls in progress (acceptance)', function () {
  this.timeout(60_000);
  let sipd: SipdProcess | undefined;
  let srf: SrfApp | undefined;
  let sipp: SippProcess | undefined;

  afterEach(async () => {
    await sipp?.stop(500);
    disconnectApp(srf);
    if (sipd) await sipd.stop();
    sipp = undefined;
    srf = undefined;
    sipd = undefined;
  });

  async function startWithApp(): Promise<{ sipd: SipdProcess; answered: () => number; ended: () => number }> {
    const proc = await startSipd();
    sipd = proc;
    let answered = 0;
    let ended = 0;
    srf = await connectApp(proc, (app) => {
      app.invite((req, res) => {
        app.createUAS(req, res, { localSdp: sdp(1) }).then((d) => {
          answered++;
          d.on('destroy', () => { ended++; });
        }, () => undefined);
      });
    });
    return { sipd: proc, answered: () => answered, ended: () => ended };
  }

  it('a malformed frame and a wrong secret on the admin port do not disturb a call in progress', async () => {
    const s = await startWithApp();
    sipp = await startSipp({ scenario: 'uac-call.xml', remote: `127.0.0.1:${s.sipd.sipPort}`, calls: 1, pauseMs: 3000, timeoutSec: 20 });
    assert.equal(await waitForMetric(s.sipd, 'sipd_dialogs', (v) => v === 1, 5000), 1, 'the call is up');

    // A frame whose length is not a number: sipd closes that connection only.
    const bad = await rawAdmin(s.sipd.adminPort, 'xyz#hello|authenticate|secret|\r\n', 3000);
    assert.equal(bad.closedByServer, true, 'sipd closes a connection that sends a malformed frame');
    // A well-framed command before authenticating: refused, connection closed.
    const early = await rawAdmin(s.sipd.adminPort, '16#abc|route|invite', 3000);
    assert.match(early.reply, /\|response\|abc\|NO\|/);
    assert.equal(early.closedByServer, true);
    // A drachtio-srf app with the wrong secret: its connect fails.
    const intruder = new Srf();
    intruder.on('error', () => undefined);
    const err = await waitFor<Error | null>((done) => {
      intruder.on('connect', (e) => done(e));
      intruder.connect({ host: '127.0.0.1', port: s.sipd.adminPort, secret: 'not-the-secret', reconnect: { maxAttempts: 1 } });
    }, 5000, 'connect result with a wrong secret');
    disconnectApp(intruder);
    assert.match(String(err?.message), /authenticate/);

    const r = await sipp.done;
    assert.equal(r.failed, 0, describeSippResult(r));
    assert.equal(r.successful, 1, describeSippResult(r));
    assert.equal(s.answered(), 1);
    await waitForMetric(s.sipd, 'sipd_dialogs', (v) => v === 0, 3000);
    assert.equal(s.ended(), 1, "the app's dialog saw the caller's BYE");
    assertNoCrash(s.sipd.output());
  });

  it('no ACK for the 200: sipd ends the call with BYE to the caller and the srf dialog emits destroy (§13.3.1.4)', async () => {
    const proc = await startSipd({ extraArgs: ['--sipd-t1', '10', '--sipd-t2', '40', '--sipd-t4', '50'] });
    sipd = proc;
    let onDestroy: (v: string) => void = () => undefined;
    const destroyed = new Promise<string>((resolve) => { onDestroy = resolve; });
    srf = await connectApp(proc, (app) => {
      app.invite((req: SrfReq, res: SrfRes) => {
        app.createUAS(req, res, { localSdp: sdp(1) }).then((d: SrfDialog) => d.on('destroy', () => onDestroy('destroy')), () => undefined);
      });
    });
    await routesSettled();
    const peer = await RawUdpPeer.open();
    try {
      const callId = `noack-${branch()}`;
      await peer.send(rawInvite(peer, proc.sipPort, callId), proc.sipPort);
      const ok = await peer.next((b) => parseResponse(b)?.status === 200, 3000);
      assert.ok(ok, 'the caller gets the 200');
      // No ACK. After 64*T1 (640 ms here) sipd must send BYE in the dialog to our Contact.
      const bye = await peer.next((b) => b.toString('latin1').startsWith('BYE '), 5000);
      assert.ok(bye, 'sipd sends BYE when the ACK never comes');
      const byeText = bye.toString('latin1');
      assert.match(byeText, new RegExp(`Call-ID: ${callId}`, 'i'));
      assert.match(byeText, /\r\nTo:[^\r]*tag=raw1/i, 'BYE To carries the caller tag');
      await peer.send(okFor(byeText), proc.sipPort);
      assert.equal(await waitFor<string>((done) => { void destroyed.then(done); }, 3000, "srf dialog 'destroy'"), 'destroy');
      assert.equal(await waitForMetric(proc, 'sipd_dialogs', (v) => v === 0, 2000), 0);
    } finally {
      peer.close();
    }
  });

  it('the app disconnects mid-call: sipd sends BYE to the caller (uac-call-remote-bye answers it)', async () => {
    const proc = await startSipd();
    sipd = proc;
    const app = await connectApp(proc, (a) => {
      a.invite((req, res) => {
        a.createUAS(req, res, { localSdp: sdp(1) }).then((d) => {
          d.on('ack', () => setTimeout(() => disconnectApp(a), 200));
        }, () => undefined);
      });
    });
    srf = app;
    const r = await (await startSipp({ scenario: 'uac-call-remote-bye.xml', remote: `127.0.0.1:${proc.sipPort}`, calls: 1, timeoutSec: 20 })).done;
    assert.equal(r.failed, 0, describeSippResult(r));
    assert.equal(r.successful, 1, describeSippResult(r));
    assert.equal(await waitForMetric(proc, 'sipd_dialogs', (v) => v === 0, 3000), 0);
  });

  it('the app disconnects before answering an INVITE: the caller gets 503, not silence', async () => {
    const proc = await startSipd();
    sipd = proc;
    let onSeen: () => void = () => undefined;
    const seen = new Promise<void>((resolve) => { onSeen = resolve; });
    srf = await connectApp(proc, (a) => { a.invite(() => onSeen()); });
    await routesSettled();
    const peer = await RawUdpPeer.open();
    try {
      const callId = `gone-${branch()}`;
      await peer.send(rawInvite(peer, proc.sipPort, callId), proc.sipPort);
      await waitFor<void>((done) => { void seen.then(done); }, 3000, 'the app got the INVITE');
      disconnectApp(srf);
      const got = await peer.next((b) => (parseResponse(b)?.status ?? 0) >= 200, 3000);
      const res: RawResponse | undefined = got ? parseResponse(got) : undefined;
      assert.equal(res?.status, 503);
    } finally {
      peer.close();
    }
  });

  it('SIGTERM with calls in progress: sipd exits 0 within 5 s', async () => {
    const s = await startWithApp();
    sipp = await startSipp({ scenario: 'uac-call.xml', remote: `127.0.0.1:${s.sipd.sipPort}`, calls: 5, rate: 50, pauseMs: 20_000, timeoutSec: 40 });
    assert.equal(await waitForMetric(s.sipd, 'sipd_dialogs', (v) => v === 5, 5000), 5, 'five calls are up');
    const t0 = Date.now();
    const code = await s.sipd.stop();
    const took = Date.now() - t0;
    sipd = undefined;
    assert.equal(code, 0, `exit code after SIGTERM; output:\n${s.sipd.output().slice(-2000)}`);
    assert.ok(took < 5000, `sipd took ${took} ms to stop`);
    assertNoCrash(s.sipd.output());
  });
});
