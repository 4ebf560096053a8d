// The mocha side of stack-host.ts: creates the network namespace, starts the host in it (which
// starts the stack with the project's supervisor) and sends it requests over stdio.
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { NetNamespace, requireNetns } from '../../sipd-webrtc/netns';
import { tempDataDir } from '../../support/stack';
import type { HostAccount, HostCdr, HostConfig, HostInfo, HostRequest } from './stack-host';

type Params<M extends HostRequest['method']> = Extract<HostRequest, { method: M }>['params'];

export interface HttpAnswer { status: number; body: unknown; text: string }

/** A fixed port base: the namespace has a loopback of its own, so no other run can hold it. */
const PORT_BASE = 20000;

export class StackHost {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private output = '';
  private stopped = false;

  private constructor(readonly ns: NetNamespace, private readonly child: ChildProcess, readonly info: HostInfo, private readonly dataDir: string) {}

  /** Namespace, stack and host; fails with the host's output when the stack does not come up. */
  static async start(): Promise<StackHost> {
    requireNetns();
    const ns = NetNamespace.create('olweb');
    const dataDir = tempDataDir('web');
    const cfg: HostConfig = { dataDir, portBase: PORT_BASE };
    const host = path.join(__dirname, 'stack-host.ts');
    const child = spawn('ip', ['netns', 'exec', ns.name, process.execPath, '--require', require.resolve('tsx/cjs'), host, JSON.stringify(cfg)], {
      detached: true, stdio: ['pipe', 'pipe', 'pipe'],
    });
    let early = '';
    const ref: { host?: StackHost } = {};
    const info = await new Promise<HostInfo>((resolve, reject) => {
      let buf = '';
      child.stdout?.setEncoding('utf8');
      child.stdout?.on('data', (d: string) => {
        buf += d;
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          if (ref.host) { ref.host.onLine(line); continue; }
          early += `${line}\n`;
          if (line.startsWith('READY ')) resolve(JSON.parse(line.slice(6)) as HostInfo);
          if (line.startsWith('FAILED ')) reject(new Error(`stack did not start in the namespace: ${line.slice(7)}`));
        }
      });
      child.stderr?.setEncoding('utf8');
      child.stderr?.on('data', (d: string) => { early += d; if (ref.host) ref.host.output = (ref.host.output + d).slice(-20_000); });
      child.once('exit', (code) => reject(new Error(`stack host exited (${code}) before the stack was up:\n${early.slice(-4000)}`)));
    }).catch((err: unknown) => {
      StackHost.kill(child);
      ns.delete();
      rmSync(dataDir, { recursive: true, force: true });
      throw err;
    });
    const instance = new StackHost(ns, child, info, dataDir);
    ref.host = instance;
    child.once('exit', () => {
      for (const p of instance.pending.values()) p.reject(new Error(`stack host exited:\n${instance.output.slice(-3000)}`));
      instance.pending.clear();
    });
    return instance;
  }

  private static kill(child: ChildProcess): void {
    if (child.pid !== undefined && child.exitCode === null) {
      try { process.kill(-child.pid, 'SIGTERM'); } catch { /* gone */ }
    }
  }

  private onLine(line: string): void {
    if (!line.startsWith('RPC ')) { this.output = (this.output + line + '\n').slice(-20_000); return; }
    const m = JSON.parse(line.slice(4)) as { id: number; result?: unknown; error?: string };
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    if (m.error !== undefined) p.reject(new Error(m.error));
    else p.resolve(m.result);
  }

  call<M extends HostRequest['method']>(method: M, params: Params<M>): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.stdin?.write(`${JSON.stringify({ id, method, params })}\n`);
    });
  }

  async account(prefix: string): Promise<HostAccount> {
    return (await this.call('account', { prefix })) as HostAccount;
  }

  async http(method: 'GET' | 'POST', p: string, body?: unknown): Promise<HttpAnswer> {
    return (await this.call('http', { method, path: p, ...(body !== undefined ? { body } : {}) })) as HttpAnswer;
  }

  /** The account's CDRs, newest first, straight from MariaDB. */
  async cdrs(username: string): Promise<HostCdr[]> {
    return (await this.call('cdrs', { username })) as HostCdr[];
  }

  async log(service: string, lines = 40): Promise<string> {
    return (await this.call('log', { service, lines })) as string;
  }

  /** The stack's logs of the services a failing test most likely needs. */
  async diagnostics(): Promise<string> {
    const parts: string[] = [];
    for (const s of ['b2bua', 'sipd', 'registrar', 'api']) parts.push(`--- ${s}.log\n${await this.log(s, 25).catch(() => '')}`);
    return parts.join('\n');
  }

  /** Stops the stack (host `shutdown`), then the host's process group, the namespace and the data. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const exited = new Promise<void>((r) => { if (this.child.exitCode !== null) r(); else this.child.once('exit', () => r()); });
    await Promise.race([this.call('shutdown', {}).catch(() => undefined), new Promise((r) => setTimeout(r, 30_000))]);
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    if (this.child.pid !== undefined && this.child.exitCode === null) {
      try { process.kill(-this.child.pid, 'SIGKILL'); } catch { /* gone */ }
    }
    this.ns.delete();
    if (!process.env.KEEP_TEST_DATA) rmSync(this.dataDir, { recursive: true, force: true });
  }
}
