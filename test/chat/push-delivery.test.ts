// Issue 10 (with issue 7's dispatcher): with push.apns and push.fcm enabled, the chat service hands
// an offline user's alert to APNs or FCM — here the local stand-ins — with the sender's name and
// the message preview, one notification per conversation; a dead token is removed from the chat
// push nodes and from the devices table. Runs its own small stack (MariaDB, ejabberd, chat) on the
// run's second port base, because the chat service reads its push config at start.
import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { portsFromBase } from '@openline/config';
import { chatContextFrom, chatMessage, registerPushDevice } from '@openline/chat';
import { mariadbService, PROJECT_SERVICES, ServiceDefinition, ServiceFactory, StackHandle, startStack } from '@openline/stack';
import { secondaryPortBase, tempDataDir } from '../support/stack';
import { ApnsTestKey, FcmTestServiceAccount, makeApnsKey, makeServiceAccount } from '../support/push/credentials';
import { FakeApns, startFakeApns } from '../support/push/fake-apns';
import { FakeFcm, startFakeFcm } from '../support/push/fake-fcm';
import { ChatEnv, enablePush, eventually, login, newUser, TestUser } from './support/chat';

const BUNDLE = 'org.openline.chat-test';

/** One of the project's services by its definition name (ejabberd, chat), optionally with more env. */
function projectService(name: string, env: Record<string, string> = {}): ServiceFactory {
  return (ctx) => {
    for (const f of PROJECT_SERVICES) {
      const def: ServiceDefinition = f(ctx);
      if (def.name === name) return { ...def, env: { ...(def.env ?? {}), ...env } };
    }
    throw new Error(`no project service named ${name}`);
  };
}

