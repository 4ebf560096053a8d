// Acceptance (issue 10): a user with a push-enabled device (XEP-0357 on the chat component) who
// is offline gets an alert for a 1:1 message and for a group message, with the sender's display
// name and a preview unless previews are off; a muted group stays silent except for a mention
// (an "@username" in the text, or a XEP-0372 reference to the member); the messages are in the
// archive (and offline storage) when the user returns.
import * as assert from 'node:assert/strict';
import {
  accountByJid, chatMessage, createGroup, registerPushDevice, setMuted, setPushPreviews, xml, NO_PREVIEW_TEXT, NS,
} from '@openline/chat';
import { chatEnv, ChatEnv, enablePush, eventually, isMessage, joinRoom, login, mamQuery, newUser, pushEnabledOffline, TestUser } from './support/chat';

interface PushRow { conversation: string; title: string; body: string; mention: number; outcome: string; provider: string; token: string }

async function pushesFor(e: ChatEnv, accountId: number, after = 0): Promise<PushRow[]> {
  return e.pool.query<PushRow[]>(
    'SELECT conversation, title, body, mention, outcome, provider, token FROM chat_push_log WHERE account_id = ? AND id > ? ORDER BY id',
    [accountId, after]);
}

describe('chat: push to an offline device', function () {
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

  it('a 1:1 message alerts the offline device with the sender\'s display name and a preview', async () => {
    const s = await login(e, sam);
    try {
      await s.send(chatMessage(liz.jid, 'are you coming today? ☀️', 'p-1'));
      const rows = await eventually(async () => { const r = await pushesFor(e, liz.id); return r.length ? r : undefined; }, 5000, 'push');
      assert.equal(rows.length, 1);
      assert.deepEqual(rows[0], {
        conversation: sam.jid, title: sam.displayName, body: 'are you coming today? ☀️', mention: 0, outcome: 'sent',
        provider: 'apns', token: `apns-token-${liz.username}`,
      });
    } finally { await s.close(); }
  });

  // mod_push's summary carries only the sender and the body, so a mention written as a display
  // name has no "@username" in the text: the app server finds the XEP-0372 reference in the room's
  // archived stanza. A reference to someone else stays muted.
  it('in a muted group, a XEP-0372 mention by display name alerts the member named by the reference (no @username in the text); a reference to another member stays muted', async () => {
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

  it('a group message alerts an offline member; a muted group does not, except for a mention', async () => {
    const g = await createGroup(e.ctx, sam.jid, 'Book club', [liz.jid, max.jid]);
    const before = (await e.pool.query<Array<{ id: number }>>('SELECT COALESCE(MAX(id), 0) AS id FROM chat_push_log'))[0].id;
    const [s, m] = [await login(e, sam), await login(e, max)];
    try {
      await joinRoom(s, g.jid);
      await joinRoom(m, g.jid);
      await s.send(xml('message', { to: g.jid, type: 'groupchat', id: 'gp-1' }, xml('body', {}, 'chapter 3 tonight')));
      const first = await eventually(async () => { const r = await pushesFor(e, liz.id, before); return r.length ? r : undefined; }, 5000, 'group push');
      assert.equal(first[0].conversation, g.jid);
      assert.equal(first[0].title, `${sam.displayName} (Book club)`);
      assert.equal(first[0].body, 'chapter 3 tonight');
      assert.equal(first[0].outcome, 'sent');

      await setMuted(e.ctx, liz.jid, g.jid, true);
      await m.send(xml('message', { to: g.jid, type: 'groupchat', id: 'gp-2' }, xml('body', {}, 'I liked it')));
      const text = `@${liz.username} what did you think?`;
      await m.send(xml('message', { to: g.jid, type: 'groupchat', id: 'gp-3' }, xml('body', {}, text),
        xml('reference', { xmlns: NS.reference, type: 'mention', uri: `xmpp:${liz.jid}`, begin: 0, end: liz.username.length + 1 })));
      const rows = await eventually(async () => { const r = await pushesFor(e, liz.id, before); return r.length >= 3 ? r : undefined; }, 5000, 'three decisions');
      assert.deepEqual(rows.map((r) => [r.body, r.mention, r.outcome]), [
        ['chapter 3 tonight', 0, 'sent'], ['I liked it', 0, 'muted'], [text, 1, 'sent'],
      ]);
    } finally { await s.close(); await m.close(); }

    // Back online: the group messages are waiting (offline storage via MucSub) and in the archive.
    const l = await login(e, liz);
    try {
      await l.waitFor((el) => el.toString().includes('what did you think?'), 5000, 'offline group message');
      const archived = await mamQuery(l);
      const bodies = archived.map((el) => el.toString());
      for (const t of ['chapter 3 tonight', 'I liked it', 'what did you think?']) assert.ok(bodies.some((b) => b.includes(t)), t);
      assert.ok(archived.some((el) => el.getChildText('body') === 'are you coming today? ☀️'));
    } finally { await l.close(); }
  });

  it('with previews off the alert says only that there is a new message', async () => {
    const quiet = await newUser(e, 'quiet');
    await pushEnabledOffline(e, quiet, { provider: 'apns', token: 'fcm-token-quiet' });
    await setPushPreviews(e.ctx, quiet.jid, false);
    const s = await login(e, sam);
    try {
      await s.send(chatMessage(quiet.jid, 'my bank PIN is…', 'p-q'));
      const rows = await eventually(async () => { const r = await pushesFor(e, quiet.id); return r.length ? r : undefined; }, 5000, 'push');
      assert.equal(rows[0].body, NO_PREVIEW_TEXT);
      assert.equal(rows[0].title, sam.displayName);
    } finally { await s.close(); }
  });

  it('a phone that lost its network (XEP-0198 session waiting for resumption) gets an alert', async () => {
    const mob = await newUser(e, 'mobile');
    const reg = await registerPushDevice(e.pool, e.ctx.settings, mob.id, { provider: 'apns', token: 'tok-mobile' });
    const c = await login(e, mob);
    await eventually(async () => (c.streamManagementEnabled ? true : undefined), 3000, 'XEP-0198 enabled');
    await c.iq(enablePush(reg));
    c.kill(); // no </stream>: ejabberd keeps the session for resumption
    await new Promise((r) => setTimeout(r, 500));
    const s = await login(e, sam);
    try {
      await s.send(chatMessage(mob.jid, 'ping while in a tunnel', 'p-sm'));
      // mod_push may first send a content-less wake-up when the session goes pending; the
      // message itself then comes with its sender and text.
      const row = await eventually(async () => (await pushesFor(e, mob.id)).find((r) => r.body === 'ping while in a tunnel'), 5000, 'push with the message');
      assert.deepEqual([row.title, row.conversation, row.outcome], [sam.displayName, sam.jid, 'sent']);
    } finally { await s.close(); }
  });

  it('a user who is online gets the message, not a push', async () => {
    const on = await newUser(e, 'online');
    const reg = await registerPushDevice(e.pool, e.ctx.settings, (await accountByJid(e.ctx, on.jid)).id, { provider: 'apns', token: 'tok-on' });
    const c = await login(e, on);
    const s = await login(e, sam);
    try {
      await c.iq(enablePush(reg));
      await s.send(chatMessage(on.jid, 'you are here', 'p-on'));
      await c.waitFor(isMessage('you are here'));
      await new Promise((r) => setTimeout(r, 500));
      assert.deepEqual(await pushesFor(e, on.id), []);
    } finally { await c.close(); await s.close(); }
  });
});
