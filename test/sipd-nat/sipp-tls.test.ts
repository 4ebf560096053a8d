// Acceptance (issue 4): SIPp over TLS through the real sipd with a `sips:HOST:PORT;transport=tls`
// contact and an unmodified drachtio-srf app: a call to createUAS, a call from the app to a SIPp
// UAS over a TLS connection sipd opens, and a client that registers over TLS and then receives the
// app's INVITE over that same connection (registered flow).
// Debian's SIPp has no TLS (`-t l1` needs a build with OpenSSL), so SIPp runs `-t t1` behind a
// TLS tunnel (tls-tunnel.ts): every SIPp connection is one TLS connection on sipd's side.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startSipd, type SipdProcess } from '../support/sipd';
import { describeSippResult, freePort, runSipp, sippUas } from '../support/sipp';
import { connectApp, disconnectApp, sdp, type SrfApp, type SrfDialog, type SrfReq, type SrfRes } from '../sipd/support/srf';
import { makeCert } from '../sipd-webrtc/netns';
import { tcpToTls, tlsToTcp, type Tunnel } from './tls-tunnel';

const SCENARIO = path.join(__dirname, 'uac-register-recv-invite.xml');

describe('SIPp over TLS through sipd (sips:, transport=tls; SIPp behind a TLS tunnel)', function () {
  this.timeout(60_000);
  let dir: string;
  let cert: { keyFile: string; certFile: string };
  let sipd: SipdProcess;
  let srf: SrfApp;
  let tlsPort: number;
  let onRegister: ((req: SrfReq, res: SrfRes) => void) | undefined;
  let toSipd: Tunnel;

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'sipd-tls-'));
    cert = makeCert(dir);
    tlsPort = await freePort();
    sipd = await startSipd({
      extraArgs: ['--contact', `sips:127.0.0.1:${tlsPort};transport=tls`, '--key-file', cert.keyFile, '--cert-file', cert.certFile],
    });
    toSipd = await tcpToTls(tlsPort);
    srf = await connectApp(sipd, (app) => {
      app.invite((req, res) => void srf.createUAS(req, res, { localSdp: sdp(1) }).catch(() => undefined));
      app.register((req, res) => {
        if (onRegister) return onRegister(req, res);
        res.send(200, { headers: { Contact: `${req.get('Contact') ?? ''};expires=600` } });
      });
    });
  });

  after(async () => {
    disconnectApp(srf);
    await toSipd?.close();
    await sipd?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sipd listens on the tls contact and reports it as tls/127.0.0.1:PORT (drachtio hostports)', () => {
    assert.match(sipd.output(), new RegExp(`"tls/127\\.0\\.0\\.1:${tlsPort}"`));
  });

  it('a SIPp caller over TLS is answered by the app (createUAS) and hangs up', async () => {
    const before = toSipd.tlsConnections;
    const r = await runSipp({ scenario: 'uac-call.xml', remote: `127.0.0.1:${toSipd.port}`, transport: 't1', calls: 1, pauseMs: 200, timeoutSec: 20 });
    assert.equal(r.successful, 1, describeSippResult(r));
    assert.equal(r.failed, 0, describeSippResult(r));
    assert.equal(toSipd.tlsConnections - before, 1, 'the call crossed one TLS connection');
  });

  it('the app calls a SIPp UAS over TLS (sipd opens the TLS connection) and hangs up', async () => {
    const uas = await sippUas({ scenario: 'uas-answer.xml', transport: 't1', calls: 1 });
    const toUas = await tlsToTcp(uas.localPort, readFileSync(cert.keyFile, 'utf8'), readFileSync(cert.certFile, 'utf8'));
    try {
      const dialog = await srf.createUAC(`sips:callee@127.0.0.1:${toUas.port};transport=tls`, { localSdp: sdp(2) });
      await new Promise((r) => setTimeout(r, 200));
      await dialog.destroy();
      const r = await uas.done;
      assert.equal(r.successful, 1, describeSippResult(r));
      assert.equal(toUas.tlsConnections, 1, 'INVITE, ACK and BYE shared one TLS connection');
    } finally {
      await uas.stop(500);
      await toUas.close();
    }
  });

  it('a SIPp client registered over TLS receives the app\'s INVITE over the connection it registered on', async () => {
    let answered: Promise<SrfDialog> | undefined;
    onRegister = (req, res) => {
      const contact = /<([^>]+)>/.exec(req.get('Contact') ?? '')?.[1] ?? '';
      res.send(200, { headers: { Contact: `<${contact}>;expires=600` } });
      // The Contact's port is SIPp's own -p port; only the registered connection carries the INVITE.
      setTimeout(() => {
        answered = srf.createUAC(contact, { localSdp: sdp(3), headers: { 'Call-ID': req.get('Call-ID') ?? '' } });
        void answered.then((d) => setTimeout(() => void d.destroy(), 200), () => undefined);
      }, 100);
    };
    try {
      const r = await runSipp({ scenario: SCENARIO, remote: `127.0.0.1:${toSipd.port}`, transport: 't1', calls: 1, service: 'tlsflow', timeoutSec: 25 });
      assert.equal(r.successful, 1, describeSippResult(r));
      assert.ok(answered, 'the app sent its INVITE');
      await answered;
    } finally {
      onRegister = undefined;
    }
  });
});
