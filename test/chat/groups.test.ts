// Acceptance (issue 10): a group of three on MUC: created through the API, a member invites a
// contact, messages and a mention (XEP-0372) reach everyone, a member leaves; the member limit
// (10) holds server-side: the API refuses an 11th member, ejabberd refuses XMPP invitations and a
// non-member joining.
import * as assert from 'node:assert/strict';
import {
  addMember, ChatError, createGroup, deleteGroup, fetchHistory, getGroup, groupsOf, inviteToGroup, leaveGroup, NS, removeMember,
  renameGroup, xml,
} from '@openline/chat';
import { chatEnv, ChatEnv, eventually, isMessage, joinRoom, login, newUser, TestUser } from './support/chat';

describe('chat: a group of three', function () {
  this.timeout(60000);
  let e: ChatEnv;
  let ann: TestUser;
  let ben: TestUser;
  let cat: TestUser;
  let room: string;
  before(async () => {
    e = await chatEnv();
    [ann, ben, cat] = [await newUser(e, 'ann'), await newUser(e, 'ben'), await newUser(e, 'cat')];
  });

  it('creates a members-only group with its creator and a member', async () => {
    const g = await createGroup(e.ctx, ann.jid, 'Family 🏡', [ben.jid]);
    room = g.jid;
    assert.equal(g.name, 'Family 🏡');
    assert.deepEqual(g.members, [ann.jid, ben.jid].sort());
    assert.deepEqual(await groupsOf(e.ctx, ben.jid), [room]);
  });

  it('a member invites a contact, who becomes a member and gets a XEP-0249 invitation', async () => {
    const c = await login(e, cat);
    try {
      await inviteToGroup(e.ctx, ben.jid, room, cat.jid);
      const inv = await c.waitFor((el) => el.getChild('x', NS.conference)?.attrs.jid === room, 5000, 'direct invitation');
      assert.ok(inv);
      assert.deepEqual((await getGroup(e.ctx, room)).members, [ann.jid, ben.jid, cat.jid].sort());
    } finally { await c.close(); }
  });

  it('a non-member cannot invite', async () => {
    const outsider = await newUser(e, 'outsider');
    await assert.rejects(inviteToGroup(e.ctx, outsider.jid, room, ann.jid), (err: ChatError) => err.code === 'forbidden');
  });

  it('messages and a mention reach every member in the room; the room archive keeps them', async () => {
    const [a, b, c] = [await login(e, ann), await login(e, ben), await login(e, cat)];
    try {
      for (const cl of [a, b, c]) await joinRoom(cl, room);
      await a.send(xml('message', { to: room, type: 'groupchat', id: 'g-1' }, xml('body', {}, 'dinner at 7?')));
      // Ben answers once the first message has reached everyone, so the room's order is defined.
      for (const cl of [a, b, c]) await cl.waitFor(isMessage('dinner at 7?'), 5000);
      const text = `@${cat.username} can you bring dessert? 🍰`;
      await b.send(xml('message', { to: room, type: 'groupchat', id: 'g-2' }, xml('body', {}, text),
        xml('reference', { xmlns: NS.reference, type: 'mention', uri: `xmpp:${cat.jid}`, begin: 0, end: cat.username.length + 1 })));
      const got = await c.waitFor(isMessage(text), 5000);
      assert.equal(got.getChild('reference', NS.reference)?.attrs.uri, `xmpp:${cat.jid}`);
      const history = await fetchHistory(e.ctx, cat.jid, room, '30d');
      assert.deepEqual(history.map((m) => m.body), ['dinner at 7?', text]);
      assert.deepEqual(history[1].mentions, [cat.jid]);
      assert.equal(history[0].from, `${room}/${ann.username}`);
    } finally { for (const cl of [a, b, c]) await cl.close(); }
  });

  it('an edit and a retraction in the group are applied to the room\'s archive', async () => {
    const [a, b] = [await login(e, ann), await login(e, ben)];
    try {
      for (const cl of [a, b]) await joinRoom(cl, room);
      await b.send(xml('message', { to: room, type: 'groupchat', id: 'ge-1' }, xml('body', {}, 'see you at 8'),
        xml('origin-id', { xmlns: NS.stanzaId, id: 'ge-1' })));
      await b.send(xml('message', { to: room, type: 'groupchat', id: 'gr-1' }, xml('body', {}, 'wrong room, sorry'),
        xml('origin-id', { xmlns: NS.stanzaId, id: 'gr-1' })));
      await a.waitFor(isMessage('wrong room, sorry'));
      await b.send(xml('message', { to: room, type: 'groupchat', id: 'ge-2' }, xml('body', {}, 'see you at 9'),
        xml('replace', { xmlns: NS.correct, id: 'ge-1' })));
      await b.send(xml('message', { to: room, type: 'groupchat', id: 'gr-2' }, xml('body', {}, 'retracted'),
        xml('retract', { xmlns: 'urn:xmpp:message-retract:1', id: 'gr-1' }), xml('store', { xmlns: NS.hints })));
      await a.waitFor((el) => el.getChild('retract', 'urn:xmpp:message-retract:1') !== undefined, 5000, 'retraction');
      const rows = await eventually(async () => {
        const r = await e.pool.query<Array<{ txt: string }>>('SELECT txt FROM archive WHERE username = ? ORDER BY id', [room]);
        return r.some((x) => x.txt === 'wrong room, sorry' || x.txt === 'see you at 8') ? undefined : r;
      }, 5000, 'room archive updated');
      assert.ok(rows.some((x) => x.txt === 'see you at 9'));
      const history = await fetchHistory(e.ctx, ann.jid, room, '30d');
      const mine = history.filter((m) => m.from === `${room}/${ben.username}`);
      assert.deepEqual(mine.slice(-2).map((m) => [m.body, m.edited, m.deleted]), [['see you at 9', true, false], ['', false, true]]);
    } finally { await a.close(); await b.close(); }
  });

  it('a member can rename the group; only the creator can delete it', async () => {
    await renameGroup(e.ctx, ben.jid, room, 'Family & friends');
    assert.equal((await getGroup(e.ctx, room)).name, 'Family & friends');
    await assert.rejects(deleteGroup(e.ctx, ben.jid, room), (err: ChatError) => err.code === 'forbidden');
  });

  it('the creator adds and removes a member; other members cannot remove anyone', async () => {
    const dan = await newUser(e, 'dan');
    await addMember(e.ctx, ann.jid, room, dan.jid);
    assert.ok((await getGroup(e.ctx, room)).members.includes(dan.jid));
    await assert.rejects(removeMember(e.ctx, ben.jid, room, dan.jid), (err: ChatError) => err.code === 'forbidden');
    await removeMember(e.ctx, ann.jid, room, dan.jid);
    assert.deepEqual((await getGroup(e.ctx, room)).members, [ann.jid, ben.jid, cat.jid].sort());
    assert.deepEqual(await groupsOf(e.ctx, dan.jid), []);
  });

  it('a member leaves: no longer a member, no longer receives the group\'s messages', async () => {
    await leaveGroup(e.ctx, cat.jid, room);
    assert.deepEqual((await getGroup(e.ctx, room)).members, [ann.jid, ben.jid].sort());
    assert.deepEqual(await groupsOf(e.ctx, cat.jid), []);
    const c = await login(e, cat);
    try {
      await c.send(xml('presence', { to: `${room}/${cat.username}` }, xml('x', { xmlns: NS.muc })));
      const err = await c.waitFor((el) => el.is('presence') && el.attrs.type === 'error', 5000, 'join refused');
      assert.ok(err.getChild('error')?.getChild('registration-required', 'urn:ietf:params:xml:ns:xmpp-stanzas'));
    } finally { await c.close(); }
  });

  it('the creator deletes the group', async () => {
    await deleteGroup(e.ctx, ann.jid, room);
    await assert.rejects(getGroup(e.ctx, room), (err: ChatError) => err.code === 'not_found');
  });
});

