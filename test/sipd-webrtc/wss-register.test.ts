// Acceptance (issue 4): Debian Chromium, headless with fake media, inside a network namespace
// that has only `lo`, runs a SIP.js page that registers over WSS to an srf registrar-like app on
// the real sipd; the app then sends a MESSAGE to that registration and it reaches the browser over
// the same WebSocket. sipd, the app, the page server and the browser all run in the namespace
// (driver.ts); this process creates and deletes the namespace and reads the driver's result.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { DriverConfig, DriverResult } from './driver';
import { makeCert, requireNetns, NetNamespace } from './netns';

const REPO_ROOT = path.resolve(__dirname, '..', '..');

describe('SIP over WSS from Chromium (SIP.js) through sipd (RFC 7118, flows)', function () {
  this.timeout(120_000);
  let ns: NetNamespace | undefined;
  let workDir = '';
  let driver: ChildProcess | undefined;

  before(() => {
    requireNetns();
    workDir = mkdtempSync(path.join(tmpdir(), 'sipd-webrtc-'));
    ns = NetNamespace.create('sipdwrtc');
  });

  after(async () => {
    if (driver?.pid !== undefined && driver.exitCode === null) {
      // The driver leads its own process group (sipd and its helpers): stop that group only.
      try { process.kill(-driver.pid, 'SIGTERM'); } catch { /* gone */ }
      await new Promise((r) => setTimeout(r, 3000));
      try { process.kill(-driver.pid, 'SIGKILL'); } catch { /* gone */ }
    }
    ns?.delete();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it('the browser registers over WSS, and a MESSAGE from the app reaches it over that same WebSocket', async () => {
    const cert = makeCert(workDir);
    const cfg: DriverConfig = { repoRoot: REPO_ROOT, workDir, keyFile: cert.keyFile, certFile: cert.certFile };
    const tsxCjs = require.resolve('tsx/cjs');
    // Run the driver from source (tsx), so the page script beside it is found.
    const driverTs = path.join(REPO_ROOT, 'test', 'sipd-webrtc', 'driver.ts');
    driver = spawn('ip', ['netns', 'exec', ns!.name, process.execPath, '--require', tsxCjs, driverTs, JSON.stringify(cfg)], {
      detached: true, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    driver.stdout?.on('data', (d: Buffer) => { out += d.toString(); });
    driver.stderr?.on('data', (d: Buffer) => { out += d.toString(); });
    await new Promise<void>((resolve) => driver!.once('exit', () => resolve()));
    const line = out.split('\n').find((l) => l.startsWith('RESULT '));
    assert.ok(line, `driver printed no result:\n${out.slice(-4000)}`);
    const r = JSON.parse(line.slice('RESULT '.length)) as DriverResult;
    assert.ok(r.ok, `driver failed: ${r.error ?? ''}\nsipd log:\n${r.sipdLog ?? ''}`);

    // The REGISTER came over the WebSocket with SIP.js's .invalid Contact (RFC 7118 §5.2);
    // drachtio reports WebSocket flows as protocol tcp to apps.
    assert.match(r.binding!.contact, /^sip:[^@]+@[a-z0-9]+\.invalid;transport=ws$/);
    assert.equal(r.binding!.protocol, 'tcp');
    assert.equal(r.browser!.registered, true);
    assert.equal(r.browser!.contact, r.binding!.contact);
    // The MESSAGE reached the browser (and was answered 200) over its only WebSocket.
    assert.equal(r.messageStatus, 200);
    assert.equal(r.browser!.sockets, 1);
    assert.equal(r.browser!.messages.length, 1);
    const m = r.browser!.messages[0]!;
    assert.equal(m.body, 'hello browser');
    assert.equal(m.ruri, r.binding!.contact);
    assert.match(m.via, /^SIP\/2\.0\/WSS 127\.0\.0\.1:\d+;/);
  });
});
