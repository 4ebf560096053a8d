// Acceptance (issue 10): users log in to ejabberd with their product credentials over TCP
// (STARTTLS) and WebSocket (RFC 7395), chat one-to-one with the statuses clients show (sent =
// XEP-0198 ack, delivered = XEP-0184 receipt, read = XEP-0333 displayed, typing = XEP-0085),
// carbons keep a second device in sync (XEP-0280), and edits/deletes (XEP-0308/0424) are applied
// in the recipient's history (the API's and the archive a MAM query returns).
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { chatMessage, ChatClient, fetchHistory, NS, xml } from '@openline/chat';
import { chatEnv, ChatEnv, eventually, isMessage, login, mamQuery, newUser, TestUser } from './support/chat';

describe('chat: login with product credentials', function () {
  this.timeout(60000);
  let e: ChatEnv;
  before(async () => { e = await chatEnv(); });

  it('accepts the account\'s web password over TCP with STARTTLS and binds user@domain', async () => {
    const u = await newUser(e, 'login');
    const c = await login(e, u);
    try {
      assert.equal(c.bareJid, u.jid);
      await eventually(async () => (c.streamManagementEnabled ? true : undefined), 3000, 'XEP-0198 enabled');
    } finally { await c.close(); }
  });

  it('refuses a wrong password (SASL not-authorized)', async () => {
    const u = await newUser(e, 'wrongpw');
    await assert.rejects(login(e, u, { password: `${u.password}x` }), /not-authorized|authoriz/i);
  });

  it('refuses an account that is not active', async () => {
    const u = await newUser(e, 'disabled', { status: 'disabled' });
    await assert.rejects(login(e, u), /not-authorized|authoriz/i);
  });

  it('logs in over WebSocket (RFC 7395) and exchanges a message with a TCP user', async () => {
    const [w, t] = [await newUser(e, 'wsuser'), await newUser(e, 'tcpuser')];
    const tc = await login(e, t);
    try {
      // xmpp.js needs the WebSocket global: Node 20 only has it with --experimental-websocket.
      const script = path.join(__dirname, 'support', 'ws-client.ts');
      const out = new Promise<string>((resolve, reject) => {
        execFile(process.execPath, ['--experimental-websocket', '--no-warnings', '--require', 'tsx/cjs', script,
          e.ws, e.domain, w.username, w.password, t.jid], { cwd: path.join(__dirname, '..', '..'), timeout: 30000 },
        (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout)));
      });
      const got = await tc.waitFor(isMessage('over websocket'), 20000);
      assert.equal(got.attrs.from?.split('/')[0], w.jid);
      await tc.send(xml('message', { to: got.attrs.from, type: 'chat' }, xml('body', {}, 'pong over tcp')));
      const res = JSON.parse((await out).trim().split('\n').pop() ?? '{}') as { jid: string; reply: string };
      assert.equal(res.jid.split('/')[0], w.jid);
      assert.equal(res.reply, 'pong over tcp');
    } finally { await tc.close(); }
  });
});

