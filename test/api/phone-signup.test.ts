// Acceptance (issue 11): sign-up by phone number with SMS codes, end to end through the real HTTP
// SMS adapter and a local SMS gateway, on the shared stack's MariaDB and Redis. RCS seed limits:
// at most 5 codes per number and device, at most 3 wrong codes, a new code only after 60 s.
import assert from 'node:assert/strict';
import { codeIn, newDevice, startTestApi, suiteTestApi, ukMobile } from './support/api';

describe('phone sign-up (RCS "Phone number registration")', function () {
  this.timeout(60_000);
  const t = suiteTestApi({ resendAfterSeconds: 1 });

  describe('a new number', () => {
    it('gets a 4-digit code by SMS through the HTTP provider (form POST, basic auth, international digits)', async () => {
      const n = ukMobile();
      const r = await t.call('POST', '/v1/signup/phone', { body: { phone: n.e164, device: newDevice() } });
      assert.equal(r.status, 202, r.text);
      assert.equal(r.body.status, 'code_sent');
      assert.equal(r.body.phone, n.e164);
      assert.equal(r.body.codesLeft, 4);
      assert.equal(r.body.attemptsLeft, 3);
      const sms = await t.sms.next(n.e164);
      assert.equal(sms.to, n.digits);
      assert.equal(sms.from, 'openline');
      assert.equal(sms.contentType, 'application/x-www-form-urlencoded');
      assert.match(sms.text, /^Your openline code is \d{4}$/);
    });

    it('becomes an account when the code is entered: tokens, the account, SIP credentials with the number as SIP login', async () => {
      const n = ukMobile();
      const device = newDevice();
      await t.call('POST', '/v1/signup/phone', { body: { phone: n.e164, device } });
      const code = codeIn((await t.sms.next(n.e164)).text);
      const v = await t.call('POST', '/v1/signup/phone/verify', { body: { phone: n.e164, device, code } });
      assert.equal(v.status, 201, v.text);
      assert.equal(v.body.created, true);
      const account = v.body.account as { username: string; phone: string; status: string; country: string; hasWebPassword: boolean };
      assert.equal(account.username, n.digits, 'RCS generic mode: the SIP login is the number in E.164 digits');
      assert.equal(account.phone, n.e164);
      assert.equal(account.status, 'active');
      assert.equal(account.country, 'GB');
      assert.equal(account.hasWebPassword, false);
      const sip = v.body.sip as { username: string; password: string; domain: string };
      assert.equal(sip.username, n.digits);
      assert.ok(sip.password.length >= 16);
      assert.equal(v.body.tokenType, 'Bearer');
      const me = await t.call('GET', '/v1/me', { token: v.body.accessToken as string });
      assert.equal(me.status, 200);
      assert.equal(me.body.phone, n.e164);
    });

    it('reads a national number with the country (07400…, GB) as the same E.164 number', async () => {
      const n = ukMobile();
      const r = await t.call('POST', '/v1/signup/phone', { body: { phone: n.national, country: 'gb', device: newDevice() } });
      assert.equal(r.status, 202, r.text);
      assert.equal(r.body.phone, n.e164);
      assert.equal((await t.sms.next(n.e164)).to, n.digits);
    });

    it('refuses a national number without a country, naming the field', async () => {
      const r = await t.call('POST', '/v1/signup/phone', { body: { phone: ukMobile().national, device: newDevice() } });
      assert.equal(r.status, 400);
      assert.equal(r.body.error?.field, 'country');
    });
  });

  describe('wrong codes (at most 3)', () => {
    it('answers a wrong code 400 naming the field with the attempts left, and the third refuses the device (403) even for the right code', async () => {
      const n = ukMobile();
      const device = newDevice();
      await t.call('POST', '/v1/signup/phone', { body: { phone: n.e164, device } });
      const code = codeIn((await t.sms.next(n.e164)).text);
      const wrong = code === '0000' ? '1111' : '0000';
      const first = await t.call('POST', '/v1/signup/phone/verify', { body: { phone: n.e164, device, code: wrong } });
      assert.equal(first.status, 400);
      assert.equal(first.body.error?.code, 'wrong_code');
      assert.equal(first.body.error?.field, 'code');
      assert.match(first.body.error?.message ?? '', /2 attempts left/);
      const second = await t.call('POST', '/v1/signup/phone/verify', { body: { phone: n.e164, device, code: wrong } });
      assert.match(second.body.error?.message ?? '', /1 attempt left/);
      const third = await t.call('POST', '/v1/signup/phone/verify', { body: { phone: n.e164, device, code: wrong } });
      assert.equal(third.status, 403);
      assert.equal(third.body.error?.code, 'too_many_attempts');
      const right = await t.call('POST', '/v1/signup/phone/verify', { body: { phone: n.e164, device, code } });
      assert.equal(right.status, 403, 'the device is refused after three wrong codes');
      t.clock.advance(2000);
      const again = await t.call('POST', '/v1/signup/phone', { body: { phone: n.e164, device } });
      assert.equal(again.status, 403, 'no new code for a refused device');
      assert.equal(again.body.error?.code, 'too_many_attempts');
    });

    it('refuses an expired code with 410', async () => {
      const n = ukMobile();
      const device = newDevice();
      await t.call('POST', '/v1/signup/phone', { body: { phone: n.e164, device } });
      const code = codeIn((await t.sms.next(n.e164)).text);
      t.clock.advance(601_000);
      const r = await t.call('POST', '/v1/signup/phone/verify', { body: { phone: n.e164, device, code } });
      assert.equal(r.status, 410);
      assert.equal(r.body.error?.code, 'code_expired');
    });

    it('accepts a code only once', async () => {
      const n = ukMobile();
      const device = newDevice();
      await t.call('POST', '/v1/signup/phone', { body: { phone: n.e164, device } });
      const code = codeIn((await t.sms.next(n.e164)).text);
      assert.equal((await t.call('POST', '/v1/signup/phone/verify', { body: { phone: n.e164, device, code } })).status, 201);
      const again = await t.call('POST', '/v1/signup/phone/verify', { body: { phone: n.e164, device, code } });
      assert.equal(again.status, 409);
      assert.equal(again.body.error?.code, 'no_code');
    });
  });

  describe('resend timing and the number of codes', () => {
    it('refuses a new code before resendAfterSeconds with 429 and Retry-After, and sends one after', async () => {
      const n = ukMobile();
      const device = newDevice();
      assert.equal((await t.call('POST', '/v1/signup/phone', { body: { phone: n.e164, device } })).status, 202);
      const early = await t.call('POST', '/v1/signup/phone', { body: { phone: n.e164, device } });
      assert.equal(early.status, 429);
      assert.equal(early.body.error?.code, 'resend_too_soon');
      assert.equal(early.headers.get('retry-after'), '1');
      await new Promise((r) => setTimeout(r, 1100));
      const later = await t.call('POST', '/v1/signup/phone', { body: { phone: n.e164, device } });
      assert.equal(later.status, 202, later.text);
      assert.equal(later.body.codesLeft, 3);
      await t.sms.next(n.e164);
      const latest = codeIn((await t.sms.next(n.e164)).text);
      const v = await t.call('POST', '/v1/signup/phone/verify', { body: { phone: n.e164, device, code: latest } });
      assert.equal(v.status, 201, 'the latest code is the valid one');
    });

    it('sends at most 5 codes per number and device ("Too many SMS", 429); another device still gets one', async () => {
      const n = ukMobile();
      const device = newDevice();
      for (let i = 0; i < 5; i++) {
        const r = await t.call('POST', '/v1/signup/phone', { body: { phone: n.e164, device } });
        assert.equal(r.status, 202, `code ${i + 1}: ${r.text}`);
        assert.equal(r.body.codesLeft, 4 - i);
        t.clock.advance(1100);
      }
      const sixth = await t.call('POST', '/v1/signup/phone', { body: { phone: n.e164, device } });
      assert.equal(sixth.status, 429);
      assert.equal(sixth.body.error?.code, 'too_many_sms');
      assert.match(sixth.body.error?.message ?? '', /Too many SMS/);
      assert.equal(t.sms.messages.filter((m) => m.to === n.digits).length, 5);
      const other = await t.call('POST', '/v1/signup/phone', { body: { phone: n.e164, device: newDevice() } });
      assert.equal(other.status, 202);
    });

    it('answers 502 when the SMS provider fails, without using up a code', async () => {
      const n = ukMobile();
      const device = newDevice();
      t.sms.failNext(1);
      const r = await t.call('POST', '/v1/signup/phone', { body: { phone: n.e164, device } });
      assert.equal(r.status, 502);
      assert.equal(r.body.error?.code, 'sms_failed');
      const ok = await t.call('POST', '/v1/signup/phone', { body: { phone: n.e164, device } });
      assert.equal(ok.status, 202);
      assert.equal(ok.body.codesLeft, 4);
    });
  });

  describe('re-install on the same number (RCS: same device and number pair)', () => {
    it('is recognised; with reinstall=verify the code signs in to the same account and device', async () => {
      const n = ukMobile();
      const device = newDevice();
      await t.call('POST', '/v1/signup/phone', { body: { phone: n.e164, device } });
      const first = await t.call('POST', '/v1/signup/phone/verify', { body: { phone: n.e164, device, code: codeIn((await t.sms.next(n.e164)).text) } });
      assert.equal(first.status, 201);
      t.clock.advance(1100);
      const reinstall = { ...device, id: newDevice().id };
      const start = await t.call('POST', '/v1/signup/phone', { body: { phone: n.e164, device: reinstall } });
      assert.equal(start.status, 202);
      assert.equal(start.body.recognised, true);
      const v = await t.call('POST', '/v1/signup/phone/verify', { body: { phone: n.e164, device: reinstall, code: codeIn((await t.sms.next(n.e164)).text) } });
      assert.equal(v.status, 200, v.text);
      assert.equal(v.body.created, false);
      assert.equal((v.body.account as { id: number }).id, (first.body.account as { id: number }).id);
      assert.equal((v.body.sip as { password: string }).password, (first.body.sip as { password: string }).password);
    });

    it('with reinstall=signin is signed in at once, without an SMS', async () => {
      const t2 = await startTestApi({ reinstall: 'signin' });
      try {
        const n = ukMobile();
        const device = newDevice();
        await t2.call('POST', '/v1/signup/phone', { body: { phone: n.e164, device } });
        const first = await t2.call('POST', '/v1/signup/phone/verify', { body: { phone: n.e164, device, code: codeIn((await t2.sms.next(n.e164)).text) } });
        assert.equal(first.status, 201);
        const again = await t2.call('POST', '/v1/signup/phone', { body: { phone: n.e164, device: { ...device, id: newDevice().id } } });
        assert.equal(again.status, 200, again.text);
        assert.equal(again.body.status, 'signed_in');
        assert.equal(again.body.recognised, true);
        assert.ok((again.body.sip as { password: string }).password);
        assert.equal(t2.sms.messages.filter((m) => m.to === n.digits).length, 1);
        const stranger = await t2.call('POST', '/v1/signup/phone', { body: { phone: n.e164, device: newDevice() } });
        assert.equal(stranger.status, 202, 'another device must prove the number');
      } finally {
        await t2.close();
      }
    });
  });

  describe('validation and rate limits', () => {
    it('names the invalid field in a 400: phone, device.id, code', async () => {
      const bad = await t.call('POST', '/v1/signup/phone', { body: { phone: 'call me', device: newDevice() } });
      assert.equal(bad.status, 400);
      assert.equal(bad.body.error?.field, 'phone');
      const noDevice = await t.call('POST', '/v1/signup/phone', { body: { phone: ukMobile().e164, device: { id: 'not-a-uuid' } } });
      assert.equal(noDevice.body.error?.field, 'device.id');
      const badCode = await t.call('POST', '/v1/signup/phone/verify', { body: { phone: ukMobile().e164, device: newDevice(), code: '12' } });
      assert.equal(badCode.status, 400);
      assert.equal(badCode.body.error?.field, 'code');
    });

    it('limits sign-up attempts per number across the window (429, in Redis)', async () => {
      const t3 = await startTestApi({ signupPerIdentity: 2, resendAfterSeconds: 0 });
      try {
        const n = ukMobile();
        assert.equal((await t3.call('POST', '/v1/signup/phone', { body: { phone: n.e164, device: newDevice() } })).status, 202);
        assert.equal((await t3.call('POST', '/v1/signup/phone', { body: { phone: n.e164, device: newDevice() } })).status, 202);
        const third = await t3.call('POST', '/v1/signup/phone', { body: { phone: n.e164, device: newDevice() } });
        assert.equal(third.status, 429);
        assert.equal(third.body.error?.code, 'rate_limited');
        assert.ok(Number(third.headers.get('retry-after')) > 0);
      } finally {
        await t3.close();
      }
    });
  });
});
