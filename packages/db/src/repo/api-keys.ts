// Operator API keys (db/migrations/0007_api_keys.sql): created by `ctl apikey`, checked by the
// API on every operator request. Key = "ol_" + 43 base64url characters (32 random bytes); only
// its SHA-256 is stored, found by the first 8 characters and compared in constant time.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { duplicate, ER_DUP_ENTRY, invalid, notFound, sqlErrno } from '../errors';
import { num, Queryable } from '../queryable';

export type ApiKeyScope = 'read' | 'export';
export const API_KEY_SCOPES: readonly ApiKeyScope[] = ['read', 'export'];
export const API_KEY_PREFIX = 'ol_';
const KEY_RE = /^ol_[A-Za-z0-9_-]{43}$/;
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9 ._@-]{0,63}$/;

export interface ApiKey {
  id: number;
  name: string;
  /** The first 8 characters after "ol_": shown in lists so an operator can tell keys apart. */
  prefix: string;
  scopes: ApiKeyScope[];
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

interface ApiKeyRow {
  /** A SET column: the driver gives an array (or a comma-separated string). */
  id: number; name: string; prefix: string; key_hash: Buffer; scopes: string | string[]; created_at: Date;
  last_used_at: Date | null; revoked_at: Date | null;
}

const COLUMNS = 'id, name, prefix, key_hash, scopes, created_at, last_used_at, revoked_at';

function toKey(r: ApiKeyRow): ApiKey {
  return {
    id: num(r.id), name: r.name, prefix: r.prefix,
    scopes: (Array.isArray(r.scopes) ? r.scopes : r.scopes.split(',')).filter((x) => x !== '') as ApiKeyScope[],
    createdAt: r.created_at, lastUsedAt: r.last_used_at, revokedAt: r.revoked_at,
  };
}

export function hashApiKey(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

/** True when the text has the shape of an operator key (not proof that it is valid). */
export function looksLikeApiKey(text: string): boolean {
  return KEY_RE.test(text);
}

export function checkScopes(scopes: readonly string[]): ApiKeyScope[] {
  if (scopes.length === 0) throw invalid(`scopes: give at least one of ${API_KEY_SCOPES.join(', ')}`);
  for (const s of scopes) {
    if (!(API_KEY_SCOPES as readonly string[]).includes(s)) throw invalid(`scopes: unknown scope '${s}' (${API_KEY_SCOPES.join(', ')})`);
  }
  return API_KEY_SCOPES.filter((s) => scopes.includes(s));
}

export class ApiKeyRepo {
  constructor(private readonly db: Queryable) {}

  /** A new key; the returned `key` is the only time the secret exists outside the caller. */
  async create(name: string, scopes: readonly string[]): Promise<{ key: string; apiKey: ApiKey }> {
    if (!NAME_RE.test(name)) throw invalid('name: 1..64 characters: letters, digits, space . _ @ -, starting with a letter or digit');
    const sc = checkScopes(scopes);
    for (let attempt = 0; ; attempt++) {
      const key = API_KEY_PREFIX + randomBytes(32).toString('base64url');
      const prefix = key.slice(API_KEY_PREFIX.length, API_KEY_PREFIX.length + 8);
      try {
        await this.db.query('INSERT INTO api_keys (name, prefix, key_hash, scopes) VALUES (?, ?, ?, ?)',
          [name, prefix, hashApiKey(key), sc.join(',')]);
      } catch (err) {
        if (sqlErrno(err) !== ER_DUP_ENTRY) throw err;
        if (await this.find(name)) throw duplicate(`an API key named '${name}' exists (revoked keys keep their names)`);
        if (attempt < 3) continue; // prefix collision (2^-48 per pair): draw again
        throw err;
      }
      return { key, apiKey: await this.get(name) };
    }
  }

  async list(): Promise<ApiKey[]> {
    return (await this.db.query<ApiKeyRow[]>(`SELECT ${COLUMNS} FROM api_keys ORDER BY id`)).map(toKey);
  }

  /** By name, by prefix, or by numeric id. */
  async find(ref: string): Promise<ApiKey | undefined> {
    const rows = /^\d+$/.test(ref)
      ? await this.db.query<ApiKeyRow[]>(`SELECT ${COLUMNS} FROM api_keys WHERE id = ? OR name = ?`, [Number(ref), ref])
      : await this.db.query<ApiKeyRow[]>(`SELECT ${COLUMNS} FROM api_keys WHERE name = ? OR prefix = ?`, [ref, ref]);
    return rows.length ? toKey(rows[0]) : undefined;
  }

  async get(ref: string): Promise<ApiKey> {
    const k = await this.find(ref);
    if (!k) throw notFound(`unknown API key '${ref}'`);
    return k;
  }

  /** Revokes at once (the API checks the row on every request); revoking twice is refused. */
  async revoke(ref: string): Promise<ApiKey> {
    const k = await this.get(ref);
    if (k.revokedAt) throw notFound(`API key '${k.name}' is already revoked`);
    await this.db.query('UPDATE api_keys SET revoked_at = CURRENT_TIMESTAMP(3) WHERE id = ? AND revoked_at IS NULL', [k.id]);
    return this.get(String(k.id));
  }

  /**
   * The key's record when the presented text is a stored key (revoked or not: the caller decides);
   * undefined otherwise. The prefix only locates the row; the hash comparison is constant-time.
   */
  async verify(presented: string): Promise<ApiKey | undefined> {
    if (!looksLikeApiKey(presented)) return undefined;
    const prefix = presented.slice(API_KEY_PREFIX.length, API_KEY_PREFIX.length + 8);
    const rows = await this.db.query<ApiKeyRow[]>(`SELECT ${COLUMNS} FROM api_keys WHERE prefix = ?`, [prefix]);
    if (!rows.length) return undefined;
    const stored = Buffer.from(rows[0].key_hash);
    return stored.length === 32 && timingSafeEqual(stored, hashApiKey(presented)) ? toKey(rows[0]) : undefined;
  }

  async touch(id: number): Promise<void> {
    await this.db.query('UPDATE api_keys SET last_used_at = CURRENT_TIMESTAMP(3) WHERE id = ?', [id]);
  }
}
