// Shared helpers for the chat suites: the shared stack (ejabberd + chat service are default
// services), product accounts with web passwords, XMPP clients logged in with them, and the
// chat API context the suites call as apps/api would.
import { randomBytes } from 'node:crypto';
import { Config, loadConfig, Ports, portsFromBase, resolveSecrets, Secrets } from '@openline/config';
import { AccountRepo, createDbPool, dbOptionsFrom, Pool } from '@openline/db';
import {
  chatContextFrom, ChatClient, ChatSetup, connectClient, NS, registerPushDevice, xml, XmlElement,
} from '@openline/chat';
import { getSharedStack } from '../../support/stack';

export interface ChatEnv {
  config: Config;
  secrets: Secrets;
  ports: Ports;
  pool: Pool;
  ctx: ChatSetup;
  domain: string;
  tcp: string;
  ws: string;
}

let env: Promise<ChatEnv> | undefined;

export function chatEnv(): Promise<ChatEnv> {
  env ??= (async () => {
    // CHAT_TEST_DATA_DIR + CHAT_TEST_PORT_BASE: run against an already running stack (`make run`).
    const dir = process.env.CHAT_TEST_DATA_DIR;
    let config: Config;
    let secrets: Secrets;
    let pool: Pool;
    if (dir) {
      config = loadConfig({ configFile: null, env: {}, overrides: { dataDir: dir, ports: { base: Number(process.env.CHAT_TEST_PORT_BASE ?? 35000) } } }).config;
      secrets = resolveSecrets(config);
      pool = createDbPool(dbOptionsFrom(config, secrets));
    } else {
      const stack = await getSharedStack();
      ({ config, secrets } = stack);
      pool = stack.dbPool();
    }
    const ports = portsFromBase(config.ports.base);
    const ctx = chatContextFrom(config, secrets, { pool });
    return {
      config, secrets, ports, pool, ctx, domain: ctx.settings.domain,
      tcp: `xmpp://127.0.0.1:${ports.xmppC2s}`,
      ws: `ws://127.0.0.1:${ports.xmppHttp}/ws`,
    };
  })();
  return env;
}

export interface TestUser { username: string; jid: string; password: string; id: number; displayName: string }

/** A fresh account (unique name per call) with a web password. */
export async function newUser(e: ChatEnv, tag: string, opts: { status?: string } = {}): Promise<TestUser> {
  const username = `${tag}${randomBytes(4).toString('hex')}`;
  const password = `web-${randomBytes(6).toString('hex')}`;
  const displayName = `${tag[0].toUpperCase()}${tag.slice(1)} Tester`;
  const repo = new AccountRepo(e.pool, e.secrets.sipPasswordKey, e.domain);
  const { account } = await repo.add({ username, webPassword: password, displayName, status: opts.status });
  return { username, jid: `${username}@${e.domain}`, password, id: account.id, displayName };
}

export function login(e: ChatEnv, u: TestUser, opts: { resource?: string; password?: string } = {}): Promise<ChatClient> {
  return connectClient({ service: e.tcp, domain: e.domain, username: u.username, password: opts.password ?? u.password, resource: opts.resource });
}

export const isMessage = (body: string) => (el: XmlElement): boolean => el.is('message') && el.getChildText('body') === body;

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls until fn returns a value that is not undefined (or throws after the timeout). */
export async function eventually<T>(fn: () => Promise<T | undefined>, timeoutMs = 5000, what = 'condition'): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** XEP-0357 §5: enable push on the chat component for a device registered through the API. */
export function enablePush(reg: { jid: string; node: string; secret: string }): XmlElement {
  return xml('iq', { type: 'set', id: `push-${reg.node}` }, xml('enable', { xmlns: NS.push, jid: reg.jid, node: reg.node },
    xml('x', { xmlns: NS.dataForms, type: 'submit' },
      xml('field', { var: 'FORM_TYPE' }, xml('value', {}, 'http://jabber.org/protocol/pubsub#publish-options')),
      xml('field', { var: 'secret' }, xml('value', {}, reg.secret)))));
}

/** Logs in, registers a device through the API, enables push on it, goes offline. */
export async function pushEnabledOffline(e: ChatEnv, u: TestUser, device: { provider: 'apns' | 'fcm'; token: string }): Promise<void> {
  const reg = await registerPushDevice(e.pool, e.ctx.settings, u.id, device);
  const c = await login(e, u);
  await c.iq(enablePush(reg));
  await c.close();
}

/** Joins a room with nick = username (what the glue subscribes members with) and waits for self-presence. */
export async function joinRoom(c: ChatClient, room: string): Promise<void> {
  const nick = c.bareJid.split('@')[0];
  await c.send(xml('presence', { to: `${room}/${nick}` }, xml('x', { xmlns: NS.muc })));
  await c.waitFor((el) => el.is('presence') && el.attrs.from === `${room}/${nick}` && el.attrs.type !== 'error', 5000, `self-presence in ${room}`);
}

/** XEP-0313 query of the client's own archive; resolves with the forwarded messages. */
export async function mamQuery(c: ChatClient, withJid?: string): Promise<XmlElement[]> {
  const queryid = `q${randomBytes(4).toString('hex')}`;
  const form = withJid ? xml('x', { xmlns: NS.dataForms, type: 'submit' },
    xml('field', { var: 'FORM_TYPE', type: 'hidden' }, xml('value', {}, NS.mam)),
    xml('field', { var: 'with' }, xml('value', {}, withJid))) : undefined;
  const seen = c.received.length;
  await c.iq(xml('iq', { type: 'set', id: queryid }, xml('query', { xmlns: NS.mam, queryid }, form)), 5000);
  return c.received.slice(seen).filter((el) => el.getChild('result', NS.mam)?.attrs.queryid === queryid)
    .map((el) => el.getChild('result', NS.mam)?.getChild('forwarded', NS.forward)?.getChild('message'))
    .filter((m): m is XmlElement => m !== undefined);
}
