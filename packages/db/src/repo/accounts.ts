// Accounts: SIP identities with their credentials. The SIP password is kept as two digest HA1
// values (what a registrar needs) and as an AES-256-GCM sealed copy (so a signed-in client can be
// given it); the web password only as an scrypt hash.
import { computeHa1, encryptSecret, decryptSecret, generatePassword, hashPassword, verifyPassword } from '../crypto';
import { DataError, duplicate, ER_DUP_ENTRY, ER_ROW_IS_REFERENCED, inUse, invalid, notFound, sqlErrno } from '../errors';
import { Queryable, WriteResult, num } from '../queryable';
import {
  AccountStatus, checkCountry, checkE164, checkEmail, checkPassword, checkStatus, checkUsername,
} from '../validate';
import { ensureDomain, findDomainId } from './domains';

export interface Account {
  id: number;
  username: string;
  domain: string;
  phone: string | null;
  email: string | null;
  displayName: string | null;
  country: string | null;
  status: AccountStatus;
  hasWebPassword: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export interface NewAccount {
  username: string;
  /** Default: the repository's default domain. */
  domain?: string;
  /** SIP password; generated when absent (returned once by add()). */
  password?: string;
  webPassword?: string;
  phone?: string;
  email?: string;
  displayName?: string;
  country?: string;
  status?: string;
}

export interface AccountChanges {
  password?: string;
  webPassword?: string;
  phone?: string | null;
  email?: string | null;
  displayName?: string | null;
  country?: string | null;
  status?: string;
}

/** Associated data for the sealed SIP password: it only opens as an account's SIP password. */
const SIP_PASSWORD_CONTEXT = 'account-sip-password';

interface AccountDbRow {
  id: number; username: string; domain: string; phone: string | null; email: string | null;
  display_name: string | null; country: string | null; status: AccountStatus; has_web: number;
  created_at: Date; updated_at: Date;
}

const SELECT = `SELECT a.id, a.username, d.name AS domain, a.phone, a.email, a.display_name, a.country,
  a.status, a.password_hash IS NOT NULL AS has_web, a.created_at, a.updated_at
  FROM accounts a JOIN domains d ON d.id = a.domain_id`;

function toAccount(r: AccountDbRow): Account {
  return {
    id: num(r.id), username: r.username, domain: r.domain, phone: r.phone, email: r.email,
    displayName: r.display_name, country: r.country, status: r.status, hasWebPassword: num(r.has_web) === 1,
    createdAt: r.created_at, updatedAt: r.updated_at,
  };
}

function translate(err: unknown, what: string): never {
  if (err instanceof DataError) throw err;
  const errno = sqlErrno(err);
  if (errno === ER_DUP_ENTRY) {
    const msg = (err as Error).message;
    if (msg.includes('uq_accounts_phone')) throw duplicate(`phone number is already used by another account (${what})`);
    throw duplicate(`account ${what} already exists`);
  }
  if (errno === ER_ROW_IS_REFERENCED) throw inUse(`account ${what} still has numbers assigned; remove them first`);
  throw err;
}

export class AccountRepo {
  constructor(private readonly db: Queryable, private readonly sipPasswordKey: string,
    private readonly defaultDomain: string) {}

  /** "alice@example.com" or "alice" (default domain) -> [username, domain]. */
  parseRef(ref: string): [string, string] {
    const at = ref.lastIndexOf('@');
    const [user, domain] = at > 0 ? [ref.slice(0, at), ref.slice(at + 1)] : [ref, this.defaultDomain];
    if (!user || !domain) throw invalid(`'${ref}' is not an account (user or user@domain)`);
    return [user, domain.toLowerCase()];
  }

  private credentials(username: string, realm: string, password: string): { md5: string; sha256: string; sealed: string } {
    return {
      md5: computeHa1(username, realm, password, 'MD5'),
      sha256: computeHa1(username, realm, password, 'SHA-256'),
      sealed: encryptSecret(this.sipPasswordKey, password, SIP_PASSWORD_CONTEXT),
    };
  }

