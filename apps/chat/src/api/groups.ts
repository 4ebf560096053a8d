// Groups: ejabberd MUC rooms (members-only, persistent, archived) managed by the glue. Only the
// glue changes affiliations (rooms have no client owner and XMPP invitations are refused), so the
// member limit checked here holds server-side; ejabberd's max_users caps occupants as well.
// Every member is also subscribed to the room (ejabberd MucSub) so that an offline member still
// gets group messages: into offline storage, a push through mod_push, and the archive.
import { randomBytes } from 'node:crypto';
import { accountByJid, ChatAccount, ChatContext, isRoomJid } from '../context';
import { ChatError } from '../errors';

const MUCSUB_NODES = ['urn:xmpp:mucsub:nodes:messages', 'urn:xmpp:mucsub:nodes:affiliations', 'urn:xmpp:mucsub:nodes:subject'];

export interface Group {
  jid: string;
  name: string;
  createdBy: string | null;
  members: string[];
}

function checkName(name: unknown): string {
  // \p{Cc}: control characters (a name is shown in notifications and lists).
  if (typeof name !== 'string' || !name.trim() || name.length > 128 || /\p{Cc}/u.test(name)) {
    throw new ChatError('invalid', 'group name must be 1..128 printable characters');
  }
  return name.trim();
}

function roomParts(ctx: ChatContext, roomJid: string): { name: string; service: string } {
  if (typeof roomJid !== 'string' || !isRoomJid(ctx, roomJid)) throw new ChatError('invalid', `'${String(roomJid)}' is not a group`);
  const bare = roomJid.split('/')[0];
  return { name: bare.slice(0, bare.indexOf('@')), service: ctx.settings.mucHost };
}

/** Bare JIDs with member (or higher) affiliation, from ejabberd. */
export async function groupMembers(ctx: ChatContext, roomJid: string): Promise<string[]> {
  const { name, service } = roomParts(ctx, roomJid);
  const rows = await ctx.api.call<Array<{ username: string; domain: string; affiliation: string }>>(
    'get_room_affiliations', { name, service });
  return rows.filter((r) => r.affiliation === 'member' || r.affiliation === 'admin' || r.affiliation === 'owner')
    .map((r) => `${r.username}@${r.domain}`).sort();
}

async function groupRow(ctx: ChatContext, roomJid: string): Promise<{ name: string; created_by_jid: string | null }> {
  const rows = await ctx.db.query<Array<{ name: string; created_by_jid: string | null }>>(
    `SELECT g.name, CONCAT(a.username, '@', d.name) AS created_by_jid FROM chat_groups g
       LEFT JOIN accounts a ON a.id = g.created_by LEFT JOIN domains d ON d.id = a.domain_id
      WHERE g.room_jid = ?`, [roomJid]);
  if (!rows.length) throw new ChatError('not_found', `unknown group ${roomJid}`);
  return rows[0];
}

export async function getGroup(ctx: ChatContext, roomJid: string): Promise<Group> {
  const row = await groupRow(ctx, roomJid);
  return { jid: roomJid, name: row.name, createdBy: row.created_by_jid, members: await groupMembers(ctx, roomJid) };
}

export async function assertMember(ctx: ChatContext, roomJid: string, userJid: string): Promise<void> {
  const members = await groupMembers(ctx, roomJid);
  if (!members.includes(userJid.split('/')[0].toLowerCase())) throw new ChatError('forbidden', `${userJid} is not a member of ${roomJid}`);
}

async function enrol(ctx: ChatContext, roomJid: string, member: ChatAccount): Promise<void> {
  const { name, service } = roomParts(ctx, roomJid);
  await ctx.api.ok('set_room_affiliation', { name, service, jid: member.jid, affiliation: 'member' });
  await ctx.api.call('subscribe_room', { user: member.jid, nick: member.username, room: roomJid, nodes: MUCSUB_NODES.join(',') });
}

async function addChecked(ctx: ChatContext, roomJid: string, member: ChatAccount): Promise<void> {
  const members = await groupMembers(ctx, roomJid);
  if (members.includes(member.jid)) return;
  if (members.length >= ctx.settings.maxGroupMembers) {
    throw new ChatError('limit', `a group has at most ${ctx.settings.maxGroupMembers} members`);
  }
  await enrol(ctx, roomJid, member);
}

