// Address-book discovery (RCS "Enhanced Address Book"): numbers are normalised to E.164 by the
// RCS rules for the uploader's country, matched against users' phone numbers, and kept only as
// keyed hashes with the client's contact id. When a user joins, everyone holding the number gets
// a "contact joined" notification.
import { phoneHash } from '../crypto/keys';
import type { ApiDeps } from '../deps';
import { badRequest } from '../errors';
import { callingCode, normaliseNumber, countryOfNumber } from '../phone/normalise';
import { publicUser, type AccountView, type PublicUser } from '../repos/accounts';
import { ContactsRepo } from '../repos/contacts';
import { inTransaction } from './tx';

export interface UploadEntry {
  id: string;
  numbers: string[];
}

export interface UploadResult {
  stored: number;
  matches: Array<{ id: string; number: string; phone: string; user: PublicUser }>;
  invalid: Array<{ id: string; number: string }>;
}

export class ContactService {
  constructor(private readonly d: ApiDeps) {}

  /** The uploader's country: given, else the profile's, else the country of their own number. */
  countryFor(account: AccountView, given: string | undefined): string {
    const c = (given ?? account.country ?? (account.phone ? countryOfNumber(account.phone) : undefined))?.toUpperCase();
    if (!c) throw badRequest('country', 'country: needed to read national and local numbers (set it in your profile or pass it)');
    if (callingCode(c) === undefined) throw badRequest('country', `country: '${c}' is not an ISO 3166-1 country code`);
    return c;
  }

  /**
   * Stores a batch (idempotent: a contact's numbers are replaced by the uploaded ones) and answers
   * which numbers belong to users. Numbers that do not normalise are reported, not stored.
   */
  async upload(account: AccountView, entries: readonly UploadEntry[], country: string): Promise<UploadResult> {
    const invalid: UploadResult['invalid'] = [];
    const rows: Array<{ contactId: string; phoneHash: string; number: string; e164: string }> = [];
    for (const e of entries) {
      for (const number of e.numbers) {
        const n = normaliseNumber(number, country);
        if (!n) { invalid.push({ id: e.id, number }); continue; }
        rows.push({ contactId: e.id, phoneHash: phoneHash(this.d.settings.keys.discovery, n.e164), number, e164: n.e164 });
      }
    }
    const unique = new Map(rows.map((r) => [`${r.contactId}\n${r.phoneHash}`, r]));
    await inTransaction(this.d.pool, async (conn) => {
      const repo = new ContactsRepo(conn);
      await repo.removeContacts(account.id, [...new Set(entries.map((e) => e.id))]);
      await repo.upsert(account.id, [...unique.values()]);
    });
    const users = await this.d.repos.accounts.byPhones([...new Set(rows.map((r) => r.e164))]);
    const byPhone = new Map(users.filter((u) => u.id !== account.id).map((u) => [u.phone ?? '', u]));
    const matches: UploadResult['matches'] = [];
    for (const r of rows) {
      const u = byPhone.get(r.e164);
      if (u) matches.push({ id: r.contactId, number: r.number, phone: r.e164, user: publicUser(u) });
    }
    return { stored: unique.size, matches, invalid };
  }

  /**
   * Whether `viewer` may see `target`'s profile and avatar: themselves, people sharing a circle
   * (either side, invited or accepted), their favourites, and numbers in their address book.
   * Account ids are sequential; this keeps them from being a directory of every user.
   */
  async canSee(viewer: number, target: AccountView): Promise<boolean> {
    if (viewer === target.id) return true;
    const hash = target.phone ? phoneHash(this.d.settings.keys.discovery, target.phone) : '';
    const rows = await this.d.pool.query<unknown[]>(
      `SELECT 1 FROM DUAL WHERE
         EXISTS (SELECT 1 FROM circle_members m JOIN circles c ON c.id = m.circle_id
                 WHERE (c.owner_id = ? AND m.account_id = ?) OR (c.owner_id = ? AND m.account_id = ?)
                    OR (m.status = 'accepted' AND m.account_id = ? AND EXISTS (
                        SELECT 1 FROM circle_members m2 WHERE m2.circle_id = m.circle_id AND m2.account_id = ? AND m2.status = 'accepted')))
         OR EXISTS (SELECT 1 FROM favourites f WHERE f.account_id = ? AND f.target_id = ?)
         OR EXISTS (SELECT 1 FROM contact_entries e WHERE e.owner_id = ? AND e.phone_hash = ?)`,
      [viewer, target.id, target.id, viewer, viewer, target.id, viewer, target.id, viewer, hash]);
    return rows.length > 0;
  }

  /** "Contact joined" to everyone who has the new user's number (RCS "New user joined" notification). */
  async announceJoined(account: AccountView): Promise<number> {
    if (!account.phone) return 0;
    const holders = await this.d.repos.contacts.holdersOf(phoneHash(this.d.settings.keys.discovery, account.phone), account.id);
    for (const h of holders) {
      await this.d.notify.notify({
        accountId: h.ownerId, kind: 'contact_joined',
        payload: { contactId: h.contactId, phone: account.phone, user: publicUser(account) },
      });
    }
    return holders.length;
  }
}