  /** Creates the account; returns it with the SIP password in clear (generated when not given). */
  async add(input: NewAccount): Promise<{ account: Account; password: string }> {
    const username = checkUsername(input.username);
    const domain = (input.domain ?? this.defaultDomain).toLowerCase();
    const password = input.password === undefined ? generatePassword() : checkPassword(input.password);
    const phone = input.phone === undefined ? null : checkE164(input.phone);
    const email = input.email === undefined ? null : checkEmail(input.email);
    const country = input.country === undefined ? null : checkCountry(input.country);
    const status = input.status === undefined ? 'active' : checkStatus(input.status);
    const webHash = input.webPassword === undefined ? null : await hashPassword(checkPassword(input.webPassword));
    const c = this.credentials(username, domain, password);
    try {
      const domainId = await ensureDomain(this.db, domain);
      await this.db.query<WriteResult>(
        `INSERT INTO accounts (domain_id, username, phone, email, display_name, country, password_hash,
           ha1_md5, ha1_sha256, sip_password_enc, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [domainId, username, phone, email, input.displayName ?? null, country, webHash, c.md5, c.sha256, c.sealed, status]);
    } catch (err) {
      translate(err, `${username}@${domain}`);
    }
    return { account: await this.get(`${username}@${domain}`), password };
  }

  async list(filter: { domain?: string } = {}): Promise<Account[]> {
    const rows = filter.domain === undefined
      ? await this.db.query<AccountDbRow[]>(`${SELECT} ORDER BY d.name, a.username`)
      : await this.db.query<AccountDbRow[]>(`${SELECT} WHERE d.name = ? ORDER BY a.username`, [filter.domain.toLowerCase()]);
    return rows.map(toAccount);
  }

  async find(ref: string): Promise<Account | undefined> {
    const [user, domain] = this.parseRef(ref);
    const rows = await this.db.query<AccountDbRow[]>(`${SELECT} WHERE a.username = ? AND d.name = ?`, [user, domain]);
    return rows.length ? toAccount(rows[0]) : undefined;
  }

  async get(ref: string): Promise<Account> {
    const a = await this.find(ref);
    if (!a) throw notFound(`unknown account '${ref}'`);
    return a;
  }

  async update(ref: string, changes: AccountChanges): Promise<{ account: Account; password?: string }> {
    const a = await this.get(ref);
    const sets: string[] = [];
    const values: unknown[] = [];
    const set = (col: string, v: unknown): void => { sets.push(`${col} = ?`); values.push(v); };
    if (changes.password !== undefined) {
      const c = this.credentials(a.username, a.domain, checkPassword(changes.password));
      set('ha1_md5', c.md5); set('ha1_sha256', c.sha256); set('sip_password_enc', c.sealed);
    }
    if (changes.webPassword !== undefined) set('password_hash', await hashPassword(checkPassword(changes.webPassword)));
    if (changes.phone !== undefined) set('phone', changes.phone === null ? null : checkE164(changes.phone));
    if (changes.email !== undefined) set('email', changes.email === null ? null : checkEmail(changes.email));
    if (changes.displayName !== undefined) set('display_name', changes.displayName);
    if (changes.country !== undefined) set('country', changes.country === null ? null : checkCountry(changes.country));
    if (changes.status !== undefined) set('status', checkStatus(changes.status));
    if (sets.length === 0) throw invalid('nothing to update');
    values.push(a.id);
    try {
      // Column names come from the fixed list above; every value is a parameter.
      await this.db.query(`UPDATE accounts SET ${sets.join(', ')} WHERE id = ?`, values);
    } catch (err) {
      translate(err, `${a.username}@${a.domain}`);
    }
    return { account: await this.get(`${a.username}@${a.domain}`), password: changes.password };
  }

  async remove(ref: string): Promise<void> {
    const a = await this.get(ref);
    try {
      await this.db.query('DELETE FROM accounts WHERE id = ?', [a.id]);
    } catch (err) {
      translate(err, `${a.username}@${a.domain}`);
    }
  }

  /** The SIP password in clear, for handing to a signed-in client. */
  async sipPassword(ref: string): Promise<string> {
    const a = await this.get(ref);
    const rows = await this.db.query<Array<{ sip_password_enc: string }>>(
      'SELECT sip_password_enc FROM accounts WHERE id = ?', [a.id]);
    return decryptSecret(this.sipPasswordKey, rows[0].sip_password_enc, SIP_PASSWORD_CONTEXT);
  }

  /**
   * What a registrar needs to check a digest response (RFC 3261 §22.4, RFC 8760): the HA1 values
   * for the realm (the account's domain) and whether the account may sign in. Undefined: unknown.
   */
  async digestCredentials(username: string, domain: string): Promise<{ ha1Md5: string; ha1Sha256: string; status: AccountStatus } | undefined> {
    const rows = await this.db.query<Array<{ ha1_md5: string; ha1_sha256: string; status: AccountStatus }>>(
      `SELECT a.ha1_md5, a.ha1_sha256, a.status FROM accounts a JOIN domains d ON d.id = a.domain_id
       WHERE a.username = ? AND d.name = ?`, [username, domain.toLowerCase()]);
    return rows.length ? { ha1Md5: rows[0].ha1_md5, ha1Sha256: rows[0].ha1_sha256, status: rows[0].status } : undefined;
  }

  /** The account when the web password matches and the account is active; undefined otherwise. */
  async verifyWebPassword(ref: string, password: string): Promise<Account | undefined> {
    const a = await this.find(ref);
    if (!a || a.status !== 'active') return undefined;
    const rows = await this.db.query<Array<{ password_hash: string | null }>>('SELECT password_hash FROM accounts WHERE id = ?', [a.id]);
    const hash = rows[0]?.password_hash;
    return hash && (await verifyPassword(password, hash)) ? a : undefined;
  }

  async idOf(ref: string): Promise<number> {
    return (await this.get(ref)).id;
  }

  async domainExists(name: string): Promise<boolean> {
    return (await findDomainId(this.db, name)) !== undefined;
  }
}
