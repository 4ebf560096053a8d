// Where a request goes (RFC 3261 §8.1.2, §18.1.1; RFC 3263 §4): the next-hop URI's transport,
// host and port, as an ordered list of destinations to try in turn (§4.3: a timeout, a transport
// error or a 503 moves on to the next one).
//   numeric host            → that address; transport from the URI, else UDP (TLS for sips)
//   name with a port        → A/AAAA of the name
//   name, transport given   → SRV for that transport (§4.2), else A/AAAA
//   name, nothing given     → NAPTR (§4.1) → SRV → A/AAAA; no NAPTR: SRV for every transport we
//                             support; no SRV: A/AAAA with UDP (TLS for sips)
// The DNS servers are node:dns's (the system's) unless configured (sipd --sipd-dns-server).
import { lookup } from 'node:dns/promises';
import { Resolver } from 'node:dns/promises';
import { isIP } from 'node:net';
import { parseNameAddr, parseUri, type SipUri } from '../parser';
import type { Destination, Protocol } from '../transport/types';
import { orderSrv, type SrvRecord } from './proxy/srv-order';

export class TargetError extends Error {}

/** Parses a URI that may be written as a name-addr (`<sip:...;lr>`), as Route values are. */
export function uriOf(text: string): SipUri | undefined {
  const t = text.trim();
  if (t.startsWith('<') || t.includes('<')) return parseNameAddr(t)?.uri;
  return parseUri(t);
}

/** The transport a URI asks for explicitly (transport=…), or undefined. */
function explicitTransport(uri: SipUri): Protocol | undefined {
  const t = uri.params.get('transport')?.toLowerCase();
  if (t === 'tcp' || t === 'tls' || t === 'ws' || t === 'wss' || t === 'udp') {
    if (uri.scheme === 'sips' && t === 'tcp') return 'tls';
    return t;
  }
  return undefined;
}

export function transportOf(uri: SipUri): Protocol {
  return explicitTransport(uri) ?? (uri.scheme === 'sips' ? 'tls' : 'udp');
}

function defaultPort(p: Protocol): number {
  return p === 'tls' || p === 'wss' ? 5061 : 5060;
}

/** The subset of node:dns/promises' Resolver the resolver uses (a fake in unit specs). */
export interface DnsQueries {
  resolveNaptr(name: string): Promise<Array<{ flags: string; service: string; regexp: string; replacement: string; order: number; preference: number }>>;
  resolveSrv(name: string): Promise<SrvRecord[]>;
  resolve4(name: string): Promise<string[]>;
  resolve6(name: string): Promise<string[]>;
}

/** NAPTR services (RFC 3263 §4.1, RFC 7118 §5 for WS) → transport. */
const NAPTR_SERVICES: Record<string, Protocol> = {
  'SIP+D2U': 'udp', 'SIP+D2T': 'tcp', 'SIPS+D2T': 'tls', 'SIP+D2W': 'ws', 'SIPS+D2W': 'wss',
};

/** SRV owner-name prefixes per transport (§4.2; RFC 7118 for WS). */
const SRV_PREFIX: Record<Protocol, string> = {
  udp: '_sip._udp', tcp: '_sip._tcp', tls: '_sips._tcp', ws: '_sip._ws', wss: '_sips._ws',
};

/** Client preference when no NAPTR orders the transports (§4.1: the client's own order). */
const TRANSPORT_PREFERENCE: Protocol[] = ['udp', 'tcp', 'tls', 'ws', 'wss'];

export interface TargetResolverOptions {
  /** DNS servers as 'ip' or 'ip:port' ('[v6]:port'); default: the system's. */
  servers?: string[];
  /** Per-query timeout (ms) and tries, node:dns semantics. */
  timeoutMs?: number;
  tries?: number;
  /** Transports we can send on; others are skipped in NAPTR/SRV results. Default: all. */
  supports?: (p: Protocol) => boolean;
  /** Replaces node:dns (unit specs). */
  dns?: DnsQueries;
  /** Random source for the RFC 2782 weighted order (unit specs make it deterministic). */
  random?: () => number;
}

export class TargetResolver {
  private readonly dns: DnsQueries;
  private readonly supports: (p: Protocol) => boolean;
  private readonly random: () => number;

  constructor(opts: TargetResolverOptions = {}) {
    if (opts.dns) this.dns = opts.dns;
    else {
      const r = new Resolver({ timeout: opts.timeoutMs ?? 2000, tries: opts.tries ?? 2 });
      if (opts.servers && opts.servers.length > 0) r.setServers(opts.servers);
      this.dns = r;
    }
    this.supports = opts.supports ?? (() => true);
    this.random = opts.random ?? Math.random;
  }

