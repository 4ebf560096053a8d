// Issue 11: "every endpoint validated (400 naming the field)" — for path parameters too: every
// user route with a numeric id in its path answers a non-number there with 400 naming that
// parameter, before touching anything. (Routes with a JSON body name the body's first problem
// first; their bodies are covered by contract.test.ts.)
import assert from 'node:assert/strict';
import { phoneUser, suiteTestApi } from './support/api';

const NUMERIC = ['id', 'accountId'];

describe('API contract: path parameters', function () {
  this.timeout(60_000);
  const t = suiteTestApi();

  it('answers 400 naming the parameter for a non-numeric id on every route that takes one', async () => {
    const user = await phoneUser(t);
    const routes = t.api.routes.filter((r) => r.auth === 'bearer' && r.body === undefined && NUMERIC.some((p) => r.path.includes(`{${p}}`)));
    assert.ok(routes.length >= 8, `${routes.length} routes`);
    for (const r of routes) {
      for (const bad of NUMERIC.filter((p) => r.path.includes(`{${p}}`))) {
        const path = r.path.replace(/\{([^}]+)\}/g, (_m, name: string) => (name === bad ? 'abc' : '1'));
        const res = await t.call(r.method.toUpperCase(), path, { token: user.token });
        assert.equal(res.status, 400, `${r.method} ${path}: ${res.status} ${res.text}`);
        assert.equal(res.body.error?.field, bad, `${r.method} ${path}: ${res.text}`);
      }
    }
  });
});
