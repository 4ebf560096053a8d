// Issue 11: "password change": with the current password the web password changes; the old one no
// longer signs in, the new one does; a wrong current password is 403 and changes nothing; the
// other sessions of the account end, the one that changed it stays.
import assert from 'node:assert/strict';
import { newDevice, phoneUser, suiteTestApi } from './support/api';

describe('web password change', function () {
  this.timeout(60_000);
  const t = suiteTestApi();

  it('needs the current password; afterwards only the new one signs in and the other sessions are signed out', async () => {
    const p = await phoneUser(t);
    assert.equal((await t.call('PUT', '/v1/me/password', { token: p.token, body: { password: 'first pw 111' } })).status, 204);
    const signin = (password: string): Promise<{ status: number; body: Record<string, unknown> }> =>
      t.call('POST', '/v1/auth/signin', { body: { login: p.phone, password, device: newDevice('ios'), sip: false } });
    const other = await signin('first pw 111');
    assert.equal(other.status, 200);

    const wrong = await t.call('PUT', '/v1/me/password', { token: p.token, body: { currentPassword: 'not it', password: 'second pw 222' } });
    assert.equal(wrong.status, 403);
    assert.equal(wrong.body.error?.code, 'wrong_password');
    assert.equal((await signin('second pw 222')).status, 401, 'a refused change changes nothing');

    const ok = await t.call('PUT', '/v1/me/password', { token: p.token, body: { currentPassword: 'first pw 111', password: 'second pw 222' } });
    assert.equal(ok.status, 204, ok.text);
    assert.equal((await signin('first pw 111')).status, 401, 'the old password no longer signs in');
    assert.equal((await signin('second pw 222')).status, 200, 'the new one does');
    assert.equal((await t.call('GET', '/v1/me', { token: other.body.accessToken as string })).status, 401, 'the other session ended');
    assert.equal((await t.call('POST', '/v1/auth/refresh', { body: { refreshToken: other.body.refreshToken } })).status, 401);
    assert.equal((await t.call('GET', '/v1/me', { token: p.token })).status, 200, 'the session that changed it stays');
  });
});
