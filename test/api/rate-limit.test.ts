// Issue 11: "every endpoint … rate limited". Every request counts against its source address's
// per-minute cap (api.requestsPerMinutePerIp, counted in Redis): open, authenticated and refused
// requests alike; over the cap every route answers 429 with Retry-After, and another address is
// not affected.
import assert from 'node:assert/strict';
import * as http from 'node:http';
import { phoneUser, suiteTestApi } from './support/api';

const CAP = 8;

/** GET from a chosen loopback source address (127.0.0.x), returning the status. */
function getFrom(localAddress: string, url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { localAddress }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode ?? 0)); });
    req.on('error', reject);
  });
}

describe('API rate limit per source address', function () {
  this.timeout(60_000);
  const t = suiteTestApi({ requestsPerMinutePerIp: CAP });

  it('counts every request (open, authenticated, refused) and then answers 429 with Retry-After on every kind of route', async () => {
    const user = await phoneUser(t); // 2 requests: sign-up start and verify
    const statuses = [
      (await t.call('GET', '/v1/health')).status,
      (await t.call('GET', '/v1/me', { token: user.token })).status,
      (await t.call('GET', '/v1/me')).status,
      (await t.call('POST', '/v1/auth/signin', { body: {} })).status,
      (await t.call('GET', '/v1/nothing-here')).status,
      (await t.call('GET', '/v1/openapi.json')).status,
    ];
    assert.deepEqual(statuses, [200, 200, 401, 400, 404, 200], 'under the cap every request gets its own answer');
    const over = [
      await t.call('GET', '/v1/me', { token: user.token }),
      await t.call('POST', '/v1/auth/signin', { body: { login: 'someone', password: 'whatever1', device: { id: 'x' } } }),
      await t.call('POST', '/v1/signup/phone', { body: {} }),
      await t.call('GET', '/v1/health'),
    ];
    for (const r of over) {
      assert.equal(r.status, 429, r.text);
      assert.equal(r.body.error?.code, 'rate_limited');
      const retry = Number(r.headers.get('retry-after'));
      assert.ok(retry >= 1 && retry <= 60, `Retry-After ${retry}`);
    }
  });

  it('another source address has its own count', async () => {
    const url = `${t.api.url}/v1/health`;
    assert.equal(await getFrom('127.0.0.1', url), 429, '127.0.0.1 is over its cap (previous test)');
    assert.equal(await getFrom('127.0.0.2', url), 200);
  });
});
