// A throw-away DNS server on loopback for RFC 3263 tests: Debian's dnsmasq (package
// dnsmasq-base) serving only the records given, with no upstream, no /etc/hosts and no system
// config. Started on a free UDP port, stopped by its PID.
import { spawn, type ChildProcess } from 'node:child_process';
import { Resolver } from 'node:dns/promises';
import { freePort } from '../../support/sipp';

export interface DnsRecords {
  /** name → IPv4 address (A). */
  a?: Record<string, string>;
  /** SRV: owner (e.g. _sip._udp.example.test), target name, port, priority, weight. */
  srv?: Array<{ owner: string; target: string; port: number; priority: number; weight: number }>;
  /** NAPTR: owner, order, preference, flags, service, replacement. */
  naptr?: Array<{ owner: string; order: number; preference: number; flags: string; service: string; replacement: string }>;
  /** Domains answered authoritatively (NXDOMAIN/NODATA for anything not listed). */
  localDomains?: string[];
}

export interface DnsServer {
  /** 'ip:port' for sipd's --sipd-dns-server. */
  address: string;
  port: number;
  pid: number;
  output(): string;
  stop(): Promise<void>;
}

export const DNSMASQ = '/usr/sbin/dnsmasq';

export async function startDnsmasq(records: DnsRecords): Promise<DnsServer> {
  const port = await freePort();
  const args = [
    '--no-daemon', '--conf-file=/dev/null', `--port=${port}`, '--listen-address=127.0.0.1', '--bind-interfaces',
    '--no-resolv', '--no-hosts', '--no-poll', '--pid-file=', '--cache-size=0', '--log-queries', '--log-facility=-',
  ];
  for (const d of records.localDomains ?? []) args.push(`--local=/${d}/`);
  for (const [name, ip] of Object.entries(records.a ?? {})) args.push(`--host-record=${name},${ip}`);
  for (const s of records.srv ?? []) args.push(`--srv-host=${s.owner},${s.target},${s.port},${s.priority},${s.weight}`);
  for (const n of records.naptr ?? []) args.push(`--naptr-record=${n.owner},${n.order},${n.preference},${n.flags},${n.service},,${n.replacement}`);
  const child: ChildProcess = spawn(DNSMASQ, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.pid === undefined) throw new Error(`could not start ${DNSMASQ}`);
  let out = '';
  child.stdout?.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr?.on('data', (d: Buffer) => { out += d.toString(); });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('error', (err) => { out += `\nspawn error: ${err.message}`; });
  const server: DnsServer = {
    address: `127.0.0.1:${port}`,
    port,
    pid: child.pid,
    output: () => out,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
  // Ready when it answers a query for a name it serves (or any answer at all).
  const probe = new Resolver({ timeout: 200, tries: 1 });
  probe.setServers([server.address]);
  const deadline = Date.now() + 5000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`dnsmasq exited (${child.exitCode}): ${out}`);
    try {
      await probe.resolve4(Object.keys(records.a ?? {})[0] ?? 'localhost');
      return server;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ETIMEOUT' && code !== 'ECONNREFUSED') return server; // an answer, even a negative one
      if (Date.now() > deadline) {
        await server.stop();
        throw new Error(`dnsmasq did not answer on ${server.address}: ${out}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
