// The chat endpoints' adapter over @openline/chat (issue 10): accounts ↔ JIDs, the API's clock
// for history windows, membership checks the library leaves to its caller (history and reports
// of a group are for its members), and ChatError → HTTP status. The library does the work:
// ejabberd's REST API for rooms, the MAM archive in MariaDB for history and unread counts.
import {
  accountByJid, assertMember, ChatError, createGroup, deleteGroup, EjabberdApiError, fetchHistory, getGroup, inviteToGroup,
  isRoomJid, leaveGroup, listConversations, markRead, removeMember, renameGroup, reportMessage, setFavourite, setMuted,
  type ChatContext, type ChatMessage, type Conversation, type Group, type HistoryWindow,
} from '@openline/chat';
import { isBlocked } from '@openline/db';
import type { ApiDeps } from '../deps';
import { ApiError, badRequest, conflict, forbidden, notFound, unauthorized } from '../errors';
import type { AccountView } from '../repos/accounts';

/** Requests per minute one account may make to the chat routes (counted in Redis across nodes). */
export const CHAT_REQUESTS_PER_MINUTE = 600;
/** Message reports one account may file per hour. */
export const CHAT_REPORTS_PER_HOUR = 30;

export interface MessageView {
  id: string;
  text: string;
  /** Bare JID of the sender's account (in a group: the member, not room/nick). */
  sender: string;
  at: string;
  direction: 'in' | 'out';
  edited: boolean;
  deleted: boolean;
  mentions: string[];
}

export interface GroupView {
  id: number;
  jid: string;
  name: string;
  createdBy: string | null;
  members: Array<{ jid: string; accountId: number | null }>;
}

export interface ConversationView {
  conversation: string;
  kind: 'chat' | 'group';
  name: string;
  /** 1:1: the peer's account id (null for the system sender or a removed account). */
  peerAccountId: number | null;
  /** Groups: the group id of /v1/groups/{id}. */
  groupId: number | null;
  lastMessage: MessageView | null;
  unread: number;
  muted: boolean;
  favourite: boolean;
}

/** ChatError → ApiError; `field` names the input an `invalid` came from. ejabberd failing is 502. */
export function chatError(err: unknown, field = 'body'): unknown {
  if (err instanceof ChatError) {
    switch (err.code) {
      case 'invalid': return badRequest(field, `${field}: ${err.message}`);
      case 'not_found': return notFound(err.message);
      case 'forbidden': return forbidden(err.message);
      case 'limit': return conflict(err.message, 'group_full', 'members');
      case 'conflict': return conflict(err.message, 'conflict');
    }
  }
  if (err instanceof EjabberdApiError) return new ApiError(502, 'chat_unavailable', `the chat server refused: ${err.message}`);
  if (err instanceof TypeError && /fetch failed/.test(err.message)) return new ApiError(502, 'chat_unavailable', 'the chat server does not answer');
  return err;
}

async function mapped<T>(fn: () => Promise<T>, field?: string): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw chatError(err, field);
  }
}

export class ChatService {
  constructor(private readonly d: ApiDeps) {}

  /** The library's context on the API's clock (tests move it for history windows). */
  private get ctx(): ChatContext {
    return { ...this.d.chat, now: () => new Date(this.d.clock.now()) };
  }

  /** Per-account cap on the chat routes. */
  async limit(accountId: number): Promise<void> {
    await this.d.limiter.consume({ key: `chat:${accountId}`, max: CHAT_REQUESTS_PER_MINUTE, windowSeconds: 60 },
      `more than ${CHAT_REQUESTS_PER_MINUTE} chat requests this minute`);
  }

  private async me(accountId: number): Promise<AccountView & { jid: string }> {
    const a = await this.d.repos.accounts.byId(accountId);
    if (!a || a.status !== 'active') throw unauthorized('the account no longer exists');
    return { ...a, jid: `${a.username}@${a.domain}` };
  }

  private async user(accountId: number): Promise<AccountView & { jid: string }> {
    const a = await this.d.repos.accounts.byId(accountId);
    if (!a || a.status !== 'active') throw notFound(`no such user ${accountId}`, 'user_not_found');
    return { ...a, jid: `${a.username}@${a.domain}` };
  }

  /** Account ids of bare JIDs of this domain (one query). */
  private async accountIds(jids: readonly string[]): Promise<Map<string, number>> {
    const domain = this.d.chat.settings.domain;
    const names = [...new Set(jids.filter((j) => j.endsWith(`@${domain}`)).map((j) => j.slice(0, -domain.length - 1)))];
    if (!names.length) return new Map();
    const rows = await this.d.pool.query<Array<{ id: number; username: string }>>(
      `SELECT a.id, a.username FROM accounts a JOIN domains d ON d.id = a.domain_id WHERE d.name = ? AND a.username IN (${names.map(() => '?').join(',')})`,
      [domain, ...names]);
    return new Map(rows.map((r) => [`${r.username}@${domain}`, Number(r.id)]));
  }

