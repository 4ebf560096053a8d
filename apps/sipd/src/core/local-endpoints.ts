// The addresses sipd listens on, as written into Via, Contact and Record-Route, and as reported
// to apps in the authenticate reply (drachtio's hostports: `proto/host:port`).
import type { Endpoint, Protocol } from '../transport/types';

export interface LocalEndpoint extends Endpoint {
  /** Address written into messages when it differs from the bound one (--external-ip). */
  externalAddress?: string;
}

export class LocalEndpoints {
  constructor(private readonly list: LocalEndpoint[]) {}

  all(): readonly LocalEndpoint[] {
    return this.list;
  }

  /** The listener for a protocol (and address family, when several exist). */
  forProtocol(protocol: Protocol, preferIpv6 = false): LocalEndpoint | undefined {
    let fallback: LocalEndpoint | undefined;
    for (const e of this.list) {
      if (e.protocol !== protocol) continue;
      const v6 = e.address.includes(':');
      if (v6 === preferIpv6) return e;
      fallback ??= e;
    }
    return fallback;
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

function hostOf(address: string): string {
  return address.includes(':') ? `[${address}]` : address;
}
