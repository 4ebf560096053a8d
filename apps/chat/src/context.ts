// What the chat API helpers need: the database (accounts, archive, chat tables), ejabberd's REST
// API, and the run's chat settings. apps/api builds one per process.
import type { Pool } from 'mariadb';
import { ChatError } from './errors';
import type { EjabberdApi } from './api/ejabberd-api';
import type { ChatSettings } from './settings';

export interface ChatContext {
  db: Pick<Pool, 'query'>;
  api: EjabberdApi;
  settings: ChatSettings;
  /** Clock, for tests of time windows. */
  now?: () => Date;
}

export interface ChatAccount {
  id: number;
  username: string;
  domain: string;
  jid: string;
  displayName: string | null;
}

/** The account behind a bare JID (or "user" in the chat domain); ChatError not_found when none. */
export async function accountByJid(ctx: ChatContext, ref: string): Promise<ChatAccount> {
  const bare = ref.split('/')[0];
  const at = bare.lastIndexOf('@');
  const [username, domain] = at > 0 ? [bare.slice(0, at), bare.slice(at + 1).toLowerCase()] : [bare, ctx.settings.domain];
  const rows = await ctx.db.query<Array<{ id: number; username: string; display_name: string | null }>>(
    `SELECT a.id, a.username, a.display_name FROM accounts a JOIN domains d ON d.id = a.domain_id
      WHERE a.username = ? AND d.name = ? AND a.status = 'active'`, [username, domain]);
  if (!rows.length) throw new ChatError('not_found', `unknown account ${bare}`);
  const r = rows[0];
  return { id: Number(r.id), username: r.username, domain, jid: `${r.username}@${domain}`, displayName: r.display_name };
}

export function isRoomJid(ctx: ChatContext, jid: string): boolean {
  return jid.split('/')[0].endsWith(`@${ctx.settings.mucHost}`);
}

export function nowOf(ctx: ChatContext): Date {
  return ctx.now ? ctx.now() : new Date();
}
