// The API's reads and profile writes on accounts (credentials go through @openline/db AccountRepo,
// which keeps HA1 values and the sealed SIP password in step).
import type { Queryable, WriteResult } from '@openline/db';
import { num } from '@openline/db';

export type AccountStatus = 'active' | 'disabled' | 'pending';

export interface AccountView {
  id: number;
  username: string;
  domain: string;
  phone: string | null;
  email: string | null;
  displayName: string | null;
  country: string | null;
  timeZone: string | null;
  language: string | null;
  status: AccountStatus;
  hasWebPassword: boolean;
  avatarFile: string | null;
  avatarUpdatedAt: Date | null;
  createdAt: Date;
}

interface Row {
  id: number; username: string; domain: string; phone: string | null; email: string | null; display_name: string | null;
  country: string | null; time_zone: string | null; language: string | null; status: AccountStatus; has_web: number;
  avatar_file: string | null; avatar_updated_at: Date | null; created_at: Date;
}

const SELECT = `SELECT a.id, a.username, d.name AS domain, a.phone, a.email, a.display_name, a.country, a.time_zone,
  a.language, a.status, a.password_hash IS NOT NULL AS has_web, a.avatar_file, a.avatar_updated_at, a.created_at
  FROM accounts a JOIN domains d ON d.id = a.domain_id`;

function toView(r: Row): AccountView {
  return {
    id: num(r.id), username: r.username, domain: r.domain, phone: r.phone, email: r.email, displayName: r.display_name,
    country: r.country, timeZone: r.time_zone, language: r.language, status: r.status, hasWebPassword: num(r.has_web) === 1,
    avatarFile: r.avatar_file, avatarUpdatedAt: r.avatar_updated_at, createdAt: r.created_at,
  };
}

export interface ProfileChanges {
  displayName?: string | null;
  country?: string | null;
  timeZone?: string | null;
  language?: string | null;
}

export class AccountsRepo {
  constructor(private readonly db: Queryable, private readonly domain: string) {}

  private async one(where: string, values: unknown[]): Promise<AccountView | undefined> {
    const rows = await this.db.query<Row[]>(`${SELECT} WHERE ${where} LIMIT 1`, values);
    return rows.length ? toView(rows[0]) : undefined;
  }

  byId(id: number): Promise<AccountView | undefined> {
    return this.one('a.id = ?', [id]);
  }

  /** A username of this API's domain. */
  byUsername(username: string): Promise<AccountView | undefined> {
    return this.one('a.username = ? AND d.name = ?', [username, this.domain]);
  }

  byPhone(e164: string): Promise<AccountView | undefined> {
    return this.one('a.phone = ?', [e164]);
  }

  byEmail(email: string): Promise<AccountView | undefined> {
    return this.one('a.email = ? AND d.name = ? ORDER BY a.status = \'active\' DESC', [email, this.domain]);
  }

  /** Active accounts whose phone is one of these numbers. */
  async byPhones(e164s: readonly string[]): Promise<AccountView[]> {
    if (e164s.length === 0) return [];
    const rows = await this.db.query<Row[]>(`${SELECT} WHERE a.status = 'active' AND a.phone IN (${e164s.map(() => '?').join(',')})`, [...e164s]);
    return rows.map(toView);
  }

  async updateProfile(id: number, c: ProfileChanges): Promise<void> {
    const sets: string[] = [];
    const values: unknown[] = [];
    const cols: Array<[keyof ProfileChanges, string]> = [
      ['displayName', 'display_name'], ['country', 'country'], ['timeZone', 'time_zone'], ['language', 'language'],
    ];
    for (const [k, col] of cols) {
      if (c[k] !== undefined) { sets.push(`${col} = ?`); values.push(c[k]); }
    }
    if (sets.length === 0) return;
    await this.db.query<WriteResult>(`UPDATE accounts SET ${sets.join(', ')} WHERE id = ?`, [...values, id]);
  }

  async setAvatar(id: number, file: string | null, at: Date): Promise<void> {
    await this.db.query('UPDATE accounts SET avatar_file = ?, avatar_updated_at = ? WHERE id = ?', [file, file ? at : null, id]);
  }

  async setStatus(id: number, status: AccountStatus): Promise<void> {
    await this.db.query('UPDATE accounts SET status = ? WHERE id = ?', [status, id]);
  }

  async remove(id: number): Promise<void> {
    await this.db.query('DELETE FROM accounts WHERE id = ?', [id]);
  }
}

/** What other users may see of an account. */
export interface PublicUser {
  id: number;
  username: string;
  displayName: string | null;
  hasAvatar: boolean;
}

export function publicUser(a: Pick<AccountView, 'id' | 'username' | 'displayName' | 'avatarFile'>): PublicUser {
  return { id: a.id, username: a.username, displayName: a.displayName, hasAvatar: a.avatarFile !== null };
}

/** The stored web password hash (scrypt), for sign-in. */
export async function webPasswordHash(db: Queryable, id: number): Promise<string | null> {
  const rows = await db.query<Array<{ password_hash: string | null }>>('SELECT password_hash FROM accounts WHERE id = ?', [id]);
  return rows[0]?.password_hash ?? null;
}
