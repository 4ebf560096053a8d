// Debian's Chromium inside the suite's network namespace, driven from the mocha process by
// playwright-core over the DevTools pipe: the executable Playwright starts is a two-line wrapper
// that enters the namespace (`ip netns exec`) and execs /usr/bin/chromium, which keeps the pipe's
// file descriptors. So the browser sees only the namespace's `lo`, and the test code stays here.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';

/** Flags from ../shared/env/components.md, plus the self-signed WSS certificate. */
export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
  '--disable-features=WebRtcHideLocalIpsWithMdns', '--allow-loopback-in-peer-connection', '--ignore-certificate-errors',
  // Several pages share one browser and two cores: hidden pages must keep their timers and media.
  '--disable-background-timer-throttling', '--disable-renderer-backgrounding', '--disable-backgrounding-occluded-windows',
  '--autoplay-policy=no-user-gesture-required',
];

export interface NamespacedBrowser {
  browser: Browser;
  close(): Promise<void>;
}

/**
 * A browser whose media permission requests are refused, as when the user clicks "Block": the fake
 * UI denies (`=deny`), and so would any real prompt (`--deny-permission-prompts`).
 */
export const MEDIA_DENIED_ARGS = [
  ...CHROMIUM_ARGS.filter((a) => a !== '--use-fake-ui-for-media-stream'),
  '--use-fake-ui-for-media-stream=deny', '--deny-permission-prompts',
];

export async function launchInNamespace(nsName: string, args: string[] = CHROMIUM_ARGS): Promise<NamespacedBrowser> {
  const dir = mkdtempSync(path.join(tmpdir(), 'web-e2e-chromium-'));
  const wrapper = path.join(dir, 'chromium-in-netns');
  writeFileSync(wrapper, `#!/bin/sh\nexec ip netns exec '${nsName}' /usr/bin/chromium "$@"\n`);
  chmodSync(wrapper, 0o755);
  const browser = await chromium.launch({ executablePath: wrapper, headless: true, args, timeout: 60_000 });
  return {
    browser,
    async close() {
      await browser.close().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
