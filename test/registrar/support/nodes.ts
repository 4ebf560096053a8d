// A registrar node for the integration suites: a real sipd (bin/sipd on free ports) and the
// registrar process (apps/registrar/dist/src/main.js) connected to it, both reading the shared
// stack's configuration (MariaDB, Redis, secrets). Stopped by their PIDs.
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { AccountRepo } from '@openline/db';
import type { StackHandle } from '@openline/stack';
import { startSipd, type SipdProcess } from '../../support/sipd';
import { repoRoot, stackEnv } from '../../support/stack';

export const REGISTRAR_MAIN = path.join(repoRoot(), 'apps', 'registrar', 'dist', 'src', 'main.js');

export interface RegistrarProcess {
  pid: number;
  output(): string;
  stop(): Promise<void>;
}

export interface RegistrarNode {
  sipd: SipdProcess;
  registrar: RegistrarProcess;
  sipPort: number;
  /** Restart only the registrar process (same sipd). */
  restartRegistrar(): Promise<void>;
  stop(): Promise<void>;
}

/** Registrar settings for a node, as OPENLINE_REGISTRAR__* variables. */
export type RegistrarEnv = Record<string, string>;

function registrarEnvVars(settings: RegistrarEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(settings)) {
    env[`OPENLINE_REGISTRAR__${k.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`] = v;
  }
  return env;
}

export async function startRegistrarProcess(stack: StackHandle, sipd: SipdProcess, settings: RegistrarEnv = {}): Promise<RegistrarProcess> {
  const child: ChildProcess = spawn(process.execPath, [REGISTRAR_MAIN, '--sipd-port', String(sipd.adminPort), '--sipd-secret', sipd.secret], {
    env: { ...stackEnv(stack), ...registrarEnvVars(settings), OPENLINE_LOG_LEVEL: process.env.REGISTRAR_LOG_LEVEL ?? 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const connected = new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`registrar did not connect within 15 s:\n${out.slice(-3000)}`)), 15000);
    const onData = (d: Buffer): void => {
      out += d.toString();
      if (out.includes('connected to sipd')) { clearTimeout(t); resolve(); }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => { clearTimeout(t); reject(new Error(`registrar exited with ${code}:\n${out.slice(-3000)}`)); });
  });
  await connected;
  return {
    pid: child.pid ?? -1,
    output: () => out,
    stop: () => new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
      child.once('exit', () => { clearTimeout(killer); resolve(); });
      child.kill('SIGTERM');
    }),
  };
}

export async function startRegistrarNode(stack: StackHandle, settings: RegistrarEnv = {}): Promise<RegistrarNode> {
  const sipd = await startSipd({ loglevel: 'warning' });
  let registrar: RegistrarProcess;
  try {
    registrar = await startRegistrarProcess(stack, sipd, settings);
  } catch (err) {
    await sipd.stop();
    throw err;
  }
  const node: RegistrarNode = {
    sipd, registrar, sipPort: sipd.sipPort,
    async restartRegistrar() {
      await node.registrar.stop();
      node.registrar = await startRegistrarProcess(stack, sipd, settings);
    },
    async stop() {
      await node.registrar.stop();
      await sipd.stop();
    },
  };
  return node;
}

let seq = 0;

/** A new account with a unique name in a per-run test domain; returns user, domain, password. */
export async function newAccount(stack: StackHandle, domain: string, tag = 'u'): Promise<{ user: string; domain: string; password: string; aor: string }> {
  const user = `${tag}${process.pid}x${Date.now().toString(36)}x${seq++}`;
  const password = `pw-${user}-secret`;
  await new AccountRepo(stack.dbPool(), stack.secrets.sipPasswordKey, domain).add({ username: user, domain, password });
  return { user, domain, password, aor: `sip:${user}@${domain}` };
}
