// History from ejabberd's MAM archive (table `archive`, new schema): a user's 1:1 messages live
// in their own archive (username = local part, bare_peer = the peer), a group's in the room's
// archive (username = room JID). Timestamps are microseconds; the stanza-id ejabberd gives a
// message (XEP-0359) is that timestamp. Edits and retractions are folded in here too, so a
// history read right after an edit is already correct even before the archive watcher ran.
import { ChatContext, isRoomJid, nowOf } from '../context';
import { ChatError } from '../errors';
import { parseXml } from '../xmpp/xml';
import { describeStanza, senderKey, StanzaInfo } from './stanza';

/** The eldercare seed's windows: the past 30 days, 3, 6 or 12 months. */
export type HistoryWindow = '30d' | '3m' | '6m' | '12m';
export const HISTORY_WINDOWS: readonly HistoryWindow[] = ['30d', '3m', '6m', '12m'];

/** The same time `months` calendar months earlier (UTC), the day clamped to the month's end (May 31 - 3 = Feb 28). */
export function monthsBefore(now: Date, months: number): Date {
  const y = now.getUTCFullYear();
  const m = now.getUTCMonth() - months;
  const lastDay = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  const d = new Date(now.getTime());
  d.setUTCDate(1);
  d.setUTCFullYear(y, m, Math.min(now.getUTCDate(), lastDay));
  return d;
}

export function windowStart(window: HistoryWindow, now: Date): Date {
  if (window === '30d') return new Date(now.getTime() - 30 * 86400_000);
  return monthsBefore(now, Number(window.slice(0, -1)));
}

export interface ChatMessage {
  /** The archive's stanza-id (what MAM queries, reports and read positions refer to). */
  id: string;
  at: Date;
  /** Bare JID of the sender (1:1) or room@service/nick (group). */
  from: string;
  direction: 'in' | 'out';
  body: string;
  edited: boolean;
  deleted: boolean;
  /** JIDs mentioned with XEP-0372 references. */
  mentions: string[];
}

export interface ArchiveRow {
  id: number;
  timestamp: number;
  xml: string;
  /** Sender's nick in a room's archive (ejabberd's nick column); empty otherwise. */
  nick?: string | null;
}

export interface ArchiveOwner {
  username: string;
  serverHost: string;
  /** Restrict to one peer (1:1 conversations in a user's archive). */
  barePeer?: string;
}

/** Whose archive holds a conversation of `user` with `peer` (a bare JID or a room JID). */
export function archiveOwnerFor(ctx: ChatContext, userJid: string, peer: string): ArchiveOwner {
  if (isRoomJid(ctx, peer)) return { username: peer, serverHost: ctx.settings.domain };
  return { username: userJid.split('@')[0], serverHost: ctx.settings.domain, barePeer: peer };
}

export async function archiveRows(ctx: ChatContext, owner: ArchiveOwner, since: number, until?: number): Promise<ArchiveRow[]> {
  const where = ['username = ?', 'server_host = ?', 'timestamp >= ?'];
  const args: unknown[] = [owner.username, owner.serverHost, since];
  if (owner.barePeer !== undefined) { where.push('bare_peer = ?'); args.push(owner.barePeer); }
  if (until !== undefined) { where.push('timestamp <= ?'); args.push(until); }
  const rows = await ctx.db.query<Array<{ id: number; timestamp: number; xml: string; nick: string | null }>>(
    `SELECT id, timestamp, xml, nick FROM archive WHERE ${where.join(' AND ')} ORDER BY timestamp, id`, args);
  return rows.map((r) => ({ id: Number(r.id), timestamp: Number(r.timestamp), xml: r.xml, nick: r.nick }));
}

function safeDescribe(xml: string): StanzaInfo | undefined {
  try {
    return describeStanza(parseXml(xml));
  } catch {
    return undefined; // a stored stanza we cannot read is left out rather than failing the history
  }
}

/**
 * Rows (ascending) -> the messages a user sees: corrections replace the text of the message they
 * name (same sender only, XEP-0308 §5), retractions blank it (XEP-0424), markers and chat states
 * drop out. `self` is the viewer's bare JID (1:1) or room@service/nick (group).
 */
export function foldHistory(rows: readonly ArchiveRow[], self: string): ChatMessage[] {
  const out: ChatMessage[] = [];
  const byId = new Map<string, { msg: ChatMessage; sender: string }>();
  for (const row of rows) {
    const info = safeDescribe(row.xml);
    if (!info || info.kind === 'empty') continue;
    const sender = senderKey(info, row.nick);
    if (info.kind === 'correction' || info.kind === 'retraction') {
      const target = info.targetId === undefined ? undefined : byId.get(`${sender}\u0000${info.targetId}`);
      if (!target) continue;
      if (info.kind === 'correction' && !target.msg.deleted) {
        target.msg.body = info.body;
        target.msg.edited = true;
        target.msg.mentions = info.mentions;
      } else if (info.kind === 'retraction') {
        target.msg.body = '';
        target.msg.deleted = true;
      }
      continue;
    }
    const msg: ChatMessage = {
      id: String(row.timestamp), at: new Date(Math.floor(row.timestamp / 1000)), from: sender,
      direction: sender === self ? 'out' : 'in', body: info.body, edited: info.edited, deleted: info.retracted,
      mentions: info.mentions,
    };
    out.push(msg);
    for (const id of [...info.ids, msg.id]) byId.set(`${sender}\u0000${id}`, { msg, sender });
  }
  return out;
}

/** The viewer's identity inside a conversation: their bare JID, or room/nick in a group (nick = username). */
export function selfIn(ctx: ChatContext, userJid: string, peer: string): string {
  return isRoomJid(ctx, peer) ? `${peer}/${userJid.split('@')[0]}` : userJid;
}

/** A user's messages with a peer or in a group, for one of the history windows. */
export async function fetchHistory(ctx: ChatContext, userJid: string, peer: string, window: HistoryWindow): Promise<ChatMessage[]> {
  if (!HISTORY_WINDOWS.includes(window)) throw new ChatError('invalid', `window must be one of ${HISTORY_WINDOWS.join(', ')}`);
  const now = nowOf(ctx);
  const since = windowStart(window, now).getTime() * 1000;
  const rows = await archiveRows(ctx, archiveOwnerFor(ctx, userJid, peer), since, now.getTime() * 1000 + 999);
  return foldHistory(rows, selfIn(ctx, userJid, peer));
}
