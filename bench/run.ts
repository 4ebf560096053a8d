// `make bench` entry point (compiled to bench/dist/run.js). The SIP benchmark imports the SIPp
// runner from the test workspace, whose compiled layout differs from the source one, so it is
// run from source with tsx in a child process (one level, stopped by its PID on SIGINT/SIGTERM).
// Options are passed through (see bench/sip/run.ts).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';

function repoRoot(): string {
  let dir = __dirname;
  for (let i = 0; i < 6 && !existsSync(path.join(dir, 'bench', 'sip', 'run.ts')); i++) dir = path.dirname(dir);
  return dir;
}

const root = repoRoot();
const child = spawn(process.execPath, ['--require', 'tsx/cjs', path.join(root, 'bench', 'sip', 'run.ts'), ...process.argv.slice(2)],
  { cwd: root, stdio: 'inherit' });
const forward = (sig: NodeJS.Signals): void => { if (child.pid !== undefined) { try { process.kill(child.pid, sig); } catch { /* gone */ } } };
process.on('SIGINT', () => forward('SIGINT'));
process.on('SIGTERM', () => forward('SIGTERM'));
child.on('exit', (code, signal) => { process.exitCode = code ?? (signal ? 1 : 0); });
