// Acceptance (issue 11): sign-up by username and email with a signed, expiring, single-use
// activation link sent through SMTP (nodemailer → a local SMTP server that requires AUTH);
// password reset by email link.
import assert from 'node:assert/strict';
import { linkIn, newDevice, suiteTestApi, uniqueName } from './support/api';

describe('email sign-up (RCS "Username registration") and password reset', function () {
  this.timeout(60_000);
  const t = suiteTestApi();

  async function signUp(username: string, email: string, password = 'correct horse battery'): Promise<string> {
    const r = await t.call('POST', '/v1/signup/email', { body: { username, email, password, country: 'PL', displayName: 'Ala' } });
    assert.equal(r.status, 202, r.text);
    const mail = await t.smtp.next(email);
    return linkIn(mail.text);
  }

  function pathOf(link: string): string {
    const u = new URL(link);
    return `${u.pathname}${u.search}`;
  }

  describe('the activation link', () => {
    it('is mailed through SMTP; the account stays pending until it is opened, then signs in by username', async () => {
      const username = uniqueName('ala');
      const email = `${username}@example.org`;
      assert.deepEqual((await t.call('GET', `/v1/signup/username/${username}`)).body, { username, available: true });
      const link = await signUp(username, email);
      assert.ok(link.startsWith(`${t.api.deps.settings.publicUrl}/v1/signup/email/activate?token=`), link);
      const mail = t.smtp.messages.find((m) => m.to.includes(email));
      assert.equal(mail?.from, 'no-reply@openline.test');
      assert.equal(mail?.subject, 'Confirm your openline account');
      assert.equal((await t.call('GET', `/v1/signup/username/${username}`)).body.available, false);
      const early = await t.call('POST', '/v1/auth/signin', { body: { login: username, password: 'correct horse battery', device: newDevice() } });
      assert.equal(early.status, 403);
      assert.equal(early.body.error?.code, 'not_activated');
      const open = await t.call('GET', pathOf(link));
      assert.equal(open.status, 200, open.text);
      assert.deepEqual(open.body, { status: 'activated', username });
      const signin = await t.call('POST', '/v1/auth/signin', { body: { login: username, password: 'correct horse battery', device: newDevice() } });
      assert.equal(signin.status, 200, signin.text);
      assert.equal((signin.body.account as { email: string }).email, email);
    });

    it('works once: opening it again is 410 link_used', async () => {
      const username = uniqueName('bob');
      const link = await signUp(username, `${username}@example.org`);
      assert.equal((await t.call('GET', pathOf(link))).status, 200);
      const again = await t.call('GET', pathOf(link));
      assert.equal(again.status, 410);
      assert.equal(again.body.error?.code, 'link_used');
    });

    it('expires: after activationTtlSeconds it is 410 link_expired and the username is free again', async () => {
      const username = uniqueName('cyd');
      const link = await signUp(username, `${username}@example.org`);
      t.clock.advance((t.api.deps.settings.api.activationTtlSeconds + 1) * 1000);
      const late = await t.call('GET', pathOf(link));
      assert.equal(late.status, 410);
      assert.equal(late.body.error?.code, 'link_expired');
      assert.equal((await t.call('GET', `/v1/signup/username/${username}`)).body.available, true);
      const fresh = await signUp(username, `${username}+2@example.org`);
      assert.equal((await t.call('GET', pathOf(fresh))).status, 200);
    });

    it('refuses a tampered token with 400 naming the token', async () => {
      const username = uniqueName('dee');
      const link = await signUp(username, `${username}@example.org`);
      const token = new URL(link).searchParams.get('token') ?? '';
      const tampered = `${token.slice(0, -2)}${token.endsWith('AA') ? 'BB' : 'AA'}`;
      const r = await t.call('GET', `/v1/signup/email/activate?token=${encodeURIComponent(tampered)}`);
      assert.equal(r.status, 400);
      assert.equal(r.body.error?.field, 'token');
    });

    it('shows a page to a browser', async () => {
      const username = uniqueName('eve');
      const link = await signUp(username, `${username}@example.org`);
      const r = await t.call('GET', pathOf(link), { headers: { accept: 'text/html' } });
      assert.equal(r.status, 200);
      assert.match(r.headers.get('content-type') ?? '', /text\/html/);
      assert.match(r.text, new RegExp(`${username}</b> is active`));
    });
  });

  describe('sign-up checks', () => {
    it('refuses a taken username with 409 naming the field', async () => {
      const username = uniqueName('fay');
      await signUp(username, `${username}@example.org`);
      const r = await t.call('POST', '/v1/signup/email', { body: { username, email: `x${username}@example.org`, password: 'another password' } });
      assert.equal(r.status, 409);
      assert.equal(r.body.error?.code, 'username_taken');
      assert.equal(r.body.error?.field, 'username');
    });

    it('names the invalid field: username starting with a digit, bad email, short password', async () => {
      const base = { username: uniqueName('gus'), email: 'g@example.org', password: 'long enough pw' };
      assert.equal((await t.call('POST', '/v1/signup/email', { body: { ...base, username: '1abc' } })).body.error?.field, 'username');
      assert.equal((await t.call('POST', '/v1/signup/email', { body: { ...base, email: 'nope' } })).body.error?.field, 'email');
      assert.equal((await t.call('POST', '/v1/signup/email', { body: { ...base, password: 'short' } })).body.error?.field, 'password');
      const unknown = await t.call('POST', '/v1/signup/email', { body: { ...base, extra: 1 } });
      assert.equal(unknown.status, 400);
    });
  });

  describe('password reset by email link', () => {
    it('mails a single-use link; the new password signs in, the old one no longer does, other sessions end', async () => {
      const username = uniqueName('hal');
      const email = `${username}@example.org`;
      assert.equal((await t.call('GET', pathOf(await signUp(username, email, 'old password 1')))).status, 200);
      const session = await t.call('POST', '/v1/auth/signin', { body: { login: username, password: 'old password 1', device: newDevice(), sip: false } });
      assert.equal(session.status, 200, session.text);
      const req = await t.call('POST', '/v1/password/reset', { body: { login: username } });
      assert.equal(req.status, 202);
      const mail = await t.smtp.next(email);
      assert.equal(mail.subject, 'Reset your openline password');
      const token = new URL(linkIn(mail.text)).searchParams.get('token') ?? '';
      const done = await t.call('POST', '/v1/password/reset/confirm', { body: { token, password: 'new password 2' } });
      assert.equal(done.status, 200, done.text);
      assert.equal((await t.call('POST', '/v1/auth/signin', { body: { login: username, password: 'old password 1', device: newDevice() } })).status, 401);
      assert.equal((await t.call('POST', '/v1/auth/signin', { body: { login: username, password: 'new password 2', device: newDevice() } })).status, 200);
      const reuse = await t.call('POST', '/v1/password/reset/confirm', { body: { token, password: 'third password 3' } });
      assert.equal(reuse.status, 410);
      const old = await t.call('POST', '/v1/auth/refresh', { body: { refreshToken: session.body.refreshToken } });
      assert.equal(old.status, 401, 'sessions from before the reset are ended');
    });

    it('answers 202 for an unknown login and sends nothing', async () => {
      const before = t.smtp.messages.length;
      const r = await t.call('POST', '/v1/password/reset', { body: { login: uniqueName('nobody') } });
      assert.equal(r.status, 202);
      await new Promise((res) => setTimeout(res, 200));
      assert.equal(t.smtp.messages.length, before);
    });
  });
});
