// Support for the push-call suites: a PushSender wrapper that records every push and lets a test
// wait for one, a B2BUA node with the push-call server in front of it, the sleeping phone
// (test/push/scenarios/phone-wake.xml, SIPp) and its wake-up, and the one-sipd WSS stack the
// WebSocket phone (call-ws-phone.ts) registers to.
import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { createB2bua, type B2buaApp } from '@openline/b2bua';
import type { CdrRecord } from '@openline/cdr';
import { loadConfig } from '@openline/config';
import { createLogger } from '@openline/log';
import { RedisLocationStore } from '@openline/location';
import { createPushSender, DevicePushBindings, type PushDispatcher, type PushRequest, type PushResult, type PushSender } from '@openline/push';
import { startPushService, type PushService } from '@openline/push-server';
import type { StackHandle } from '@openline/stack';
import { freePort, startSipp, waitForPort, type SippProcess } from '../support/sipp';
import { startSipd, type SipdProcess } from '../support/sipd';
import { startB2buaNode, type B2buaNode, type NodeOptions, type TestAccount } from '../b2bua/support/harness';
import { startRegistrarProcess, type RegistrarProcess } from '../registrar/support/nodes';
import { makeApnsKey, makeServerCert, makeServiceAccount } from '../support/push/credentials';
import { startFakeApns, type FakeApns } from '../support/push/fake-apns';
import { startFakeFcm, type FakeFcm } from '../support/push/fake-fcm';

export const BUNDLE = 'org.openline.app';

/** The real dispatcher (packages/push) against the local APNs and FCM stand-ins, recorded. */
export interface Providers {
  apns: FakeApns;
  fcm: FakeFcm;
  sender: RecordingSender;
  dispatcher: PushDispatcher;
  /** pn-param values a phone of each provider registers with. */
  param: { apns: string; fcm: string };
  close(): Promise<void>;
}

export async function startProviders(stack: StackHandle): Promise<Providers> {
  const key = makeApnsKey();
  const sa = makeServiceAccount();
  const apns = await startFakeApns({ teamId: key.teamId, keyId: key.keyId, publicKey: key.publicKey, bundleId: BUNDLE });
  const fcm = await startFakeFcm({ projectId: sa.projectId, clientEmail: sa.clientEmail, publicKey: sa.publicKey });
  const { config } = loadConfig({
    configFile: null, env: {}, overrides: {
      push: {
        apns: { enabled: true, keyFile: key.keyFile, keyId: key.keyId, teamId: key.teamId, bundleId: BUNDLE, host: '127.0.0.1', port: apns.port, caFile: apns.caFile },
        fcm: { enabled: true, serviceAccountFile: sa.file, endpoint: fcm.url, caFile: fcm.caFile },
      },
    },
  });
  const devices = new DevicePushBindings(stack.dbPool());
  // As apps/b2bua/src/main.ts wires it: a dead token is cleared from the devices table.
  const dispatcher = createPushSender(config, {
    backoff: { baseMs: 5, maxMs: 20, retryAfterCapMs: 50 },
    onInvalidToken: async (t) => { await devices.removeToken(t.provider, t.prid); },
  });
  return {
    apns, fcm, dispatcher, sender: new RecordingSender(dispatcher),
    param: { apns: `${key.teamId}.${BUNDLE}.voip`, fcm: sa.projectId },
    async close() {
      await dispatcher.close();
      await apns.close();
      await fcm.close();
    },
  };
}

export const SCENARIOS = path.join(__dirname, 'scenarios');

export interface Recorded {
  req: PushRequest;
  res: PushResult;
  at: number;
}

/** Wraps a PushSender: every push and its result recorded; tests wait for one by predicate. */
export class RecordingSender implements PushSender {
  readonly pushes: Recorded[] = [];
  private waiters: Array<{ pred: (r: Recorded) => boolean; resolve: (r: Recorded) => void }> = [];

  constructor(private readonly inner: PushSender) {}

  async send(req: PushRequest): Promise<PushResult> {
    const res = await this.inner.send(req);
    const r = { req, res, at: Date.now() };
    this.pushes.push(r);
    this.waiters = this.waiters.filter((w) => {
      if (!w.pred(r)) return true;
      w.resolve(r);
      return false;
    });
    return res;
  }

