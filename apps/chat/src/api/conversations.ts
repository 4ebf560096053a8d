// A user's conversations: every 1:1 peer in their archive and every group they belong to, with
// the last message, the unread count (messages from others after the read position: the later
// of what the client reported through markRead and the user's own last message), pinned
// (favourite) and muted flags. Pinned first, then most recent first.
import { accountByJid, ChatContext, isRoomJid } from '../context';
import { ChatError } from '../errors';
import { archiveOwnerFor, archiveRows, ChatMessage, foldHistory, selfIn } from '../archive/history';
import { getFavourites } from './favourites';
import { groupsOf } from './groups';

export interface Conversation {
  /** Peer's bare JID or the room's JID. */
  jid: string;
  kind: 'chat' | 'group';
  /** The group's name; for 1:1 the peer's display name (or username). */
  name: string;
  lastMessage: ChatMessage | null;
  unread: number;
  pinned: boolean;
  muted: boolean;
}

async function readPosition(ctx: ChatContext, accountId: number, peer: string): Promise<number> {
  const rows = await ctx.db.query<Array<{ read_ts: number }>>(
    'SELECT read_ts FROM chat_read_state WHERE account_id = ? AND peer_jid = ?', [accountId, peer]);
  return rows.length ? Number(rows[0].read_ts) : 0;
}

async function peersOf(ctx: ChatContext, username: string): Promise<string[]> {
  const rows = await ctx.db.query<Array<{ bare_peer: string }>>(
    `SELECT DISTINCT bare_peer FROM archive WHERE username = ? AND server_host = ? AND kind = 'chat' AND bare_peer NOT LIKE ?`,
    [username, ctx.settings.domain, `%@${ctx.settings.mucHost}`]);
  return rows.map((r) => r.bare_peer);
}

async function nameOf(ctx: ChatContext, jid: string): Promise<string> {
  if (isRoomJid(ctx, jid)) {
    const rows = await ctx.db.query<Array<{ name: string }>>('SELECT name FROM chat_groups WHERE room_jid = ?', [jid]);
    return rows[0]?.name ?? jid.split('@')[0];
  }
  try {
    const a = await accountByJid(ctx, jid);
    return a.displayName ?? a.username;
  } catch {
    return jid; // the system component, or an account since removed
  }
}

/** Messages newer than the read position (or the last 200 to find the last message). */
async function summarise(ctx: ChatContext, userJid: string, accountId: number, peer: string): Promise<{ last: ChatMessage | null; unread: number }> {
  const owner = archiveOwnerFor(ctx, userJid, peer);
  const latest = await ctx.db.query<Array<{ timestamp: number }>>(
    `SELECT timestamp FROM archive WHERE username = ? AND server_host = ?${owner.barePeer !== undefined ? ' AND bare_peer = ?' : ''}
      ORDER BY timestamp DESC LIMIT 1 OFFSET 199`,
    owner.barePeer !== undefined ? [owner.username, owner.serverHost, owner.barePeer] : [owner.username, owner.serverHost]);
  const read = await readPosition(ctx, accountId, peer);
  const since = Math.min(latest.length ? Number(latest[0].timestamp) : 0, read + 1);
  const msgs = foldHistory(await archiveRows(ctx, owner, since), selfIn(ctx, userJid, peer));
  const lastOwn = msgs.filter((m) => m.direction === 'out').reduce((t, m) => Math.max(t, Number(m.id)), 0);
  const position = Math.max(read, lastOwn);
  return {
    last: msgs.length ? msgs[msgs.length - 1] : null,
    unread: msgs.filter((m) => m.direction === 'in' && !m.deleted && Number(m.id) > position).length,
  };
}

export async function listConversations(ctx: ChatContext, userJid: string): Promise<Conversation[]> {
  const me = await accountByJid(ctx, userJid);
  const [peers, groups, favourites, mutedRows] = await Promise.all([
    peersOf(ctx, me.username), groupsOf(ctx, me.jid), getFavourites(ctx, me.jid),
    ctx.db.query<Array<{ peer_jid: string }>>('SELECT peer_jid FROM chat_conversation_settings WHERE account_id = ? AND muted = 1', [me.id]),
  ]);
  const muted = new Set(mutedRows.map((r) => r.peer_jid));
  const pinned = new Set(favourites);
  const out: Conversation[] = [];
  for (const jid of [...peers, ...groups]) {
    const { last, unread } = await summarise(ctx, me.jid, me.id, jid);
    out.push({ jid, kind: isRoomJid(ctx, jid) ? 'group' : 'chat', name: await nameOf(ctx, jid), lastMessage: last, unread,
      pinned: pinned.has(jid), muted: muted.has(jid) });
  }
  const at = (c: Conversation): number => (c.lastMessage ? c.lastMessage.at.getTime() : 0);
  return out.sort((a, b) => Number(b.pinned) - Number(a.pinned) || at(b) - at(a));
}

/** The client read the conversation up to a message (its archive id, i.e. stanza-id). */
export async function markRead(ctx: ChatContext, userJid: string, peer: string, upToId: string): Promise<void> {
  if (!/^\d{1,20}$/.test(upToId)) throw new ChatError('invalid', 'upToId must be an archive id (stanza-id)');
  const me = await accountByJid(ctx, userJid);
  await ctx.db.query(
    `INSERT INTO chat_read_state (account_id, peer_jid, read_ts) VALUES (?, ?, ?)
     ON DUPLICATE KEY UPDATE read_ts = GREATEST(read_ts, VALUES(read_ts))`, [me.id, peer.split('/')[0], Number(upToId)]);
}

/** Mute or unmute notifications for a conversation (mentions still notify). */
export async function setMuted(ctx: ChatContext, userJid: string, peer: string, muted: boolean): Promise<void> {
  const me = await accountByJid(ctx, userJid);
  await ctx.db.query(
    `INSERT INTO chat_conversation_settings (account_id, peer_jid, muted) VALUES (?, ?, ?)
     ON DUPLICATE KEY UPDATE muted = VALUES(muted)`, [me.id, peer.split('/')[0], muted ? 1 : 0]);
}

/** Whether push alerts carry the message text. */
export async function setPushPreviews(ctx: ChatContext, userJid: string, previews: boolean): Promise<void> {
  const me = await accountByJid(ctx, userJid);
  await ctx.db.query(
    `INSERT INTO chat_user_settings (account_id, push_previews) VALUES (?, ?)
     ON DUPLICATE KEY UPDATE push_previews = VALUES(push_previews)`, [me.id, previews ? 1 : 0]);
}
