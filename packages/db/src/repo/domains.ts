// Domains are created on first use: an account names its domain, the row follows.
import { Queryable, WriteResult, num } from '../queryable';
import { checkDomain } from '../validate';

export async function ensureDomain(db: Queryable, name: string): Promise<number> {
  const domain = checkDomain(name);
  // LAST_INSERT_ID(id) makes insertId the existing row's id on a duplicate.
  const r = await db.query<WriteResult>(
    'INSERT INTO domains (name) VALUES (?) ON DUPLICATE KEY UPDATE id = LAST_INSERT_ID(id)', [domain]);
  return num(r.insertId);
}

export async function findDomainId(db: Queryable, name: string): Promise<number | undefined> {
  const rows = await db.query<Array<{ id: number }>>('SELECT id FROM domains WHERE name = ?', [checkDomain(name)]);
  return rows.length ? num(rows[0].id) : undefined;
}
