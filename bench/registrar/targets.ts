// The two servers of the REGISTER-with-auth bench, both pinned to the server core and stopped by
// the PIDs started here: Kamailio (auth_db on the bench MariaDB, usrloc in memory) and sipd + the
// registrar (accounts in the same MariaDB, bindings in the bench Redis).
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import type { StackHandle } from '@openline/stack';
import { startKamailio, descendants } from '../../test/sipp/kamailio';
import { freePort, waitForPort } from '../../test/support/sipp';
import { kamailioDbUrl } from './setup';

export interface RegTarget {
  name: string;
  sipPort: number;
  /** Process groups whose CPU is reported (name -> PIDs). */
  groups(): Record<string, number[]>;
  commands: string[];
  stop(): Promise<void>;
}

function alive(c: ChildProcess): boolean {
  return c.exitCode === null && c.signalCode === null;
}

async function stopChild(c: ChildProcess): Promise<void> {
  if (!alive(c) || c.pid === undefined) return;
  const pid = c.pid;
  const gone = new Promise<void>((r) => c.once('exit', () => r()));
  try { process.kill(pid, 'SIGTERM'); } catch { /* gone */ }
  const t = setTimeout(() => { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }, 5000);
  await gone;
  clearTimeout(t);
}

export async function startKamailioAuth(repoRoot: string, stack: StackHandle, cpu: string, children: number): Promise<RegTarget> {
  const port = await freePort();
  const k = await startKamailio({
    template: path.join(repoRoot, 'bench', 'registrar', 'kamailio', 'auth.cfg.tmpl'),
    vars: { PORT: port, CHILDREN: children, DB_URL: kamailioDbUrl(stack) }, readyPort: port, cpu,
  });
  return {
    name: 'kamailio', sipPort: port,
    groups: () => ({ kamailio: k.pids() }),
    commands: [`taskset -c ${cpu} kamailio -f auth.cfg (children=${children}, auth_db + db_mysql, usrloc db_mode 0)`],
    stop: () => k.stop(),
  };
}

export async function startRegistrarTarget(repoRoot: string, stack: StackHandle, cpu: string, env: Record<string, string> = {},
  nodeArgs: string[] = []): Promise<RegTarget> {
  const sipPort = await freePort();
  const adminPort = await freePort();
  const secret = 'bench-secret';
  const sipdArgs = [path.join(repoRoot, 'bin', 'sipd'), '--contact', `sip:127.0.0.1:${sipPort};transport=udp,tcp`,
    '--port', String(adminPort), '--address', '127.0.0.1', '--secret', secret, '--loglevel', 'error'];
  const sipd = spawn('taskset', ['-c', cpu, process.execPath, ...sipdArgs], { stdio: 'ignore' });
  const regArgs = [path.join(repoRoot, 'apps', 'registrar', 'dist', 'src', 'main.js'), '--sipd-port', String(adminPort), '--sipd-secret', secret];
  let app: ChildProcess | undefined;
  try {
    await waitForPort(sipPort, 'u1', 20000, () => !alive(sipd));
    await waitForPort(adminPort, 't1', 20000, () => !alive(sipd));
    app = spawn('taskset', ['-c', cpu, process.execPath, ...nodeArgs, ...regArgs], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env, OPENLINE_CONFIG: '', OPENLINE_DATA_DIR: stack.config.dataDir, OPENLINE_PORT_BASE: String(stack.ports.base),
        OPENLINE_LOG_LEVEL: 'info', ...env,
      },
    });
    const proc = app;
    let log = '';
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`registrar did not connect: ${log.slice(-1000)}`)), 20000);
      const onData = (d: Buffer): void => {
        log = (log + d.toString()).slice(-4000);
        if (log.includes('connected to sipd')) { clearTimeout(t); resolve(); }
      };
      proc.stdout?.on('data', onData);
      proc.stderr?.on('data', onData);
      proc.once('exit', (code) => { clearTimeout(t); reject(new Error(`registrar exited ${code}: ${log.slice(-1000)}`)); });
    });
    // Keep draining its output (info level: only connection and auth-failure lines).
    proc.stdout?.resume();
  } catch (e) {
    if (app) await stopChild(app);
    await stopChild(sipd);
    throw e;
  }
  const appProc = app;
  return {
    name: 'registrar', sipPort,
    groups: () => ({
      sipd: sipd.pid ? [sipd.pid, ...descendants(sipd.pid)] : [],
      registrar: appProc.pid ? [appProc.pid, ...descendants(appProc.pid)] : [],
    }),
    commands: [`taskset -c ${cpu} node ${sipdArgs.map((a) => path.relative(repoRoot, a) || a).join(' ')}`,
      `taskset -c ${cpu} node apps/registrar/dist/src/main.js --sipd-port ${adminPort} (${Object.entries(env).map(([k, v]) => `${k}=${v}`).join(' ') || 'default registrar settings'})`],
    stop: async () => { await stopChild(appProc); await stopChild(sipd); },
  };
}
