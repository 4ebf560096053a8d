// baresip 1.0 as a softphone for the B2BUA suites: registers through sipd/registrar (MD5 only:
// libre 1.1 aborts on any SHA-256 challenge), sends a WAV file as its microphone (aufile), auto-
// answers, records what it receives (sndfile: <dir>/dump-*-dec.wav) and is driven over ctrl_tcp
// (netstring JSON). Loopback only; stopped by PID (twice SIGTERM during a call, components.md).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { freePort } from '../../support/sipp';

export interface BaresipPhone {
  pid: number;
  dir: string;
  output(): string;
  /** Sends a ctrl_tcp command; resolves with its response JSON. */
  command(command: string, params?: string): Promise<Record<string, unknown>>;
  /** Waits for an event (CALL_ESTABLISHED, CALL_CLOSED, REGISTER_OK ...) seen on ctrl_tcp. */
  event(type: string, timeoutMs?: number): Promise<void>;
  /** The `param` of every ctrl_tcp event of this type so far, in order (CALL_DTMF_START: the digit). */
  eventParams(type: string): string[];
  /** Resolves once baresip printed a 200 to its REGISTER (it may precede the ctrl connection). */
  registered(timeoutMs?: number): Promise<void>;
  /** The WAV files sndfile recorded of received audio. */
  received(): string[];
  stop(): Promise<void>;
}

export async function startBaresipPhone(o: { user: string; domain: string; password: string; proxyPort: number; wav: string }): Promise<BaresipPhone> {
  const dir = mkdtempSync(path.join(tmpdir(), 'baresip-b2b-'));
  const sipPort = await freePort();
  const ctrlPort = await freePort();
  writeFileSync(path.join(dir, 'config'), [
    'poll_method epoll', `sip_listen 127.0.0.1:${sipPort}`, 'net_interface 127.0.0.1', 'module_path /usr/lib/baresip/modules',
    'module g711.so', 'module aufile.so', 'module sndfile.so', 'module_tmp uuid.so', 'module_tmp account.so',
    'module_app menu.so', 'module_app ctrl_tcp.so', `ctrl_tcp_listen 127.0.0.1:${ctrlPort}`,
    `audio_source aufile,${o.wav}`, 'audio_player aubridge,null', `snd_path ${dir}`, 'rtp_ports 30000-39998', '',
  ].join('\n'));
  writeFileSync(path.join(dir, 'accounts'),
    `<sip:${o.user}@${o.domain};transport=udp>;auth_pass=${o.password};outbound="sip:127.0.0.1:${o.proxyPort};transport=udp";regint=600;answermode=auto;audio_codecs=PCMU,PCMA\n`);
  const child: ChildProcess = spawn('baresip', ['-f', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr?.on('data', (d: Buffer) => { out += d.toString(); });
  const events: string[] = [];
  const params: Array<{ type: string; param: string }> = [];
  const waiters: Array<{ type: string; resolve: () => void }> = [];
  const pending: Array<(r: Record<string, unknown>) => void> = [];
  let sock: net.Socket | undefined;
  for (let i = 0; i < 50 && !sock; i++) {
    await new Promise((r) => setTimeout(r, 100));
    sock = await new Promise<net.Socket | undefined>((resolve) => {
      const s = net.createConnection({ host: '127.0.0.1', port: ctrlPort });
      s.once('connect', () => resolve(s));
      s.once('error', () => resolve(undefined));
    });
  }
  if (!sock) throw new Error(`baresip ctrl_tcp not reachable:\n${out}`);
  let buf = '';
  sock.on('data', (d: Buffer) => {
    buf += d.toString();
    for (;;) {
      const colon = buf.indexOf(':');
      if (colon < 0) break;
      const len = Number(buf.slice(0, colon));
      if (buf.length < colon + 1 + len + 1) break;
      const msg = JSON.parse(buf.slice(colon + 1, colon + 1 + len)) as Record<string, unknown>;
      buf = buf.slice(colon + 1 + len + 1);
      if (msg.event === true) {
        const type = String(msg.type);
        events.push(type);
        if (msg.param !== undefined) params.push({ type, param: String(msg.param) });
        for (const w of waiters.filter((x) => x.type === type)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(); }
      } else if (msg.response === true) {
        pending.shift()?.(msg);
      }
    }
  });
  const s = sock;
  const alive = (): boolean => child.exitCode === null && child.signalCode === null;
  return {
    pid: child.pid ?? -1, dir, output: () => out,
    command: (command, params) => new Promise((resolve) => {
      pending.push(resolve);
      const json = JSON.stringify({ command, ...(params !== undefined ? { params } : {}), token: String(Date.now()) });
      s.write(`${Buffer.byteLength(json)}:${json},`);
    }),
    event: (type, timeoutMs = 15_000) => {
      if (events.includes(type)) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`baresip ${o.user}: no ${type} within ${timeoutMs} ms (events: ${events.join(',')})\n${out.slice(-2000)}`)), timeoutMs);
        waiters.push({ type, resolve: () => { clearTimeout(t); resolve(); } });
      });
    },
    eventParams: (type) => params.filter((e) => e.type === type).map((e) => e.param),
    registered: async (timeoutMs = 15_000) => {
      const end = Date.now() + timeoutMs;
      while (!/\} 200 OK .*binding/.test(out)) {
        if (Date.now() > end) throw new Error(`baresip ${o.user} not registered:\n${out.slice(-2000)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    received: () => readdirSync(dir).filter((f) => /-dec\.wav$/.test(f)).map((f) => path.join(dir, f)),
    stop: async () => {
      s.destroy();
      for (let i = 0; i < 2 && alive(); i++) {
        const gone = new Promise<void>((r) => child.once('exit', () => r()));
        child.kill('SIGTERM');
        await Promise.race([gone, new Promise((r) => setTimeout(r, 2000))]);
      }
      if (alive()) child.kill('SIGKILL');
    },
  };
}
