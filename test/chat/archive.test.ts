// Acceptance (issue 10): history by window (30 days, 3, 6, 12 months) returns exactly the
// messages in range; retention purges what is older than 12 months; the conversations API shows
// the last message and unread counts; favourites are pinned; a report is stored with its content
// and context and listed for operators.
import * as assert from 'node:assert/strict';
import {
  chatMessage, createGroup, fetchHistory, listConversations, listReports, markRead, purgeArchive, reportMessage, reportUser,
  setFavourite, getFavourites, setMuted, windowStart, HistoryWindow, xml,
} from '@openline/chat';
import { chatEnv, ChatEnv, eventually, isMessage, joinRoom, login, newUser, TestUser } from './support/chat';

const DAY_US = 86400 * 1000_000;

/** A message as ejabberd archives it in `owner`'s archive, `ageUs` before `nowUs`. */
async function archiveAt(e: ChatEnv, owner: TestUser, peer: TestUser, body: string, tsUs: number): Promise<void> {
  const x = `<message xmlns='jabber:client' from='${peer.jid}/phone' to='${owner.jid}' type='chat' id='${tsUs}'><body>${body}</body></message>`;
  await e.pool.query(
    `INSERT INTO archive (username, server_host, timestamp, peer, bare_peer, xml, txt, kind, nick) VALUES (?, ?, ?, ?, ?, ?, ?, 'chat', '')`,
    [owner.username, e.domain, tsUs, `${peer.jid}/phone`, peer.jid, x, body]);
}

describe('chat: history windows and retention', function () {
  this.timeout(60000);
  let e: ChatEnv;
  let viewer: TestUser;
  let peer: TestUser;
  const now = new Date();
  const nowUs = now.getTime() * 1000;
  before(async () => {
    e = await chatEnv();
    [viewer, peer] = [await newUser(e, 'viewer'), await newUser(e, 'peer')];
    for (const days of [10, 40, 100, 200, 300, 400]) await archiveAt(e, viewer, peer, `${days} days ago`, nowUs - days * DAY_US);
    // Either side of the 3-month boundary, one millisecond off.
    const edge = windowStart('3m', now).getTime() * 1000;
    await archiveAt(e, viewer, peer, 'just inside 3 months', edge + 1000);
    await archiveAt(e, viewer, peer, 'just outside 3 months', edge - 1000);
  });

  const expected: Record<HistoryWindow, string[]> = {
    '30d': ['10 days ago'],
    '3m': ['just inside 3 months', '40 days ago', '10 days ago'],
    '6m': ['100 days ago', 'just outside 3 months', 'just inside 3 months', '40 days ago', '10 days ago'],
    '12m': ['300 days ago', '200 days ago', '100 days ago', 'just outside 3 months', 'just inside 3 months', '40 days ago', '10 days ago'],
  };
  for (const w of Object.keys(expected) as HistoryWindow[]) {
    it(`the ${w} window returns exactly the messages in range, oldest first`, async () => {
      const msgs = await fetchHistory({ ...e.ctx, now: () => now }, viewer.jid, peer.jid, w);
      assert.deepEqual(msgs.map((m) => m.body), expected[w]);
      assert.ok(msgs.every((m) => m.direction === 'in' && m.from === peer.jid));
    });
  }

  it('refuses an unknown window', async () => {
    await assert.rejects(fetchHistory(e.ctx, viewer.jid, peer.jid, '2y' as HistoryWindow), /window must be one of/);
  });

  it('the retention purge (12 months) deletes only older messages', async () => {
    const deleted = await purgeArchive(e.pool, 12, now);
    assert.ok(deleted >= 1);
    const left = await e.pool.query<Array<{ txt: string }>>('SELECT txt FROM archive WHERE username = ? ORDER BY timestamp', [viewer.username]);
    assert.deepEqual(left.map((r) => r.txt), expected['12m']);
  });
});

