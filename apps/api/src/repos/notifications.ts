// Notification rows per account (what a chat/push deliverer reads, and GET /v1/me/notifications).
import type { Queryable, WriteResult } from '@openline/db';
import { num } from '@openline/db';

export interface NotificationRow {
  id: number;
  kind: string;
  payload: unknown;
  createdAt: Date;
  readAt: Date | null;
}

export class NotificationsRepo {
  constructor(private readonly db: Queryable) {}

  async add(accountId: number, kind: string, payload: unknown): Promise<number> {
    const r = await this.db.query<WriteResult>('INSERT INTO notifications (account_id, kind, payload) VALUES (?, ?, ?)',
      [accountId, kind, JSON.stringify(payload)]);
    return num(r.insertId);
  }

  async list(accountId: number, o: { unreadOnly: boolean; afterId: number; limit: number }): Promise<NotificationRow[]> {
    const rows = await this.db.query<Array<{ id: number; kind: string; payload: string | object; created_at: Date; read_at: Date | null }>>(
      `SELECT id, kind, payload, created_at, read_at FROM notifications WHERE account_id = ? AND id > ?
       ${o.unreadOnly ? 'AND read_at IS NULL' : ''} ORDER BY id LIMIT ?`, [accountId, o.afterId, o.limit]);
    return rows.map((r) => ({
      id: num(r.id), kind: r.kind, payload: typeof r.payload === 'string' ? JSON.parse(r.payload) as unknown : r.payload,
      createdAt: r.created_at, readAt: r.read_at,
    }));
  }

  async markRead(accountId: number, ids: readonly number[] | undefined, at: Date): Promise<number> {
    const r = ids === undefined
      ? await this.db.query<WriteResult>('UPDATE notifications SET read_at = ? WHERE account_id = ? AND read_at IS NULL', [at, accountId])
      : ids.length === 0 ? { affectedRows: 0, insertId: 0 }
        : await this.db.query<WriteResult>(
          `UPDATE notifications SET read_at = ? WHERE account_id = ? AND read_at IS NULL AND id IN (${ids.map(() => '?').join(',')})`,
          [at, accountId, ...ids]);
    return r.affectedRows;
  }
}
