// Prosody from Debian for the benchmark: config rendered from prosody.cfg.lua.tmpl into a temp
// dir owned by the prosody user, accounts registered with prosodyctl, started in the foreground,
// stopped by its PID.
import { ChildProcess, execFile, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { renderTemplate } from '@openline/stack';
import { xmppStreamProbe } from '@openline/stack/dist/src/chat';

export interface ProsodyRun {
  dir: string;
  port: number;
  domain: string;
  pid: number;
  stop(): Promise<void>;
}

function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: 30000 }, (err, stdout, stderr) => (err ? reject(new Error(`${cmd} ${args.join(' ')}: ${stderr || err.message}`)) : resolve(stdout)));
  });
}

async function ownedByProsody(dir: string): Promise<void> {
  await run('chown', ['-R', 'prosody:prosody', dir]);
}

export async function startProsody(opts: { port: number; domain: string; users: ReadonlyArray<{ username: string; password: string }> }): Promise<ProsodyRun> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'olbench-prosody-'));
  fs.chmodSync(dir, 0o755);
  fs.mkdirSync(path.join(dir, 'data'));
  fs.mkdirSync(path.join(dir, 'certs'));
  const crt = path.join(dir, 'certs', `${opts.domain}.crt`);
  const key = path.join(dir, 'certs', `${opts.domain}.key`);
  await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '30', '-subj', `/CN=${opts.domain}`, '-keyout', key, '-out', crt]);
  const conf = path.join(dir, 'prosody.cfg.lua');
  const tmpl = fs.readFileSync(path.join(__dirname, 'prosody.cfg.lua.tmpl'), 'utf8');
  fs.writeFileSync(conf, renderTemplate(tmpl, { dir, port: opts.port, domain: opts.domain }, 'prosody.cfg.lua.tmpl'));
  await ownedByProsody(dir);
  for (const u of opts.users) await run('prosodyctl', ['--config', conf, 'register', u.username, opts.domain, u.password]);
  await ownedByProsody(dir);
  const log = fs.openSync(path.join(dir, 'prosody.log'), 'a');
  // Prosody refuses to run as root: start it as its own user.
  const uid = Number((await run('id', ['-u', 'prosody'])).trim());
  const gid = Number((await run('id', ['-g', 'prosody'])).trim());
  const child: ChildProcess = spawn('prosody', ['--config', conf, '-F'], { stdio: ['ignore', log, log], detached: true, uid, gid, cwd: dir });
  if (child.pid === undefined) throw new Error('cannot start prosody');
  const pid = child.pid;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  // Ready when c2s answers with stream features.
  const probe = xmppStreamProbe(opts.port, opts.domain);
  const end = Date.now() + 20000;
  for (;;) {
    try { await probe.check(); break; } catch (err) {
      if (Date.now() > end) {
        try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
        throw new Error(`prosody not ready: ${(err as Error).message}; see ${dir}/prosody.log`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return {
    dir, port: opts.port, domain: opts.domain, pid,
    stop: async () => {
      try { process.kill(pid, 'SIGTERM'); } catch { /* gone */ }
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
