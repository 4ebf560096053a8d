// Issue 7: the push dispatcher against the local APNs and FCM stand-ins over loopback. Each kind
// reaches the provider in its wire form; a dead token (APNs 410 / FCM UNREGISTERED) calls the hook
// and clears the device's binding in MariaDB; 429 is retried; 500 gives up after maxAttempts; a
// JWT signed with the wrong key is refused with 403; an unknown pn-provider is reported.
import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Config, loadConfig } from '@openline/config';
import { AccountRepo, Pool } from '@openline/db';
import { createPushSender, DevicePushBindings, PushDispatcher, PushRequest, PushResult, PushTarget } from '@openline/push';
import { getSharedStack } from '../support/stack';
import { ApnsTestKey, FcmTestServiceAccount, makeApnsKey, makeServiceAccount } from '../support/push/credentials';
import { FakeApns, startFakeApns } from '../support/push/fake-apns';
import { FakeFcm, startFakeFcm } from '../support/push/fake-fcm';

const BUNDLE = 'org.openline.test';
const MAX_ATTEMPTS = 3;

const apnsToken = (): string => randomBytes(32).toString('hex');
const fcmToken = (): string => `fcm-${randomBytes(20).toString('base64url')}:APA91b${randomBytes(30).toString('base64url')}`;

function pushConfig(key: ApnsTestKey, sa: FcmTestServiceAccount, apns: FakeApns, fcm: FakeFcm, keyFile = key.keyFile): Pick<Config, 'push'> {
  return loadConfig({
    configFile: null, env: {}, overrides: {
      push: {
        maxAttempts: MAX_ATTEMPTS,
        apns: { enabled: true, keyFile, keyId: key.keyId, teamId: key.teamId, bundleId: BUNDLE, host: '127.0.0.1', port: apns.port, caFile: apns.caFile },
        fcm: { enabled: true, serviceAccountFile: sa.file, endpoint: fcm.url, caFile: fcm.caFile },
      },
    },
  }).config;
}

const noWait = { baseMs: 1, maxMs: 5, retryAfterCapMs: 50 };

