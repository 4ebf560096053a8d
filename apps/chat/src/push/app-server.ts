// The XEP-0357 app server: ejabberd's mod_push publishes to a node on the chat component when a
// push-enabled user is offline; the node names a device registered through the API. Here the
// publish becomes an alert (sender's display name, preview unless the user turned previews off),
// is dropped for a muted conversation unless the user is mentioned, is handed to the dispatcher,
// and every decision is logged in chat_push_log. A dispatcher failure is logged and answered
// as success to ejabberd: the message is already in offline storage and the archive, and an
// error answer would make mod_push disable the device.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Pool } from 'mariadb';
import { describeStanza } from '../archive/stanza';
import type { ChatSettings } from '../settings';
import { parseXml } from '../xmpp/xml';
import type { PushAlert, PushDispatcher } from './dispatcher';
import { mentions, PushPublish } from './summary';

export const NO_PREVIEW_TEXT = 'New message';
/** Alert title for system messages (reminders, notifications) from the platform's component. */
export const SYSTEM_TITLE = 'openline';
const PREVIEW_MAX = 200;
/** How far back the archive is searched for the stanza being pushed (it was archived just before). */
const REFERENCE_LOOKBACK_US = 120 * 1000_000;

export type PushOutcome = 'sent' | 'failed' | 'muted' | 'unknown-node' | 'bad-secret' | 'content-less';

export interface PushRegistration {
  /** The component's JID: the client enables push with <enable jid=... node=...>. */
  jid: string;
  node: string;
  secret: string;
}

type Db = Pick<Pool, 'query'>;

/** Registers a device for chat pushes; the client then sends XEP-0357 <enable> with these values. */
export async function registerPushDevice(db: Db, settings: ChatSettings, accountId: number,
  device: { provider: string; token: string }): Promise<PushRegistration> {
  if (!/^[a-z0-9.-]{1,16}$/.test(device.provider)) throw new Error('provider must be a pn-provider name (apns, fcm, ...)');
  if (!device.token || device.token.length > 1024) throw new Error('token must be 1..1024 characters');
  const node = randomBytes(12).toString('hex');
  const secret = randomBytes(18).toString('base64url');
  await db.query('INSERT INTO chat_push_nodes (node, secret, account_id, provider, token) VALUES (?, ?, ?, ?, ?)',
    [node, secret, accountId, device.provider, device.token]);
  return { jid: settings.componentHost, node, secret };
}

