// Issue 11: "when a new user signs up, everyone who has that number gets a 'contact joined'
// notification (chat system message or push)". Besides GET /v1/me/notifications, the holder of
// the number gets a chat message from the platform (system.<domain>): at once when online, from
// offline storage when they come back. Runs the API against the shared stack's ejabberd + chat.
import assert from 'node:assert/strict';
import { connectClient, type ChatClient, type XmlElement } from '@openline/chat';
import { chatEnv, type ChatEnv } from '../chat/support/chat';
import { linkIn, newDevice, phoneUser, suiteTestApi, ukMobile, uniqueName } from './support/api';

const PASSWORD = 'web password 1';

describe('"contact joined" as a chat system message', function () {
  this.timeout(60_000);
  const t = suiteTestApi();
  let e: ChatEnv;

  before(async () => {
    e = await chatEnv();
  });

  async function emailUser(): Promise<{ token: string; username: string }> {
    const username = uniqueName('usr');
    const email = `${username}@example.com`;
    assert.equal((await t.call('POST', '/v1/signup/email', { body: { username, email, password: PASSWORD, country: 'GB' } })).status, 202);
    const link = new URL(linkIn((await t.smtp.next(email)).text));
    await t.call('GET', `${link.pathname}${link.search}`);
    const s = await t.call('POST', '/v1/auth/signin', { body: { login: username, password: PASSWORD, device: newDevice(), sip: false } });
    assert.equal(s.status, 200, s.text);
    return { token: s.body.accessToken as string, username };
  }

  const chat = (username: string): Promise<ChatClient> =>
    connectClient({ service: e.tcp, domain: e.domain, username, password: PASSWORD });

  const fromPlatform = (phone: string) => (el: XmlElement): boolean =>
    el.is('message') && el.attrs.from === e.ctx.settings.componentHost && (el.getChildText('body') ?? '').includes(phone);

  it('reaches an online holder at once and an offline one when they log in', async () => {
    const online = await emailUser();
    const offline = await emailUser();
    const n = ukMobile();
    for (const u of [online, offline]) {
      const r = await t.call('POST', '/v1/me/contacts', { token: u.token, body: { contacts: [{ id: 'c1', numbers: [n.national] }] } });
      assert.equal(r.status, 200, r.text);
    }
    const c = await chat(online.username);
    try {
      await phoneUser(t, n.e164);
      const m = await c.waitFor(fromPlatform(n.e164), 5000, 'contact joined in the chat');
      assert.match(m.getChildText('body') ?? '', /from your contacts has joined openline/);
      assert.equal(m.getChild('system', 'urn:openline:chat:0')?.attrs.kind, 'notification');
    } finally { await c.close(); }
    const later = await chat(offline.username);
    try {
      await later.waitFor(fromPlatform(n.e164), 5000, 'contact joined from offline storage');
    } finally { await later.close(); }
  });
});