describe('chat: one-to-one', function () {
  this.timeout(60000);
  let e: ChatEnv;
  let alice: TestUser;
  let bob: TestUser;
  let a: ChatClient;
  let a2: ChatClient;
  let b: ChatClient;
  before(async () => {
    e = await chatEnv();
    [alice, bob] = [await newUser(e, 'alice'), await newUser(e, 'bob')];
    [a, a2, b] = [await login(e, alice, { resource: 'phone' }), await login(e, alice, { resource: 'web' }), await login(e, bob)];
    for (const c of [a, a2, b]) await c.iq(xml('iq', { type: 'set' }, xml('enable', { xmlns: NS.carbons })));
  });
  after(async () => { for (const c of [a, a2, b]) await c?.close(); });

  it('a message is acked by the server (sent), receipted (delivered) and marked displayed (read)', async () => {
    const msg = chatMessage(bob.jid, 'hello bob 👋', 'm-1');
    await a.send(msg);
    await a.sentAck(msg);
    const got = await b.waitFor(isMessage('hello bob 👋'));
    assert.ok(got.getChild('request', NS.receipts), 'receipt requested');
    await b.send(xml('message', { to: got.attrs.from, id: 'r-1' }, xml('received', { xmlns: NS.receipts, id: 'm-1' })));
    await b.send(xml('message', { to: got.attrs.from, type: 'chat', id: 'd-1' }, xml('displayed', { xmlns: NS.markers, id: 'm-1' })));
    await a.waitFor((el) => el.getChild('received', NS.receipts)?.attrs.id === 'm-1', 5000, 'receipt');
    await a.waitFor((el) => el.getChild('displayed', NS.markers)?.attrs.id === 'm-1', 5000, 'displayed marker');
  });

  it('typing notifications (XEP-0085) reach the peer', async () => {
    await b.send(xml('message', { to: alice.jid, type: 'chat' }, xml('composing', { xmlns: NS.chatStates })));
    await a.waitFor((el) => el.getChild('composing', NS.chatStates) !== undefined && el.attrs.from?.startsWith(bob.jid) === true, 5000, 'composing');
    await b.send(xml('message', { to: alice.jid, type: 'chat' }, xml('paused', { xmlns: NS.chatStates })));
    await a.waitFor((el) => el.getChild('paused', NS.chatStates) !== undefined, 5000, 'paused');
  });

  it('carbons: the sender\'s other device gets a copy of what it sent and of what it received', async () => {
    await a.send(chatMessage(bob.jid, 'carbon sent', 'm-c'));
    const sent = await a2.waitFor((el) => el.getChild('sent', NS.carbons) !== undefined
      && el.getChild('sent', NS.carbons)?.getChild('forwarded', NS.forward)?.getChild('message')?.getChildText('body') === 'carbon sent', 5000, 'sent carbon');
    assert.ok(sent);
    await b.send(chatMessage(alice.jid, 'to both devices', 'm-r'));
    await a.waitFor(isMessage('to both devices'));
    await a2.waitFor(isMessage('to both devices'));
  });

  it('an edit (XEP-0308) and a delete (XEP-0424) are applied in the recipient\'s history and archive', async () => {
    await a.send(chatMessage(bob.jid, 'meet at 5pn', 'm-e'));
    await a.send(chatMessage(bob.jid, 'private: 1234', 'm-d'));
    await b.waitFor(isMessage('private: 1234'));
    await a.send(xml('message', { to: bob.jid, type: 'chat', id: 'm-e2' }, xml('body', {}, 'meet at 5pm'),
      xml('replace', { xmlns: NS.correct, id: 'm-e' })));
    await a.send(xml('message', { to: bob.jid, type: 'chat', id: 'm-d2' },
      xml('body', {}, 'This person attempted to retract a previous message, but it\'s unsupported by your client.'),
      xml('retract', { xmlns: 'urn:xmpp:message-retract:1', id: 'm-d' }), xml('fallback', { xmlns: 'urn:xmpp:fallback:0' }),
      xml('store', { xmlns: NS.hints })));
    await b.waitFor((el) => el.getChild('retract', 'urn:xmpp:message-retract:1') !== undefined, 5000, 'retraction');

    const history = await fetchHistory(e.ctx, bob.jid, alice.jid, '30d');
    const edited = history.find((m) => m.body === 'meet at 5pm');
    assert.ok(edited?.edited, 'the edit is applied');
    assert.ok(!history.some((m) => m.body === 'meet at 5pn' || m.body === 'private: 1234'), 'no old text left');
    assert.equal(history.filter((m) => m.deleted).length, 1);
    assert.ok(!history.some((m) => m.body.includes('attempted to retract')), 'the retraction itself is not a message');

    // The archive itself (what any client's MAM query returns) no longer holds the old texts.
    const archived = await eventually(async () => {
      const msgs = (await mamQuery(b, alice.jid)).map((m) => m.getChildText('body') ?? '');
      return msgs.includes('private: 1234') || msgs.includes('meet at 5pn') ? undefined : msgs;
    }, 5000, 'edits applied to the archive');
    assert.ok(archived.includes('meet at 5pm'));
    const rows = await e.ctx.db.query<Array<{ n: number }>>(
      "SELECT COUNT(*) AS n FROM archive WHERE txt IN ('private: 1234', 'meet at 5pn') AND username IN (?, ?)", [alice.username, bob.username]);
    assert.equal(Number(rows[0].n), 0, 'neither the sender\'s nor the recipient\'s archive keeps the old text');
  });
});
