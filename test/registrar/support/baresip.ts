// baresip 1.0 (Debian baresip-core) as a real softphone for the registrar suites: its own config
// dir, loopback only (net_interface 127.0.0.1), no stdio.so (no TTY), SIP trace on stdout (-s)
// so the test can read the 200 it received. Stopped by PID with SIGTERM, twice if needed.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { freePort } from '../../support/sipp';

export interface Baresip {
  pid: number;
  sipPort: number;
  output(): string;
  stop(): Promise<void>;
}

export interface BaresipAccount {
  user: string;
  domain: string;
  password: string;
  /** Outbound proxy: the sipd under test. */
  proxyPort: number;
  regintSeconds?: number;
}

export async function startBaresip(a: BaresipAccount): Promise<Baresip> {
  const dir = mkdtempSync(path.join(tmpdir(), 'baresip-'));
  const sipPort = await freePort();
  const ctrlPort = await freePort();
  writeFileSync(path.join(dir, 'config'), [
    'poll_method epoll',
    `sip_listen 127.0.0.1:${sipPort}`,
    'net_interface 127.0.0.1',
    'module_path /usr/lib/baresip/modules',
    'module g711.so',
    'module_tmp uuid.so',
    'module_tmp account.so',
    'module_app ctrl_tcp.so',
    `ctrl_tcp_listen 127.0.0.1:${ctrlPort}`,
    'audio_player aubridge,null',
    'audio_source aubridge,null',
    '',
  ].join('\n'));
  writeFileSync(path.join(dir, 'accounts'),
    `<sip:${a.user}@${a.domain};transport=udp>;auth_pass=${a.password};outbound="sip:127.0.0.1:${a.proxyPort};transport=udp";regint=${a.regintSeconds ?? 600}\n`);
  const child: ChildProcess = spawn('baresip', ['-f', dir, '-s'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr?.on('data', (d: Buffer) => { out += d.toString(); });
  const alive = (): boolean => child.exitCode === null && child.signalCode === null;
  return {
    pid: child.pid ?? -1,
    sipPort,
    output: () => out,
    stop: async () => {
      for (let i = 0; i < 2 && alive(); i++) {
        const gone = new Promise<void>((r) => child.once('exit', () => r()));
        child.kill('SIGTERM');
        await Promise.race([gone, new Promise((r) => setTimeout(r, 2000))]);
      }
      if (alive()) child.kill('SIGKILL');
    },
  };
}
