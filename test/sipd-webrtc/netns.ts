// Network namespaces for tests that must not touch the machine's network (browser, NAT): created
// with a unique name per run, deleted by the test's after hook. Needs root (CI runs as root).
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';

/** Fails with a clear message when namespaces cannot be created here. */
export function requireNetns(): void {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new Error('this suite needs root to create network namespaces (ip netns add); CI runs it as root');
  }
  try {
    execFileSync('ip', ['netns', 'list'], { stdio: 'ignore' });
  } catch (err) {
    throw new Error(`network namespaces are not available (ip netns list failed: ${(err as Error).message})`);
  }
}

export function ip(...args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

export class NetNamespace {
  private deleted = false;
  private constructor(readonly name: string) {}

  /** A new namespace `<prefix><pid><random>` with `lo` up. */
  static create(prefix: string): NetNamespace {
    const name = `${prefix}${process.pid}${randomBytes(3).toString('hex')}`;
    try {
      ip('netns', 'add', name);
    } catch (err) {
      throw new Error(`cannot create network namespace ${name}: ${(err as Error).message}`);
    }
    const ns = new NetNamespace(name);
    try {
      ip('-n', name, 'link', 'set', 'lo', 'up');
    } catch (err) {
      ns.delete();
      throw err;
    }
    return ns;
  }

  /** Runs a command inside the namespace and returns its stdout. */
  exec(cmd: string, args: string[]): string {
    return execFileSync('ip', ['netns', 'exec', this.name, cmd, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  }

  delete(): void {
    if (this.deleted) return;
    this.deleted = true;
    try {
      ip('netns', 'delete', this.name);
    } catch {
      // already gone
    }
  }
}

/** A self-signed certificate for 127.0.0.1 in `dir` (openssl is installed on CI). */
export function makeCert(dir: string): { keyFile: string; certFile: string } {
  const keyFile = path.join(dir, 'key.pem');
  const certFile = path.join(dir, 'cert.pem');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
    '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
    '-keyout', keyFile, '-out', certFile,
  ], { stdio: 'ignore' });
  return { keyFile, certFile };
}
