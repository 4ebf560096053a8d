// Every endpoint: authenticated routes refuse a missing or bad token with 401 before anything
// else, bodies are validated (400 naming the field), errors are {error: {code, message, field?}}.
import assert from 'node:assert/strict';
import { newDevice, phoneUser, suiteTestApi } from './support/api';

describe('API contract on every route', function () {
  this.timeout(60_000);
  const t = suiteTestApi();

  function concrete(path: string): string {
    return path.replace(/\{[^}]+\}/g, '1');
  }

  it('answers 401 with a JSON error on every authenticated route without a token or with a forged one', async () => {
    const protectedRoutes = t.api.routes.filter((r) => r.auth !== 'none');
    assert.ok(protectedRoutes.length > 30);
    for (const r of protectedRoutes) {
      for (const token of [undefined, 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIiwiZXhwIjo5OTk5OTk5OTk5fQ.c2lnbmF0dXJl']) {
        const res = await t.call(r.method.toUpperCase(), concrete(r.path), { token, ...(r.method === 'get' ? {} : { body: {} }) });
        assert.equal(res.status, 401, `${r.method} ${r.path} with ${token ? 'a forged' : 'no'} token: ${res.status} ${res.text}`);
        assert.equal(typeof res.body.error?.code, 'string', `${r.method} ${r.path}`);
        assert.equal(typeof res.body.error?.message, 'string');
      }
    }
  });

  it('answers 400 naming a field on every route that takes a JSON body, for an empty body', async () => {
    const user = await phoneUser(t);
    const withBody = t.api.routes.filter((r) => r.body !== undefined && r.auth !== 'apiKey');
    assert.ok(withBody.length > 15);
    for (const r of withBody) {
      const res = await t.call(r.method.toUpperCase(), concrete(r.path), { token: r.auth === 'bearer' ? user.token : undefined, body: [] });
      assert.equal(res.status, 400, `${r.method} ${r.path}: ${res.status} ${res.text}`);
      assert.equal(typeof res.body.error?.field, 'string', `${r.method} ${r.path}: ${res.text}`);
    }
  });

  it('answers malformed JSON with 400 invalid_json', async () => {
    const res = await t.call('POST', '/v1/auth/signin', { raw: Buffer.from('{"login":'), headers: { 'content-type': 'application/json' } });
    assert.equal(res.status, 400);
    assert.deepEqual(res.body.error, { code: 'invalid_json', message: 'body: not valid JSON', field: 'body' });
  });

  it('names nested fields (device.platform) and unknown keys', async () => {
    const res = await t.call('POST', '/v1/auth/signin', { body: { login: 'x', password: 'y', device: { ...newDevice(), platform: 'toaster' } } });
    assert.equal(res.body.error?.field, 'device.platform');
    const extra = await t.call('POST', '/v1/auth/refresh', { body: { refreshToken: 'x', extra: true } });
    assert.equal(extra.status, 400);
  });

  it('answers 403 for a circle of someone else and 404 for a device that is not mine', async () => {
    const a = await phoneUser(t);
    const b = await phoneUser(t);
    const circle = (await t.call('POST', '/v1/circles', { token: a.token, body: { name: 'Mine' } })).body.id as number;
    assert.equal((await t.call('GET', `/v1/circles/${circle}`, { token: b.token })).status, 403);
    const devices = (await t.call('GET', '/v1/me/devices', { token: a.token })).body.devices as Array<{ id: number }>;
    assert.equal((await t.call('PUT', `/v1/me/devices/${devices[0].id}/push`, { token: b.token, body: { provider: 'fcm', prid: 'x' } })).status, 404);
  });
});