interface NodeRow { secret: string; account_id: number; provider: string; token: string; username: string; push_previews: number | null }

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export class PushAppServer {
  constructor(private readonly db: Db, private readonly settings: ChatSettings, private readonly dispatcher: PushDispatcher) {}

  private async displayName(bare: string): Promise<string> {
    const at = bare.indexOf('@');
    const rows = await this.db.query<Array<{ display_name: string | null }>>(
      `SELECT a.display_name FROM accounts a JOIN domains d ON d.id = a.domain_id WHERE a.username = ? AND d.name = ?`,
      [bare.slice(0, at), bare.slice(at + 1)]);
    return rows[0]?.display_name || bare.slice(0, at);
  }

  private async groupName(roomJid: string): Promise<string> {
    const rows = await this.db.query<Array<{ name: string }>>('SELECT name FROM chat_groups WHERE room_jid = ?', [roomJid]);
    return rows[0]?.name ?? roomJid.split('@')[0];
  }

  /** Title and conversation for a sender as mod_push reports it (bare JID, or room@service/nick). */
  private async who(sender: string): Promise<{ title: string; conversation: string }> {
    const [bare, nick] = sender.split('/');
    if (!bare.includes('@')) return { title: SYSTEM_TITLE, conversation: bare }; // the platform (system.<domain>)
    if (bare.endsWith(`@${this.settings.mucHost}`)) {
      const name = nick ? await this.displayName(`${nick}@${this.settings.domain}`) : 'Someone';
      return { title: `${name} (${await this.groupName(bare)})`, conversation: bare };
    }
    return { title: await this.displayName(bare), conversation: bare };
  }

  /**
   * XEP-0372: does the archived stanza of the message being pushed mention `userJid` with a
   * reference? mod_push's summary carries only sender and body, so a mention written as a display
   * name ("Liz, …") is found only in the stanza. A room archives a message before routing it to
   * its (MucSub) members, so the room's archive has it; a 1:1 message is looked up in the
   * recipient's archive, where it may not be yet (then only a literal @username counts).
   */
  private async referencesUser(sender: string, conversation: string, body: string, username: string): Promise<boolean> {
    const room = conversation.endsWith(`@${this.settings.mucHost}`);
    const nick = sender.split('/')[1];
    if (room && !nick) return false;
    const since = Date.now() * 1000 - REFERENCE_LOOKBACK_US;
    const rows = await this.db.query<Array<{ xml: string }>>(room
      ? 'SELECT xml FROM archive WHERE server_host = ? AND username = ? AND nick = ? AND timestamp >= ? ORDER BY timestamp DESC LIMIT 20'
      : 'SELECT xml FROM archive WHERE server_host = ? AND username = ? AND bare_peer = ? AND timestamp >= ? ORDER BY timestamp DESC LIMIT 20',
    [this.settings.domain, room ? conversation : username, room ? nick : conversation, since]);
    const me = `${username}@${this.settings.domain}`.toLowerCase();
    for (const r of rows) {
      try {
        const info = describeStanza(parseXml(r.xml));
        if (info.body === body && info.mentions.some((m) => m.toLowerCase() === me)) return true;
      } catch { /* an unreadable row is not a mention */ }
    }
    return false;
  }

  async handle(p: PushPublish): Promise<PushOutcome> {
    const rows = await this.db.query<NodeRow[]>(
      `SELECT n.secret, n.account_id, n.provider, n.token, a.username, s.push_previews FROM chat_push_nodes n
         JOIN accounts a ON a.id = n.account_id LEFT JOIN chat_user_settings s ON s.account_id = n.account_id
        WHERE n.node = ?`, [p.node]);
    if (!rows.length) return 'unknown-node';
    const reg = rows[0];
    if (p.secret === undefined || !sameSecret(p.secret, reg.secret)) return 'bad-secret';
    // XEP-0357 §7 content-less notification (no sender, no body): mod_push sends one for a stanza
    // with nothing to read (a MucSub membership event, a marker) or as a wake-up for a session
    // waiting for resumption. An alert for it would say "New message" about no conversation, which
    // no mute can match; a real message is published with its sender and body. Not alerted, not logged.
    if (p.sender === undefined && p.body === undefined) return 'content-less';
    const { title, conversation } = p.sender ? await this.who(p.sender) : { title: SYSTEM_TITLE, conversation: '' };
    const text = p.body ?? '';
    const muted = conversation !== '' && (await this.db.query<unknown[]>(
      'SELECT 1 FROM chat_conversation_settings WHERE account_id = ? AND peer_jid = ? AND muted = 1',
      [reg.account_id, conversation])).length > 0;
    // The archive is read only when the answer matters: a muted conversation without @username.
    let mention = mentions(text, reg.username);
    if (!mention && muted && p.sender && text) mention = await this.referencesUser(p.sender, conversation, text, reg.username);
    const previews = reg.push_previews === null || Number(reg.push_previews) === 1;
    const alert: PushAlert = {
      accountId: Number(reg.account_id), provider: reg.provider, token: reg.token, title, conversation, mention,
      body: previews && text ? (text.length > PREVIEW_MAX ? `${text.slice(0, PREVIEW_MAX - 1)}…` : text)
        : mention ? 'You were mentioned' : NO_PREVIEW_TEXT,
      messageCount: p.messageCount,
    };
    let outcome: PushOutcome = 'sent';
    let error: string | null = null;
    if (muted && !mention) {
      outcome = 'muted';
    } else {
      try {
        await this.dispatcher.send(alert);
      } catch (err) {
        outcome = 'failed';
        error = (err as Error).message.slice(0, 255);
      }
    }
    await this.db.query(
      `INSERT INTO chat_push_log (account_id, node, provider, token, conversation, title, body, mention, outcome, error)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [alert.accountId, p.node, alert.provider, alert.token, conversation, title.slice(0, 255), alert.body.slice(0, 1024),
        mention ? 1 : 0, outcome, error]);
    return outcome;
  }
}
