// The addresses sipd listens on, as written into Via, Contact and Record-Route, and as reported
// to apps in the authenticate reply (drachtio's hostports: `proto/host:port`).
import { isIPv4 } from 'node:net';
import type { Endpoint, Protocol } from '../transport/types';

/** An IPv4 network (drachtio --local-net). */
export interface LocalNetwork {
  network: string;
  prefixLength: number;
}

export interface LocalEndpoint extends Endpoint {
  /** Address written into messages when it differs from the bound one (--external-ip). */
  externalAddress?: string;
  /** Peers inside this network are inside the NAT: they get the bound address, not externalAddress. */
  localNet?: LocalNetwork;
}

export class LocalEndpoints {
  constructor(private readonly list: LocalEndpoint[]) {}

  all(): readonly LocalEndpoint[] {
    return this.list;
  }

  /**
   * The listener for a protocol (and address family, when several exist). With `peer` (the
   * address the message goes to), a listener whose local network contains the peer is returned
   * without its external address: peers inside the NAT see the private one (drachtio --local-net).
   */
  forProtocol(protocol: Protocol, preferIpv6 = false, peer?: string): LocalEndpoint | undefined {
    let fallback: LocalEndpoint | undefined;
    for (const e of this.list) {
      if (e.protocol !== protocol) continue;
      const v6 = e.address.includes(':');
      if (v6 === preferIpv6) return LocalEndpoints.asSeenBy(e, peer);
      fallback ??= e;
    }
    return fallback === undefined ? undefined : LocalEndpoints.asSeenBy(fallback, peer);
  }

  /** The listener as a peer at `peer` must see it: without externalAddress inside its localNet. */
  static asSeenBy(e: LocalEndpoint, peer: string | undefined): LocalEndpoint {
    if (peer === undefined || e.externalAddress === undefined || e.localNet === undefined) return e;
    if (!inNetwork(peer, e.localNet)) return e;
    const { externalAddress: _ext, ...inside } = e;
    return inside;
  }

  /** The host (with brackets for IPv6) written in messages for this listener. */
  static host(e: LocalEndpoint): string {
    const a = e.externalAddress ?? e.address;
    return a.includes(':') ? `[${a}]` : a;
  }

  static hostport(e: LocalEndpoint): string {
    return `${LocalEndpoints.host(e)}:${e.port}`;
  }

  /** Contact URI for a listener: `sip:host:port;transport=tcp` (no transport param for UDP). */
  static contactUri(e: LocalEndpoint, user?: string): string {
    const scheme = e.protocol === 'tls' || e.protocol === 'wss' ? 'sips' : 'sip';
    const u = user ? `${user}@` : '';
    const t = e.protocol === 'udp' ? '' : `;transport=${e.protocol}`;
    return `${scheme}:${u}${LocalEndpoints.hostport(e)}${t}`;
  }

  /** drachtio's hostports list: `udp/127.0.0.1:5060,tcp/127.0.0.1:5060`. */
  hostports(local = false): string[] {
    return this.list.map((e) => `${e.protocol}/${local ? hostOf(e.address) : LocalEndpoints.host(e)}:${e.port}`);
  }

  /** True when a host:port names one of our listeners (requests to ourselves are refused). */
  isLocal(host: string, port: number | undefined): boolean {
    const h = host.replace(/^\[|\]$/g, '');
    return this.list.some((e) => (e.address === h || e.externalAddress === h) && (port === undefined || port === e.port));
  }
}

/** True when an IPv4 address lies in the network (CIDR). IPv6 and names are never inside. */
export function inNetwork(address: string, net: LocalNetwork): boolean {
  if (!isIPv4(address) || !isIPv4(net.network)) return false;
  if (net.prefixLength === 0) return true;
  const mask = (0xffffffff << (32 - net.prefixLength)) >>> 0;
  return ((ipv4ToInt(address) & mask) >>> 0) === ((ipv4ToInt(net.network) & mask) >>> 0);
}

function ipv4ToInt(a: string): number {
  return a.split('.').reduce((n, octet) => ((n << 8) | Number(octet)) >>> 0, 0);
}

function hostOf(address: string): string {
  return address.includes(':') ? `[${address}]` : address;
}
