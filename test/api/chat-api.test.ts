// Acceptance (issue 10), over HTTP: "Conversations API shows last message and unread counts; a
// report is stored and listed." Real stack with ejabberd: users chat with @xmpp/client using
// their product credentials, then the API (apps/api in this process) lists their conversations,
// history by window, groups whose membership the XMPP clients see, message reports that an
// operator API key lists with their content and context.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { queueSystemMessage, windowStart, xml, NS, type ChatClient, type XmlElement } from '@openline/chat';
import type { StackHandle } from '@openline/stack';
import { repoRoot, stackEnv } from '../support/stack';
import { chatEnv, eventually, isMessage, joinRoom, login, newUser, type ChatEnv, type TestUser } from '../chat/support/chat';
import { newDevice, suiteTestApi, type HttpResult } from './support/api';

interface Msg { id: string; text: string; sender: string; direction: string; at: string }
interface Conv { conversation: string; kind: string; name: string; peerAccountId: number | null; groupId: number | null;
  lastMessage: Msg | null; unread: number; muted: boolean; favourite: boolean }
interface Group { id: number; jid: string; name: string; createdBy: string; members: Array<{ jid: string; accountId: number | null }> }
interface Report { id: string; source: string; kind: string; reporter: { jid: string | null; accountId: number | null };
  target: { jid: string | null; accountId: number | null }; conversation: string | null; messageId: string | null;
  content: string | null; context: Array<{ id: string; from: string; body: string }>; reason: string; details: string | null; createdAt: string }

type User = TestUser & { token: string };

/** `ctl --json apikey create` (the real CLI): an operator key with the given scopes. */
function createKey(stack: StackHandle, scopes: string): Promise<string> {
  const name = `chat-${randomBytes(5).toString('hex')}`;
  return new Promise((resolve, reject) => {
    execFile(path.join(repoRoot(), 'bin', 'ctl'), ['--json', 'apikey', 'create', name, '--scopes', scopes], { env: stackEnv(stack), timeout: 20000 },
      (err, stdout, stderr) => (err ? reject(new Error(`ctl apikey create: ${err.message} ${stderr}`)) : resolve((JSON.parse(stdout) as { key: string }).key)));
  });
}

const enc = encodeURIComponent;

/** The <query/> of an IQ result (ChatClient.iq answers with the iq itself or its first child). */
function queryOf(el: XmlElement, ns: string): XmlElement | undefined {
  return el.is('query', ns) ? el : el.getChild('query', ns);
}