describe('push dispatcher (APNs and FCM stand-ins)', function () {
  this.timeout(60000);
  let key: ApnsTestKey;
  let sa: FcmTestServiceAccount;
  let apns: FakeApns;
  let fcm: FakeFcm;
  let sender: PushDispatcher;
  const dead: Array<{ target: PushTarget; result: PushResult }> = [];

  before(async () => {
    key = makeApnsKey();
    sa = makeServiceAccount();
    apns = await startFakeApns({ teamId: key.teamId, keyId: key.keyId, publicKey: key.publicKey, bundleId: BUNDLE });
    fcm = await startFakeFcm({ projectId: sa.projectId, clientEmail: sa.clientEmail, publicKey: sa.publicKey });
    sender = createPushSender(pushConfig(key, sa, apns, fcm), { backoff: noWait, onInvalidToken: (target, result) => { dead.push({ target, result }); } });
  });
  after(async () => {
    await sender?.close();
    await apns?.close();
    await fcm?.close();
  });

  const req = (provider: string, prid: string, kind: PushRequest['kind'], extra: Partial<PushRequest> = {}): PushRequest =>
    ({ target: { provider, prid }, kind, data: { callId: 'c-1' }, ...extra });

  describe('APNs wire format per kind', () => {
    it('call: VoIP push to <bundle>.voip, priority 10, expiration 0, signed ES256 JWT of the team and key', async () => {
      const token = apnsToken();
      const r = await sender.send(req('apns', token, 'call', { data: { callId: 'call-7', caller: '+441632960001' } }));
      assert.equal(r.ok, true, JSON.stringify(r));
      assert.equal(r.attempts, 1);
      const p = await apns.waitFor((x) => x.token === token);
      assert.equal(p.status, 200);
      assert.equal(r.id, p.apnsId);
      assert.deepEqual([p.pushType, p.topic, p.priority, p.expiration], ['voip', `${BUNDLE}.voip`, 10, 0]);
      assert.deepEqual(p.payload, { callId: 'call-7', caller: '+441632960001', kind: 'call', aps: {} });
      assert.equal(p.jwt?.header.kid, key.keyId);
      assert.equal(p.jwt?.claims.iss, key.teamId);
    });

    it('call-ended: a background push (not VoIP: iOS requires every VoIP push to report a call), priority 5', async () => {
      const token = apnsToken();
      assert.equal((await sender.send(req('apns', token, 'call-ended', { collapseId: 'call-7' }))).ok, true);
      const p = await apns.waitFor((x) => x.token === token);
      assert.deepEqual([p.pushType, p.topic, p.priority, p.expiration, p.collapseId], ['background', BUNDLE, 5, 0, 'call-7']);
      assert.deepEqual(p.payload?.aps, { 'content-available': 1 });
      assert.equal(p.payload?.kind, 'call-ended');
    });

    for (const kind of ['missed-call', 'message'] as const) {
      it(`${kind}: alert push to <bundle> with title, body, sound, badge and collapse id`, async () => {
        const token = apnsToken();
        const r = await sender.send(req('apns', token, kind, {
          alert: { title: 'Ann Example', body: 'see you at 6' }, badge: 4, collapseId: 'conv-ann', data: { conversation: 'ann@example.com' },
        }));
        assert.equal(r.ok, true, JSON.stringify(r));
        const p = await apns.waitFor((x) => x.token === token);
        assert.deepEqual([p.pushType, p.topic, p.priority, p.collapseId], ['alert', BUNDLE, 10, 'conv-ann']);
        assert.ok((p.expiration ?? 0) > Date.now() / 1000, 'alerts are stored for an offline device');
        assert.deepEqual(p.payload, {
          conversation: 'ann@example.com', kind,
          aps: { alert: { title: 'Ann Example', body: 'see you at 6' }, sound: 'default', badge: 4, 'thread-id': 'conv-ann' },
        });
      });
    }

    it('binding-refresh: silent background push (content-available, priority 5)', async () => {
      const token = apnsToken();
      assert.equal((await sender.send(req('apns', token, 'binding-refresh', { data: {} }))).ok, true);
      const p = await apns.waitFor((x) => x.token === token);
      assert.deepEqual([p.pushType, p.topic, p.priority], ['background', BUNDLE, 5]);
      assert.deepEqual(p.payload, { kind: 'binding-refresh', aps: { 'content-available': 1 } });
    });
  });

  describe('FCM wire format per kind', () => {
    it('call: data-only message, android priority high, ttl 0s, with a bearer from the OAuth endpoint', async () => {
      const token = fcmToken();
      const r = await sender.send(req('fcm', token, 'call', { data: { callId: 'call-8', caller: '+441632960002' } }));
      assert.equal(r.ok, true, JSON.stringify(r));
      const m = await fcm.waitFor((x) => x.token === token);
      assert.equal(m.status, 200);
      assert.equal(r.id, m.name);
      assert.equal(m.host, 'fcm.googleapis.com');
      assert.ok(m.bearer && fcm.tokensIssued.includes(m.bearer), 'bearer issued by the token endpoint');
      assert.deepEqual(m.message, { token, data: { callId: 'call-8', caller: '+441632960002', kind: 'call' }, android: { priority: 'high', ttl: '0s' } });
    });

    it('call-ended: data-only, high priority, ttl 0s', async () => {
      const token = fcmToken();
      assert.equal((await sender.send(req('fcm', token, 'call-ended'))).ok, true);
      const m = await fcm.waitFor((x) => x.token === token);
      assert.deepEqual(m.message.android, { priority: 'high', ttl: '0s' });
      assert.equal(m.message.notification, undefined);
    });

    for (const kind of ['missed-call', 'message'] as const) {
      it(`${kind}: notification + data with collapse key, tag and count`, async () => {
        const token = fcmToken();
        const r = await sender.send(req('fcm', token, kind, {
          alert: { title: 'Ben Example', body: 'called you' }, badge: 2, collapseId: 'conv-ben', data: { conversation: 'ben@example.com' },
        }));
        assert.equal(r.ok, true, JSON.stringify(r));
        const m = await fcm.waitFor((x) => x.token === token);
        assert.deepEqual(m.message.notification, { title: 'Ben Example', body: 'called you' });
        assert.deepEqual(m.message.data, { conversation: 'ben@example.com', kind });
        assert.deepEqual(m.message.android, {
          priority: 'high', ttl: '86400s', collapse_key: 'conv-ben', notification: { sound: 'default', tag: 'conv-ben', notification_count: 2 },
        });
      });
    }

    it('binding-refresh: data-only wake-up', async () => {
      const token = fcmToken();
      assert.equal((await sender.send(req('fcm', token, 'binding-refresh', { data: {} }))).ok, true);
      const m = await fcm.waitFor((x) => x.token === token);
      assert.deepEqual(m.message, { token, data: { kind: 'binding-refresh' }, android: { priority: 'high', ttl: '3600s' } });
    });
  });

  describe('dead tokens', () => {
    let pool: Pool;
    let bindings: DevicePushBindings;
    let accountId: number;
    before(async () => {
      const stack = await getSharedStack();
      pool = stack.dbPool();
      bindings = new DevicePushBindings(pool);
      const repo = new AccountRepo(pool, stack.secrets.sipPasswordKey, stack.config.sip.domain);
      accountId = (await repo.add({ username: `push${randomBytes(4).toString('hex')}` })).account.id;
    });

    async function device(provider: string, prid: string): Promise<string> {
      const instance = `urn:uuid:${randomBytes(16).toString('hex').replace(/(.{8})(.{4})(.{4})(.{4})(.{12})/, '$1-$2-$3-$4-$5')}`;
      await pool.query('INSERT INTO devices (account_id, instance_id, push_provider, push_prid, push_param) VALUES (?, ?, ?, ?, ?)',
        [accountId, `<${instance}>`, provider, prid, provider === 'apns' ? `${key.teamId}.${BUNDLE}.voip` : sa.projectId]);
      return instance;
    }

    async function binding(instance: string): Promise<{ push_provider: string | null; push_prid: string | null; push_param: string | null }> {
      const rows = await pool.query<Array<{ push_provider: string | null; push_prid: string | null; push_param: string | null }>>(
        'SELECT push_provider, push_prid, push_param FROM devices WHERE account_id = ? AND instance_id = ?', [accountId, `<${instance}>`]);
      return rows[0];
    }

    it('reads a device\'s and an account\'s push targets from the devices table', async () => {
      const token = apnsToken();
      const instance = await device('apns', token);
      const t = await bindings.forDevice(accountId, instance);
      assert.deepEqual(t, { provider: 'apns', prid: token, param: `${key.teamId}.${BUNDLE}.voip`, accountId, instance });
      assert.ok((await bindings.forAccount(accountId)).some((x) => x.prid === token));
    });

    for (const provider of ['apns', 'fcm'] as const) {
      const what = provider === 'apns' ? 'APNs 410 Unregistered' : 'FCM 404 UNREGISTERED';
      it(`${what} calls the hook, which clears the device's push binding`, async () => {
        const token = provider === 'apns' ? apnsToken() : fcmToken();
        const instance = await device(provider, token);
        const other = await device(provider, provider === 'apns' ? apnsToken() : fcmToken());
        if (provider === 'apns') apns.respond(token, { status: 410, reason: 'Unregistered' });
        else fcm.respond(token, { status: 404 });
        const s = createPushSender(pushConfig(key, sa, apns, fcm), {
          backoff: noWait, onInvalidToken: async (target) => { await bindings.removeToken(target.provider, target.prid); },
        });
        try {
          const r = await s.send(req(provider, token, 'message', { alert: { title: 'x', body: 'y' } }));
          assert.deepEqual([r.ok, r.invalidToken, r.status, r.reason, r.attempts],
            [false, true, provider === 'apns' ? 410 : 404, provider === 'apns' ? 'Unregistered' : 'UNREGISTERED', 1]);
          assert.deepEqual(await binding(instance), { push_provider: null, push_prid: null, push_param: null });
          assert.equal((await binding(other)).push_provider, provider, 'other devices keep their binding');
          assert.equal(s.stats()[provider].invalidTokens, 1);
        } finally { await s.close(); }
      });
    }

    it('APNs 400 BadDeviceToken is a dead token too; a 400 for another reason is not', async () => {
      const [bad, other] = [apnsToken(), apnsToken()];
      apns.respond(bad, { status: 400, reason: 'BadDeviceToken' });
      apns.respond(other, { status: 400, reason: 'DeviceTokenNotForTopic' });
      const before = dead.length;
      const r1 = await sender.send(req('apns', bad, 'message', { alert: { title: 'a', body: 'b' } }));
      const r2 = await sender.send(req('apns', other, 'message', { alert: { title: 'a', body: 'b' } }));
      assert.deepEqual([r1.invalidToken, r1.reason], [true, 'BadDeviceToken']);
      assert.deepEqual([r2.invalidToken, r2.reason, r2.status], [undefined, 'DeviceTokenNotForTopic', 400]);
      assert.deepEqual(dead.slice(before).map((d) => d.target.prid), [bad]);
    });
  });

  describe('retries', () => {
    it('APNs 429 then 200: retried once and delivered', async () => {
      const token = apnsToken();
      apns.respond(token, { status: 429, reason: 'TooManyRequests', times: 1 });
      const before = sender.stats().apns.retried;
      const r = await sender.send(req('apns', token, 'call'));
      assert.deepEqual([r.ok, r.attempts, r.status], [true, 2, 200]);
      assert.deepEqual(apns.received.filter((p) => p.token === token).map((p) => p.status), [429, 200]);
      assert.equal(sender.stats().apns.retried, before + 1);
    });

    it('FCM 429 QUOTA_EXCEEDED then success: retried once and delivered', async () => {
      const token = fcmToken();
      fcm.respond(token, { status: 429, times: 1 });
      const r = await sender.send(req('fcm', token, 'call'));
      assert.deepEqual([r.ok, r.attempts], [true, 2]);
      assert.deepEqual(fcm.received.filter((m) => m.token === token).map((m) => m.status), [429, 200]);
    });

    for (const provider of ['apns', 'fcm'] as const) {
      it(`${provider} 500 on every attempt: fails after maxAttempts (${MAX_ATTEMPTS}) without throwing`, async () => {
        const token = provider === 'apns' ? apnsToken() : fcmToken();
        if (provider === 'apns') apns.respond(token, { status: 500, reason: 'InternalServerError' });
        else fcm.respond(token, { status: 500 });
        const before = sender.stats()[provider];
        const r = await sender.send(req(provider, token, 'call'));
        assert.deepEqual([r.ok, r.status, r.attempts, r.invalidToken], [false, 500, MAX_ATTEMPTS, undefined]);
        const seen = provider === 'apns' ? apns.received.filter((p) => p.token === token).length : fcm.received.filter((m) => m.token === token).length;
        assert.equal(seen, MAX_ATTEMPTS);
        const after = sender.stats()[provider];
        assert.deepEqual([after.failed - before.failed, after.retried - before.retried], [1, MAX_ATTEMPTS - 1]);
      });
    }
  });

  describe('failures that are not retried', () => {
    it('a JWT signed with another key: the stand-in answers 403 InvalidProviderToken and the dispatcher reports it', async () => {
      const wrong = makeApnsKey();
      const s = createPushSender(pushConfig(key, sa, apns, fcm, wrong.keyFile), { backoff: noWait });
      try {
        const token = apnsToken();
        const r = await s.send(req('apns', token, 'call'));
        assert.deepEqual([r.ok, r.status, r.reason, r.attempts, r.invalidToken], [false, 403, 'InvalidProviderToken', 1, undefined]);
        assert.equal((await apns.waitFor((p) => p.token === token)).status, 403);
        assert.deepEqual(s.stats().apns, { sent: 0, failed: 1, retried: 0, invalidTokens: 0 });
      } finally { await s.close(); }
    });

    it('an unknown pn-provider is reported as unsupported-provider, nothing is sent', async () => {
      const n = apns.received.length + fcm.received.length;
      const r = await sender.send(req('webpush', 'https://push.example/abc', 'message'));
      assert.deepEqual(r, { ok: false, provider: 'webpush', reason: 'unsupported-provider', attempts: 0 });
      assert.equal(apns.received.length + fcm.received.length, n);
    });

    it('counters are kept per provider', () => {
      const s = sender.stats();
      assert.deepEqual(Object.keys(s).sort(), ['apns', 'fcm']);
      assert.ok(s.apns.sent >= 6 && s.fcm.sent >= 6, JSON.stringify(s));
      assert.ok(s.apns.failed >= 1 && s.fcm.failed >= 1 && s.apns.retried >= 3 && s.fcm.retried >= 3, JSON.stringify(s));
    });
  });
});
