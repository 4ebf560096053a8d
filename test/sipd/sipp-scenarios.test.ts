// Acceptance: the project's SIPp scenarios (test/sipp/*.xml) through the real sipd with a
// drachtio-srf app answering (createUAS), over UDP (also with 10 % packet loss) and TCP, and a
// load run of 3000 calls at 100 calls/s with no failed call and no transaction or dialog left
// behind afterwards (read from sipd's own Prometheus metrics).
import assert from 'node:assert/strict';
import { startSipd, type SipdProcess } from '../support/sipd';
import { describeSippResult, runSipp, sippUas, startSipp, type SippResult } from '../support/sipp';
import { assertNoCrash } from './support/output';
import { connectApp, disconnectApp, sdp, type SrfApp, type SrfReq, type SrfRes } from './support/srf';

/**
 * The test app: Request-URI user "ring" rings (180) and never answers, so the caller must
 * CANCEL; user "b2b" is bridged with createB2BUA to the current far end; anything else is
 * answered with createUAS.
 */
function installApp(srf: SrfApp, stats: { answered: number; cancelled: number; ended: number }, b2bTarget: () => string | undefined): void {
  srf.invite((req: SrfReq, res: SrfRes) => {
    const target = b2bTarget();
    if (/^sips?:b2b@/.test(req.uri) && target) {
      srf.createB2BUA(req, res, target, { passFailure: true }).then(({ uas, uac }) => {
        stats.answered++;
        uas.on('destroy', () => { stats.ended++; void uac.destroy(); });
        uac.on('destroy', () => { void uas.destroy(); });
      }, () => undefined);
      return;
    }
    if (/^sips?:ring@/.test(req.uri)) {
      req.on('cancel', () => { stats.cancelled++; });
      res.send(180);
      return;
    }
    srf.createUAS(req, res, { localSdp: sdp(1) }).then((d) => {
      stats.answered++;
      d.on('destroy', () => { stats.ended++; });
    }, () => undefined);
  });
}

function assertAllOk(r: SippResult, calls: number): void {
  assert.equal(r.failed, 0, describeSippResult(r));
  assert.equal(r.successful, calls, describeSippResult(r));
}

/** Polls sipd's metrics until no transaction and no dialog is live, or the time is up. */
async function settle(sipd: SipdProcess, ms: number): Promise<{ transactions: number; dialogs: number }> {
  const deadline = Date.now() + ms;
  let last = { transactions: -1, dialogs: -1 };
  while (Date.now() < deadline) {
    last = { transactions: await sipd.metric('sipd_transactions'), dialogs: await sipd.metric('sipd_dialogs') };
    if (last.transactions === 0 && last.dialogs === 0) return last;
    await new Promise((r) => setTimeout(r, 250));
  }
  return last;
}

