// Acceptance: what happens around a call in progress. Garbage or a wrong secret on the admin
// (app) port must not disturb the call; SIGTERM with calls up must end sipd within 5 s, exit 0.
import assert from 'node:assert/strict';
import { createConnection, type Socket } from 'node:net';
import { startSipd, type SipdProcess } from '../support/sipd';
import { describeSippResult, startSipp, type SippProcess } from '../support/sipp';
import { assertNoCrash } from './support/output';
import { connectApp, disconnectApp, sdp, Srf, waitFor, type SrfApp } from './support/srf';

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