describe('chat: group member limit', function () {
  this.timeout(90000);
  let e: ChatEnv;
  let users: TestUser[];
  let room: string;
  before(async () => {
    e = await chatEnv();
    users = [];
    for (let i = 0; i < 11; i++) users.push(await newUser(e, `m${i}x`));
  });

  it('creating a group with 11 members is refused', async () => {
    await assert.rejects(createGroup(e.ctx, users[0].jid, 'Too big', users.slice(1).map((u) => u.jid)),
      (err: ChatError) => err.code === 'limit');
  });

  it('a group of 10 refuses an 11th member through the API', async () => {
    const g = await createGroup(e.ctx, users[0].jid, 'Ten', users.slice(1, 10).map((u) => u.jid));
    room = g.jid;
    assert.equal(g.members.length, 10);
    await assert.rejects(inviteToGroup(e.ctx, users[3].jid, room, users[10].jid), (err: ChatError) => err.code === 'limit');
    assert.equal((await getGroup(e.ctx, room)).members.length, 10);
  });

  it('ejabberd refuses a member\'s XMPP invitation (invites go through the API)', async () => {
    const c = await login(e, users[1]);
    try {
      await joinRoom(c, room);
      await c.send(xml('message', { to: room, id: 'inv-1' }, xml('x', { xmlns: NS.mucUser }, xml('invite', { to: users[10].jid }))));
      const err = await c.waitFor((el) => el.is('message') && el.attrs.type === 'error' && el.attrs.id === 'inv-1', 5000, 'invite refused');
      assert.ok(err.getChild('error')?.getChild('not-allowed', 'urn:ietf:params:xml:ns:xmpp-stanzas'));
      assert.equal((await getGroup(e.ctx, room)).members.length, 10, 'no 11th member was added');
    } finally { await c.close(); }
  });

  it('the 11th user cannot join the room', async () => {
    const c = await login(e, users[10]);
    try {
      await c.send(xml('presence', { to: `${room}/${users[10].username}` }, xml('x', { xmlns: NS.muc })));
      const err = await c.waitFor((el) => el.is('presence') && el.attrs.type === 'error', 5000, 'join refused');
      assert.ok(err.getChild('error')?.getChild('registration-required', 'urn:ietf:params:xml:ns:xmpp-stanzas'));
    } finally { await c.close(); }
  });
});