describe('sipd runs the project SIPp scenarios with an srf app (acceptance)', function () {
  this.timeout(120_000);
  let sipd: SipdProcess;
  let srf: SrfApp;
  const stats = { answered: 0, cancelled: 0, ended: 0 };
  let b2bTarget: string | undefined;

  // Small RFC 3261 timers (T1 100 ms ⇒ Timers J/L/H 6.4 s, K/I 0.5 s) so the leak check after
  // the load run does not wait 32 s for transactions to end on their own.
  before(async () => {
    sipd = await startSipd({ extraArgs: ['--sipd-t1', '100', '--sipd-t2', '400', '--sipd-t4', '500'] });
    srf = await connectApp(sipd, (app) => installApp(app, stats, () => b2bTarget));
  });

  after(async () => {
    disconnectApp(srf);
    const code = await sipd?.stop();
    assert.equal(code, 0, 'sipd exits with 0 on SIGTERM');
    assertNoCrash(sipd.output());
  });

  const remote = (): string => `127.0.0.1:${sipd.sipPort}`;

  it('basic call over UDP (uac-call): 5 calls answered, ACKed and ended by BYE', async () => {
    const before = { ...stats };
    const r = await runSipp({ scenario: 'uac-call.xml', remote: remote(), calls: 5, rate: 10, pauseMs: 200, timeoutSec: 20 });
    assertAllOk(r, 5);
    assert.equal(stats.answered - before.answered, 5);
    assert.equal(stats.ended - before.ended, 5, 'every BYE reached the app as dialog destroy');
  });

  it('CANCEL while ringing (uac-call-cancel): the caller gets 200 for CANCEL and 487, the app sees cancel', async () => {
    const before = stats.cancelled;
    const r = await runSipp({ scenario: 'uac-call-cancel.xml', remote: remote(), service: 'ring', calls: 3, rate: 10, pauseMs: 300, timeoutSec: 20 });
    assertAllOk(r, 3);
    assert.equal(stats.cancelled - before, 3);
  });

  it('calls over UDP with 10 % packet loss still complete (retransmissions absorbed)', async () => {
    const r = await runSipp({
      scenario: 'uac-call.xml', remote: remote(), calls: 20, rate: 10, limit: 20, pauseMs: 200, lostPercent: 10,
      recvTimeoutMs: 20_000, timeoutSec: 45,
    });
    assertAllOk(r, 20);
    assert.ok(r.retransmissions > 0, `SIPp must have retransmitted something: ${describeSippResult(r)}`);
  });

  it('B2BUA with 10 % packet loss on both legs: every call completes on both SIPp sides', async () => {
    const far = await sippUas({ scenario: 'uas-answer-lossy.xml', lostPercent: 10, timeoutSec: 60, traceMessages: !!process.env.SIPD_TEST_DEBUG });
    b2bTarget = `sip:callee@127.0.0.1:${far.localPort}`;
    try {
      const r = await runSipp({
        scenario: 'uac-call.xml', remote: remote(), service: 'b2b', calls: 20, rate: 10, limit: 20, pauseMs: 1000,
        lostPercent: 10, recvTimeoutMs: 20_000, timeoutSec: 45, traceMessages: !!process.env.SIPD_TEST_DEBUG,
      });
      // With 10 % loss on BOTH SIPp sides, SIPp's own scenario engine occasionally declares a call
      // dead on its side (e.g. a lost BYE 200 meets its end-of-call timer) although sipd relayed
      // every retransmission; at most one such call of 20 is tolerated per side.
      assert.ok(r.successful >= 19 && r.successful + r.failed === 20, describeSippResult(r));
      // uas-answer-lossy lingers 4 s per call for retransmissions; its calls end by then.
      const u = await far.stop(8000);
      assert.ok(u.successful >= 19 && u.failed <= 1, describeSippResult(u));
    } finally {
      b2bTarget = undefined;
      await far.stop(500);
    }
  });

  it('basic call over TCP (-t t1): 5 calls on one connection', async () => {
    const r = await runSipp({ scenario: 'uac-call.xml', remote: remote(), transport: 't1', calls: 5, rate: 10, pauseMs: 200, timeoutSec: 20 });
    assertAllOk(r, 5);
  });

  it('load through the B2BUA: 500 calls at 50 calls/s, 0 failed on either side, then no transaction or dialog left', async () => {
    const far = await sippUas({ scenario: 'uas-answer.xml', timeoutSec: 60, bufferBytes: 4 * 1024 * 1024 });
    b2bTarget = `sip:callee@127.0.0.1:${far.localPort}`;
    try {
      const r = await runSipp({
        scenario: 'uac-call.xml', remote: remote(), service: 'b2b', calls: 500, rate: 50, limit: 500, pauseMs: 500,
        bufferBytes: 4 * 1024 * 1024, timeoutSec: 40,
      });
      assertAllOk(r, 500);
      const u = await far.stop(4000);
      assert.equal(u.failed, 0, describeSippResult(u));
      assert.equal(u.successful, 500, describeSippResult(u));
    } finally {
      b2bTarget = undefined;
      await far.stop(500);
    }
    const left = await settle(sipd, 15_000);
    assert.deepEqual(left, { transactions: 0, dialogs: 0 }, 'both legs of every call are gone from sipd');
  });

  it('load: 3000 calls at 100 calls/s with 0 failed, then no transaction or dialog left (metrics)', async () => {
    const run = await startSipp({
      scenario: 'uac-call.xml', remote: remote(), calls: 3000, rate: 100, limit: 1000, pauseMs: 500,
      bufferBytes: 4 * 1024 * 1024, timeoutSec: 60,
    });
    let midDialogs = 0;
    let text = '';
    try {
      // Mid-run the gauges must show live state, or the leak check below would prove nothing.
      await new Promise((res) => setTimeout(res, 10_000));
      text = await sipd.metrics();
      midDialogs = await sipd.metric('sipd_dialogs');
    } finally {
      if (!/^sipd_dialogs /m.test(text)) await run.stop(500);
    }
    assert.match(text, /^sipd_transactions\{/m);
    assert.match(text, /^sipd_dialogs /m);
    assert.ok(midDialogs > 0, `dialogs live mid-run: ${midDialogs}`);
    const r = await run.done;
    assertAllOk(r, 3000);
    assert.equal(r.unexpectedMessages, 0, describeSippResult(r));
    const left = await settle(sipd, 15_000);
    assert.deepEqual(left, { transactions: 0, dialogs: 0 }, 'sipd_transactions and sipd_dialogs back to 0 after the run');
  });
});
