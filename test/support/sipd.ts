// Starts the real sipd (bin/sipd, as a drachtio-server drop-in) as a child process on free
// loopback ports, waits until its admin port accepts, and stops it by PID.
import { spawn, type ChildProcess } from 'node:child_process';
import { createConnection } from 'node:net';
import { get } from 'node:http';
import path from 'node:path';
import { freePort } from './sipp';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const SIPD_BIN = path.join(REPO_ROOT, 'bin', 'sipd');

export interface SipdProcess {
  sipPort: number;
  adminPort: number;
  metricsPort: number;
  secret: string;
  pid: number;
  /** stdout+stderr collected so far (JSON log lines). */
  output(): string;
  /** Prometheus text from the metrics endpoint. */
  metrics(): Promise<string>;
  /** Reads one metric's value (sum over label sets matching `labels`). */
  metric(name: string, labels?: Record<string, string>): Promise<number>;
  stop(): Promise<number | null>;
}

export interface SipdStartOptions {
  extraArgs?: string[];
  loglevel?: string;
  env?: NodeJS.ProcessEnv;
}

function waitForTcp(port: number, timeoutMs: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = (): void => {
      if (child.exitCode !== null) return reject(new Error(`sipd exited with ${child.exitCode}`));
      const s = createConnection({ host: '127.0.0.1', port });
      s.once('connect', () => {
        s.destroy();
        resolve();
      });
      s.once('error', () => {
        s.destroy();
        if (Date.now() > deadline) reject(new Error(`sipd admin port ${port} not ready`));
        else setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}

export async function startSipd(opts: SipdStartOptions = {}): Promise<SipdProcess> {
  const sipPort = await freePort();
  const adminPort = await freePort();
  const metricsPort = await freePort();
  const secret = 'test-secret';
  const args = [
    SIPD_BIN,
    '--contact', `sip:127.0.0.1:${sipPort};transport=udp,tcp`,
    '--address', '127.0.0.1', '--port', String(adminPort), '--secret', secret,
    '--loglevel', opts.loglevel ?? 'info',
    '--prometheus-scrape-port', `127.0.0.1:${metricsPort}`,
    ...(opts.extraArgs ?? []),
  ];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...opts.env } });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr?.on('data', (d: Buffer) => { out += d.toString(); });
  try {
    await waitForTcp(adminPort, 10_000, child);
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`${(err as Error).message}\n${out}`);
  }
  const metrics = (): Promise<string> => new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port: metricsPort, path: '/metrics' }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => { body += c.toString(); });
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
  return {
    sipPort, adminPort, metricsPort, secret, pid: child.pid ?? -1,
    output: () => out,
    metrics,
    async metric(name, labels = {}) {
      const text = await metrics();
      let sum = 0;
      for (const line of text.split('\n')) {
        if (!line.startsWith(name)) continue;
        const m = /^([a-zA-Z_:][\w:]*)(\{([^}]*)\})?\s+(\S+)/.exec(line);
        if (!m || m[1] !== name) continue;
        const ls = Object.fromEntries([...(m[3] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
        if (Object.entries(labels).every(([k, v]) => ls[k] === v)) sum += Number(m[4]);
      }
      return sum;
    },
    stop: () => new Promise((resolve) => {
      if (child.exitCode !== null) return resolve(child.exitCode);
      const killer = setTimeout(() => child.kill('SIGKILL'), 6000);
      child.once('exit', (code) => {
        clearTimeout(killer);
        resolve(code);
      });
      child.kill('SIGTERM');
    }),
  };
}