  /** Every destination for a next-hop URI, in the order to try them (RFC 3263 §4). */
  async resolve(uri: SipUri): Promise<Destination[]> {
    if (uri.scheme !== 'sip' && uri.scheme !== 'sips') throw new TargetError(`unsupported URI scheme ${uri.scheme}`);
    const host = (uri.params.get('maddr') ?? uri.host).replace(/^\[|\]$/g, '');
    if (!host) throw new TargetError('URI has no host');
    const explicit = explicitTransport(uri);
    // §4.1/§4.2: a numeric address or an explicit port needs no NAPTR/SRV.
    if (isIP(host) !== 0) {
      const protocol = explicit ?? (uri.scheme === 'sips' ? 'tls' : 'udp');
      return [{ protocol, address: host, port: uri.port ?? defaultPort(protocol) }];
    }
    if (uri.port !== undefined) {
      const protocol = explicit ?? (uri.scheme === 'sips' ? 'tls' : 'udp');
      return this.addresses(host, protocol, uri.port);
    }
    if (isLocalName(host)) {
      const protocol = explicit ?? (uri.scheme === 'sips' ? 'tls' : 'udp');
      return this.addresses(host, protocol, defaultPort(protocol));
    }
    const secure = uri.scheme === 'sips';
    let srvTargets: Array<{ protocol: Protocol; srvName: string }>;
    if (explicit) srvTargets = [{ protocol: explicit, srvName: `${SRV_PREFIX[explicit]}.${host}` }];
    else {
      srvTargets = await this.naptr(host, secure);
      if (srvTargets.length === 0) {
        srvTargets = TRANSPORT_PREFERENCE
          .filter((p) => this.supports(p) && (!secure || p === 'tls' || p === 'wss'))
          .map((p) => ({ protocol: p, srvName: `${SRV_PREFIX[p]}.${host}` }));
      }
    }
    const out: Destination[] = [];
    for (const t of srvTargets) {
      const records = await this.query(() => this.dns.resolveSrv(t.srvName));
      for (const srv of orderSrv(records, this.random)) {
        if (srv.name === '' || srv.name === '.') continue; // "service not available" (RFC 2782)
        out.push(...await this.addresses(srv.name, t.protocol, srv.port));
      }
    }
    if (out.length > 0) return dedupe(out);
    // §4.2: no SRV records: A/AAAA of the name, default port of the chosen transport.
    const protocol = explicit ?? (secure ? 'tls' : 'udp');
    const direct = await this.addresses(host, protocol, defaultPort(protocol));
    if (direct.length === 0) throw new TargetError(`cannot resolve ${host}`);
    return direct;
  }

  /** NAPTR records (§4.1) → SRV names with their transports, by order then preference. */
  private async naptr(host: string, secure: boolean): Promise<Array<{ protocol: Protocol; srvName: string }>> {
    const records = await this.query(() => this.dns.resolveNaptr(host));
    return records
      .filter((r) => r.flags.toLowerCase() === 's' && r.replacement !== '')
      .map((r) => ({ r, protocol: NAPTR_SERVICES[r.service.toUpperCase()] }))
      .filter((x): x is { r: typeof x.r; protocol: Protocol } => x.protocol !== undefined && this.supports(x.protocol))
      .filter((x) => !secure || x.protocol === 'tls' || x.protocol === 'wss')
      .sort((a, b) => a.r.order - b.r.order || a.r.preference - b.r.preference)
      .map((x) => ({ protocol: x.protocol, srvName: x.r.replacement }));
  }

  /** A then AAAA records of a name (the system resolver for localhost names). */
  private async addresses(name: string, protocol: Protocol, port: number): Promise<Destination[]> {
    if (isIP(name) !== 0) return [{ protocol, address: name, port }];
    if (isLocalName(name)) {
      try {
        const found = await lookup(name, { all: true });
        return found.map((a) => ({ protocol, address: a.address, port }));
      } catch {
        return [];
      }
    }
    const v4 = await this.query(() => this.dns.resolve4(name));
    const v6 = await this.query(() => this.dns.resolve6(name));
    return [...v4, ...v6].map((address) => ({ protocol, address, port }));
  }

  /** A failed query (NXDOMAIN, NODATA, refused, timeout) is "no records". */
  private async query<T>(run: () => Promise<T[]>): Promise<T[]> {
    try {
      return await run();
    } catch {
      return [];
    }
  }
}

/** RFC 6761 §6.3: localhost names are resolved locally, never through DNS. */
function isLocalName(name: string): boolean {
  const n = name.toLowerCase().replace(/\.$/, '');
  return n === 'localhost' || n.endsWith('.localhost');
}

function dedupe(list: Destination[]): Destination[] {
  const seen = new Set<string>();
  return list.filter((d) => {
    const k = `${d.protocol}|${d.address}|${d.port}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

let defaultResolver = new TargetResolver();

/** Sets the process-wide resolver (the engine does so at start: DNS servers, our transports). */
export function configureResolver(opts: TargetResolverOptions): void {
  defaultResolver = new TargetResolver(opts);
}

/** Every destination for a next-hop URI, in order (RFC 3263). Throws TargetError when none. */
export async function resolveTargets(uri: SipUri): Promise<Destination[]> {
  const list = await defaultResolver.resolve(uri);
  if (list.length === 0) throw new TargetError(`cannot resolve ${uri.host}`);
  return list;
}

/** The first destination for a next-hop URI (maddr honoured, default ports by transport). */
export async function resolveTarget(uri: SipUri): Promise<Destination> {
  const list = await resolveTargets(uri);
  return list[0]!;
}