describe('chat: conversations, favourites and reports', function () {
  this.timeout(60000);
  let e: ChatEnv;
  let ada: TestUser;
  let bo: TestUser;
  let cy: TestUser;
  before(async () => {
    e = await chatEnv();
    [ada, bo, cy] = [await newUser(e, 'ada'), await newUser(e, 'bo'), await newUser(e, 'cy')];
  });

  it('lists 1:1 and group conversations with the last message and unread counts', async () => {
    const g = await createGroup(e.ctx, cy.jid, 'Walkers', [ada.jid, bo.jid]);
    const [a, b, c] = [await login(e, ada), await login(e, bo), await login(e, cy)];
    try {
      for (const [i, t] of ['one', 'two', 'three'].entries()) await a.send(chatMessage(bo.jid, t, `u-${i}`));
      await b.waitFor(isMessage('three'));
      await joinRoom(c, g.jid);
      await c.send(xml('message', { to: g.jid, type: 'groupchat', id: 'w-1' }, xml('body', {}, 'walk at 10')));
      await b.waitFor((el) => el.toString().includes('walk at 10'), 5000, 'group message via MucSub');

      const list = await eventually(async () => {
        const l = await listConversations(e.ctx, bo.jid);
        return l.length === 2 && l.every((x) => x.lastMessage) ? l : undefined;
      }, 5000, 'two conversations');
      const chat = list.find((x) => x.jid === ada.jid);
      const group = list.find((x) => x.jid === g.jid);
      assert.equal(chat?.kind, 'chat');
      assert.equal(chat?.name, ada.displayName);
      assert.equal(chat?.lastMessage?.body, 'three');
      assert.equal(chat?.unread, 3);
      assert.equal(group?.kind, 'group');
      assert.equal(group?.name, 'Walkers');
      assert.equal(group?.lastMessage?.body, 'walk at 10');
      assert.equal(group?.unread, 1);
      assert.equal(list[0].jid, g.jid, 'most recent first');

      // Read up to "two": one unread left; bo's own reply marks the rest read.
      const two = (await fetchHistory(e.ctx, bo.jid, ada.jid, '30d')).find((m) => m.body === 'two');
      await markRead(e.ctx, bo.jid, ada.jid, two?.id ?? '0');
      assert.equal((await listConversations(e.ctx, bo.jid)).find((x) => x.jid === ada.jid)?.unread, 1);
      await b.send(chatMessage(ada.jid, 'ok!', 'u-r'));
      await a.waitFor(isMessage('ok!'));
      const after = await eventually(async () => {
        const l = await listConversations(e.ctx, bo.jid);
        return l.find((x) => x.jid === ada.jid)?.lastMessage?.body === 'ok!' ? l : undefined;
      }, 5000, 'reply archived');
      assert.equal(after.find((x) => x.jid === ada.jid)?.unread, 0);
      assert.equal((await listConversations(e.ctx, ada.jid)).find((x) => x.jid === bo.jid)?.unread, 1);

      // Pinned favourites come first; muted is shown.
      await setFavourite(e.ctx, bo.jid, ada.jid, true);
      await setMuted(e.ctx, bo.jid, g.jid, true);
      assert.deepEqual(await getFavourites(e.ctx, bo.jid), [ada.jid]);
      const pinned = await listConversations(e.ctx, bo.jid);
      assert.equal(pinned[0].jid, ada.jid);
      assert.ok(pinned[0].pinned);
      assert.ok(pinned.find((x) => x.jid === g.jid)?.muted);
      await setFavourite(e.ctx, bo.jid, ada.jid, false);
      assert.deepEqual(await getFavourites(e.ctx, bo.jid), []);
    } finally { for (const cl of [a, b, c]) await cl.close(); }
  });

  it('a reported message is stored with its content and context and listed for operators', async () => {
    const history = await fetchHistory(e.ctx, bo.jid, ada.jid, '30d');
    const two = history.find((m) => m.body === 'two');
    const id = await reportMessage(e.ctx, bo.jid, ada.jid, two?.id ?? '', 'spam');
    const userReport = await reportUser(e.ctx, bo.jid, cy.jid, 'rude in the group');
    const reports = await listReports(e.ctx, { status: 'open' });
    const r = reports.find((x) => x.id === id);
    assert.ok(r);
    assert.equal(r.reporter, bo.jid);
    assert.equal(r.target, ada.jid);
    assert.equal(r.content, 'two');
    assert.equal(r.reason, 'spam');
    assert.deepEqual(r.context.map((c) => c.body), ['one', 'two', 'three', 'ok!']);
    const u = reports.find((x) => x.id === userReport);
    assert.equal(u?.target, cy.jid);
    assert.equal(u?.content, null);
    await assert.rejects(reportMessage(e.ctx, cy.jid, ada.jid, two?.id ?? '', 'not my conversation'), /no such message/);
    await assert.rejects(reportUser(e.ctx, bo.jid, cy.jid, ''), /reason/);
  });
});
