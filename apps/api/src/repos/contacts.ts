// Uploaded address books reduced to discovery data: (owner, client contact id, keyed number hash).
import type { Queryable, WriteResult } from '@openline/db';
import { num } from '@openline/db';

export interface ContactEntry {
  contactId: string;
  phoneHash: string;
}

export class ContactsRepo {
  constructor(private readonly db: Queryable) {}

  /** Idempotent: the same entries uploaded twice leave one row each. Returns rows newly added. */
  async upsert(ownerId: number, entries: readonly ContactEntry[]): Promise<number> {
    if (entries.length === 0) return 0;
    const r = await this.db.query<WriteResult>(
      `INSERT IGNORE INTO contact_entries (owner_id, contact_id, phone_hash) VALUES ${entries.map(() => '(?, ?, ?)').join(', ')}`,
      entries.flatMap((e) => [ownerId, e.contactId, e.phoneHash]));
    return r.affectedRows;
  }

  /** Replaces the numbers of these contacts (an edited contact loses its old numbers). */
  async removeContacts(ownerId: number, contactIds: readonly string[]): Promise<void> {
    if (contactIds.length === 0) return;
    await this.db.query(`DELETE FROM contact_entries WHERE owner_id = ? AND contact_id IN (${contactIds.map(() => '?').join(',')})`,
      [ownerId, ...contactIds]);
  }

  async clear(ownerId: number): Promise<number> {
    return (await this.db.query<WriteResult>('DELETE FROM contact_entries WHERE owner_id = ?', [ownerId])).affectedRows;
  }

  async count(ownerId: number): Promise<number> {
    const rows = await this.db.query<Array<{ n: number }>>('SELECT COUNT(*) AS n FROM contact_entries WHERE owner_id = ?', [ownerId]);
    return num(rows[0]?.n);
  }

  /** Everyone (but `except`) who has this number in their address book, with their contact id. */
  async holdersOf(phoneHash: string, except: number): Promise<Array<{ ownerId: number; contactId: string }>> {
    const rows = await this.db.query<Array<{ owner_id: number; contact_id: string }>>(
      'SELECT owner_id, contact_id FROM contact_entries WHERE phone_hash = ? AND owner_id <> ?', [phoneHash, except]);
    return rows.map((r) => ({ ownerId: num(r.owner_id), contactId: r.contact_id }));
  }
}
