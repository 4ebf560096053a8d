// Runs INSIDE the test's network namespace (only `lo`): the real sipd with a WSS listener, an srf
// registrar-like app, a tiny HTTP server for the SIP.js page, and Debian's Chromium driven by
// playwright-core. Prints one line `RESULT <json>` and exits; the mocha test asserts on it.
//   node --require tsx/cjs driver.ts '<json DriverConfig>'
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import net from 'node:net';
import path from 'node:path';

export interface DriverConfig {
  repoRoot: string;
  workDir: string;
  keyFile: string;
  certFile: string;
}

export interface DriverResult {
  ok: boolean;
  error?: string;
  /** What the app saw in the REGISTER: the Contact and how it came in (srf's req.protocol etc.). */
  binding?: { contact: string; protocol: string; source: string };
  /** The final status the app got for its MESSAGE. */
  messageStatus?: number;
  browser?: { registered: boolean; contact: string; sockets: number; messages: Array<{ body: string; ruri: string; via: string; from: string }>; errors: string[] };
  sipdLog?: string;
}

interface SrfMsg { status?: number; get(h: string): string | undefined }
interface SrfReq extends SrfMsg { protocol: string; source_address: string; source_port: number; on(ev: 'response', fn: (res: SrfMsg) => void): void }
interface SrfRes { send(status: number, opts?: { headers?: Record<string, string> }): void }
interface SrfApp {
  connect(o: { host: string; port: number; secret: string }): SrfApp;
  on(ev: 'connect', fn: (err: Error | null) => void): SrfApp;
  on(ev: 'error', fn: (err: Error) => void): SrfApp;
  register(fn: (req: SrfReq, res: SrfRes) => void): void;
  request(uri: string, opts: { method: string; headers?: Record<string, string>; body?: string }, cb: (err: Error | null, req: SrfReq) => void): void;
  disconnect(): void;
}

const SIP_PORT = 15060;
const WSS_PORT = 18443;
const ADMIN_PORT = 19022;
const HTTP_PORT = 18080;
const SECRET = 'webrtc-test';

/** Chromium flags from ../shared/env/components.md, plus the self-signed certificate. */
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
  '--disable-features=WebRtcHideLocalIpsWithMdns', '--allow-loopback-in-peer-connection', '--ignore-certificate-errors',
];

