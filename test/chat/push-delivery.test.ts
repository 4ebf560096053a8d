// Issue 10 (with issue 7's dispatcher): with push.apns and push.fcm enabled, the chat service hands
// an offline user's alert to APNs or FCM — here the local stand-ins — with the sender's name and
// the message preview, one notification per conversation; a dead token is removed from the chat
// push nodes and from the devices table. Runs its own small stack (MariaDB, ejabberd, chat) on the
// run's second port base, because the chat service reads its push config at start.
import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chatMessage } from '@openline/chat';
import { eventually, login, newUser, TestUser } from './support/chat';
import { ChatPushStack, PUSH_TEST_BUNDLE, startChatPushStack } from './support/push-stack';

describe('chat: alerts delivered through APNs and FCM', function () {
  this.timeout(120000);
  let stack: ChatPushStack;
  let sam: TestUser;

  before(async () => {
    stack = await startChatPushStack('chatpush');
    sam = await newUser(stack.e, 'sam');
  });
  after(async () => { await stack?.stop(); });

  async function sendFromSam(to: TestUser, text: string): Promise<void> {
    const s = await login(stack.e, sam);
    try { await s.send(chatMessage(to.jid, text, `m-${randomBytes(4).toString('hex')}`)); } finally { await s.close(); }
  }

  it('a message to an offline iPhone arrives at APNs as an alert with the sender and the preview', async () => {
    const token = randomBytes(32).toString('hex');
    const liz = await stack.offlineWithPush('liz', 'apns', token);
    await sendFromSam(liz, 'dinner at 8? 🍝');
    const p = await stack.apns.waitFor((x) => x.token === token, 10000);
    assert.equal(p.status, 200);
    assert.deepEqual([p.pushType, p.topic, p.priority, p.collapseId], ['alert', PUSH_TEST_BUNDLE, 10, sam.jid]);
    const aps = p.payload?.aps as Record<string, unknown>;
    assert.deepEqual(aps.alert, { title: sam.displayName, body: 'dinner at 8? 🍝' });
    assert.equal(p.payload?.conversation, sam.jid);
    assert.equal(p.payload?.kind, 'message');
    const rows = await eventually(async () => {
      const r = await stack.e.pool.query<Array<{ outcome: string }>>('SELECT outcome FROM chat_push_log WHERE account_id = ?', [liz.id]);
      return r.length ? r : undefined;
    }, 5000, 'push log');
    assert.equal(rows[0].outcome, 'sent');
  });

  it('a message to an offline Android phone arrives at FCM as a notification with the preview', async () => {
    const token = `fcm-${randomBytes(16).toString('base64url')}`;
    const fay = await stack.offlineWithPush('fay', 'fcm', token);
    await sendFromSam(fay, 'the train is late');
    const m = await stack.fcm.waitFor((x) => x.token === token, 10000);
    assert.equal(m.status, 200);
    assert.deepEqual(m.message.notification, { title: sam.displayName, body: 'the train is late' });
    assert.deepEqual(m.message.data, { conversation: sam.jid, kind: 'message' });
    assert.equal((m.message.android as Record<string, unknown>).collapse_key, sam.jid);
  });

  it('a dead APNs token (410) is removed from the chat push nodes and the devices table', async () => {
    const token = randomBytes(32).toString('hex');
    stack.apns.respond(token, { status: 410, reason: 'Unregistered' });
    const dan = await stack.offlineWithPush('dan', 'apns', token);
    await sendFromSam(dan, 'are you still there?');
    assert.equal((await stack.apns.waitFor((x) => x.token === token, 10000)).status, 410);
    const log = await eventually(async () => {
      const r = await stack.e.pool.query<Array<{ outcome: string; error: string | null }>>('SELECT outcome, error FROM chat_push_log WHERE account_id = ?', [dan.id]);
      return r.length ? r[0] : undefined;
    }, 5000, 'push log');
    assert.equal(log.outcome, 'failed');
    assert.match(log.error ?? '', /apns 410 Unregistered \(token removed\)/);
    assert.deepEqual(await stack.e.pool.query('SELECT node FROM chat_push_nodes WHERE account_id = ?', [dan.id]), []);
    const dev = await stack.e.pool.query<Array<{ push_provider: string | null; push_prid: string | null }>>(
      'SELECT push_provider, push_prid FROM devices WHERE account_id = ?', [dan.id]);
    assert.deepEqual(dev.map((d) => [d.push_provider, d.push_prid]), [[null, null]]);
  });
});
