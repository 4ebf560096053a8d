// Checks before anything starts, so a bad setup fails in one line with nothing left running:
// every binary is installed, every port is free.
import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { StackError } from './errors';
import { PortClaim, ServiceDefinition } from './service';

const EXTRA_PATH = ['/usr/local/sbin', '/usr/sbin', '/sbin'];

/** Absolute path of an executable, or undefined. */
export function resolveBinary(command: string): string | undefined {
  const isExec = (f: string): boolean => {
    try { fs.accessSync(f, fs.constants.X_OK); return fs.statSync(f).isFile(); } catch { return false; }
  };
  if (command.includes('/')) return isExec(command) ? command : undefined;
  const dirs = [...(process.env.PATH ?? '').split(':').filter(Boolean), ...EXTRA_PATH];
  for (const d of dirs) {
    const f = path.join(d, command);
    if (isExec(f)) return f;
  }
  return undefined;
}

export function portFree(claim: PortClaim, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    if (claim.proto === 'tcp') {
      const srv = net.createServer();
      srv.once('error', () => resolve(false));
      srv.listen({ port: claim.port, host, exclusive: true }, () => srv.close(() => resolve(true)));
    } else {
      const sock = dgram.createSocket('udp4');
      sock.once('error', () => { sock.close(); resolve(false); });
      sock.bind({ port: claim.port, address: host, exclusive: true }, () => sock.close(() => resolve(true)));
    }
  });
}

export async function preflight(services: readonly ServiceDefinition[], portBaseHint: string): Promise<Map<string, string>> {
  const binaries = new Map<string, string>();
  for (const s of services) {
    const bin = resolveBinary(s.command);
    if (!bin) {
      const hint = s.installHint ? ` (${s.installHint})` : '';
      throw new StackError(`${s.name}: ${s.command} not found${hint}; run \`make deps\``);
    }
    binaries.set(s.name, bin);
  }
  for (const s of services) {
    for (const claim of s.ports) {
      if (!(await portFree(claim))) {
        throw new StackError(`port ${claim.port}/${claim.proto} (${s.name}) is already in use on 127.0.0.1; `
          + `stop whatever holds it (\`make stop\`, or \`ss -lntup | grep ${claim.port}\`) or choose another base (${portBaseHint})`);
      }
    }
  }
  return binaries;
}

/** Services in start order: the given order, each after the ones it depends on. */
export function orderServices(services: readonly ServiceDefinition[]): ServiceDefinition[] {
  const byName = new Map<string, ServiceDefinition>();
  for (const s of services) {
    if (byName.has(s.name)) throw new StackError(`service ${s.name} is defined twice`);
    byName.set(s.name, s);
  }
  const out: ServiceDefinition[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (s: ServiceDefinition, chain: string[]): void => {
    if (state.get(s.name) === 'done') return;
    if (state.get(s.name) === 'visiting') throw new StackError(`services depend on each other in a cycle: ${[...chain, s.name].join(' -> ')}`);
    state.set(s.name, 'visiting');
    for (const dep of s.dependsOn ?? []) {
      const d = byName.get(dep);
      if (!d) throw new StackError(`service ${s.name} depends on unknown service ${dep}`);
      visit(d, [...chain, s.name]);
    }
    state.set(s.name, 'done');
    out.push(s);
  };
  for (const s of services) visit(s, []);
  return out;
}
