// Numbers: DIDs in E.164, each routed to one account.
import { duplicate, ER_DUP_ENTRY, notFound, sqlErrno } from '../errors';
import { Queryable, num } from '../queryable';
import { checkE164 } from '../validate';
import { AccountRepo } from './accounts';

export interface PhoneNumber {
  id: number;
  e164: string;
  account: string;
  description: string | null;
  createdAt: Date;
}

interface NumberDbRow { id: number; e164: string; username: string; domain: string; description: string | null; created_at: Date }

const SELECT = `SELECT n.id, n.e164, a.username, d.name AS domain, n.description, n.created_at
  FROM numbers n JOIN accounts a ON a.id = n.account_id JOIN domains d ON d.id = a.domain_id`;

function toNumber(r: NumberDbRow): PhoneNumber {
  return { id: num(r.id), e164: r.e164, account: `${r.username}@${r.domain}`, description: r.description, createdAt: r.created_at };
}

export class NumberRepo {
  constructor(private readonly db: Queryable, private readonly accounts: AccountRepo) {}

  async add(e164: string, accountRef: string, description?: string): Promise<PhoneNumber> {
    const did = checkE164(e164, 'number');
    const accountId = await this.accounts.idOf(accountRef);
    try {
      await this.db.query('INSERT INTO numbers (e164, account_id, description) VALUES (?, ?, ?)',
        [did, accountId, description ?? null]);
    } catch (err) {
      if (sqlErrno(err) === ER_DUP_ENTRY) throw duplicate(`number ${did} is already assigned`);
      throw err;
    }
    return this.get(did);
  }

  async list(filter: { account?: string } = {}): Promise<PhoneNumber[]> {
    if (filter.account === undefined) return (await this.db.query<NumberDbRow[]>(`${SELECT} ORDER BY n.e164`)).map(toNumber);
    const id = await this.accounts.idOf(filter.account);
    return (await this.db.query<NumberDbRow[]>(`${SELECT} WHERE n.account_id = ? ORDER BY n.e164`, [id])).map(toNumber);
  }

  async find(e164: string): Promise<PhoneNumber | undefined> {
    const rows = await this.db.query<NumberDbRow[]>(`${SELECT} WHERE n.e164 = ?`, [checkE164(e164, 'number')]);
    return rows.length ? toNumber(rows[0]) : undefined;
  }

  async get(e164: string): Promise<PhoneNumber> {
    const n = await this.find(e164);
    if (!n) throw notFound(`unknown number ${e164}`);
    return n;
  }

  /** Route the number to another account and/or change its description. */
  async update(e164: string, changes: { account?: string; description?: string | null }): Promise<PhoneNumber> {
    const n = await this.get(e164);
    if (changes.account !== undefined) {
      await this.db.query('UPDATE numbers SET account_id = ? WHERE id = ?', [await this.accounts.idOf(changes.account), n.id]);
    }
    if (changes.description !== undefined) {
      await this.db.query('UPDATE numbers SET description = ? WHERE id = ?', [changes.description, n.id]);
    }
    return this.get(n.e164);
  }

  async remove(e164: string): Promise<void> {
    const n = await this.get(e164);
    await this.db.query('DELETE FROM numbers WHERE id = ?', [n.id]);
  }
}