function waitForPort(port: number, ms: number, child: ChildProcess): Promise<void> {
  const end = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const attempt = (): void => {
      if (child.exitCode !== null) return reject(new Error(`sipd exited with ${child.exitCode}`));
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => { s.destroy(); resolve(); });
      s.once('error', () => {
        s.destroy();
        if (Date.now() > end) reject(new Error(`port ${port} not ready`));
        else setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}

async function until<T>(what: string, ms: number, probe: () => Promise<T | undefined> | T | undefined): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timeout: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function run(cfg: DriverConfig): Promise<DriverResult> {
  const result: DriverResult = { ok: false };
  const sipdLogFile = path.join(cfg.workDir, 'sipd.log');
  const load = createRequire(path.join(cfg.repoRoot, 'test', 'package.json'));
  const cleanups: Array<() => Promise<void> | void> = [];
  try {
    // 1. sipd, as drachtio-server is configured for WebRTC clients: one --contact per listener.
    const log = createWriteStream(sipdLogFile);
    const sipd = spawn(process.execPath, [
      path.join(cfg.repoRoot, 'bin', 'sipd'),
      '--contact', `sip:127.0.0.1:${SIP_PORT};transport=udp,tcp`,
      '--contact', `sips:127.0.0.1:${WSS_PORT};transport=wss`,
      '--key-file', cfg.keyFile, '--cert-file', cfg.certFile,
      '--address', '127.0.0.1', '--port', String(ADMIN_PORT), '--secret', SECRET, '--loglevel', 'debug',
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    sipd.stdout?.pipe(log);
    sipd.stderr?.pipe(log);
    cleanups.push(() => new Promise<void>((resolve) => {
      if (sipd.exitCode !== null) return resolve();
      sipd.once('exit', () => resolve());
      sipd.kill('SIGTERM');
      setTimeout(() => sipd.kill('SIGKILL'), 5000).unref();
    }));
    await waitForPort(ADMIN_PORT, 10_000, sipd);

    // 2. A registrar-like srf app: records the binding, answers 200 with the Contact and expires.
    const Srf = load('drachtio-srf') as new () => SrfApp;
    const srf = new Srf();
    srf.on('error', () => undefined);
    let binding: DriverResult['binding'];
    srf.register((req, res) => {
      const contactHeader = req.get('Contact') ?? '';
      const contact = /<([^>]+)>/.exec(contactHeader)?.[1] ?? '';
      binding = { contact, protocol: req.protocol, source: `${req.source_address}:${req.source_port}` };
      res.send(200, { headers: { Contact: `${contactHeader.replace(/;\s*expires=\d+/i, '')};expires=600`, Expires: '600' } });
    });
    await new Promise<void>((resolve, reject) => {
      srf.on('connect', (err) => (err ? reject(err) : resolve()));
      srf.connect({ host: '127.0.0.1', port: ADMIN_PORT, secret: SECRET });
    });
    cleanups.push(() => srf.disconnect());

    // 3. The page: SIP.js bundled with esbuild (installed with tsx), served over plain HTTP.
    const esbuild = load('esbuild') as { buildSync(o: object): unknown };
    const bundle = path.join(cfg.workDir, 'www', 'bundle.js');
    mkdirSync(path.dirname(bundle), { recursive: true });
    esbuild.buildSync({ entryPoints: [path.join(__dirname, 'page', 'page.js')], bundle: true, format: 'iife', platform: 'browser', target: 'chrome100', outfile: bundle, logLevel: 'silent' });
    writeFileSync(path.join(cfg.workDir, 'www', 'index.html'), '<!doctype html><html><head><meta charset="utf-8"><title>sipd wss</title></head><body><script src="bundle.js"></script></body></html>');
    const web = http.createServer((req, res) => {
      const file = (req.url ?? '/').startsWith('/bundle.js') ? 'bundle.js' : 'index.html';
      res.writeHead(200, { 'Content-Type': file.endsWith('.js') ? 'text/javascript' : 'text/html' });
      res.end(readFileSync(path.join(cfg.workDir, 'www', file)));
    });
    await new Promise<void>((resolve) => web.listen(HTTP_PORT, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => { web.closeAllConnections(); web.close(() => resolve()); }));

    // 4. Chromium (Debian's, never a downloaded one) registers over WSS.
    const { chromium } = load('playwright-core') as typeof import('playwright-core');
    const context = await chromium.launchPersistentContext(path.join(cfg.workDir, 'profile'), {
      executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS,
    });
    cleanups.push(() => context.close());
    const page = context.pages()[0] ?? (await context.newPage());
    const server = encodeURIComponent(`wss://127.0.0.1:${WSS_PORT}`);
    await page.goto(`http://127.0.0.1:${HTTP_PORT}/?server=${server}&user=alice`);
    type BrowserState = NonNullable<DriverResult['browser']>;
    const state = (): Promise<BrowserState> => page.evaluate(() => (globalThis as unknown as { sipResult: BrowserState }).sipResult);
    await until('browser registered', 20_000, async () => ((await state()).registered ? true : undefined));
    const bound = await until('binding recorded by the app', 5000, () => binding);
    result.binding = bound;

    // 5. The app sends a MESSAGE to the registered Contact (a .invalid host: only the flow reaches it).
    result.messageStatus = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no final response to MESSAGE')), 10_000);
      srf.request(bound.contact, {
        method: 'MESSAGE',
        headers: { 'Content-Type': 'text/plain', From: '<sip:server@example.com>', To: '<sip:alice@example.com>' },
        body: 'hello browser',
      }, (err, req) => {
        if (err) { clearTimeout(timer); reject(err); return; }
        req.on('response', (res) => {
          if ((res.status ?? 0) >= 200) { clearTimeout(timer); resolve(res.status ?? 0); }
        });
      });
    });
    await until('browser got the MESSAGE', 5000, async () => ((await state()).messages.length > 0 ? true : undefined));
    result.browser = await state();
    result.ok = true;
  } catch (err) {
    result.error = err instanceof Error ? err.message : String(err);
  } finally {
    for (const c of cleanups.reverse()) {
      try {
        await c();
      } catch {
        // keep cleaning up
      }
    }
    try {
      result.sipdLog = readFileSync(sipdLogFile, 'utf8').split('\n').slice(-60).join('\n');
    } catch {
      // no log
    }
  }
  return result;
}

if (require.main === module) {
  const cfg = JSON.parse(process.argv[2] ?? '{}') as DriverConfig;
  process.on('SIGTERM', () => process.exit(143));
  run(cfg).then((r) => {
    process.stdout.write(`RESULT ${JSON.stringify(r)}\n`);
    process.exit(r.ok ? 0 : 1);
  }, (err: unknown) => {
    process.stdout.write(`RESULT ${JSON.stringify({ ok: false, error: String(err) })}\n`);
    process.exit(1);
  });
}
