// Refresh tokens (hashed, rotated, families) and one-time link tokens (single use).
import type { Queryable, WriteResult } from '@openline/db';
import { num } from '@openline/db';

export interface RefreshRow {
  id: number;
  family: string;
  accountId: number;
  deviceId: number | null;
  expiresAt: Date;
  revokedAt: Date | null;
  replacedAt: Date | null;
}

export class RefreshTokensRepo {
  constructor(private readonly db: Queryable) {}

  async insert(hash: string, family: string, accountId: number, deviceId: number, expiresAt: Date): Promise<void> {
    await this.db.query('INSERT INTO refresh_tokens (token_hash, family, account_id, device_id, expires_at) VALUES (?, ?, ?, ?, ?)',
      [hash, family, accountId, deviceId, expiresAt]);
  }

  async byHash(hash: string): Promise<RefreshRow | undefined> {
    const rows = await this.db.query<Array<{ id: number; family: string; account_id: number; device_id: number | null;
      expires_at: Date; revoked_at: Date | null; replaced_at: Date | null }>>(
      'SELECT id, family, account_id, device_id, expires_at, revoked_at, replaced_at FROM refresh_tokens WHERE token_hash = ?', [hash]);
    const r = rows[0];
    return r ? {
      id: num(r.id), family: r.family, accountId: num(r.account_id), deviceId: r.device_id === null ? null : num(r.device_id),
      expiresAt: r.expires_at, revokedAt: r.revoked_at, replacedAt: r.replaced_at,
    } : undefined;
  }

  /** Marks a token used by a rotation; false when another request rotated it first. */
  async markReplaced(id: number, at: Date): Promise<boolean> {
    const r = await this.db.query<WriteResult>(
      'UPDATE refresh_tokens SET replaced_at = ? WHERE id = ? AND replaced_at IS NULL AND revoked_at IS NULL', [at, id]);
    return r.affectedRows === 1;
  }

  async revokeFamily(family: string, at: Date): Promise<void> {
    await this.db.query('UPDATE refresh_tokens SET revoked_at = ? WHERE family = ? AND revoked_at IS NULL', [at, family]);
  }

  /** Revokes every session of a device; returns the session ids. */
  async revokeDevice(deviceId: number, at: Date): Promise<string[]> {
    const rows = await this.db.query<Array<{ family: string }>>('SELECT DISTINCT family FROM refresh_tokens WHERE device_id = ?', [deviceId]);
    await this.db.query('UPDATE refresh_tokens SET revoked_at = ? WHERE device_id = ? AND revoked_at IS NULL', [at, deviceId]);
    return rows.map((r) => r.family);
  }

  /** Revokes every session of an account except one; returns the session ids. */
  async revokeAccount(accountId: number, at: Date, exceptFamily = ''): Promise<string[]> {
    const rows = await this.db.query<Array<{ family: string }>>(
      'SELECT DISTINCT family FROM refresh_tokens WHERE account_id = ? AND family <> ? AND revoked_at IS NULL', [accountId, exceptFamily]);
    await this.db.query('UPDATE refresh_tokens SET revoked_at = ? WHERE account_id = ? AND family <> ? AND revoked_at IS NULL',
      [at, accountId, exceptFamily]);
    return rows.map((r) => r.family);
  }
}

export type ActionPurpose = 'activate' | 'reset' | 'invite';

export interface ActionRow {
  id: string;
  purpose: ActionPurpose;
  accountId: number | null;
  circleId: number | null;
  expiresAt: Date;
  usedAt: Date | null;
}

export class ActionTokensRepo {
  constructor(private readonly db: Queryable) {}

  async create(id: string, purpose: ActionPurpose, accountId: number | null, circleId: number | null, expiresAt: Date): Promise<void> {
    await this.db.query('INSERT INTO action_tokens (id, purpose, account_id, circle_id, expires_at) VALUES (?, ?, ?, ?, ?)',
      [id, purpose, accountId, circleId, expiresAt]);
  }

  async get(id: string): Promise<ActionRow | undefined> {
    const rows = await this.db.query<Array<{ id: string; purpose: ActionPurpose; account_id: number | null; circle_id: number | null;
      expires_at: Date; used_at: Date | null }>>('SELECT id, purpose, account_id, circle_id, expires_at, used_at FROM action_tokens WHERE id = ?', [id]);
    const r = rows[0];
    return r ? {
      id: r.id, purpose: r.purpose, accountId: r.account_id === null ? null : num(r.account_id),
      circleId: r.circle_id === null ? null : num(r.circle_id), expiresAt: r.expires_at, usedAt: r.used_at,
    } : undefined;
  }

  /** Single use: true for the one caller that marks it. */
  async use(id: string, by: number | null, at: Date): Promise<boolean> {
    const r = await this.db.query<WriteResult>('UPDATE action_tokens SET used_at = ?, used_by = ? WHERE id = ? AND used_at IS NULL', [at, by, id]);
    return r.affectedRows === 1;
  }

  /** Whether the account has an unused, unexpired link of this purpose. */
  async hasLive(accountId: number, purpose: ActionPurpose, now: Date): Promise<boolean> {
    const rows = await this.db.query<unknown[]>(
      'SELECT 1 FROM action_tokens WHERE account_id = ? AND purpose = ? AND used_at IS NULL AND expires_at > ? LIMIT 1', [accountId, purpose, now]);
    return rows.length > 0;
  }

  /** Outstanding links of an account and purpose stop working (a newer one was sent, or the password changed). */
  async expireFor(accountId: number, purpose: ActionPurpose, at: Date): Promise<void> {
    await this.db.query('UPDATE action_tokens SET used_at = ? WHERE account_id = ? AND purpose = ? AND used_at IS NULL', [at, accountId, purpose]);
  }
}
