// The chat component (XEP-0114) at system.<domain>: it speaks for the platform (system messages:
// notifications, reminders, coaching and emergency messages of later issues) and is the XEP-0357
// app server that ejabberd's mod_push publishes to.
import { component as createComponent, xml as componentXml } from '@xmpp/component';
import type { Logger } from '@openline/log';
import type { PushAppServer, PushOutcome } from '../push/app-server';
import { parsePushPublish } from '../push/summary';
import { GLUE_NS } from '../archive/stanza';
import { NS, xml, XmlElement } from '../xmpp/xml';

export interface ComponentOptions {
  /** xmpp://127.0.0.1:PORT (ejabberd's ejabberd_service listener) */
  service: string;
  domain: string;
  secret: string;
  push: PushAppServer;
  log: Logger;
}

interface IqContext { stanza: XmlElement; element: XmlElement; from: string }
type IqHandler = (ctx: IqContext) => Promise<unknown> | unknown;

interface RawComponent {
  on(event: 'online', fn: () => void): void;
  on(event: 'offline', fn: () => void): void;
  on(event: 'error', fn: (err: Error) => void): void;
  on(event: 'stanza', fn: (el: XmlElement) => void): void;
  start(): Promise<void>;
  stop(): Promise<void>;
  send(el: unknown): Promise<void>;
  iqCallee: { get(ns: string, name: string, fn: IqHandler): void; set(ns: string, name: string, fn: IqHandler): void };
  reconnect: { delay: number };
}

/** What a system message is about; clients may render each kind differently. */
export type SystemMessageKind = 'notification' | 'reminder' | 'coaching' | 'emergency';

function stanzaError(type: string, condition: string): unknown {
  return componentXml('error', { type }, componentXml(condition, { xmlns: 'urn:ietf:params:xml:ns:xmpp-stanzas' }));
}

export class ChatComponent {
  private readonly raw: RawComponent;
  private online = false;
  private readonly onlineWaiters: Array<() => void> = [];

  constructor(private readonly opts: ComponentOptions) {
    this.raw = createComponent({ service: opts.service, domain: opts.domain, password: opts.secret }) as RawComponent;
    this.raw.reconnect.delay = 1000;
    this.raw.on('error', (err) => opts.log.warn({ err: err.message }, 'component error'));
    this.raw.on('online', () => {
      this.online = true;
      opts.log.info({ domain: opts.domain }, 'component online');
      for (const w of this.onlineWaiters.splice(0)) w();
    });
    this.raw.on('offline', () => { this.online = false; });
    this.raw.iqCallee.get(NS.disco, 'query', () => componentXml('query', { xmlns: NS.disco },
      componentXml('identity', { category: 'pubsub', type: 'push', name: 'openline push' }),
      componentXml('feature', { var: NS.push }), componentXml('feature', { var: NS.disco })));
    this.raw.iqCallee.get(NS.ping, 'ping', () => true);
    this.raw.iqCallee.set(NS.pubsub, 'pubsub', (ctx) => this.onPublish(ctx.element));
  }

  private async onPublish(pubsub: XmlElement): Promise<unknown> {
    const publish = parsePushPublish(pubsub);
    if (!publish) return stanzaError('modify', 'bad-request');
    let outcome: PushOutcome;
    try {
      outcome = await this.opts.push.handle(publish);
    } catch (err) {
      this.opts.log.error({ err: (err as Error).message, node: publish.node }, 'push handling failed');
      return stanzaError('wait', 'internal-server-error'); // "wait": mod_push keeps the device enabled
    }
    this.opts.log.info({ node: publish.node, outcome }, 'push');
    if (outcome === 'unknown-node') return stanzaError('cancel', 'item-not-found');
    if (outcome === 'bad-secret') return stanzaError('auth', 'forbidden');
    return true;
  }

  async start(): Promise<void> {
    await this.raw.start();
  }

  /** Resolves once the handshake with ejabberd is done (now, or after a reconnect). */
  whenOnline(): Promise<void> {
    return this.online ? Promise.resolve() : new Promise((r) => this.onlineWaiters.push(r));
  }

  /**
   * A message from the platform to a user (archived by ejabberd in the user's archive, stored
   * offline and pushed when the user is away, like any chat message).
   */
  async sendSystemMessage(to: string, body: string, kind: SystemMessageKind = 'notification', id?: string): Promise<string> {
    const msgId = id ?? `sys-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
    const el = xml('message', { from: this.opts.domain, to, type: 'chat', id: msgId },
      xml('body', {}, body), xml('system', { xmlns: GLUE_NS, kind }), xml('store', { xmlns: NS.hints }));
    await this.raw.send(el);
    return msgId;
  }

  async stop(): Promise<void> {
    await this.raw.stop().catch(() => undefined);
  }
}