  private async groupIds(rooms: readonly string[]): Promise<Map<string, number>> {
    if (!rooms.length) return new Map();
    const rows = await this.d.pool.query<Array<{ id: number; room_jid: string }>>(
      `SELECT id, room_jid FROM chat_groups WHERE room_jid IN (${rooms.map(() => '?').join(',')})`, [...rooms]);
    return new Map(rows.map((r) => [r.room_jid, Number(r.id)]));
  }

  private async roomOf(groupId: number): Promise<string> {
    const rows = await this.d.pool.query<Array<{ room_jid: string }>>('SELECT room_jid FROM chat_groups WHERE id = ?', [groupId]);
    if (!rows.length) throw notFound(`no group ${groupId}`, 'group_not_found');
    return rows[0].room_jid;
  }

  private messageView(m: ChatMessage): MessageView {
    // In a group the sender is room@service/nick and the nick is the member's username.
    const sender = m.from.includes('/') ? `${m.from.split('/')[1]}@${this.d.chat.settings.domain}` : m.from;
    return { id: m.id, text: m.body, sender, at: m.at.toISOString(), direction: m.direction, edited: m.edited, deleted: m.deleted, mentions: m.mentions };
  }

  private async groupView(g: Group): Promise<GroupView> {
    const [ids, gids] = await Promise.all([this.accountIds(g.members), this.groupIds([g.jid])]);
    return {
      id: gids.get(g.jid) ?? 0, jid: g.jid, name: g.name, createdBy: g.createdBy,
      members: g.members.map((jid) => ({ jid, accountId: ids.get(jid) ?? null })),
    };
  }

  /**
   * A conversation the caller may read: a peer account's bare JID, a group they belong to, or the
   * platform's system sender (system.<domain>).
   * The JID is lower-cased (JID local parts and domains compare case-insensitively here).
   */
  async conversation(accountId: number, ref: string): Promise<{ me: string; peer: string }> {
    const me = await this.me(accountId);
    const peer = ref.toLowerCase();
    if (!peer.includes('@')) {
      // The platform's component (system messages) is a conversation too; no other bare domain is.
      if (peer !== this.d.chat.settings.componentHost) throw notFound(`no conversation ${peer}`);
    } else if (isRoomJid(this.ctx, peer)) {
      if (!(await this.groupIds([peer])).size) throw notFound(`no group ${peer}`, 'group_not_found');
      await mapped(() => assertMember(this.ctx, peer, me.jid));
    } else {
      await mapped(() => accountByJid(this.ctx, peer));
    }
    return { me: me.jid, peer };
  }

  async conversations(accountId: number): Promise<ConversationView[]> {
    const me = await this.me(accountId);
    const list: Conversation[] = await mapped(() => listConversations(this.ctx, me.jid));
    const [ids, gids] = await Promise.all([
      this.accountIds(list.filter((c) => c.kind === 'chat').map((c) => c.jid)),
      this.groupIds(list.filter((c) => c.kind === 'group').map((c) => c.jid)),
    ]);
    return list.map((c) => ({
      conversation: c.jid, kind: c.kind, name: c.name,
      peerAccountId: c.kind === 'chat' ? ids.get(c.jid) ?? null : null,
      groupId: c.kind === 'group' ? gids.get(c.jid) ?? null : null,
      lastMessage: c.lastMessage ? this.messageView(c.lastMessage) : null,
      unread: c.unread, muted: c.muted, favourite: c.pinned,
    }));
  }

  /**
   * The window's messages, oldest first; `before` (a message id) pages backwards: the `limit`
   * newest messages older than it.
   */
  async history(accountId: number, ref: string, window: HistoryWindow, before: string | undefined, limit: number):
    Promise<{ messages: MessageView[]; nextBefore: string | null }> {
    const { me, peer } = await this.conversation(accountId, ref);
    const all = await mapped(() => fetchHistory(this.ctx, me, peer, window), 'window');
    const older = before === undefined ? all : all.filter((m) => BigInt(m.id) < BigInt(before));
    const page = older.slice(Math.max(0, older.length - limit));
    return { messages: page.map((m) => this.messageView(m)), nextBefore: older.length > page.length ? page[0].id : null };
  }

