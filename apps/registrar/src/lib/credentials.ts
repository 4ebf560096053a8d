// Account credentials for digest authentication, read from MariaDB (stored HA1 values, never a
// password), cached for registrar.credentialCacheSeconds: refreshes (every NAT keepalive period)
// then cost no query. A failed check against a cached entry is retried with a fresh read, so a
// new password works at once; a revoked one keeps working until its entry expires. Also the set
// of domains we serve. Negative answers are cached too, so unknown users cost no query.
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

  get caches(): boolean {
    return this.ttlMs > 0;
  }

  /** Cached credentials (or undefined = unknown user); `fresh` skips the cache. */
  async lookup(username: string, realm: string, fresh = false): Promise<AccountCredentials | undefined> {
    const key = `${username}@${realm}`;
    const t = this.now();
    const hit = fresh ? undefined : this.cache.get(key);
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

  /** The cached answer, if fresh; undefined when the database must be asked. */
  cached(domain: string): boolean | undefined {
    const hit = this.known.get(domain);
    return hit && hit.until > this.now() ? hit.value : undefined;
  }

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
