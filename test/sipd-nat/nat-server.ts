// Runs INSIDE the server namespace of the NAT test: the real sipd on the "public" address and an
// srf app that records each REGISTER's source address and, once a client has registered, calls it
// at its private Contact through the NAT binding (srf's `proxy` option = the recorded source, as
// jambonz does), then hangs up. One JSON event per stdout line.
//   node --require tsx/cjs nat-server.ts '<json {repoRoot, sipAddress}>'
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import net from 'node:net';
import path from 'node:path';

interface SrfMsg { get(h: string): string | undefined }
interface SrfReq extends SrfMsg { source_address: string; source_port: number; protocol: string }
interface SrfRes { send(status: number, opts?: { headers?: Record<string, string> }): void }
interface SrfDialog { destroy(): Promise<unknown> }
interface SrfApp {
  connect(o: { host: string; port: number; secret: string }): SrfApp;
  on(ev: 'connect', fn: (err: Error | null) => void): SrfApp;
  on(ev: 'error', fn: (err: Error) => void): SrfApp;
  register(fn: (req: SrfReq, res: SrfRes) => void): void;
  createUAC(uri: string, opts: { localSdp: string; proxy?: string }): Promise<SrfDialog>;
}

const ADMIN_PORT = 9022;
const SECRET = 'nat-test';
const SDP = 'v=0\r\no=- 1 1 IN IP4 10.201.2.2\r\ns=-\r\nc=IN IP4 10.201.2.2\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\n';

function emit(ev: object): void {
  process.stdout.write(`${JSON.stringify(ev)}\n`);
}

function waitForPort(port: number, ms: number): Promise<void> {
  const end = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const attempt = (): void => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => { s.destroy(); resolve(); });
      s.once('error', () => { s.destroy(); if (Date.now() > end) reject(new Error('sipd admin port not ready')); else setTimeout(attempt, 50); });
    };
    attempt();
  });
}

async function main(): Promise<void> {
  const cfg = JSON.parse(process.argv[2] ?? '{}') as { repoRoot: string; sipAddress: string };
  const sipd = spawn(process.execPath, [
    path.join(cfg.repoRoot, 'bin', 'sipd'),
    '--contact', `sip:${cfg.sipAddress}:5060;transport=udp,tcp`,
    '--address', '127.0.0.1', '--port', String(ADMIN_PORT), '--secret', SECRET, '--loglevel', 'info',
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  sipd.stdout?.on('data', (d: Buffer) => { for (const l of d.toString().split('\n')) if (/"level":(40|50|60)/.test(l)) emit({ event: 'sipd-log', line: l }); });
  sipd.stderr?.on('data', (d: Buffer) => emit({ event: 'sipd-stderr', text: d.toString() }));
  const stop = (): void => { sipd.kill('SIGTERM'); setTimeout(() => process.exit(0), 3000).unref(); sipd.once('exit', () => process.exit(0)); };
  process.on('SIGTERM', stop);
  await waitForPort(ADMIN_PORT, 10_000);

  const Srf = createRequire(path.join(cfg.repoRoot, 'test', 'package.json'))('drachtio-srf') as new () => SrfApp;
  const srf = new Srf();
  srf.on('error', () => undefined);
  srf.register((req, res) => {
    const contactHeader = req.get('Contact') ?? '';
    const contact = /<([^>]+)>/.exec(contactHeader)?.[1] ?? '';
    const source = `${req.source_address}:${req.source_port}`;
    emit({ event: 'registered', contact, source, protocol: req.protocol, via: req.get('Via') });
    res.send(200, { headers: { Contact: `${contactHeader};expires=600` } });
    setTimeout(() => {
      srf.createUAC(contact, { localSdp: SDP, proxy: `sip:${source}` }).then((dialog) => {
        emit({ event: 'answered' });
        setTimeout(() => {
          dialog.destroy().then(() => emit({ event: 'hung-up' }), (err: unknown) => emit({ event: 'error', error: String(err) }));
        }, 300);
      }, (err: unknown) => emit({ event: 'error', error: `INVITE failed: ${String((err as { status?: number }).status ?? err)}` }));
    }, 100);
  });
  await new Promise<void>((resolve, reject) => {
    srf.on('connect', (err) => (err ? reject(err) : resolve()));
    srf.connect({ host: '127.0.0.1', port: ADMIN_PORT, secret: SECRET });
  });
  emit({ event: 'ready' });
}

main().catch((err: unknown) => {
  emit({ event: 'error', error: String(err) });
  process.exit(1);
});
