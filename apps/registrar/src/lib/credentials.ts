// Account credentials for digest authentication, read from MariaDB (stored HA1 values, never a
// password), with a short cache so a challenge/response pair costs at most one query; and the
// set of domains we serve. Negative answers are cached too, so unknown users cost no query.
import type { Queryable } from '@openline/db';
import type { Ha1Set } from '@openline/sip-auth';

export interface AccountCredentials {
  accountId: number;
  active: boolean;
  ha1: Ha1Set;
}

interface Entry<T> {
  value: T;
  until: number;
}

const MAX_ENTRIES = 100_000;

export class CredentialSource {
  private readonly cache = new Map<string, Entry<AccountCredentials | undefined>>();

  constructor(private readonly db: Queryable, private readonly ttlMs: number, private readonly now: () => number = Date.now) {}

  async lookup(username: string, realm: string): Promise<AccountCredentials | undefined> {
    const key = `${username}@${realm}`;
    const t = this.now();
    const hit = this.cache.get(key);
    if (hit && hit.until > t) return hit.value;
    const rows = await this.db.query<Array<{ id: number; ha1_md5: string; ha1_sha256: string; status: string }>>(
      `SELECT a.id, a.ha1_md5, a.ha1_sha256, a.status FROM accounts a JOIN domains d ON d.id = a.domain_id
       WHERE d.name = ? AND a.username = ?`, [realm, username]);
    const r = rows[0];
    const value = r
      ? { accountId: Number(r.id), active: r.status === 'active', ha1: { MD5: r.ha1_md5, 'SHA-256': r.ha1_sha256 } }
      : undefined;
    if (this.ttlMs > 0) {
      if (this.cache.size >= MAX_ENTRIES) this.cache.clear();
      this.cache.set(key, { value, until: t + this.ttlMs });
    }
    return value;
  }
}

/** Domains served (the domains table), refreshed on a miss at most once per TTL per name. */
export class DomainSet {
  private readonly known = new Map<string, Entry<boolean>>();

  constructor(private readonly db: Queryable, private readonly ttlMs = 30_000, private readonly now: () => number = Date.now) {}

  async serves(domain: string): Promise<boolean> {
    const t = this.now();
    const hit = this.known.get(domain);
    if (hit && hit.until > t) return hit.value;
    const rows = await this.db.query<Array<{ n: number }>>('SELECT 1 AS n FROM domains WHERE name = ?', [domain]);
    const value = rows.length > 0;
    if (this.known.size >= MAX_ENTRIES) this.known.clear();
    this.known.set(domain, { value, until: t + this.ttlMs });
    return value;
  }
}
