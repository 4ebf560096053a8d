// Acceptance (issue 11): sign-in by username and by phone with the web password, short-lived
// access + rotating refresh tokens, sign-out, devices and push tokens, and SIP credentials that
// REGISTER through a real sipd + registrar (SIPp, MD5 digest against the account's HA1).
import assert from 'node:assert/strict';
import { Housekeeper, servedRoutes, openApiPath } from '@openline/api';
import { turnAllocate } from '@openline/stack';
import { describeSippResult } from '../support/sipp';
import { startRegistrarNode, type RegistrarNode } from '../registrar/support/nodes';
import { sippRegister } from '../registrar/support/sipp-register';
import { newDevice, phoneUser, startTestApi, uniqueName, ukMobile, type TestApi } from './support/api';

interface Sip { username: string; domain: string; password: string }

describe('sign-in, sessions and SIP credentials', function () {
  this.timeout(120_000);
  let t: TestApi;
  let node: RegistrarNode;

  before(async () => {
    t = await startTestApi({ signinFailuresPerIdentity: 3 });
    // No credential cache: a rotated SIP password is refused at once (with the default cache,
    // within registrar.credentialCacheSeconds).
    node = await startRegistrarNode(t.stack, { credentialCacheSeconds: '0' });
  });
  after(async () => {
    await node?.stop();
    await t?.close();
  });

  /** An activated username account. */
  async function emailUser(password = 'web password 1'): Promise<{ username: string; password: string }> {
    const username = uniqueName('usr');
    const email = `${username}@example.net`;
    assert.equal((await t.call('POST', '/v1/signup/email', { body: { username, email, password, country: 'GB' } })).status, 202);
    const link = new URL(/(https?:\/\/\S+)/.exec((await t.smtp.next(email)).text)?.[1] ?? '');
    assert.equal((await t.call('GET', `${link.pathname}${link.search}`)).status, 200);
    return { username, password };
  }

  /** REGISTER with these credentials (challenge, MD5 answer, 200). */
  async function register(sip: Sip): Promise<{ ok: boolean; detail: string }> {
    const r = await sippRegister(node.sipPort, 'register-auth.xml', { user: sip.username, domain: sip.domain, password: sip.password }, { expires: 120 });
    return { ok: r.ok, detail: describeSippResult(r) };
  }

  /** REGISTER with a password the registrar must refuse (a new 401, or 403 at the failure limit). */
  async function refused(sip: Sip): Promise<{ ok: boolean; detail: string }> {
    const r = await sippRegister(node.sipPort, 'register-wrong-password.xml', { user: sip.username, domain: sip.domain, password: sip.password }, { expires: 120 });
    return { ok: r.ok, detail: describeSippResult(r) };
  }

  describe('by username', () => {
    it('returns tokens, the account and SIP credentials that REGISTER through sipd + registrar', async () => {
      const u = await emailUser();
      const r = await t.call('POST', '/v1/auth/signin', { body: { login: u.username, password: u.password, device: newDevice('desktop') } });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.body.tokenType, 'Bearer');
      assert.equal(r.body.expiresIn, t.api.deps.settings.api.accessTokenTtlSeconds);
      const sip = r.body.sip as Sip & { aor: string; registrar: string };
      assert.equal(sip.username, u.username);
      assert.notEqual(sip.password, u.password, 'the SIP password is not the web password');
      assert.equal(sip.aor, `sip:${u.username}@${sip.domain}`);
      const reg = await register(sip);
      assert.ok(reg.ok, reg.detail);
    });

    it('refuses a wrong password and an unknown user alike (401 invalid_credentials)', async () => {
      const u = await emailUser();
      const wrong = await t.call('POST', '/v1/auth/signin', { body: { login: u.username, password: 'not it at all', device: newDevice() } });
      assert.equal(wrong.status, 401);
      assert.equal(wrong.body.error?.code, 'invalid_credentials');
      assert.match(wrong.headers.get('www-authenticate') ?? '', /^Bearer/);
      const unknown = await t.call('POST', '/v1/auth/signin', { body: { login: uniqueName('ghost'), password: 'whatever1', device: newDevice() } });
      assert.equal(unknown.status, 401);
      assert.equal(unknown.body.error?.code, 'invalid_credentials');
    });

    it('blocks a login after signinFailuresPerIdentity failures (429 with Retry-After), even with the right password', async () => {
      const u = await emailUser();
      for (let i = 0; i < 3; i++) {
        assert.equal((await t.call('POST', '/v1/auth/signin', { body: { login: u.username, password: `wrong-${i}-pass`, device: newDevice() } })).status, 401);
      }
      const blocked = await t.call('POST', '/v1/auth/signin', { body: { login: u.username, password: u.password, device: newDevice() } });
      assert.equal(blocked.status, 429);
      assert.equal(blocked.body.error?.code, 'too_many_failures');
      assert.ok(Number(blocked.headers.get('retry-after')) > 0);
    });
  });

  describe('by phone', () => {
    it('signs in a phone account with its web password, the number given as +44… or nationally with a country', async () => {
      const n = ukMobile();
      const p = await phoneUser(t, n.e164);
      const set = await t.call('PUT', '/v1/me/password', { token: p.token, body: { password: 'phone web pw 1' } });
      assert.equal(set.status, 204, set.text);
      const intl = await t.call('POST', '/v1/auth/signin', { body: { login: n.e164, password: 'phone web pw 1', device: newDevice() } });
      assert.equal(intl.status, 200, intl.text);
      assert.equal((intl.body.account as { phone: string }).phone, n.e164);
      const national = await t.call('POST', '/v1/auth/signin', { body: { login: n.national, country: 'GB', password: 'phone web pw 1', device: newDevice() } });
      assert.equal(national.status, 200, national.text);
      const reg = await register(national.body.sip as Sip);
      assert.ok(reg.ok, reg.detail);
      const change = await t.call('PUT', '/v1/me/password', { token: p.token, body: { password: 'another pw 2' } });
      assert.equal(change.status, 400, 'the current password is required once one is set');
      assert.equal(change.body.error?.field, 'currentPassword');
    });
  });

  describe('tokens', () => {
    it('rotates the refresh token; a rotated token presented again ends the session', async () => {
      const u = await emailUser();
      const s = await t.call('POST', '/v1/auth/signin', { body: { login: u.username, password: u.password, device: newDevice(), sip: false } });
      assert.equal(s.body.sip, undefined, 'no SIP credentials unless asked');
      const r1 = await t.call('POST', '/v1/auth/refresh', { body: { refreshToken: s.body.refreshToken } });
      assert.equal(r1.status, 200, r1.text);
      assert.notEqual(r1.body.refreshToken, s.body.refreshToken);
      assert.equal((await t.call('GET', '/v1/me', { token: r1.body.accessToken as string })).status, 200);
      const replay = await t.call('POST', '/v1/auth/refresh', { body: { refreshToken: s.body.refreshToken } });
      assert.equal(replay.status, 401);
      assert.equal(replay.body.error?.code, 'reused_refresh_token');
      const r2 = await t.call('POST', '/v1/auth/refresh', { body: { refreshToken: r1.body.refreshToken } });
      assert.equal(r2.status, 401, 'the whole session ended');
      assert.equal((await t.call('GET', '/v1/me', { token: r1.body.accessToken as string })).status, 401, 'its access tokens too');
    });

    it('refuses requests without a token, with a malformed one and with an expired one (401)', async () => {
      const u = await emailUser();
      const s = await t.call('POST', '/v1/auth/signin', { body: { login: u.username, password: u.password, device: newDevice(), sip: false } });
      assert.equal((await t.call('GET', '/v1/me')).status, 401);
      assert.equal((await t.call('GET', '/v1/me', { token: 'abc.def.ghi' })).status, 401);
      t.clock.advance((t.api.deps.settings.api.accessTokenTtlSeconds + 1) * 1000);
      const late = await t.call('GET', '/v1/me', { token: s.body.accessToken as string });
      assert.equal(late.status, 401);
      assert.equal(late.body.error?.code, 'unauthorized');
      assert.equal((await t.call('POST', '/v1/auth/refresh', { body: { refreshToken: s.body.refreshToken } })).status, 200);
    });
  });

  describe('housekeeping', () => {
    it('deletes refresh tokens once they have expired', async () => {
      const u = await emailUser();
      const s = await t.call('POST', '/v1/auth/signin', { body: { login: u.username, password: u.password, device: newDevice(), sip: false } });
      const accountId = (s.body.account as { id: number }).id;
      const count = async (): Promise<number> => Number((await t.stack.dbPool().query<Array<{ n: number }>>(
        'SELECT COUNT(*) AS n FROM refresh_tokens WHERE account_id = ?', [accountId]))[0].n);
      const keeper = new Housekeeper(t.api.deps.pool, t.clock, t.api.deps.logger);
      await keeper.sweep();
      assert.equal(await count(), 1, 'a live token stays');
      t.clock.advance((t.api.deps.settings.api.refreshTokenTtlSeconds + 1) * 1000);
      await keeper.sweep();
      assert.equal(await count(), 0);
      assert.equal((await t.call('POST', '/v1/auth/refresh', { body: { refreshToken: s.body.refreshToken } })).status, 401);
    });
  });

  describe('sign-out', () => {
    it('revokes the refresh token and the device\'s SIP password; another device fetches the new one, which registers', async () => {
      const u = await emailUser();
      const phone = await t.call('POST', '/v1/auth/signin', { body: { login: u.username, password: u.password, device: newDevice('android') } });
      const laptop = await t.call('POST', '/v1/auth/signin', { body: { login: u.username, password: u.password, device: newDevice('desktop') } });
      const oldSip = phone.body.sip as Sip;
      assert.ok((await register(oldSip)).ok);
      const out = await t.call('POST', '/v1/auth/signout', { token: phone.body.accessToken as string });
      assert.equal(out.status, 200, out.text);
      assert.deepEqual(out.body, { signedOut: true, sipRevoked: true });
      assert.equal((await t.call('GET', '/v1/me', { token: phone.body.accessToken as string })).status, 401);
      assert.equal((await t.call('POST', '/v1/auth/refresh', { body: { refreshToken: phone.body.refreshToken } })).status, 401);
      const stale = await refused(oldSip);
      assert.ok(stale.ok, `the revoked SIP password is refused: ${stale.detail}`);
      const fresh = await t.call('GET', '/v1/me/sip', { token: laptop.body.accessToken as string });
      assert.equal(fresh.status, 200);
      const newSip = fresh.body as unknown as Sip;
      assert.notEqual(newSip.password, oldSip.password);
      const reg = await register(newSip);
      assert.ok(reg.ok, reg.detail);
    });
  });

  describe('devices', () => {
    it('lists my devices, stores a push token in the registrar\'s model (RFC 8599) and removes a device', async () => {
      const u = await emailUser();
      const d1 = newDevice('ios');
      const a = await t.call('POST', '/v1/auth/signin', { body: { login: u.username, password: u.password, device: d1 } });
      const b = await t.call('POST', '/v1/auth/signin', { body: { login: u.username, password: u.password, device: newDevice('web'), sip: false } });
      const token = a.body.accessToken as string;
      const list = await t.call('GET', '/v1/me/devices', { token });
      const devices = list.body.devices as Array<{ id: number; instanceId: string; current: boolean; platform: string; holdsSipPassword: boolean }>;
      assert.equal(devices.length, 2);
      const mine = devices.find((x) => x.current);
      assert.equal(mine?.instanceId, `urn:uuid:${d1.id}`);
      assert.equal(mine?.platform, 'ios');
      assert.equal(mine?.holdsSipPassword, true);
      const push = await t.call('PUT', `/v1/me/devices/${mine?.id}/push`, { token, body: { provider: 'apns', prid: 'deadbeef00', param: 'TEAM.com.example.voip' } });
      assert.equal(push.status, 204, push.text);
      const rows = await t.stack.dbPool().query<Array<{ push_provider: string; push_prid: string; push_param: string }>>(
        'SELECT push_provider, push_prid, push_param FROM devices WHERE id = ?', [mine?.id]);
      assert.deepEqual({ ...rows[0] }, { push_provider: 'apns', push_prid: 'deadbeef00', push_param: 'TEAM.com.example.voip' });
      const badProvider = await t.call('PUT', `/v1/me/devices/${mine?.id}/push`, { token, body: { provider: 'carrier-pigeon', prid: 'x' } });
      assert.equal(badProvider.body.error?.field, 'provider');
      const other = devices.find((x) => !x.current);
      assert.equal((await t.call('DELETE', `/v1/me/devices/${other?.id}`, { token })).status, 204);
      assert.equal((await t.call('GET', '/v1/me', { token: b.body.accessToken as string })).status, 401, 'the removed device is signed out');
      assert.equal(((await t.call('GET', '/v1/me/devices', { token })).body.devices as unknown[]).length, 1);
      const another = await emailUser();
      const theirs = await t.call('POST', '/v1/auth/signin', { body: { login: another.username, password: another.password, device: newDevice(), sip: false } });
      assert.equal((await t.call('DELETE', `/v1/me/devices/${mine?.id}`, { token: theirs.body.accessToken as string })).status, 404, 'not their device');
    });
  });

  describe('profile, avatar and TURN', () => {
    it('changes name, country, time zone and language, naming an invalid field', async () => {
      const p = await phoneUser(t);
      const r = await t.call('PATCH', '/v1/me', { token: p.token, body: { displayName: 'Babcia Zosia', country: 'pl', timeZone: 'Europe/Warsaw', language: 'pl' } });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.body.displayName, 'Babcia Zosia');
      assert.equal(r.body.country, 'PL');
      assert.equal(r.body.timeZone, 'Europe/Warsaw');
      const bad = await t.call('PATCH', '/v1/me', { token: p.token, body: { timeZone: 'Mars/Olympus' } });
      assert.equal(bad.status, 400);
      assert.equal(bad.body.error?.field, 'timeZone');
    });

    it('stores a PNG avatar under the data dir and serves it; refuses other types and oversize images', async () => {
      const p = await phoneUser(t);
      const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64, 1)]);
      const up = await t.call('PUT', '/v1/me/avatar', { token: p.token, raw: png, headers: { 'content-type': 'image/png' } });
      assert.equal(up.status, 200, up.text);
      assert.ok(up.body.avatarUpdatedAt);
      const res = await fetch(`${t.api.url}/v1/users/${p.accountId}/avatar`, { headers: { authorization: `Bearer ${p.token}` } });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'image/png');
      assert.deepEqual(Buffer.from(await res.arrayBuffer()), png);
      const gif = await t.call('PUT', '/v1/me/avatar', { token: p.token, raw: Buffer.from('GIF89a....'), headers: { 'content-type': 'image/gif' } });
      assert.equal(gif.status, 415);
      const lie = await t.call('PUT', '/v1/me/avatar', { token: p.token, raw: Buffer.from('<svg/>'), headers: { 'content-type': 'image/png' } });
      assert.equal(lie.status, 400);
      const big = Buffer.concat([png, Buffer.alloc(t.api.deps.settings.api.avatarMaxBytes)]);
      assert.equal((await t.call('PUT', '/v1/me/avatar', { token: p.token, raw: big, headers: { 'content-type': 'image/png' } })).status, 413);
    });

    it('hands out TURN REST credentials that the run\'s coturn accepts (Allocate)', async () => {
      const p = await phoneUser(t);
      const r = await t.call('GET', '/v1/turn/credentials', { token: p.token });
      assert.equal(r.status, 200);
      assert.match(r.body.username as string, new RegExp(`^\\d+:${p.accountId}$`));
      assert.deepEqual(r.body.uris, [`turn:127.0.0.1:${t.stack.ports.turn}?transport=udp`, `turn:127.0.0.1:${t.stack.ports.turn}?transport=tcp`,
        `stun:127.0.0.1:${t.stack.ports.turn}`]);
      assert.equal((await t.call('GET', '/v1/turn/credentials')).status, 401);
      const alloc = await turnAllocate(t.stack.ports.turn, r.body.username as string, r.body.password as string);
      assert.equal(alloc.ok, true, `coturn refused the API's credentials: ${alloc.error}`);
    });
  });

  describe('the OpenAPI document', () => {
    it('at /v1/openapi.json lists exactly the routes the running router serves', async () => {
      const r = await t.call('GET', '/v1/openapi.json');
      assert.equal(r.status, 200);
      assert.equal(r.body.openapi, '3.1.0');
      const doc = r.body.paths as Record<string, Record<string, unknown>>;
      const documented = Object.entries(doc).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`)).sort();
      const served = servedRoutes(t.api.app).map((x) => `${x.method.toUpperCase()} ${openApiPath(x.path)}`).sort();
      assert.deepEqual(served, documented);
    });

    it('answers an unknown route with a JSON 404', async () => {
      const r = await t.call('GET', '/v1/nothing-here');
      assert.equal(r.status, 404);
      assert.equal(r.body.error?.code, 'not_found');
    });
  });

  describe('the stack\'s api service', () => {
    it('runs on the run\'s API port (base+80) and answers /v1/health', async () => {
      const res = await fetch(`http://127.0.0.1:${t.stack.ports.api}/v1/health`);
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), { status: 'ok' });
    });
  });
});
