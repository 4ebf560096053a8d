// The project's SIPp scenarios work against known-good peers (SIPp itself and Kamailio), and the
// runner reports failures and timeouts from SIPp's own statistics. Full matrix: validate.ts.
import assert from 'node:assert';
import * as path from 'node:path';
import { runSipp, sippUas, freePort, describeSippResult, SIPP_SCENARIO_DIR, type SippResult } from '../support/sipp';
import { startKamailio, type KamailioHandle } from './kamailio';

async function pair(uac: string, uas: string, calls = 3): Promise<{ c: SippResult; s: SippResult }> {
  const server = await sippUas({ scenario: uas, mediaPort: await freePort(), pauseMs: 50, timeoutSec: 60 });
  try {
    const c = await runSipp({ scenario: uac, remote: `127.0.0.1:${server.localPort}`, calls, rate: 20, pauseMs: 50,
      mediaPort: await freePort(), timeoutSec: 30 });
    return { c, s: await server.stop() };
  } finally {
    await server.stop(500);
  }
}

function assertAllOk(r: { c: SippResult; s: SippResult }, calls = 3): void {
  assert.strictEqual(r.c.successful, calls, `UAC: ${describeSippResult(r.c)}`);
  assert.strictEqual(r.c.failed, 0, `UAC: ${describeSippResult(r.c)}`);
  assert.strictEqual(r.s.successful, calls, `UAS: ${describeSippResult(r.s)}`);
  assert.strictEqual(r.s.failed, 0, `UAS: ${describeSippResult(r.s)}`);
}

describe('SIPp scenarios against SIPp', function () {
  this.timeout(60000);
  it('uac-call.xml completes INVITE/200/ACK/BYE/200 with uas-answer.xml', async () => {
    assertAllOk(await pair('uac-call.xml', 'uas-answer.xml'));
  });
  it('uac-call-cancel.xml gets 200 for its CANCEL and 487 for its INVITE from uas-ring-noanswer.xml', async () => {
    assertAllOk(await pair('uac-call-cancel.xml', 'uas-ring-noanswer.xml'));
  });
  it('uac-reinvite-hold.xml (a=sendonly) gets an a=recvonly answer from uas-reinvite-hold.xml', async () => {
    assertAllOk(await pair('uac-reinvite-hold.xml', 'uas-reinvite-hold.xml'));
  });
  it('uac-info.xml INFO in the dialog is answered 200 by uas-info.xml', async () => {
    assertAllOk(await pair('uac-info.xml', 'uas-info.xml'));
  });
  it('uac-call-busy.xml gets 486 and ACKs it with uas-busy.xml', async () => {
    assertAllOk(await pair('uac-call-busy.xml', 'uas-busy.xml'));
  });
  it('uas-bye-first.xml hangs up and uac-call-remote-bye.xml answers its BYE', async () => {
    assertAllOk(await pair('uac-call-remote-bye.xml', 'uas-bye-first.xml'));
  });
});

describe('SIPp runner', function () {
  this.timeout(60000);
  it('counts failed calls from the stat file when the callee rejects (uac-call.xml against uas-busy.xml)', async () => {
    const r = await pair('uac-call.xml', 'uas-busy.xml', 2);
    assert.strictEqual(r.c.successful, 0, describeSippResult(r.c));
    assert.strictEqual(r.c.failed, 2, describeSippResult(r.c));
    assert.ok(r.c.unexpectedMessages >= 2, describeSippResult(r.c));
    assert.strictEqual(r.c.ok, false);
  });
  it('stops SIPp at the hard timeout and reports timedOut when nobody answers', async () => {
    const r = await runSipp({ scenario: 'uac-options.xml', remote: `127.0.0.1:${await freePort()}`, calls: 1, timeoutSec: 2 });
    assert.strictEqual(r.timedOut, true, describeSippResult(r));
    assert.strictEqual(r.successful, 0);
    assert.ok(r.elapsedMs < 10000, `took ${r.elapsedMs} ms`);
  });
});

describe('SIPp scenarios against Kamailio', function () {
  this.timeout(60000);
  let kam: KamailioHandle | undefined;
  let port = 0;
  let authPort = 0;
  before(async () => {
    port = await freePort();
    authPort = await freePort();
    kam = await startKamailio({ template: path.join(SIPP_SCENARIO_DIR, 'kamailio', 'proxy.cfg.tmpl'),
      vars: { PORT: port, AUTH_PORT: authPort }, readyPort: port });
  });
  after(async () => { if (kam) await kam.stop(); });

  it('uac-options.xml gets 200 from Kamailio', async () => {
    const r = await runSipp({ scenario: 'uac-options.xml', remote: `127.0.0.1:${port}`, calls: 5, rate: 50 });
    assert.strictEqual(r.successful, 5, describeSippResult(r));
  });
  it('uac-register-auth.xml answers the 401 with the [authentication] keyword taken from a CSV field', async () => {
    const r = await runSipp({ scenario: 'uac-register-auth.xml', remote: `127.0.0.1:${authPort}`, calls: 5, rate: 50,
      injectionFiles: [path.join(SIPP_SCENARIO_DIR, 'users-auth.csv')] });
    assert.strictEqual(r.successful, 5, describeSippResult(r));
    assert.strictEqual(r.failed, 0);
  });
  it('uac-call.xml reaches uas-answer.xml through Kamailio with Record-Route echoed and followed', async () => {
    const server = await sippUas({ scenario: 'uas-answer.xml', mediaPort: await freePort(), timeoutSec: 60 });
    try {
      const c = await runSipp({ scenario: 'uac-call.xml', remote: `127.0.0.1:${server.localPort}`,
        outboundProxy: `127.0.0.1:${port}`, calls: 3, rate: 20, pauseMs: 50, mediaPort: await freePort() });
      const s = await server.stop();
      assertAllOk({ c, s });
    } finally {
      await server.stop(500);
    }
  });
});
