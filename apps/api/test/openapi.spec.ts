// The OpenAPI 3.1 document at /v1/openapi.json lists exactly the routes the express router serves.
import assert from 'node:assert/strict';
import { configSchema, type Secrets } from '@openline/config';
import { createApp } from '../src/app';
import type { ApiDeps } from '../src/deps';
import { buildOpenApi } from '../src/http/openapi';
import { openApiPath, servedRoutes } from '../src/http/list-routes';
import type { Services } from '../src/services';
import { buildServices } from '../src/services';
import { apiSettings } from '../src/settings';

function appForDocs() {
  const config = configSchema.parse({});
  const secrets = { jwtKey: 'j'.repeat(32), sipPasswordKey: '0'.repeat(64), turnStaticAuthSecret: 't'.repeat(32) } as unknown as Secrets;
  const deps = { settings: apiSettings(config, secrets), repos: {} } as unknown as ApiDeps;
  const services: Services = buildServices(deps);
  return createApp(services);
}

describe('OpenAPI document', () => {
  const { app, routes } = appForDocs();
  const doc = buildOpenApi(routes, { version: 't', serverUrl: 'http://127.0.0.1' }) as {
    openapi: string; paths: Record<string, Record<string, { security: unknown[]; responses: Record<string, unknown> }>>;
  };

  it('is OpenAPI 3.1', () => {
    assert.equal(doc.openapi, '3.1.0');
  });

  it('documents every route the router serves, and routes nothing it does not document', () => {
    const served = servedRoutes(app).map((r) => `${r.method.toUpperCase()} ${openApiPath(r.path)}`).sort();
    const documented = Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`)).sort();
    assert.ok(served.length > 30, `only ${served.length} routes`);
    assert.deepEqual(served, documented);
  });

  it('marks bearer routes with security and a 401, and open routes without', () => {
    assert.deepEqual(doc.paths['/v1/me'].get.security, [{ bearer: [] }]);
    assert.ok(doc.paths['/v1/me'].get.responses['401']);
    assert.deepEqual(doc.paths['/v1/auth/signin'].post.security, []);
    assert.ok(doc.paths['/v1/auth/signin'].post.responses['400']);
  });

  it('serves /v1/openapi.json itself', () => {
    assert.ok(doc.paths['/v1/openapi.json'].get);
  });
});
