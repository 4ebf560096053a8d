// What the B2BUA and the push-call server ask the location service: the devices of an AOR that
// can be reached now, each with how to reach it (RFC 3327 Path route, RFC 5626 flow) and how to
// wake it (RFC 8599 push parameters).
import type { Binding, Flow, PushParams } from './binding';
import type { LocationStore } from './store';

export interface ReachableDevice {
  aor: string;
  /** The device: its +sip.instance, or the binding key for a device without one. */
  device: string;
  instance?: string;
  /** Request-URI for a request to the device: the registered Contact (RFC 3261 §16.5). */
  requestUri: string;
  /** Route set to put before it: the stored Path (RFC 3327 §5.3), may be empty. */
  route: string[];
  /**
   * Where to send the request: the first Path hop, else the flow the REGISTER came over
   * (source address/port/transport, RFC 5626 §5.3 / RFC 3581), never the Contact host, which
   * may be private behind NAT or a `.invalid` WebSocket name (RFC 7118 §5).
   */
  nextHop: string;
  /** The flow, with the sipd node that owns it (connection-oriented flows live there). */
  flow: Flow;
  /** q ×1000 (1000 when the device gave none). */
  q: number;
  expiresAt: number;
  userAgent?: string;
  push?: PushParams;
  /** Every live binding of the device (several RFC 5626 flows), freshest first. */
  bindings: Binding[];
}

/** sip:host:port;transport=x for a flow; IPv6 in brackets. */
export function flowUri(flow: Flow): string {
  const host = flow.address.includes(':') ? `[${flow.address}]` : flow.address;
  return `sip:${host}:${flow.port};transport=${flow.transport}`;
}

/** First Route value's URI (the Path entries are name-addrs: `<sip:proxy;lr>`). */
function uriOf(nameAddr: string): string {
  const m = /<([^>]*)>/.exec(nameAddr);
  return (m ? m[1] : nameAddr).trim();
}

/** Groups bindings by device; the best (highest q, then freshest refresh) leads each group. */
export function devicesOf(bindings: readonly Binding[]): ReachableDevice[] {
  const groups = new Map<string, Binding[]>();
  for (const b of bindings) {
    const dev = b.instance ?? b.key;
    const g = groups.get(dev);
    if (g) g.push(b);
    else groups.set(dev, [b]);
  }
  const out: ReachableDevice[] = [];
  for (const [device, list] of groups) {
    list.sort((a, b) => b.expiresAt - a.expiresAt);
    const best = list[0];
    const route = best.path ?? [];
    const d: ReachableDevice = {
      aor: best.aor, device, requestUri: best.contact, route,
      nextHop: route.length > 0 ? uriOf(route[0]) : flowUri(best.flow),
      flow: best.flow, q: best.q ?? 1000, expiresAt: best.expiresAt, bindings: list,
    };
    if (best.instance !== undefined) d.instance = best.instance;
    if (best.userAgent !== undefined) d.userAgent = best.userAgent;
    const push = list.find((b) => b.push)?.push;
    if (push) d.push = push;
    out.push(d);
  }
  return out.sort((a, b) => b.q - a.q || b.expiresAt - a.expiresAt);
}

/** The reachable devices of an AOR ("sip:user@domain"), highest q first. */
export async function reachableDevices(store: LocationStore, aor: string, now?: number): Promise<ReachableDevice[]> {
  return devicesOf(await store.lookup(normaliseAor(aor), now));
}

/**
 * AOR canonical form used as the key (RFC 3261 §10.3 step 5: compare as URIs): scheme sip,
 * user as given (case-sensitive), host lower-cased, no port, parameters or headers.
 */
export function normaliseAor(uri: string): string {
  const m = /^\s*<?\s*(sips?):([^@;>?]+)@([^;>?:\s]+|\[[^\]]+\])/i.exec(uri);
  if (!m) return uri.trim();
  return `sip:${unescapeUser(m[2])}@${m[3].toLowerCase()}`;
}

function unescapeUser(user: string): string {
  try {
    return decodeURIComponent(user);
  } catch {
    return user;
  }
}
