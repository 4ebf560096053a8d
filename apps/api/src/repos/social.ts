// Favourites, blocks and reports between accounts.
import type { Queryable, WriteResult } from '@openline/db';
import { num } from '@openline/db';

export interface UserRef {
  id: number;
  username: string;
  displayName: string | null;
  hasAvatar: boolean;
}

type UserRow = { id: number; username: string; display_name: string | null; avatar_file: string | null };

function toUser(r: UserRow): UserRef {
  return { id: num(r.id), username: r.username, displayName: r.display_name, hasAvatar: r.avatar_file !== null };
}

export type ReportReason = 'spam' | 'abuse' | 'impersonation' | 'inappropriate' | 'other';

export class SocialRepo {
  constructor(private readonly db: Queryable) {}

  /** Pins a person; without a position it goes after the current last one. */
  async setFavourite(accountId: number, targetId: number, position?: number): Promise<number> {
    let pos = position;
    if (pos === undefined) {
      const rows = await this.db.query<Array<{ p: number | null }>>('SELECT MAX(position) AS p FROM favourites WHERE account_id = ?', [accountId]);
      const existing = await this.db.query<Array<{ position: number }>>(
        'SELECT position FROM favourites WHERE account_id = ? AND target_id = ?', [accountId, targetId]);
      pos = existing.length ? num(existing[0].position) : rows[0]?.p === null || rows[0]?.p === undefined ? 0 : num(rows[0].p) + 1;
    }
    await this.db.query(
      'INSERT INTO favourites (account_id, target_id, position) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE position = VALUES(position)',
      [accountId, targetId, pos]);
    return pos;
  }

  async removeFavourite(accountId: number, targetId: number): Promise<boolean> {
    return (await this.db.query<WriteResult>('DELETE FROM favourites WHERE account_id = ? AND target_id = ?', [accountId, targetId])).affectedRows > 0;
  }

  async favourites(accountId: number): Promise<Array<UserRef & { position: number }>> {
    const rows = await this.db.query<Array<UserRow & { position: number }>>(
      `SELECT a.id, a.username, a.display_name, a.avatar_file, f.position FROM favourites f JOIN accounts a ON a.id = f.target_id
       WHERE f.account_id = ? ORDER BY f.position, f.created_at, a.id`, [accountId]);
    return rows.map((r) => ({ ...toUser(r), position: num(r.position) }));
  }

  async block(blocker: number, blocked: number): Promise<void> {
    await this.db.query('INSERT IGNORE INTO blocks (blocker_id, blocked_id) VALUES (?, ?)', [blocker, blocked]);
  }

  async unblock(blocker: number, blocked: number): Promise<boolean> {
    return (await this.db.query<WriteResult>('DELETE FROM blocks WHERE blocker_id = ? AND blocked_id = ?', [blocker, blocked])).affectedRows > 0;
  }

  async blocked(blocker: number): Promise<Array<UserRef & { since: Date }>> {
    const rows = await this.db.query<Array<UserRow & { created_at: Date }>>(
      `SELECT a.id, a.username, a.display_name, a.avatar_file, b.created_at FROM blocks b JOIN accounts a ON a.id = b.blocked_id
       WHERE b.blocker_id = ? ORDER BY b.created_at, a.id`, [blocker]);
    return rows.map((r) => ({ ...toUser(r), since: r.created_at }));
  }

  async report(reporter: number, reported: number, reason: ReportReason, details: string | null): Promise<number> {
    const r = await this.db.query<WriteResult>('INSERT INTO reports (reporter_id, reported_id, reason, details) VALUES (?, ?, ?, ?)',
      [reporter, reported, reason, details]);
    return num(r.insertId);
  }
}
