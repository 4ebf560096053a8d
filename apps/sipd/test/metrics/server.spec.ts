/// <reference types="mocha" />
// The scrape server on 127.0.0.1, port 0: GET /metrics and GET /health only.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import type { MetricsServer } from '../../src/metrics';
import { createSipdMetrics, startMetricsServer } from '../../src/metrics';

interface Reply {
  status: number;
  contentType: string | undefined;
  body: string;
}

function get(port: number, path: string, method = 'GET'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: res.headers['content-type'], body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('metrics HTTP server', () => {
  let server: MetricsServer | undefined;
  let healthy = true;
  const metrics = createSipdMetrics({ version: 'test' });

  beforeEach(async () => {
    healthy = true;
    server = await startMetricsServer({ address: '127.0.0.1', port: 0, registry: metrics.registry, healthy: () => healthy });
  });
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('binds an ephemeral port when asked for port 0', () => {
    assert.ok(server !== undefined && server.port > 0);
    assert.equal(server?.address, '127.0.0.1');
  });
  it('GET /metrics answers 200 text/plain; version=0.0.4 with the current counts', async () => {
    metrics.requestsIn.inc({ method: 'OPTIONS' });
    const r = await get(server?.port ?? 0, '/metrics');
    assert.equal(r.status, 200);
    assert.match(r.contentType ?? '', /^text\/plain; version=0\.0\.4/);
    assert.ok(r.body.split('\n').includes('drachtio_sip_requests_in_total{method="OPTIONS"} 1'));
    assert.ok(r.body.endsWith('\n'));
  });
  it('ignores a query string on /metrics', async () => {
    assert.equal((await get(server?.port ?? 0, '/metrics?x=1')).status, 200);
  });
  it('GET /health answers 200 {"status":"ok"} while healthy, 503 otherwise', async () => {
    const ok = await get(server?.port ?? 0, '/health');
    assert.equal(ok.status, 200);
    assert.deepEqual(JSON.parse(ok.body), { status: 'ok' });
    healthy = false;
    const bad = await get(server?.port ?? 0, '/health');
    assert.equal(bad.status, 503);
  });
  it('everything else is 404: other paths and other methods', async () => {
    assert.equal((await get(server?.port ?? 0, '/')).status, 404);
    assert.equal((await get(server?.port ?? 0, '/metrics/x')).status, 404);
    assert.equal((await get(server?.port ?? 0, '/metrics', 'POST')).status, 404);
    assert.equal((await get(server?.port ?? 0, '/health', 'DELETE')).status, 404);
  });
  it('close() is idempotent and frees the port', async () => {
    const port = server?.port ?? 0;
    await server?.close();
    await server?.close();
    await assert.rejects(get(port, '/metrics'), /ECONNREFUSED/);
  });
  it('rejects when the port is taken', async () => {
    await assert.rejects(startMetricsServer({ address: '127.0.0.1', port: server?.port ?? 0, registry: metrics.registry }), /EADDRINUSE/);
  });
});