/** Creates a group with its creator and the given members (creator included in the limit). */
export async function createGroup(ctx: ChatContext, creatorJid: string, name: string, memberJids: readonly string[] = []): Promise<Group> {
  const title = checkName(name);
  const creator = await accountByJid(ctx, creatorJid);
  const unique = [...new Set(memberJids.map((j) => j.split('/')[0].toLowerCase()))].filter((j) => j !== creator.jid);
  if (unique.length + 1 > ctx.settings.maxGroupMembers) {
    throw new ChatError('limit', `a group has at most ${ctx.settings.maxGroupMembers} members`);
  }
  const members = await Promise.all(unique.map((j) => accountByJid(ctx, j)));
  const room = `g${randomBytes(8).toString('hex')}`;
  const roomJid = `${room}@${ctx.settings.mucHost}`;
  const opt = (n: string, v: string | number | boolean): { name: string; value: string } => ({ name: n, value: String(v) });
  await ctx.api.ok('create_room_with_opts', {
    name: room, service: ctx.settings.mucHost, host: ctx.settings.domain,
    options: [opt('title', title), opt('persistent', true), opt('members_only', true), opt('public', false),
      opt('public_list', false), opt('anonymous', false), opt('allow_user_invites', false), opt('allow_subscription', true),
      opt('mam', true), opt('max_users', ctx.settings.maxGroupMembers),
      // Not moderated: a moderated room remembers a departed member's role and would let them back in.
      opt('moderated', false)],
  });
  await ctx.db.query('INSERT INTO chat_groups (room_jid, name, created_by) VALUES (?, ?, ?)', [roomJid, title, creator.id]);
  for (const m of [creator, ...members]) await enrol(ctx, roomJid, m);
  return getGroup(ctx, roomJid);
}

async function assertCreator(ctx: ChatContext, roomJid: string, actorJid: string): Promise<void> {
  const row = await groupRow(ctx, roomJid);
  if (row.created_by_jid !== actorJid.split('/')[0].toLowerCase()) throw new ChatError('forbidden', 'only the group\'s creator may do this');
}

export async function renameGroup(ctx: ChatContext, actorJid: string, roomJid: string, name: string): Promise<void> {
  const title = checkName(name);
  await assertMember(ctx, roomJid, actorJid);
  const { name: room, service } = roomParts(ctx, roomJid);
  await ctx.api.ok('change_room_option', { name: room, service, option: 'title', value: title });
  await ctx.db.query('UPDATE chat_groups SET name = ? WHERE room_jid = ?', [title, roomJid]);
}

export async function deleteGroup(ctx: ChatContext, actorJid: string, roomJid: string): Promise<void> {
  await assertCreator(ctx, roomJid, actorJid);
  const { name, service } = roomParts(ctx, roomJid);
  await ctx.api.ok('destroy_room', { name, service });
  await ctx.db.query('DELETE FROM chat_groups WHERE room_jid = ?', [roomJid]);
  await ctx.db.query('DELETE FROM chat_conversation_settings WHERE peer_jid = ?', [roomJid]);
}

/** A member invites a contact: they become a member at once (and get a XEP-0249 invitation). */
export async function inviteToGroup(ctx: ChatContext, inviterJid: string, roomJid: string, inviteeJid: string): Promise<void> {
  await assertMember(ctx, roomJid, inviterJid);
  const invitee = await accountByJid(ctx, inviteeJid);
  await addChecked(ctx, roomJid, invitee);
  const { name, service } = roomParts(ctx, roomJid);
  await ctx.api.call('send_direct_invitation', { name, service, password: '', reason: `${inviterJid.split('/')[0]} invites you`, users: invitee.jid });
}

/** The creator adds a member (same limit). */
export async function addMember(ctx: ChatContext, actorJid: string, roomJid: string, memberJid: string): Promise<void> {
  await assertCreator(ctx, roomJid, actorJid);
  await addChecked(ctx, roomJid, await accountByJid(ctx, memberJid));
}

async function drop(ctx: ChatContext, roomJid: string, memberJid: string): Promise<void> {
  const { name, service } = roomParts(ctx, roomJid);
  await ctx.api.call('unsubscribe_room', { user: memberJid, room: roomJid });
  // Affiliation none in a members-only room also removes the member if they are in the room now.
  await ctx.api.ok('set_room_affiliation', { name, service, jid: memberJid, affiliation: 'none' });
}

export async function removeMember(ctx: ChatContext, actorJid: string, roomJid: string, memberJid: string): Promise<void> {
  await assertCreator(ctx, roomJid, actorJid);
  await assertMember(ctx, roomJid, memberJid);
  await drop(ctx, roomJid, memberJid.split('/')[0].toLowerCase());
}

export async function leaveGroup(ctx: ChatContext, userJid: string, roomJid: string): Promise<void> {
  await assertMember(ctx, roomJid, userJid);
  await drop(ctx, roomJid, userJid.split('/')[0].toLowerCase());
}

/** Rooms a user belongs to (their MucSub subscriptions, which membership keeps in step). */
export async function groupsOf(ctx: ChatContext, userJid: string): Promise<string[]> {
  const rows = await ctx.db.query<Array<{ room: string; host: string }>>(
    'SELECT room, host FROM muc_room_subscribers WHERE jid = ? ORDER BY room', [userJid.split('/')[0].toLowerCase()]);
  return rows.map((r) => `${r.room}@${r.host}`);
}
