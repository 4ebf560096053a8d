// The B2BUA service as deployed (apps/b2bua/dist/src/main.js): with push.apns enabled in the
// configuration (environment overrides) it wakes sleeping devices through the push-call server
// and the real dispatcher, waits push.callWaitSeconds, answers 480 and alerts every device; a
// token APNs answers 410 for is cleared from the devices table by the wiring in main.ts.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { StackHandle } from '@openline/stack';
import { getSharedStack, repoRoot, stackEnv } from '../support/stack';
import { startSipd, type SipdProcess } from '../support/sipd';
import { makeApnsKey } from '../support/push/credentials';
import { startFakeApns, type FakeApns } from '../support/push/fake-apns';
import { startRegistrarProcess, type RegistrarProcess } from '../registrar/support/nodes';
import { account } from '../b2bua/support/harness';
import { TestUa } from '../b2bua/support/ua';
import { BUNDLE, newDevice, sleepingDevice } from './call-support';

const DOMAIN = `pushsvc${process.pid}.push.test`;

describe('push-call: the B2BUA service with push enabled in its configuration', function () {
  this.timeout(90_000);
  let stack: StackHandle;
  let apns: FakeApns;
  let sipd: SipdProcess;
  let registrar: RegistrarProcess;
  let b2bua: ChildProcess | undefined;
  let out = '';
  let teamParam = '';
  let spoolDir = '';

  before(async () => {
    stack = await getSharedStack();
    const key = makeApnsKey();
    teamParam = `${key.teamId}.${BUNDLE}.voip`;
    apns = await startFakeApns({ teamId: key.teamId, keyId: key.keyId, publicKey: key.publicKey, bundleId: BUNDLE });
    spoolDir = fs.mkdtempSync(path.join(os.tmpdir(), 'push-svc-cdr-'));
    sipd = await startSipd({ loglevel: 'warning' });
    registrar = await startRegistrarProcess(stack, sipd);
    b2bua = spawn(process.execPath, [path.join(repoRoot(), 'apps', 'b2bua', 'dist', 'src', 'main.js'), '--sipd-port', String(sipd.adminPort), '--sipd-secret', sipd.secret], {
      env: {
        // Its own CDR spool: the stack's b2bua service holds the default one.
        ...stackEnv(stack), OPENLINE_LOG_LEVEL: 'info', OPENLINE_CDR__SPOOL_DIR: spoolDir,
        OPENLINE_PUSH__CALL_WAIT_SECONDS: '3',
        OPENLINE_PUSH__APNS__ENABLED: 'true', OPENLINE_PUSH__APNS__KEY_FILE: key.keyFile, OPENLINE_PUSH__APNS__KEY_ID: key.keyId,
        OPENLINE_PUSH__APNS__TEAM_ID: key.teamId, OPENLINE_PUSH__APNS__BUNDLE_ID: BUNDLE, OPENLINE_PUSH__APNS__HOST: '127.0.0.1',
        OPENLINE_PUSH__APNS__PORT: String(apns.port), OPENLINE_PUSH__APNS__CA_FILE: apns.caFile,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const child = b2bua;
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`b2bua did not connect:\n${out.slice(-3000)}`)), 20_000);
      const onData = (d: Buffer): void => {
        out += d.toString();
        if (out.includes('connected to sipd')) { clearTimeout(t); resolve(); }
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      child.once('exit', (code) => { clearTimeout(t); reject(new Error(`b2bua exited with ${code}:\n${out.slice(-3000)}`)); });
    });
  });
  after(async () => {
    const child = b2bua;
    if (child && child.exitCode === null && child.signalCode === null) {
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 8000);
      await gone;
      clearTimeout(t);
    }
    await registrar?.stop();
    await sipd?.stop();
    await apns?.close();
    if (spoolDir) fs.rmSync(spoolDir, { recursive: true, force: true });
  });

  it('VoIP pushes to the sleeping devices, 480 after push.callWaitSeconds, missed-call alerts, and the 410 token cleared', async () => {
    const alice = await account(stack, DOMAIN);
    const bob = await account(stack, DOMAIN);
    const live = newDevice('apns', teamParam);
    const dead = newDevice('apns', teamParam);
    await sleepingDevice(stack, bob, live);
    await sleepingDevice(stack, bob, dead);
    apns.respond(dead.prid, { status: 410, reason: 'Unregistered' });
    const a = new TestUa(alice.user, DOMAIN, alice.password, sipd.sipPort);
    await a.open();
    try {
      const started = Date.now();
      const res = await a.invite(bob.user);
      const took = Date.now() - started;
      assert.equal(res.status, 480, out.slice(-2000));
      assert.ok(took >= 2900 && took < 15_000, `480 after the configured 3 s wait (${took} ms)`);
      const call = await apns.waitFor((p) => p.token === live.prid && p.payload?.kind === 'call');
      assert.equal(call.pushType, 'voip');
      assert.equal(call.payload?.callId, res.callId);
      await apns.waitFor((p) => p.token === live.prid && p.payload?.kind === 'missed-call');
      const rows = await stack.dbPool().query<Array<{ instance_id: string; push_prid: string | null }>>(
        'SELECT instance_id, push_prid FROM devices WHERE account_id = ? ORDER BY id', [bob.id]);
      assert.deepEqual(rows.map((r) => r.push_prid), [live.prid, null], 'the 410 token is gone, the other kept');
    } finally {
      a.close();
    }
  });
});
