// Acceptance (issue 10): the chat component (XEP-0114, system.<domain>) sends system messages on
// behalf of the platform: queued by any process, delivered to an online user, archived, and
// pushed to an offline one.
import * as assert from 'node:assert/strict';
import { fetchHistory, queueSystemMessage, registerPushDevice, SYSTEM_TITLE } from '@openline/chat';
import { chatEnv, ChatEnv, enablePush, eventually, isMessage, login, newUser } from './support/chat';

describe('chat: system messages from the component', function () {
  this.timeout(60000);
  let e: ChatEnv;
  before(async () => { e = await chatEnv(); });

  it('a queued reminder reaches the user from system.<domain>, marked with its kind, and is archived', async () => {
    const u = await newUser(e, 'remind');
    const c = await login(e, u);
    try {
      await queueSystemMessage(e.ctx, u.jid, 'Time for your evening pills 💊', 'reminder');
      const m = await c.waitFor(isMessage('Time for your evening pills 💊'), 5000);
      assert.equal(m.attrs.from, e.ctx.settings.componentHost);
      assert.equal(m.getChild('system', 'urn:openline:chat:0')?.attrs.kind, 'reminder');
      const history = await eventually(async () => {
        const h = await fetchHistory(e.ctx, u.jid, e.ctx.settings.componentHost, '30d');
        return h.length ? h : undefined;
      }, 5000, 'archived system message');
      assert.equal(history[0].body, 'Time for your evening pills 💊');
    } finally { await c.close(); }
  });

  it('an offline user with push gets an alert titled for the platform', async () => {
    const u = await newUser(e, 'sysoff');
    const reg = await registerPushDevice(e.pool, e.ctx.settings, u.id, { provider: 'fcm', token: 'fcm-sys' });
    const c = await login(e, u);
    await c.iq(enablePush(reg));
    await c.close();
    await queueSystemMessage(e.ctx, u.jid, 'No movement detected since yesterday: please check in', 'emergency');
    const rows = await eventually(async () => {
      const r = await e.pool.query<Array<{ title: string; body: string; outcome: string }>>('SELECT title, body, outcome FROM chat_push_log WHERE account_id = ?', [u.id]);
      return r.length ? r : undefined;
    }, 5000, 'push');
    assert.deepEqual(rows[0], { title: SYSTEM_TITLE, body: 'No movement detected since yesterday: please check in', outcome: 'sent' });
  });

  it('refuses an empty body or an unknown kind', async () => {
    const u = await newUser(e, 'sysbad');
    await assert.rejects(queueSystemMessage(e.ctx, u.jid, '  '), /body/);
    await assert.rejects(queueSystemMessage(e.ctx, u.jid, 'x', 'spam' as 'reminder'), /kind/);
  });
});
