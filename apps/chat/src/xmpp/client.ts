// A typed XMPP client on xmpp.js (@xmpp/client): what the acceptance tests, the benchmark and
// later the API's own checks use to talk to ejabberd as a user would. TCP (STARTTLS) or
// WebSocket (RFC 7395; needs `node --experimental-websocket` on Node 20).
import { client as createClient } from '@xmpp/client';
import { NS, xml, XmlElement } from './xml';

export interface ClientOptions {
  /** xmpp://127.0.0.1:PORT (STARTTLS) or ws://127.0.0.1:PORT/ws */
  service: string;
  domain: string;
  username: string;
  password: string;
  resource?: string;
  /** Accept the stack's self-signed certificate during STARTTLS. Default true (loopback runs). */
  insecureTls?: boolean;
  /** Send initial presence once online. Default true. */
  presence?: boolean;
  timeoutMs?: number;
}

interface RawStreamManagement {
  on(event: 'ack' | 'fail', fn: (stanza: XmlElement) => void): void;
  enabled?: boolean;
}

interface RawClient {
  on(event: 'stanza', fn: (el: XmlElement) => void): void;
  on(event: 'error', fn: (err: Error) => void): void;
  on(event: 'offline' | 'disconnect', fn: () => void): void;
  start(): Promise<{ toString(): string }>;
  stop(): Promise<void>;
  send(el: XmlElement): Promise<void>;
  reconnect: { stop(): void };
  iqCaller: { request(el: XmlElement, timeout?: number): Promise<XmlElement> };
  streamManagement: RawStreamManagement;
  jid?: { toString(): string };
  status: string;
}

export type StanzaPredicate = (el: XmlElement) => boolean;

export interface ChatClient {
  /** Full JID after binding. */
  readonly jid: string;
  readonly bareJid: string;
  send(el: XmlElement): Promise<void>;
  /** An IQ get/set; resolves with the result's first child (or the iq), rejects on error. */
  iq(el: XmlElement, timeoutMs?: number): Promise<XmlElement>;
  /** Resolves with the first stanza (already received or future) matching. */
  waitFor(predicate: StanzaPredicate, timeoutMs?: number, what?: string): Promise<XmlElement>;
  /** Every stanza received so far. */
  readonly received: XmlElement[];
  /** Calls fn for every stanza from now on; returns the function that stops it. */
  onStanza(fn: (el: XmlElement) => void): () => void;
  /** Resolves when the server acknowledged this stanza (XEP-0198 <a/>): the "sent" tick. */
  sentAck(el: XmlElement, timeoutMs?: number): Promise<void>;
  readonly streamManagementEnabled: boolean;
  close(): Promise<void>;
  /** Drops the connection without closing the stream (a phone losing its network). */
  kill(): void;
}

let insecureRefs = 0;
let savedReject: string | undefined;

/** xmpp.js gives no way to pass TLS options to STARTTLS; scope the Node switch to the handshake. */
function allowSelfSigned(on: boolean): void {
  if (on) {
    if (insecureRefs++ === 0) {
      savedReject = process.env.NODE_TLS_REJECT_UNAUTHORIZED;
      process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
    }
  } else if (--insecureRefs === 0) {
    if (savedReject === undefined) delete process.env.NODE_TLS_REJECT_UNAUTHORIZED;
    else process.env.NODE_TLS_REJECT_UNAUTHORIZED = savedReject;
  }
}

export async function connectClient(opts: ClientOptions): Promise<ChatClient> {
  const raw = createClient({
    service: opts.service, domain: opts.domain, username: opts.username, password: opts.password,
    resource: opts.resource,
  }) as RawClient;
  const received: XmlElement[] = [];
  const listeners: Array<(el: XmlElement) => void> = [];
  const acked = new WeakSet<XmlElement>();
  const ackWaiters = new Map<XmlElement, () => void>();
  raw.on('error', () => undefined); // surfaced through start() or a later waitFor timeout
  raw.on('stanza', (el) => {
    received.push(el);
    if (received.length > 5000) received.splice(0, 1000);
    for (const fn of listeners) fn(el);
  });
  raw.streamManagement.on('ack', (st) => { acked.add(st); ackWaiters.get(st)?.(); });
  const insecure = opts.insecureTls !== false && opts.service.startsWith('xmpp:');
  if (insecure) allowSelfSigned(true);
  let address: string;
  try {
    const timeout = opts.timeoutMs ?? 10000;
    address = (await Promise.race([
      raw.start(),
      new Promise<never>((_, rej) => setTimeout(() => rej(new Error(`login timeout after ${timeout} ms`)), timeout).unref()),
    ])).toString();
  } catch (err) {
    raw.reconnect.stop();
    await raw.stop().catch(() => undefined);
    throw err;
  } finally {
    if (insecure) allowSelfSigned(false);
  }
  raw.reconnect.stop(); // a test or a benchmark decides itself when to reconnect
  if (opts.presence !== false) await raw.send(xml('presence'));
  const bare = address.split('/')[0];

  const waitFor = (predicate: StanzaPredicate, timeoutMs = 5000, what = 'stanza'): Promise<XmlElement> => {
    const hit = received.find(predicate);
    if (hit) return Promise.resolve(hit);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        listeners.splice(listeners.indexOf(fn), 1);
        reject(new Error(`${bare}: no ${what} within ${timeoutMs} ms`));
      }, timeoutMs);
      const fn = (el: XmlElement): void => {
        if (!predicate(el)) return;
        clearTimeout(t);
        listeners.splice(listeners.indexOf(fn), 1);
        resolve(el);
      };
      listeners.push(fn);
    });
  };

  return {
    jid: address,
    bareJid: bare,
    received,
    send: (el) => raw.send(el),
    iq: async (el, timeoutMs = 5000) => {
      const res = await raw.iqCaller.request(el, timeoutMs);
      return res;
    },
    waitFor,
    onStanza: (fn) => {
      listeners.push(fn);
      return () => { const i = listeners.indexOf(fn); if (i >= 0) listeners.splice(i, 1); };
    },
    sentAck: (el, timeoutMs = 5000) => {
      if (acked.has(el)) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => { ackWaiters.delete(el); reject(new Error('no XEP-0198 ack')); }, timeoutMs);
        ackWaiters.set(el, () => { clearTimeout(t); ackWaiters.delete(el); resolve(); });
      });
    },
    get streamManagementEnabled() { return raw.streamManagement.enabled === true; },
    close: async () => { await raw.stop().catch(() => undefined); },
    kill: () => {
      const sock = (raw as unknown as { socket?: { destroy?: () => void; socket?: { destroy?: () => void } } }).socket;
      (sock?.socket?.destroy ?? sock?.destroy)?.call(sock?.socket ?? sock);
    },
  };
}

/** A chat message with an id, optionally requesting a receipt and a marker (XEP-0184, XEP-0333). */
export function chatMessage(to: string, body: string, id: string, extra: XmlElement[] = []): XmlElement {
  return xml('message', { to, type: 'chat', id }, xml('body', {}, body),
    xml('request', { xmlns: NS.receipts }), xml('markable', { xmlns: NS.markers }),
    xml('origin-id', { xmlns: NS.stanzaId, id }), ...extra);
}