  async markRead(accountId: number, ref: string, upTo: string): Promise<void> {
    const { me, peer } = await this.conversation(accountId, ref);
    await mapped(() => markRead(this.ctx, me, peer, upTo), 'upTo');
  }

  async setMuted(accountId: number, ref: string, muted: boolean): Promise<void> {
    const { me, peer } = await this.conversation(accountId, ref);
    await mapped(() => setMuted(this.ctx, me, peer, muted));
  }

  async setFavourite(accountId: number, ref: string, favourite: boolean): Promise<void> {
    const { me, peer } = await this.conversation(accountId, ref);
    await mapped(() => setFavourite(this.ctx, me, peer, favourite), 'conversation');
  }

  async reportMessage(accountId: number, ref: string, messageId: string, reason: string): Promise<number> {
    await this.d.limiter.consume({ key: `chat-report:${accountId}`, max: CHAT_REPORTS_PER_HOUR, windowSeconds: 3600 },
      `more than ${CHAT_REPORTS_PER_HOUR} reports this hour`);
    const { me, peer } = await this.conversation(accountId, ref);
    return mapped(() => reportMessage(this.ctx, me, peer, messageId, reason), 'messageId');
  }

  /** Refuses adding someone who blocks the actor (as circle invitations do). */
  private async notBlockedBy(target: { id: number }, actorId: number): Promise<void> {
    if (await isBlocked(this.d.pool, target.id, actorId)) throw forbidden('that user does not accept invitations from you', 'blocked');
  }

  async createGroup(accountId: number, name: string, memberIds: readonly number[]): Promise<GroupView> {
    const me = await this.me(accountId);
    const others = [...new Set(memberIds)].filter((id) => id !== accountId);
    if (others.length + 1 > this.d.chat.settings.maxGroupMembers) {
      throw conflict(`a group has at most ${this.d.chat.settings.maxGroupMembers} members (you included)`, 'group_full', 'members');
    }
    const members: string[] = [];
    for (const id of others) {
      const u = await this.user(id);
      await this.notBlockedBy(u, accountId);
      members.push(u.jid);
    }
    return this.groupView(await mapped(() => createGroup(this.ctx, me.jid, name, members), 'name'));
  }

  /** The group, for one of its members (403 otherwise). */
  async group(accountId: number, groupId: number): Promise<{ me: string; room: string; group: Group }> {
    const me = await this.me(accountId);
    const room = await this.roomOf(groupId);
    const group = await mapped(() => getGroup(this.ctx, room));
    if (!group.members.includes(me.jid)) throw forbidden('not a member of this group', 'not_member');
    return { me: me.jid, room, group };
  }

  async view(accountId: number, groupId: number): Promise<GroupView> {
    return this.groupView((await this.group(accountId, groupId)).group);
  }

  /** Only the creator renames (the owner of the group in the API's terms). */
  async rename(accountId: number, groupId: number, name: string): Promise<GroupView> {
    const { me, room, group } = await this.group(accountId, groupId);
    if (group.createdBy !== me) throw forbidden('only the group\'s creator may rename it', 'not_owner');
    await mapped(() => renameGroup(this.ctx, me, room, name), 'name');
    return this.groupView(await mapped(() => getGroup(this.ctx, room)));
  }

  async remove(accountId: number, groupId: number): Promise<void> {
    const { me, room, group } = await this.group(accountId, groupId);
    if (group.createdBy !== me) throw forbidden('only the group\'s creator may delete it', 'not_owner');
    await mapped(() => deleteGroup(this.ctx, me, room));
  }

  /** A member adds a contact (issue 10: "a member can invite a contact"); the limit holds. */
  async addMember(accountId: number, groupId: number, memberId: number): Promise<GroupView> {
    const { me, room } = await this.group(accountId, groupId);
    const u = await this.user(memberId);
    await this.notBlockedBy(u, accountId);
    await mapped(() => inviteToGroup(this.ctx, me, room, u.jid));
    return this.groupView(await mapped(() => getGroup(this.ctx, room)));
  }

  /** The creator removes a member, or a member leaves (their own account id). */
  async removeMember(accountId: number, groupId: number, memberId: number): Promise<void> {
    const { me, room, group } = await this.group(accountId, groupId);
    if (memberId === accountId) {
      await mapped(() => leaveGroup(this.ctx, me, room));
      return;
    }
    if (group.createdBy !== me) throw forbidden('only the group\'s creator may remove members', 'not_owner');
    const u = await this.user(memberId);
    if (!group.members.includes(u.jid)) throw notFound(`user ${memberId} is not a member`, 'not_member');
    await mapped(() => removeMember(this.ctx, me, room, u.jid));
  }
}
