// A private rtpengine daemon for the media specs: loopback, userspace only, its own config file
// (never /etc/rtpengine), ng and RTP ports found free, stopped by its PID.
import { spawn, type ChildProcess } from 'node:child_process';
import * as dgram from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

export interface RtpEngineDaemon {
  ngPort: number;
  pid: number;
  output(): string;
  stop(): Promise<void>;
}

export function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket('udp4');
    s.once('error', reject);
    s.bind(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
}

export async function startRtpEngine(rtpMin: number, rtpMax: number): Promise<RtpEngineDaemon> {
  const dir = mkdtempSync(path.join(tmpdir(), 'rtpengine-spec-'));
  const ngPort = await freeUdpPort();
  const conf = path.join(dir, 'rtpengine.conf');
  writeFileSync(conf, [
    '[rtpengine]', 'table = -1', 'interface = 127.0.0.1', `listen-ng = 127.0.0.1:${ngPort}`,
    `port-min = ${rtpMin}`, `port-max = ${rtpMax}`, 'foreground = true', 'log-stderr = true', 'log-level = 5',
    'num-threads = 1', 'delete-delay = 0', '',
  ].join('\n'));
  const child: ChildProcess = spawn('rtpengine', [`--config-file=${conf}`, `--pidfile=${path.join(dir, 'pid')}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr?.on('data', (d: Buffer) => { out += d.toString(); });
  // Ready once it answers ng ping.
  const deadline = Date.now() + 5000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`rtpengine exited: ${out}`);
    if (await pingOnce(ngPort)) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`rtpengine not answering ping on ${ngPort}: ${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    ngPort, pid: child.pid ?? -1, output: () => out,
    stop: () => new Promise((resolve) => {
      const done = (): void => { rmSync(dir, { recursive: true, force: true }); resolve(); };
      if (child.exitCode !== null || child.signalCode !== null) return done();
      const t = setTimeout(() => child.kill('SIGKILL'), 3000);
      child.once('exit', () => { clearTimeout(t); done(); });
      child.kill('SIGTERM');
    }),
  };
}

/** One raw ng ping (bencode "d7:command4:pinge"). */
function pingOnce(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    const t = setTimeout(() => { s.close(); resolve(false); }, 200);
    s.on('message', (m) => { clearTimeout(t); s.close(); resolve(m.toString().includes('pong')); });
    s.send('c00kie d7:command4:pinge', port, '127.0.0.1');
  });
}
