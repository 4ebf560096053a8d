// Reports of a message or a user, stored for moderators with the reported text and its context
// (the messages around it in the reporter's view of the conversation, as they were then).
import { accountByJid, ChatContext } from '../context';
import { ChatError } from '../errors';
import { archiveOwnerFor, archiveRows, foldHistory, selfIn } from '../archive/history';

export interface Report {
  id: number;
  reporter: string;
  target: string;
  conversation: string | null;
  messageId: string | null;
  content: string | null;
  context: Array<{ id: string; from: string; body: string; at: string }>;
  reason: string;
  status: 'open' | 'closed';
  createdAt: Date;
}

const CONTEXT_US = 15 * 60 * 1000_000; // messages within 15 minutes either side

function checkReason(reason: unknown): string {
  if (typeof reason !== 'string' || !reason.trim() || reason.length > 1024) throw new ChatError('invalid', 'reason must be 1..1024 characters');
  return reason.trim();
}

/** Report one message of a conversation the reporter can see. */
export async function reportMessage(ctx: ChatContext, reporterJid: string, conversation: string, messageId: string, reason: string): Promise<number> {
  const why = checkReason(reason);
  if (!/^\d{1,20}$/.test(messageId)) throw new ChatError('invalid', 'messageId must be an archive id (stanza-id)');
  const me = await accountByJid(ctx, reporterJid);
  const ts = Number(messageId);
  const owner = archiveOwnerFor(ctx, me.jid, conversation);
  const msgs = foldHistory(await archiveRows(ctx, owner, ts - CONTEXT_US, ts + CONTEXT_US), selfIn(ctx, me.jid, conversation));
  const target = msgs.find((m) => m.id === messageId);
  if (!target) throw new ChatError('not_found', 'no such message in this conversation');
  const i = msgs.indexOf(target);
  const context = msgs.slice(Math.max(0, i - 5), i + 6).map((m) => ({ id: m.id, from: m.from, body: m.body, at: m.at.toISOString() }));
  // In a group the sender is room/nick; nick is the member's username.
  const targetJid = target.from.includes('/') ? `${target.from.split('/')[1]}@${ctx.settings.domain}` : target.from;
  const r = await ctx.db.query<{ insertId: number }>(
    `INSERT INTO chat_reports (reporter_id, reporter_jid, target_jid, conversation, stanza_id, content, context, reason)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    [me.id, me.jid, targetJid, conversation, messageId, target.body, JSON.stringify(context), why]);
  return Number(r.insertId);
}

/** Report a user (no particular message). */
export async function reportUser(ctx: ChatContext, reporterJid: string, targetJid: string, reason: string): Promise<number> {
  const why = checkReason(reason);
  const me = await accountByJid(ctx, reporterJid);
  const target = await accountByJid(ctx, targetJid);
  const r = await ctx.db.query<{ insertId: number }>(
    'INSERT INTO chat_reports (reporter_id, reporter_jid, target_jid, reason) VALUES (?, ?, ?, ?)', [me.id, me.jid, target.jid, why]);
  return Number(r.insertId);
}

/** For the operator endpoint: reports, newest first. */
export async function listReports(ctx: ChatContext, filter: { status?: 'open' | 'closed'; limit?: number } = {}): Promise<Report[]> {
  const limit = Math.min(Math.max(filter.limit ?? 100, 1), 1000);
  const rows = await ctx.db.query<Array<{ id: number; reporter_jid: string; target_jid: string; conversation: string | null; stanza_id: string | null;
    content: string | null; context: string | null; reason: string; status: 'open' | 'closed'; created_at: Date }>>(
    `SELECT id, reporter_jid, target_jid, conversation, stanza_id, content, context, reason, status, created_at FROM chat_reports
      ${filter.status ? 'WHERE status = ?' : ''} ORDER BY id DESC LIMIT ?`, filter.status ? [filter.status, limit] : [limit]);
  return rows.map((r) => ({
    id: Number(r.id), reporter: r.reporter_jid, target: r.target_jid, conversation: r.conversation, messageId: r.stanza_id,
    content: r.content, context: r.context ? JSON.parse(r.context) as Report['context'] : [], reason: r.reason, status: r.status,
    createdAt: r.created_at,
  }));
}

export async function closeReport(ctx: ChatContext, id: number): Promise<void> {
  await ctx.db.query("UPDATE chat_reports SET status = 'closed' WHERE id = ?", [id]);
}
