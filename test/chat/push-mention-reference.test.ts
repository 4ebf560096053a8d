// Issue 10: "mentions with `@` (XEP-0372 references) that notify the mentioned member even when
// the group is muted". mod_push's summary carries only the sender and the body, so a mention
// written as a display name has no "@username" in the text: the app server finds the reference
// in the room's archived stanza. A reference to someone else stays muted.
import * as assert from 'node:assert/strict';
import { createGroup, setMuted, xml, NS } from '@openline/chat';
import { chatEnv, ChatEnv, eventually, joinRoom, login, newUser, pushEnabledOffline, TestUser } from './support/chat';

interface PushRow { body: string; mention: number; outcome: string }

async function pushesFor(e: ChatEnv, accountId: number, after: number): Promise<PushRow[]> {
  return e.pool.query<PushRow[]>('SELECT body, mention, outcome FROM chat_push_log WHERE account_id = ? AND id > ? ORDER BY id', [accountId, after]);
}

describe('chat: a XEP-0372 mention by display name in a muted group', function () {
  this.timeout(60000);
  let e: ChatEnv;
  let sam: TestUser;
  let liz: TestUser;
  let max: TestUser;
  before(async () => {
    e = await chatEnv();
    [sam, liz, max] = [await newUser(e, 'sam'), await newUser(e, 'liz'), await newUser(e, 'max')];
    await pushEnabledOffline(e, liz, { provider: 'apns', token: `apns-token-${liz.username}` });
  });

  it('alerts the member named by a reference without @username in the text; a reference to another member stays muted', async () => {
    const g = await createGroup(e.ctx, sam.jid, 'Garden', [liz.jid, max.jid]);
    await setMuted(e.ctx, liz.jid, g.jid, true);
    const before = (await e.pool.query<Array<{ id: number }>>('SELECT COALESCE(MAX(id), 0) AS id FROM chat_push_log'))[0].id;
    const m = await login(e, max);
    try {
      await joinRoom(m, g.jid);
      const other = `${sam.displayName}, the roses need water`;
      await m.send(xml('message', { to: g.jid, type: 'groupchat', id: 'gr-1' }, xml('body', {}, other),
        xml('reference', { xmlns: NS.reference, type: 'mention', uri: `xmpp:${sam.jid}`, begin: 0, end: sam.displayName.length })));
      const text = `${liz.displayName}, can you bring the shears?`;
      assert.ok(!text.includes(`@${liz.username}`));
      await m.send(xml('message', { to: g.jid, type: 'groupchat', id: 'gr-2' }, xml('body', {}, text),
        xml('reference', { xmlns: NS.reference, type: 'mention', uri: `xmpp:${liz.jid}`, begin: 0, end: liz.displayName.length })));
      const rows = await eventually(async () => { const r = await pushesFor(e, liz.id, before); return r.length >= 2 ? r : undefined; }, 5000, 'two decisions');
      assert.deepEqual(rows.map((r) => [r.body, r.mention, r.outcome]), [[other, 0, 'muted'], [text, 1, 'sent']]);
    } finally { await m.close(); }
  });
});