  wait(pred: (r: Recorded) => boolean, timeoutMs = 20_000): Promise<Recorded> {
    const hit = this.pushes.find(pred);
    if (hit) return Promise.resolve(hit);
    return new Promise((resolve, reject) => {
      const w = { pred, resolve: (r: Recorded) => { clearTimeout(t); resolve(r); } };
      const t = setTimeout(() => {
        this.waiters = this.waiters.filter((x) => x !== w);
        reject(new Error(`no such push within ${timeoutMs} ms; pushes: ${JSON.stringify(this.pushes.map((p) => [p.req.kind, p.req.target.prid, p.res.status]))}`));
      }, timeoutMs);
      this.waiters.push(w);
    });
  }
}

export interface PushNode {
  node: B2buaNode;
  push: PushService;
  redis: Redis;
  stop(): Promise<void>;
}

/** A B2BUA node (sipd + registrar + B2BUA) whose sleeping devices go to a PushCallServer. */
export async function startPushNode(stack: StackHandle, sender: PushSender, o: { waitSeconds: number; node?: NodeOptions; refresh?: boolean }): Promise<PushNode> {
  const redis = new Redis({ host: '127.0.0.1', port: stack.ports.redis });
  const location = new RedisLocationStore(redis, { sweepIntervalMs: 0 });
  const push = await startPushService({
    sender, redis, db: stack.dbPool(), location, waitSeconds: o.waitSeconds, refreshBeforeSeconds: stack.config.push.refreshBeforeSeconds,
    logger: createLogger({ component: 'push', level: (process.env.PUSH_LOG_LEVEL ?? 'warn') as 'warn' }), refresh: o.refresh ?? false,
  });
  const node = await startB2buaNode(stack, { ...o.node, push: push.calls, settings: { noAnswerTimeoutMs: 30_000, ...o.node?.settings } });
  return {
    node, push, redis,
    async stop() {
      await node.stop();
      await push.close();
      redis.disconnect();
    },
  };
}

export interface WssPushStack {
  sipd: SipdProcess;
  /** The sipd's WSS listener (RFC 7118) the WebSocket phone connects to. */
  wssPort: number;
  /** Every CDR the B2BUA wrote. */
  written: CdrRecord[];
  stop(): Promise<void>;
}

/**
 * One sipd with a WSS listener carrying the registrar process and a B2BUA whose sleeping devices
 * go to the push-call server (20 s wait) — a WebSocket flow lives on the sipd that holds the
 * connection, so the registrar and the B2BUA share it.
 */
