// The browser suites' harness: the stack (project supervisor) and Debian's Chromium both run in a
// network namespace with only `lo`; the browser loads the API's health endpoint from it.
import assert from 'node:assert/strict';
import { launchInNamespace, type NamespacedBrowser } from './support/browser';
import { StackHost } from './support/host-client';

describe('web e2e harness: stack and Chromium in a namespace with only lo', function () {
  this.timeout(180_000);
  let host: StackHost | undefined;
  let chrome: NamespacedBrowser | undefined;

  before(async () => {
    host = await StackHost.start();
    chrome = await launchInNamespace(host.ns.name);
  });
  after(async () => {
    await chrome?.close();
    await host?.stop();
  });

  it('the namespace has only lo, and the browser in it loads /v1/health from the stack', async () => {
    const links = host!.ns.exec('ip', ['-o', 'link', 'show']).trim().split('\n').map((l) => l.split(':')[1]?.trim());
    assert.deepEqual(links, ['lo']);
    assert.deepEqual([...host!.info.services].sort().filter((s) => ['api', 'b2bua', 'registrar', 'sipd'].includes(s)), ['api', 'b2bua', 'registrar', 'sipd']);
    const page = await chrome!.browser.newPage();
    const res = await page.goto(`${host!.info.apiUrl}/v1/health`);
    assert.equal(res?.status(), 200);
    assert.deepEqual(JSON.parse(await page.innerText('body')), { status: 'ok' });
    await page.close();
  });
});
