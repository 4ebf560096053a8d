// The web softphone's side of the API: GET /v1/client/config (no auth) and the static files of
// apps/web/dist at `/` (built by `make build`).
import assert from 'node:assert/strict';
import * as http from 'node:http';
import { portsFromBase } from '@openline/config';
import { startTestApi, suiteTestApi } from './support/api';

/** A GET with a chosen Host header (fetch does not let the caller set it). */
function getWithHost(url: string, host: string): Promise<{ status: number; body: string; type: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { headers: { host } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, type: String(res.headers['content-type'] ?? '') }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('web client: GET /v1/client/config', function () {
  this.timeout(60_000);
  const t = suiteTestApi();
  let wssPort: number;

  before(async () => {
    wssPort = portsFromBase(t.stack.config.ports.base).wss;
  });

  it('answers without a token with the SIP domain, the WSS URL on the run\'s wss port and the API base', async () => {
    const res = await t.call('GET', '/v1/client/config');
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.body, {
      sipDomain: t.stack.config.sip.domain,
      wssUrl: `wss://127.0.0.1:${wssPort}`,
      apiBase: t.api.url,
    });
  });

  it('names the host the browser used (Host header), so a page opened by hostname reaches sipd by that name', async () => {
    const res = await getWithHost(`${t.api.url}/v1/client/config`, 'phone.example.test:8443');
    assert.equal(res.status, 200, res.body);
    const body = JSON.parse(res.body) as Record<string, string>;
    assert.equal(body.wssUrl, `wss://phone.example.test:${wssPort}`);
    assert.equal(body.apiBase, 'http://phone.example.test:8443');
  });

  it('keeps an IPv6 host in brackets', async () => {
    const res = await getWithHost(`${t.api.url}/v1/client/config`, `[::1]:${t.api.port}`);
    const body = JSON.parse(res.body) as Record<string, string>;
    assert.equal(body.wssUrl, `wss://[::1]:${wssPort}`);
  });

  it('falls back to api.publicHost when the Host header is not a hostname', async () => {
    const res = await getWithHost(`${t.api.url}/v1/client/config`, 'bad_host!name');
    assert.equal(res.status, 200, res.body);
    const body = JSON.parse(res.body) as Record<string, string>;
    assert.equal(body.wssUrl, `wss://${t.stack.config.api.publicHost}:${wssPort}`);
  });

  it('gives api.webSipUrl as the WSS URL when the operator set one (sipd behind a TLS proxy)', async () => {
    const proxied = await startTestApi({ webSipUrl: 'wss://sip.example.test/ws' });
    try {
      const res = await proxied.call('GET', '/v1/client/config');
      assert.equal(res.status, 200, res.text);
      assert.equal((res.body as Record<string, string>).wssUrl, 'wss://sip.example.test/ws');
    } finally {
      await proxied.close();
    }
  });

  it('is in the OpenAPI document with its response schema', async () => {
    const doc = (await t.call('GET', '/v1/openapi.json')).body as { paths: Record<string, { get?: { responses?: Record<string, unknown> } }> };
    const op = doc.paths['/v1/client/config']?.get;
    assert.ok(op, 'GET /v1/client/config missing from the document');
    assert.ok(op.responses?.['200'], 'no 200 response documented');
  });
});

describe('web client: static files at /', function () {
  this.timeout(60_000);
  const t = suiteTestApi();

  it('serves the softphone page at / as HTML (apps/web/dist, built by make build)', async () => {
    const res = await fetch(`${t.api.url}/`);
    assert.equal(res.status, 200, 'apps/web/dist/index.html missing: run `make build`');
    assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
    const html = await res.text();
    assert.match(html, /data-testid="signin-form"/);
    assert.match(html, /<script type="module" src="app\.js">/);
    assert.match(res.headers.get('content-security-policy') ?? '', /script-src 'self'/, 'no inline or foreign scripts');
  });

  it('serves the bundle as JavaScript and the stylesheet as CSS, with nosniff', async () => {
    const js = await fetch(`${t.api.url}/app.js`);
    assert.equal(js.status, 200);
    assert.match(js.headers.get('content-type') ?? '', /^(text|application)\/javascript/);
    assert.equal(js.headers.get('x-content-type-options'), 'nosniff');
    assert.ok((await js.text()).length > 10_000, 'app.js is the bundle with sip.js inside');
    const css = await fetch(`${t.api.url}/style.css`);
    assert.match(css.headers.get('content-type') ?? '', /^text\/css/);
  });

  it('answers unknown paths with the API\'s JSON 404, not the page (no fallback beyond /)', async () => {
    for (const p of ['/calls', '/nothing.js', '/v1/nothing']) {
      const res = await t.call('GET', p);
      assert.equal(res.status, 404, p);
      assert.equal(res.body.error?.code, 'not_found', p);
    }
  });

  it('lists no directory and serves no dotfiles (the type-check output in dist/.tsc)', async () => {
    for (const p of ['/.tsc/', '/.tsc/api.js', '/.tsc']) {
      const res = await t.call('GET', p);
      assert.equal(res.status, 404, `${p}: ${res.text.slice(0, 80)}`);
    }
  });

  it('keeps the API routes ahead of the files', async () => {
    const res = await t.call('GET', '/v1/client/config');
    assert.equal(res.status, 200);
    assert.equal(typeof res.body.wssUrl, 'string');
  });
});