export async function startWssPushStack(stack: StackHandle, prov: Providers, o: { noAnswerTimeoutMs: number }): Promise<WssPushStack> {
  const written: CdrRecord[] = [];
  let sipd: SipdProcess | undefined;
  let registrar: RegistrarProcess | undefined;
  let redis: Redis | undefined;
  let push: PushService | undefined;
  let app: B2buaApp | undefined;
  const stop = async (): Promise<void> => {
    await app?.close(500);
    await push?.close();
    redis?.disconnect();
    await registrar?.stop();
    await sipd?.stop();
  };
  try {
    const cert = makeServerCert(['localhost']);
    const wssPort = await freePort();
    sipd = await startSipd({
      loglevel: 'warning',
      extraArgs: ['--contact', `sips:127.0.0.1:${wssPort};transport=wss`, '--key-file', path.join(path.dirname(cert.caFile), 'key.pem'), '--cert-file', cert.caFile],
    });
    registrar = await startRegistrarProcess(stack, sipd);
    redis = new Redis({ host: '127.0.0.1', port: stack.ports.redis });
    push = await startPushService({
      sender: prov.sender, redis, db: stack.dbPool(), location: new RedisLocationStore(redis, { sweepIntervalMs: 0 }), waitSeconds: 20,
      refreshBeforeSeconds: 120, refresh: false, logger: createLogger({ component: 'push', level: 'warn' }),
    });
    app = await createB2bua({
      config: stack.config, secrets: stack.secrets, logger: createLogger({ component: 'b2bua', level: 'warn' }),
      sipd: { host: '127.0.0.1', port: sipd.adminPort, secret: sipd.secret },
      settings: { noAnswerTimeoutMs: o.noAnswerTimeoutMs, defaultCountry: 'US', rtpenginePingMs: 0 },
      cdr: { write: (r) => { written.push(r); return Promise.resolve(); } }, push: push.calls,
    });
    await app.connected;
    return { sipd, wssPort, written, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

export interface PhoneDevice {
  provider: 'apns' | 'fcm';
  prid: string;
  param: string;
  instance: string;
}

export function newDevice(provider: 'apns' | 'fcm', param: string = provider === 'apns' ? `ABCDE12345.${BUNDLE}.voip` : 'openline-test'): PhoneDevice {
  const id = randomUUID();
  return {
    provider, instance: `urn:uuid:${id}`, param,
    prid: provider === 'apns' ? randomUUID().replace(/-/g, '').repeat(2) : `fcm-${id.replace(/-/g, '')}:APA91b${randomUUID().replace(/-/g, '')}`,
  };
}

/** The device as the registrar would have left it after an earlier REGISTER: in the devices table, no binding. */
export async function sleepingDevice(stack: StackHandle, a: TestAccount, d: PhoneDevice): Promise<void> {
  await stack.dbPool().query('INSERT INTO devices (account_id, instance_id, push_provider, push_prid, push_param) VALUES (?, ?, ?, ?, ?)',
    [a.id, `<${d.instance}>`, d.provider, d.prid, d.param]);
}

export interface SleepingPhone {
  sipp: SippProcess;
  port: number;
  /** The push reached the phone: it REGISTERs (to the registrar at registrarPort) and waits for the INVITE. */
  wake(): Promise<void>;
}

/** Starts the SIPp sleeping phone (server mode, RTP echo on mediaPort). */
export async function sleepingPhone(a: TestAccount, d: PhoneDevice, registrarPort: number, mediaPort: number): Promise<SleepingPhone> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'push-phone-'));
  const scenario = path.join(dir, 'phone-wake.xml');
  fs.writeFileSync(scenario, fs.readFileSync(path.join(SCENARIOS, 'phone-wake.xml'), 'utf8').replaceAll('@REGISTRAR_PORT@', String(registrarPort)));
  const sipp = await startSipp({
    scenario, calls: 2, rtpEcho: true, mediaPort, timeoutSec: 80,
    keys: { domain: a.domain, user: a.user, provider: d.provider, prid: d.prid, param: d.param, instance: d.instance },
    extraArgs: ['-au', a.user, '-ap', a.password],
  });
  await waitForPort(sipp.localPort, 'u1', 5000);
  return {
    sipp, port: sipp.localPort,
    wake: () => sendMessage(sipp.localPort, a),
  };
}

/** A MESSAGE to the phone standing for the push notification it got. */
function sendMessage(port: number, a: TestAccount): Promise<void> {
  const s = dgram.createSocket('udp4');
  const msg = [`MESSAGE sip:${a.user}@127.0.0.1:${port} SIP/2.0`, `Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK${randomUUID().slice(0, 8)}`,
    'Max-Forwards: 70', 'From: <sip:push@push.invalid>;tag=push', `To: <sip:${a.user}@${a.domain}>`, `Call-ID: wake-${randomUUID()}`,
    'CSeq: 1 MESSAGE', 'Content-Type: text/plain', 'Content-Length: 4', '', 'wake'].join('\r\n');
  return new Promise((resolve, reject) => s.send(msg, port, '127.0.0.1', (err) => { s.close(); if (err) reject(err); else resolve(); }));
}

/** A port p with p..p+3 free (SIPp binds audio RTP/RTCP and video RTP/RTCP from -mp). */
export async function freeMediaPort(freePort: () => Promise<number>): Promise<number> {
  for (let i = 0; i < 20; i++) {
    const p = await freePort();
    if (p % 2 !== 0 || p > 65000) continue;
    const ok = await Promise.all([1, 2, 3].map((k) => new Promise<boolean>((resolve) => {
      const s = dgram.createSocket('udp4');
      s.once('error', () => resolve(false));
      s.bind(p + k, '127.0.0.1', () => s.close(() => resolve(true)));
    })));
    if (ok.every(Boolean)) return p;
  }
  throw new Error('no free block of 4 UDP ports');
}

/** A PushSender that accepts everything (the provider stand-in until a real dispatcher is wired). */
export const acceptAll: PushSender = {
  send: (req) => Promise.resolve({ ok: true, provider: req.target.provider, status: 200, attempts: 1 }),
};
