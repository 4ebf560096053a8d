// Acceptance (issue 10), through the APNs stand-in rather than the push log: an offline member
// of a group gets an APNs alert for a group message; in a muted group only a mention reaches
// APNs; previews off put the neutral text on the wire; and a push that fails at APNs loses
// nothing — the user coming back finds the messages in offline storage and in the archive.
import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chatMessage, createGroup, setMuted, setPushPreviews, xml, NO_PREVIEW_TEXT, NS } from '@openline/chat';
import type { ApnsPush } from '../support/push/fake-apns';
import { eventually, isMessage, joinRoom, login, mamQuery, newUser, sleep, TestUser } from './support/chat';
import { ChatPushStack, PUSH_TEST_BUNDLE, startChatPushStack } from './support/push-stack';

const apnsToken = (): string => randomBytes(32).toString('hex');

describe('chat: group alerts and failed pushes through APNs', function () {
  this.timeout(120000);
  let p: ChatPushStack;
  let sam: TestUser;
  let max: TestUser;

  before(async () => {
    p = await startChatPushStack('chatpushgrp');
    [sam, max] = [await newUser(p.e, 'sam'), await newUser(p.e, 'max')];
  });
  after(async () => { await p?.stop(); });

  const pushesTo = (token: string): ApnsPush[] => p.apns.received.filter((x) => x.token === token);

  async function sendFromSam(to: TestUser, text: string): Promise<void> {
    const s = await login(p.e, sam);
    try { await s.send(chatMessage(to.jid, text, `m-${randomBytes(4).toString('hex')}`)); } finally { await s.close(); }
  }

  it('a group message reaches the offline member\'s iPhone as an APNs alert; back online, it is waiting and archived', async () => {
    const token = apnsToken();
    const liz = await p.offlineWithPush('liz', 'apns', token);
    const g = await createGroup(p.e.ctx, sam.jid, 'Book club', [liz.jid, max.jid]);
    const s = await login(p.e, sam);
    try {
      await joinRoom(s, g.jid);
      await s.send(xml('message', { to: g.jid, type: 'groupchat', id: 'gd-1' }, xml('body', {}, 'chapter 3 tonight 📚')));
      const push = await p.apns.waitFor((x) => x.token === token, 10000);
      assert.equal(push.status, 200);
      assert.deepEqual([push.pushType, push.topic, push.collapseId], ['alert', PUSH_TEST_BUNDLE, g.jid]);
      const aps = push.payload?.aps as Record<string, unknown>;
      assert.deepEqual(aps.alert, { title: `${sam.displayName} (Book club)`, body: 'chapter 3 tonight 📚' });
      assert.equal(push.payload?.conversation, g.jid);
      await sleep(500);
      assert.deepEqual(pushesTo(token).map((x) => x.payload?.conversation), [g.jid],
        'only the message: no content-less "New message" alert for the group\'s membership changes');
    } finally { await s.close(); }

    const l = await login(p.e, liz);
    try {
      await l.waitFor((el) => el.toString().includes('chapter 3 tonight 📚'), 5000, 'the group message from offline storage');
      const archived = await mamQuery(l);
      assert.ok(archived.some((el) => el.toString().includes('chapter 3 tonight 📚')), 'the group message is in the user\'s archive');
    } finally { await l.close(); }
  });

  it('a muted group sends nothing to APNs, except a mention of the member', async () => {
    const token = apnsToken();
    const ann = await p.offlineWithPush('ann', 'apns', token);
    const g = await createGroup(p.e.ctx, sam.jid, 'Quiet group', [ann.jid, max.jid]);
    await setMuted(p.e.ctx, ann.jid, g.jid, true);
    const m = await login(p.e, max);
    try {
      await joinRoom(m, g.jid);
      await m.send(xml('message', { to: g.jid, type: 'groupchat', id: 'gm-1' }, xml('body', {}, 'nobody needs to hear this')));
      const text = `@${ann.username} can you bring the cake?`;
      await m.send(xml('message', { to: g.jid, type: 'groupchat', id: 'gm-2' }, xml('body', {}, text),
        xml('reference', { xmlns: NS.reference, type: 'mention', uri: `xmpp:${ann.jid}`, begin: 0, end: ann.username.length + 1 })));
      const push = await p.apns.waitFor((x) => x.token === token, 10000);
      assert.deepEqual((push.payload?.aps as Record<string, unknown>).alert, { title: `${max.displayName} (Quiet group)`, body: text });
      assert.equal(push.payload?.mention, 'true');
      await sleep(1000);
      assert.deepEqual(pushesTo(token).map((x) => (x.payload?.aps as { alert: { body: string } }).alert.body), [text],
        'the message without the mention never reached APNs');
    } finally { await m.close(); }
  });

  it('with previews off, APNs gets the neutral text, never the message', async () => {
    const token = apnsToken();
    const quiet = await p.offlineWithPush('quiet', 'apns', token);
    await setPushPreviews(p.e.ctx, quiet.jid, false);
    await sendFromSam(quiet, 'my bank PIN is 4321');
    const push = await p.apns.waitFor((x) => x.token === token, 10000);
    assert.deepEqual((push.payload?.aps as Record<string, unknown>).alert, { title: sam.displayName, body: NO_PREVIEW_TEXT });
    assert.ok(!push.rawBody.includes('4321'), push.rawBody);
  });

  it('a push that APNs fails (500 on every attempt) loses nothing: offline storage and the archive have the message', async () => {
    const token = apnsToken();
    p.apns.respond(token, { status: 500, reason: 'InternalServerError' });
    const bea = await p.offlineWithPush('bea', 'apns', token);
    const g = await createGroup(p.e.ctx, sam.jid, 'Walkers', [bea.jid]);
    await sendFromSam(bea, 'lost in the clouds?');
    const s = await login(p.e, sam);
    try {
      await joinRoom(s, g.jid);
      await s.send(xml('message', { to: g.jid, type: 'groupchat', id: 'gf-1' }, xml('body', {}, 'walk at 10')));
    } finally { await s.close(); }
    const log = await eventually(async () => {
      const r = await p.e.pool.query<Array<{ outcome: string; error: string | null }>>(
        'SELECT outcome, error FROM chat_push_log WHERE account_id = ? ORDER BY id', [bea.id]);
      return r.length >= 2 ? r : undefined;
    }, 15000, 'two push decisions');
    assert.deepEqual(log.map((r) => r.outcome), ['failed', 'failed']);
    assert.match(log[0].error ?? '', /apns 500/);
    assert.ok(pushesTo(token).length >= 2 && pushesTo(token).every((x) => x.status === 500), 'APNs saw the pushes and refused them');

    const l = await login(p.e, bea);
    try {
      await l.waitFor(isMessage('lost in the clouds?'), 5000, 'the 1:1 message from offline storage');
      await l.waitFor((el) => el.toString().includes('walk at 10'), 5000, 'the group message from offline storage');
      const archived = (await mamQuery(l)).map((el) => el.toString());
      for (const t of ['lost in the clouds?', 'walk at 10']) assert.ok(archived.some((b) => b.includes(t)), `${t} is in the archive`);
    } finally { await l.close(); }
  });
});
