// Registered flows: which connection reaches a client that registered (or subscribed) over a
// connection-oriented transport (TCP, TLS, WS, WSS). drachtio-server does the same: when an app
// answers 200 to a REGISTER (200/202 to a SUBSCRIBE) that arrived on a non-datagram transport,
// it caches `user@host` of the request's Contact → that transport, for the expiry the response
// grants (0 removes it); a later INVITE/OPTIONS/NOTIFY/MESSAGE from an app whose Request-URI is
// that `user@host` is forced onto the cached connection, and in-dialog requests whose target is a
// cached contact follow the client's newest connection (mid-call handoff). drachtio src:
// sip-dialog-controller.cpp doRespondToSipRequest() / doSendRequestOutsideDialog() /
// doSendRequestInsideDialog(), controller.cpp cacheTportForSubscription(), findTportForSubscription().
//
// sipd additionally drops a connection's entries when it closes (RFC 5626 §5.3: the flow is gone,
// requests for it fail with 430 instead of waiting for a timeout) and applies the table to every
// method. Keys: `user@host` with the host lower-cased (user is case-sensitive, RFC 3261 §19.1.4).
import { parseNameAddr, type SipRequest, type SipResponse, type SipUri } from '../parser';
import type { Destination, Endpoint, InboundMessage } from '../transport/types';

export interface FlowBinding {
  key: string;
  connectionId: string;
  /** The client's end of the connection. */
  remote: Endpoint;
  /** Our listener it arrived on. */
  local: Endpoint;
  expiresAt: number;
}

/** `user@host` as drachtio keys registered contacts. */
export function flowKey(uri: Pick<SipUri, 'user' | 'host'>): string {
  const host = uri.host.toLowerCase();
  return uri.user ? `${uri.user}@${host}` : host;
}

/** RFC 6761 §6.4: `.invalid` names never resolve; a WebSocket client's Contact uses one (RFC 7118 §5.2). */
export function isInvalidHost(host: string): boolean {
  return /\.invalid\.?$/i.test(host) || host.toLowerCase() === 'invalid';
}

export class FlowTable {
  private readonly byKey = new Map<string, FlowBinding>();
  private readonly byConnection = new Map<string, Set<string>>();

  constructor(private readonly now: () => number = Date.now) {}

  get size(): number {
    return this.byKey.size;
  }

  /** The live binding for a target URI's `user@host`, if any (expired ones are dropped here). */
  lookup(uri: Pick<SipUri, 'user' | 'host'>): FlowBinding | undefined {
    const b = this.byKey.get(flowKey(uri));
    if (b === undefined) return undefined;
    if (b.expiresAt <= this.now()) {
      this.remove(b.key);
      return undefined;
    }
    return b;
  }

  /** A destination over the binding's connection. */
  static destination(b: FlowBinding): Destination {
    return { protocol: b.remote.protocol, address: b.remote.address, port: b.remote.port, connectionId: b.connectionId, local: { ...b.local } };
  }

  /**
   * After a response was sent to `request`: a 200 to REGISTER or 200/202 to SUBSCRIBE that
   * arrived over a connection records (or with expiry 0 removes) the request Contact's binding.
   */
  onResponseSent(request: SipRequest, response: SipResponse, inbound: InboundMessage): void {
    if (inbound.connectionId === undefined) return;
    const ok = request.method === 'REGISTER' ? response.status === 200
      : request.method === 'SUBSCRIBE' ? response.status === 200 || response.status === 202 : false;
    if (!ok) return;
    const contact = parseNameAddr(request.getAll('contact')[0] ?? '');
    if (contact === undefined || contact.wildcard === true || !contact.uri.host) return;
    const key = flowKey(contact.uri);
    const expires = grantedExpires(request, response, key);
    if (expires <= 0) {
      this.remove(key);
      return;
    }
    this.remove(key);
    const b: FlowBinding = { key, connectionId: inbound.connectionId, remote: { ...inbound.source }, local: { ...inbound.local }, expiresAt: this.now() + expires * 1000 };
    this.byKey.set(key, b);
    let keys = this.byConnection.get(b.connectionId);
    if (keys === undefined) this.byConnection.set(b.connectionId, (keys = new Set()));
    keys.add(key);
  }

  /** The connection closed: every binding over it is gone. Returns how many were removed. */
  connectionClosed(connectionId: string): number {
    const keys = this.byConnection.get(connectionId);
    if (keys === undefined) return 0;
    const bound = [...keys];
    for (const k of bound) this.remove(k);
    this.byConnection.delete(connectionId);
    return bound.length;
  }

  /** Drops expired bindings (called periodically so unused ones do not stay). */
  sweep(): void {
    const now = this.now();
    for (const b of [...this.byKey.values()]) if (b.expiresAt <= now) this.remove(b.key);
  }

  clear(): void {
    this.byKey.clear();
    this.byConnection.clear();
  }

  private remove(key: string): void {
    const b = this.byKey.get(key);
    if (b === undefined) return;
    this.byKey.delete(key);
    const keys = this.byConnection.get(b.connectionId);
    keys?.delete(key);
    if (keys !== undefined && keys.size === 0) this.byConnection.delete(b.connectionId);
  }
}

/**
 * The expiry a 2xx grants, as drachtio reads it: the response Contact's `expires` parameter (the
 * Contact for this binding when the response lists several), else the response's Expires header.
 * sipd: when the app's response carries neither, the request's own Contact `expires` / Expires,
 * else 3600 s (RFC 3261 §10.2.1.1 default), so apps that answer a bare 200 still get flows
 * (drachtio would not cache those).
 */
function grantedExpires(request: SipRequest, response: SipResponse, key: string): number {
  const fromContacts = (msg: SipRequest | SipResponse): number | undefined => {
    const all = msg.getAll('contact').map((c) => parseNameAddr(c)).filter((c) => c !== undefined && !c.wildcard);
    const mine = all.find((c) => flowKey(c!.uri) === key) ?? (all.length === 1 ? all[0] : undefined);
    return seconds(mine?.params.get('expires') ?? undefined);
  };
  const granted = request.method === 'REGISTER' ? fromContacts(response) : undefined;
  return granted ?? seconds(response.get('expires')) ?? fromContacts(request) ?? seconds(request.get('expires')) ?? 3600;
}

function seconds(text: string | undefined): number | undefined {
  return text !== undefined && /^\s*\d+\s*$/.test(text) ? Number(text) : undefined;
}

/**
 * Where a request to `uri` goes when a registered flow carries it: over the binding's connection
 * while that is open (drachtio findTportForSubscription()). Undefined: route as usual.
 */
export function registeredFlow(flows: FlowTable, isOpen: (connectionId: string) => boolean, uri: SipUri | undefined): Destination | undefined {
  if (uri === undefined || !uri.host) return undefined;
  const b = flows.lookup(uri);
  return b !== undefined && isOpen(b.connectionId) ? FlowTable.destination(b) : undefined;
}

/**
 * A destination for a URI whose host is `.invalid` (RFC 6761 §6.4): it never resolves, so the
 * transport layer refuses it with ENOFLOW unless a live connection carries it; the request then
 * fails with 430 Flow Failed (RFC 5626 §5.3) instead of a DNS error or a timeout.
 */
export function unresolvableDestination(protocol: Destination['protocol'], uri: SipUri): Destination {
  return { protocol, address: uri.host.toLowerCase(), port: uri.port ?? 0 };
}