describe('chat: alerts delivered through APNs and FCM', function () {
  this.timeout(120000);
  let key: ApnsTestKey;
  let sa: FcmTestServiceAccount;
  let apns: FakeApns;
  let fcm: FakeFcm;
  let stack: StackHandle | undefined;
  let dataDir: string;
  let e: ChatEnv;
  let sam: TestUser;

  before(async () => {
    key = makeApnsKey();
    sa = makeServiceAccount();
    apns = await startFakeApns({ teamId: key.teamId, keyId: key.keyId, publicKey: key.publicKey, bundleId: BUNDLE });
    fcm = await startFakeFcm({ projectId: sa.projectId, clientEmail: sa.clientEmail, publicKey: sa.publicKey });
    // The chat service is a child process: its push config comes as OPENLINE_* overrides.
    const pushEnv = {
      OPENLINE_PUSH__MAX_ATTEMPTS: '2',
      OPENLINE_PUSH__APNS__ENABLED: 'true', OPENLINE_PUSH__APNS__KEY_FILE: key.keyFile, OPENLINE_PUSH__APNS__KEY_ID: key.keyId,
      OPENLINE_PUSH__APNS__TEAM_ID: key.teamId, OPENLINE_PUSH__APNS__BUNDLE_ID: BUNDLE, OPENLINE_PUSH__APNS__HOST: '127.0.0.1',
      OPENLINE_PUSH__APNS__PORT: String(apns.port), OPENLINE_PUSH__APNS__CA_FILE: apns.caFile,
      OPENLINE_PUSH__FCM__ENABLED: 'true', OPENLINE_PUSH__FCM__SERVICE_ACCOUNT_FILE: sa.file, OPENLINE_PUSH__FCM__ENDPOINT: fcm.url,
      OPENLINE_PUSH__FCM__CA_FILE: fcm.caFile,
    };
    dataDir = tempDataDir('chatpush');
    stack = await startStack({
      dataDir, portBase: secondaryPortBase(), infrastructure: false, overrides: { log: { level: 'warn' } },
      services: [mariadbService, projectService('ejabberd'), projectService('chat', pushEnv)],
    });
    const { config, secrets } = stack;
    const pool = stack.dbPool();
    const ports = portsFromBase(config.ports.base);
    const ctx = chatContextFrom(config, secrets, { pool });
    e = { config, secrets, ports, pool, ctx, domain: ctx.settings.domain, tcp: `xmpp://127.0.0.1:${ports.xmppC2s}`, ws: `ws://127.0.0.1:${ports.xmppHttp}/ws` };
    sam = await newUser(e, 'sam');
  });

  after(async () => {
    await stack?.stop();
    await apns?.close();
    await fcm?.close();
    if (dataDir && !process.env.KEEP_TEST_DATA) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  /** A user whose phone registered `token` for chat pushes (and as its SIP push binding), then went offline. */
  async function offlineWithPush(tag: string, provider: 'apns' | 'fcm', token: string): Promise<TestUser> {
    const u = await newUser(e, tag);
    await e.pool.query('INSERT INTO devices (account_id, instance_id, push_provider, push_prid) VALUES (?, ?, ?, ?)',
      [u.id, `<urn:uuid:${randomBytes(16).toString('hex')}>`, provider, token]);
    const reg = await registerPushDevice(e.pool, e.ctx.settings, u.id, { provider, token });
    const c = await login(e, u);
    await c.iq(enablePush(reg));
    await c.close();
    return u;
  }

  async function sendFromSam(to: TestUser, text: string): Promise<void> {
    const s = await login(e, sam);
    try { await s.send(chatMessage(to.jid, text, `m-${randomBytes(4).toString('hex')}`)); } finally { await s.close(); }
  }

  it('a message to an offline iPhone arrives at APNs as an alert with the sender and the preview', async () => {
    const token = randomBytes(32).toString('hex');
    const liz = await offlineWithPush('liz', 'apns', token);
    await sendFromSam(liz, 'dinner at 8? 🍝');
    const p = await apns.waitFor((x) => x.token === token, 10000);
    assert.equal(p.status, 200);
    assert.deepEqual([p.pushType, p.topic, p.priority, p.collapseId], ['alert', BUNDLE, 10, sam.jid]);
    const aps = p.payload?.aps as Record<string, unknown>;
    assert.deepEqual(aps.alert, { title: sam.displayName, body: 'dinner at 8? 🍝' });
    assert.equal(p.payload?.conversation, sam.jid);
    assert.equal(p.payload?.kind, 'message');
    const rows = await eventually(async () => {
      const r = await e.pool.query<Array<{ outcome: string }>>('SELECT outcome FROM chat_push_log WHERE account_id = ?', [liz.id]);
      return r.length ? r : undefined;
    }, 5000, 'push log');
    assert.equal(rows[0].outcome, 'sent');
  });

  it('a message to an offline Android phone arrives at FCM as a notification with the preview', async () => {
    const token = `fcm-${randomBytes(16).toString('base64url')}`;
    const fay = await offlineWithPush('fay', 'fcm', token);
    await sendFromSam(fay, 'the train is late');
    const m = await fcm.waitFor((x) => x.token === token, 10000);
    assert.equal(m.status, 200);
    assert.deepEqual(m.message.notification, { title: sam.displayName, body: 'the train is late' });
    assert.deepEqual(m.message.data, { conversation: sam.jid, kind: 'message' });
    assert.equal((m.message.android as Record<string, unknown>).collapse_key, sam.jid);
  });

  it('a dead APNs token (410) is removed from the chat push nodes and the devices table', async () => {
    const token = randomBytes(32).toString('hex');
    apns.respond(token, { status: 410, reason: 'Unregistered' });
    const dan = await offlineWithPush('dan', 'apns', token);
    await sendFromSam(dan, 'are you still there?');
    assert.equal((await apns.waitFor((x) => x.token === token, 10000)).status, 410);
    const log = await eventually(async () => {
      const r = await e.pool.query<Array<{ outcome: string; error: string | null }>>('SELECT outcome, error FROM chat_push_log WHERE account_id = ?', [dan.id]);
      return r.length ? r[0] : undefined;
    }, 5000, 'push log');
    assert.equal(log.outcome, 'failed');
    assert.match(log.error ?? '', /apns 410 Unregistered \(token removed\)/);
    assert.deepEqual(await e.pool.query('SELECT node FROM chat_push_nodes WHERE account_id = ?', [dan.id]), []);
    const dev = await e.pool.query<Array<{ push_provider: string | null; push_prid: string | null }>>(
      'SELECT push_provider, push_prid FROM devices WHERE account_id = ?', [dan.id]);
    assert.deepEqual(dev.map((d) => [d.push_provider, d.push_prid]), [[null, null]]);
  });
});
