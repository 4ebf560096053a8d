// Reports for moderators, from both places they are stored: `chat_reports` (a message reported
// through POST /v1/reports/messages — with its text and the surrounding messages — or a user
// reported through the chat library) and `reports` (a user reported through POST /v1/reports).
// One list, newest first, in keyset pages: the cursor is the last item's (created_at, source, id),
// so reports filed while an operator pages through never shift a page.
import type { Pool } from '@openline/db';
import { badRequest } from '../errors';

export type ReportSource = 'chat' | 'account';
export type ReportKind = 'message' | 'user';

export interface ModerationReport {
  /** `chat-<id>` or `account-<id>`: unique across both tables. */
  id: string;
  source: ReportSource;
  kind: ReportKind;
  reporter: { accountId: number | null; jid: string | null };
  target: { accountId: number | null; jid: string | null };
  conversation: string | null;
  messageId: string | null;
  content: string | null;
  context: Array<{ id: string; from: string; body: string; at: string }>;
  reason: string;
  details: string | null;
  status: 'open' | 'closed';
  createdAt: string;
}

interface Cursor { t: number; s: ReportSource; id: number }

/** Sort order within one created_at millisecond: 'chat' after 'account'. */
const RANK: Record<ReportSource, number> = { account: 0, chat: 1 };

export function encodeReportCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify(c)).toString('base64url');
}

export function decodeReportCursor(text: string): Cursor {
  try {
    const c = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as Partial<Cursor>;
    if (typeof c.t === 'number' && Number.isFinite(c.t) && (c.s === 'chat' || c.s === 'account') && Number.isInteger(c.id)) {
      return { t: c.t, s: c.s, id: c.id as number };
    }
  } catch { /* fall through */ }
  throw badRequest('cursor', 'cursor: not a cursor this endpoint returned');
}

/** Rows of `source` strictly after the cursor in (created_at DESC, rank DESC, id DESC) order. */
function after(source: ReportSource, c: Cursor | undefined, alias: string): { sql: string; args: unknown[] } {
  if (!c) return { sql: '1 = 1', args: [] };
  const at = new Date(c.t);
  if (RANK[source] < RANK[c.s]) return { sql: `${alias}.created_at <= ?`, args: [at] };
  if (RANK[source] > RANK[c.s]) return { sql: `${alias}.created_at < ?`, args: [at] };
  return { sql: `(${alias}.created_at < ? OR (${alias}.created_at = ? AND ${alias}.id < ?))`, args: [at, at, c.id] };
}

type ChatRow = { id: number; reporter_id: number | null; reporter_jid: string; target_jid: string; target_id: number | null;
  conversation: string | null; stanza_id: string | null; content: string | null; context: string | null; reason: string;
  status: 'open' | 'closed'; created_at: Date };
type AccountRow = { id: number; reporter_id: number; reporter_jid: string | null; reported_id: number; reported_jid: string | null;
  reason: string; details: string | null; created_at: Date };

function parseContext(text: string | null): ModerationReport['context'] {
  if (!text) return [];
  try {
    const v = JSON.parse(text) as unknown;
    return Array.isArray(v) ? v as ModerationReport['context'] : [];
  } catch {
    return [];
  }
}

export async function listModerationReports(pool: Pool, o: { kind?: ReportKind; limit: number; cursor?: string }):
  Promise<{ items: ModerationReport[]; nextCursor: string | null }> {
  const cursor = o.cursor === undefined ? undefined : decodeReportCursor(o.cursor);
  const take = o.limit + 1;
  const chatWhere = after('chat', cursor, 'r');
  const kindSql = o.kind === 'message' ? ' AND r.stanza_id IS NOT NULL' : o.kind === 'user' ? ' AND r.stanza_id IS NULL' : '';
  const chatRows = await pool.query<ChatRow[]>(
    `SELECT r.id, r.reporter_id, r.reporter_jid, r.target_jid, t.id AS target_id, r.conversation, r.stanza_id, r.content, r.context,
            r.reason, r.status, r.created_at
       FROM chat_reports r
       LEFT JOIN domains td ON td.name = SUBSTRING_INDEX(r.target_jid, '@', -1)
       LEFT JOIN accounts t ON t.domain_id = td.id AND t.username = SUBSTRING_INDEX(r.target_jid, '@', 1)
      WHERE ${chatWhere.sql}${kindSql}
      ORDER BY r.created_at DESC, r.id DESC LIMIT ?`, [...chatWhere.args, take]);
  let accountRows: AccountRow[] = [];
  if (o.kind !== 'message') {
    const w = after('account', cursor, 'r');
    accountRows = await pool.query<AccountRow[]>(
      `SELECT r.id, r.reporter_id, CONCAT(a.username, '@', ad.name) AS reporter_jid, r.reported_id,
              CONCAT(b.username, '@', bd.name) AS reported_jid, r.reason, r.details, r.created_at
         FROM reports r
         LEFT JOIN accounts a ON a.id = r.reporter_id LEFT JOIN domains ad ON ad.id = a.domain_id
         LEFT JOIN accounts b ON b.id = r.reported_id LEFT JOIN domains bd ON bd.id = b.domain_id
        WHERE ${w.sql}
        ORDER BY r.created_at DESC, r.id DESC LIMIT ?`, [...w.args, take]);
  }
  const merged: Array<{ key: Cursor; item: ModerationReport }> = [
    ...chatRows.map((r) => ({
      key: { t: r.created_at.getTime(), s: 'chat' as const, id: Number(r.id) },
      item: {
        id: `chat-${r.id}`, source: 'chat' as const, kind: (r.stanza_id ? 'message' : 'user') as ReportKind,
        reporter: { accountId: r.reporter_id === null ? null : Number(r.reporter_id), jid: r.reporter_jid },
        target: { accountId: r.target_id === null ? null : Number(r.target_id), jid: r.target_jid },
        conversation: r.conversation, messageId: r.stanza_id, content: r.content, context: parseContext(r.context),
        reason: r.reason, details: null, status: r.status, createdAt: r.created_at.toISOString(),
      },
    })),
    ...accountRows.map((r) => ({
      key: { t: r.created_at.getTime(), s: 'account' as const, id: Number(r.id) },
      item: {
        id: `account-${r.id}`, source: 'account' as const, kind: 'user' as const,
        reporter: { accountId: Number(r.reporter_id), jid: r.reporter_jid },
        target: { accountId: Number(r.reported_id), jid: r.reported_jid },
        conversation: null, messageId: null, content: null, context: [],
        reason: r.reason, details: r.details, status: 'open' as const, createdAt: r.created_at.toISOString(),
      },
    })),
  ];
  merged.sort((a, b) => b.key.t - a.key.t || RANK[b.key.s] - RANK[a.key.s] || b.key.id - a.key.id);
  const page = merged.slice(0, o.limit);
  const more = merged.length > o.limit;
  return { items: page.map((p) => p.item), nextCursor: more ? encodeReportCursor(page[page.length - 1].key) : null };
}