describe('chat API (issue 10) over HTTP with XMPP clients', function () {
  this.timeout(90_000);
  const t = suiteTestApi();
  let e: ChatEnv;
  let operatorKey: string;

  async function user(tag: string): Promise<User> {
    const u = await newUser(e, tag);
    const r = await t.call('POST', '/v1/auth/signin', { body: { login: u.username, password: u.password, device: newDevice(), sip: false } });
    assert.equal(r.status, 200, r.text);
    return { ...u, token: r.body.accessToken as string };
  }
  const conversations = async (u: User, q = ''): Promise<Conv[]> => {
    const r = await t.call('GET', `/v1/me/conversations${q}`, { token: u.token });
    assert.equal(r.status, 200, r.text);
    return r.body.conversations as Conv[];
  };
  const convWith = async (u: User, peer: string): Promise<Conv | undefined> => (await conversations(u)).find((c) => c.conversation === peer);
  const send = async (from: ChatClient, to: ChatClient, body: string): Promise<void> => {
    await from.send(xml('message', { to: to.bareJid, type: 'chat', id: `m-${randomBytes(4).toString('hex')}` }, xml('body', {}, body)));
    await to.waitFor(isMessage(body), 5000, `'${body}' delivered`);
  };
  const operator = (q: string, key = operatorKey): Promise<HttpResult> => t.call('GET', `/v1/operator/reports${q}`, { headers: { 'x-api-key': key } });

  before(async () => {
    e = await chatEnv();
    operatorKey = await createKey(t.stack, 'read');
  });

  describe('conversations: last message, unread counts, read position, mute, favourite', () => {
    let alice: User;
    let bob: User;
    let carol: User;
    let a: ChatClient;
    let b: ChatClient;
    let c: ChatClient;
    before(async () => {
      [alice, bob, carol] = [await user('alice'), await user('bob'), await user('carol')];
      [a, b, c] = [await login(e, alice), await login(e, bob), await login(e, carol)];
      await send(a, b, 'hi bob');
      for (const text of ['one', 'two', 'three']) await send(b, a, text);
      await send(c, a, 'hey alice 👋');
    });
    after(async () => { for (const cl of [a, b, c]) await cl?.close(); });

    it('lists both 1:1 conversations with the last message (text, sender, time) and the unread count, most recent first', async () => {
      const list = await eventually(async () => {
        const l = await conversations(alice);
        return l.length === 2 && l[0].lastMessage?.text === 'hey alice 👋' && l[1].lastMessage?.text === 'three' ? l : undefined;
      }, 10_000, 'both conversations archived');
      assert.deepEqual(list.map((x) => [x.conversation, x.kind, x.peerAccountId, x.unread]), [[carol.jid, 'chat', carol.id, 1], [bob.jid, 'chat', bob.id, 3]]);
      assert.equal(list[1].name, bob.displayName);
      assert.equal(list[1].lastMessage?.sender, bob.jid);
      assert.equal(list[1].lastMessage?.direction, 'in');
      assert.ok(Math.abs(Date.parse(list[1].lastMessage?.at ?? '') - Date.now()) < 60_000, 'time of the last message');
      assert.deepEqual([list[0].muted, list[0].favourite], [false, false]);
    });

    it('counts nothing unread for the sender, whose own message is the last', async () => {
      const mine = await convWith(bob, alice.jid);
      assert.equal(mine?.lastMessage?.text, 'three');
      assert.equal(mine?.lastMessage?.direction, 'out');
      assert.equal(mine?.unread, 0);
    });

    it('a read position drops the unread count to the messages after it; my reply drops it to zero', async () => {
      const hist = await t.call('GET', `/v1/me/conversations/${enc(bob.jid)}/messages`, { token: alice.token });
      const two = (hist.body.messages as Msg[]).find((m) => m.text === 'two');
      assert.ok(two);
      assert.equal((await t.call('POST', `/v1/me/conversations/${enc(bob.jid)}/read`, { token: alice.token, body: { upTo: two.id } })).status, 204);
      assert.equal((await convWith(alice, bob.jid))?.unread, 1);
      await send(a, b, 'sorry, was away');
      await eventually(async () => ((await convWith(alice, bob.jid))?.unread === 0 ? true : undefined), 5000, 'unread 0 after my reply');
    });

    it('pages the list with limit and cursor', async () => {
      const r1 = await t.call('GET', '/v1/me/conversations?limit=1', { token: alice.token });
      assert.equal((r1.body.conversations as Conv[]).length, 1);
      assert.equal(r1.body.nextCursor, '1');
      const r2 = await t.call('GET', '/v1/me/conversations?limit=1&cursor=1', { token: alice.token });
      assert.equal((r2.body.conversations as Conv[]).length, 1);
      assert.equal(r2.body.nextCursor, null);
      assert.notEqual((r1.body.conversations as Conv[])[0].conversation, (r2.body.conversations as Conv[])[0].conversation);
    });

    it('a favourite is pinned first and kept in XMPP private storage; mute shows and clears', async () => {
      assert.equal((await t.call('PUT', `/v1/me/conversations/${enc(carol.jid)}/favourite`, { token: alice.token })).status, 204);
      assert.equal((await t.call('PUT', `/v1/me/conversations/${enc(bob.jid)}/favourite`, { token: alice.token })).status, 204);
      assert.equal((await t.call('DELETE', `/v1/me/conversations/${enc(carol.jid)}/favourite`, { token: alice.token })).status, 204);
      assert.equal((await t.call('PUT', `/v1/me/conversations/${enc(bob.jid)}/mute`, { token: alice.token })).status, 204);
      let list = await conversations(alice);
      assert.deepEqual(list.map((x) => [x.conversation, x.favourite, x.muted]), [[bob.jid, true, true], [carol.jid, false, false]]);
      // The XMPP client reads the same list (XEP-0049).
      const q = await a.iq(xml('iq', { type: 'get' }, xml('query', { xmlns: NS.private }, xml('favourites', { xmlns: NS.favourites }))));
      const items = (queryOf(q, NS.private)?.getChild('favourites', NS.favourites)?.getChildren('item') ?? []).map((i) => i.attrs.jid);
      assert.deepEqual(items, [bob.jid]);
      assert.equal((await t.call('DELETE', `/v1/me/conversations/${enc(bob.jid)}/mute`, { token: alice.token })).status, 204);
      list = await conversations(alice);
      assert.equal(list.find((x) => x.conversation === bob.jid)?.muted, false);
    });

    it('a reported message is stored with its text and context and listed for the operator', async () => {
      const hist = await t.call('GET', `/v1/me/conversations/${enc(bob.jid)}/messages?window=30d`, { token: alice.token });
      const two = (hist.body.messages as Msg[]).find((m) => m.text === 'two');
      assert.ok(two);
      const r = await t.call('POST', '/v1/reports/messages', { token: alice.token,
        body: { conversation: bob.jid, messageId: two.id, reason: 'abuse', details: 'rude' } });
      assert.equal(r.status, 201, r.text);
      const u = await t.call('POST', '/v1/reports', { token: alice.token, body: { accountId: carol.id, reason: 'spam' } });
      assert.equal(u.status, 201, u.text);

      const list = await operator('?kind=message&limit=200');
      assert.equal(list.status, 200, list.text);
      const rep = (list.body.items as Report[]).find((x) => x.id === r.body.id);
      assert.ok(rep, `report ${String(r.body.id)} listed`);
      assert.equal(rep.kind, 'message');
      assert.equal(rep.content, 'two');
      assert.deepEqual([rep.reporter, rep.target], [{ jid: alice.jid, accountId: alice.id }, { jid: bob.jid, accountId: bob.id }]);
      assert.equal(rep.conversation, bob.jid);
      assert.equal(rep.messageId, two.id);
      assert.equal(rep.reason, 'abuse: rude');
      assert.deepEqual(rep.context.map((m) => m.body), ['hi bob', 'one', 'two', 'three', 'sorry, was away']);
      assert.ok((list.body.items as Report[]).every((x) => x.kind === 'message'));

      // Both stores in one list, newest first: the user report filed after it comes before it.
      const all = (await operator('?limit=200')).body.items as Report[];
      const ui = all.findIndex((x) => x.id === `account-${String(u.body.id)}`);
      const mi = all.findIndex((x) => x.id === r.body.id);
      assert.ok(ui >= 0 && mi > ui, `user report at ${ui}, message report at ${mi}`);
      assert.deepEqual([all[ui].kind, all[ui].target.accountId, all[ui].reason], ['user', carol.id, 'spam']);
      for (let i = 1; i < all.length; i++) assert.ok(all[i - 1].createdAt >= all[i].createdAt, 'newest first');
    });

    it('the operator list pages by cursor without repeats', async () => {
      const p1 = await operator('?limit=1');
      assert.equal((p1.body.items as Report[]).length, 1);
      assert.equal(typeof p1.body.nextCursor, 'string');
      const p2 = await operator(`?limit=1&cursor=${enc(p1.body.nextCursor as string)}`);
      assert.equal(p2.status, 200, p2.text);
      assert.notEqual((p2.body.items as Report[])[0].id, (p1.body.items as Report[])[0].id);
      assert.equal((await operator('?cursor=garbage')).body.error?.field, 'cursor');
    });

    it('the operator list needs an API key with the read scope: none 401, an account token 403, an export-only key 403', async () => {
      assert.equal((await t.call('GET', '/v1/operator/reports')).status, 401);
      assert.equal((await t.call('GET', '/v1/operator/reports', { token: alice.token })).status, 403);
      const exportOnly = await createKey(t.stack, 'export');
      const r = await operator('', exportOnly);
      assert.equal(r.status, 403);
      assert.equal(r.body.error?.code, 'insufficient_scope');
    });

    it('a message that is not in my conversation cannot be reported (404); bad ids are 400 naming the field', async () => {
      const r = await t.call('POST', '/v1/reports/messages', { token: carol.token, body: { conversation: bob.jid, messageId: '12345', reason: 'spam' } });
      assert.equal(r.status, 404, r.text);
      const bad = await t.call('POST', '/v1/reports/messages', { token: carol.token, body: { conversation: bob.jid, messageId: 'x1', reason: 'spam' } });
      assert.equal(bad.status, 400);
      assert.equal(bad.body.error?.field, 'messageId');
    });
  });

  it('system messages from the platform are a conversation too, readable by its JID (system.<domain>)', async () => {
    const sys = await user('sys');
    await queueSystemMessage(e.ctx, sys.jid, 'Your circle has a new member', 'notification');
    const conv = await eventually(async () => {
      const x = await convWith(sys, e.ctx.settings.componentHost);
      return x?.lastMessage ? x : undefined;
    }, 10_000, 'the system message archived');
    assert.deepEqual([conv.kind, conv.lastMessage?.text, conv.unread], ['chat', 'Your circle has a new member', 1]);
    const h = await t.call('GET', `/v1/me/conversations/${e.ctx.settings.componentHost}/messages`, { token: sys.token });
    assert.equal(h.status, 200, h.text);
    assert.deepEqual((h.body.messages as Msg[]).map((m) => m.text), ['Your circle has a new member']);
    const other = await t.call('GET', `/v1/me/conversations/${e.domain}/messages`, { token: sys.token });
    assert.equal(other.status, 404, other.text);
  });

  describe('history by window', () => {
    const DAY_US = 86400 * 1000_000;
    let viewer: User;
    let peer: User;
    async function archiveAt(body: string, tsUs: number): Promise<void> {
      const x = `<message xmlns='jabber:client' from='${peer.jid}/phone' to='${viewer.jid}' type='chat' id='${tsUs}'><body>${body}</body></message>`;
      await e.pool.query(
        `INSERT INTO archive (username, server_host, timestamp, peer, bare_peer, xml, txt, kind, nick) VALUES (?, ?, ?, ?, ?, ?, ?, 'chat', '')`,
        [viewer.username, e.domain, tsUs, `${peer.jid}/phone`, peer.jid, x, body]);
    }
    before(async () => {
      [viewer, peer] = [await user('viewer'), await user('peer')];
      const nowUs = Date.now() * 1000;
      for (const days of [10, 40, 100, 200, 300]) await archiveAt(`${days} days ago`, nowUs - days * DAY_US);
      // A minute either side of the 3-month boundary (the request comes seconds later).
      const edge = windowStart('3m', new Date()).getTime() * 1000;
      await archiveAt('inside 3 months', edge + 60_000_000);
      await archiveAt('outside 3 months', edge - 60_000_000);
    });

    const expected: Record<string, string[]> = {
      '30d': ['10 days ago'],
      '3m': ['inside 3 months', '40 days ago', '10 days ago'],
      '6m': ['100 days ago', 'outside 3 months', 'inside 3 months', '40 days ago', '10 days ago'],
      '12m': ['300 days ago', '200 days ago', '100 days ago', 'outside 3 months', 'inside 3 months', '40 days ago', '10 days ago'],
    };
    for (const [w, texts] of Object.entries(expected)) {
      it(`window=${w} returns exactly the messages in range, oldest first`, async () => {
        const r = await t.call('GET', `/v1/me/conversations/${enc(peer.jid)}/messages?window=${w}`, { token: viewer.token });
        assert.equal(r.status, 200, r.text);
        assert.equal(r.body.window, w);
        assert.deepEqual((r.body.messages as Msg[]).map((m) => m.text), texts);
        assert.ok((r.body.messages as Msg[]).every((m) => m.sender === peer.jid && m.direction === 'in'));
      });
    }

    it('pages backwards with limit and before', async () => {
      const p1 = await t.call('GET', `/v1/me/conversations/${enc(peer.jid)}/messages?window=12m&limit=3`, { token: viewer.token });
      assert.deepEqual((p1.body.messages as Msg[]).map((m) => m.text), ['inside 3 months', '40 days ago', '10 days ago']);
      const p2 = await t.call('GET', `/v1/me/conversations/${enc(peer.jid)}/messages?window=12m&limit=3&before=${String(p1.body.nextBefore)}`, { token: viewer.token });
      assert.deepEqual((p2.body.messages as Msg[]).map((m) => m.text), ['200 days ago', '100 days ago', 'outside 3 months']);
      const p3 = await t.call('GET', `/v1/me/conversations/${enc(peer.jid)}/messages?window=12m&limit=3&before=${String(p2.body.nextBefore)}`, { token: viewer.token });
      assert.deepEqual((p3.body.messages as Msg[]).map((m) => m.text), ['300 days ago']);
      assert.equal(p3.body.nextBefore, null);
    });

    it('refuses a window it does not know (400 window) and a conversation that is not a JID (400 conversation)', async () => {
      const w = await t.call('GET', `/v1/me/conversations/${enc(peer.jid)}/messages?window=2y`, { token: viewer.token });
      assert.equal(w.status, 400);
      assert.equal(w.body.error?.field, 'window');
      const j = await t.call('GET', `/v1/me/conversations/${enc('not a jid')}/messages`, { token: viewer.token });
      assert.equal(j.status, 400);
      assert.equal(j.body.error?.field, 'conversation');
      const unknown = await t.call('GET', `/v1/me/conversations/${enc(`nobody${randomBytes(3).toString('hex')}@${e.domain}`)}/messages`, { token: viewer.token });
      assert.equal(unknown.status, 404);
    });
  });

  describe('groups over HTTP, seen by the XMPP members', () => {
    let owner: User;
    let ben: User;
    let cat: User;
    let group: Group;

    before(async () => {
      [owner, ben, cat] = [await user('owner'), await user('ben'), await user('cat')];
    });

    it('creates a group of three: members are room members who can join and talk; it is in their conversations', async () => {
      const r = await t.call('POST', '/v1/groups', { token: owner.token, body: { name: 'Family 🏡', members: [ben.id, cat.id] } });
      assert.equal(r.status, 201, r.text);
      group = r.body as unknown as Group;
      assert.equal(group.name, 'Family 🏡');
      assert.equal(group.createdBy, owner.jid);
      assert.deepEqual(group.members.map((m) => m.jid), [owner.jid, ben.jid, cat.jid].sort());
      assert.deepEqual(group.members.map((m) => m.accountId).sort(), [owner.id, ben.id, cat.id].sort());
      const [o, b] = [await login(e, owner), await login(e, ben)];
      try {
        for (const cl of [o, b]) await joinRoom(cl, group.jid);
        await o.send(xml('message', { to: group.jid, type: 'groupchat' }, xml('body', {}, 'welcome!')));
        await b.waitFor(isMessage('welcome!'), 5000, 'group message');
      } finally { for (const cl of [o, b]) await cl.close(); }
      const conv = await eventually(async () => {
        const x = await convWith(cat, group.jid);
        return x?.lastMessage ? x : undefined;
      }, 10_000, 'the group in cat\'s conversations');
      assert.deepEqual([conv.kind, conv.groupId, conv.name, conv.lastMessage?.text, conv.lastMessage?.sender, conv.unread],
        ['group', group.id, 'Family 🏡', 'welcome!', owner.jid, 1]);
    });

    it('only the creator renames (another member 403); the room\'s name changes for XMPP clients', async () => {
      const no = await t.call('PATCH', `/v1/groups/${group.id}`, { token: ben.token, body: { name: 'Mine now' } });
      assert.equal(no.status, 403, no.text);
      const ok = await t.call('PATCH', `/v1/groups/${group.id}`, { token: owner.token, body: { name: 'Family & friends' } });
      assert.equal(ok.status, 200, ok.text);
      assert.equal(ok.body.name, 'Family & friends');
      const b = await login(e, ben);
      try {
        const info = await b.iq(xml('iq', { type: 'get', to: group.jid }, xml('query', { xmlns: NS.disco })));
        assert.equal(queryOf(info, NS.disco)?.getChild('identity')?.attrs.name, 'Family & friends');
      } finally { await b.close(); }
    });

    it('refuses a group over the member limit: 11 at creation, and an 11th member added later (409 group_full)', async () => {
      const extra: User[] = [];
      for (let i = 0; i < 8; i++) extra.push(await user(`m${i}x`));
      const big = await t.call('POST', '/v1/groups', { token: owner.token, body: { name: 'Too big', members: [ben.id, cat.id, ...extra.map((x) => x.id)] } });
      assert.equal(big.status, 409, big.text);
      assert.deepEqual([big.body.error?.code, big.body.error?.field], ['group_full', 'members']);
      for (const x of extra.slice(0, 7)) {
        const r = await t.call('POST', `/v1/groups/${group.id}/members`, { token: ben.token, body: { accountId: x.id } });
        assert.equal(r.status, 200, r.text);
      }
      const eleventh = await t.call('POST', `/v1/groups/${group.id}/members`, { token: owner.token, body: { accountId: extra[7].id } });
      assert.equal(eleventh.status, 409, eleventh.text);
      assert.equal(eleventh.body.error?.code, 'group_full');
      const g = await t.call('GET', `/v1/groups/${group.id}`, { token: cat.token });
      assert.equal((g.body.members as unknown[]).length, 10);
      // The 11th user cannot enter the members-only room either.
      const x = await login(e, extra[7]);
      try {
        await assert.rejects(joinRoom(x, group.jid));
      } finally { await x.close(); }
    });

    it('a member leaves; the creator removes another; neither can join the room any more; a non-member gets 403', async () => {
      assert.equal((await t.call('DELETE', `/v1/groups/${group.id}/members/${cat.id}`, { token: ben.token })).status, 403);
      assert.equal((await t.call('DELETE', `/v1/groups/${group.id}/members/${ben.id}`, { token: ben.token })).status, 204);
      assert.equal((await t.call('DELETE', `/v1/groups/${group.id}/members/${cat.id}`, { token: owner.token })).status, 204);
      const g = await t.call('GET', `/v1/groups/${group.id}`, { token: owner.token });
      const jids = (g.body.members as Group['members']).map((m) => m.jid);
      assert.ok(!jids.includes(ben.jid) && !jids.includes(cat.jid) && jids.includes(owner.jid));
      assert.equal((await t.call('GET', `/v1/groups/${group.id}`, { token: ben.token })).status, 403);
      const c = await login(e, cat);
      try {
        await assert.rejects(joinRoom(c, group.jid));
      } finally { await c.close(); }
    });

    it('only the creator deletes the group: then it is gone (404) and out of conversations', async () => {
      const other = (await t.call('GET', `/v1/groups/${group.id}`, { token: owner.token })).body.members as Group['members'];
      const member = other.find((m) => m.jid !== owner.jid);
      assert.ok(member?.accountId);
      assert.equal((await t.call('DELETE', `/v1/groups/${group.id}`, { token: owner.token })).status, 204);
      assert.equal((await t.call('GET', `/v1/groups/${group.id}`, { token: owner.token })).status, 404);
      assert.equal(await convWith(owner, group.jid), undefined);
    });

    it('a non-creator cannot delete (403), and a group report by a non-member is 403', async () => {
      const r = await t.call('POST', '/v1/groups', { token: owner.token, body: { name: 'Second', members: [ben.id] } });
      const g = r.body as unknown as Group;
      assert.equal((await t.call('DELETE', `/v1/groups/${g.id}`, { token: ben.token })).status, 403);
      const rep = await t.call('POST', '/v1/reports/messages', { token: cat.token, body: { conversation: g.jid, messageId: '1', reason: 'spam' } });
      assert.equal(rep.status, 403, rep.text);
      assert.equal((await t.call('DELETE', `/v1/groups/${g.id}`, { token: owner.token })).status, 204);
    });

    it('validates the body: 400 naming name and members.0', async () => {
      const n = await t.call('POST', '/v1/groups', { token: owner.token, body: { name: '  ' } });
      assert.deepEqual([n.status, n.body.error?.field], [400, 'name']);
      const m = await t.call('POST', '/v1/groups', { token: owner.token, body: { name: 'x', members: ['bob'] } });
      assert.deepEqual([m.status, m.body.error?.field], [400, 'members.0']);
      const u = await t.call('POST', '/v1/groups', { token: owner.token, body: { name: 'x', members: [2 ** 31] } });
      assert.equal(u.status, 404, u.text);
    });
  });

  it('every chat route refuses a caller without a token (401)', async () => {
    for (const [m, p] of [['GET', '/v1/me/conversations'], ['GET', '/v1/me/conversations/a%40b/messages'], ['POST', '/v1/groups'],
      ['PATCH', '/v1/groups/1'], ['PUT', '/v1/me/conversations/a%40b/mute'], ['POST', '/v1/reports/messages']]) {
      const r = await t.call(m, p, { body: m === 'GET' ? undefined : {} });
      assert.equal(r.status, 401, `${m} ${p}`);
    }
  });
});
