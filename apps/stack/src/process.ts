// One supervised child: spawned in its own process group (so a terminal's Ctrl-C reaches only the
// supervisor, which then stops children in reverse order), output line-prefixed to the console
// and appended to <logDir>/<name>.log, pid in <runDir>/<name>.pid.
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { StackError } from './errors';

export interface SpawnSpec {
  name: string;
  command: string;
  args: readonly string[];
  env?: Readonly<Record<string, string>>;
  cwd?: string;
}

export interface ExitInfo { code: number | null; signal: NodeJS.Signals | null }

export class ServiceProcess {
  readonly pid: number;
  readonly logFile: string;
  readonly pidFile: string;
  /** Resolves when the child has exited (whether we stopped it or not). */
  readonly exited: Promise<ExitInfo>;
  private exitInfo: ExitInfo | undefined;
  private readonly child: ChildProcess;
  private readonly log: fs.WriteStream;
  private lastLines: string[] = [];

  constructor(spec: SpawnSpec, dirs: { logDir: string; runDir: string }, echo: ((line: string) => void) | undefined) {
    this.logFile = path.join(dirs.logDir, `${spec.name}.log`);
    this.pidFile = path.join(dirs.runDir, `${spec.name}.pid`);
    this.log = fs.createWriteStream(this.logFile, { flags: 'a' });
    this.log.write(`--- ${new Date().toISOString()} start: ${spec.command} ${spec.args.join(' ')}\n`);
    this.child = spawn(spec.command, [...spec.args], {
      cwd: spec.cwd,
      env: { ...process.env, ...spec.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    this.child.on('error', (err) => this.log.write(`spawn error: ${err.message}\n`));
    if (this.child.pid === undefined) {
      // spawn reports ENOENT/EACCES asynchronously; the pid is missing in that case.
      throw new StackError(`${spec.name}: cannot start ${spec.command}`);
    }
    this.pid = this.child.pid;
    fs.writeFileSync(this.pidFile, `${this.pid}\n`);
    const onLine = (line: string): void => {
      this.log.write(line + '\n');
      this.lastLines.push(line);
      if (this.lastLines.length > 20) this.lastLines.shift();
      echo?.(line);
    };
    for (const stream of [this.child.stdout, this.child.stderr]) {
      if (stream) readline.createInterface({ input: stream, crlfDelay: Infinity }).on('line', onLine);
    }
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        try { fs.unlinkSync(this.pidFile); } catch { /* already gone */ }
        this.log.write(`--- ${new Date().toISOString()} exit: code=${code} signal=${signal}\n`);
        resolve(this.exitInfo);
      });
    });
  }

  get running(): boolean {
    return this.exitInfo === undefined;
  }

  get exit(): ExitInfo | undefined {
    return this.exitInfo;
  }

  /** The last output lines, for error messages. */
  tail(n = 3): string[] {
    return this.lastLines.slice(-n);
  }

  /** SIGTERM, wait up to timeoutMs, then SIGKILL; resolves once the process is gone. */
  async stop(timeoutMs: number): Promise<ExitInfo> {
    if (this.running) {
      try { process.kill(this.pid, 'SIGTERM'); } catch { /* exited meanwhile */ }
      const killed = await Promise.race([
        this.exited.then(() => false),
        new Promise<boolean>((r) => setTimeout(() => r(true), timeoutMs).unref()),
      ]);
      if (killed && this.running) {
        try { process.kill(this.pid, 'SIGKILL'); } catch { /* exited meanwhile */ }
      }
    }
    const info = await this.exited;
    await new Promise<void>((r) => this.log.end(r));
    return info;
  }
}
