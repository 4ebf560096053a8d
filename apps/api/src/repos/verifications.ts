// Phone verification state per number and device (RCS api.dialer_requests): how many codes were
// sent, wrong attempts, the current code's hash and expiry, when the last one went out.
import type { Queryable } from '@openline/db';
import { num } from '@openline/db';

export interface Verification {
  id: number;
  phone: string;
  udidHash: string;
  platform: string | null;
  country: string | null;
  codesSent: number;
  wrongAttempts: number;
  codeHash: string | null;
  codeSalt: string | null;
  codeExpiresAt: Date | null;
  lastSentAt: Date | null;
  verifiedAt: Date | null;
}

interface Row {
  id: number; phone: string; udid_hash: string; platform: string | null; country: string | null; codes_sent: number;
  wrong_attempts: number; code_hash: string | null; code_salt: string | null; code_expires_at: Date | null;
  last_sent_at: Date | null; verified_at: Date | null;
}

function toVerification(r: Row): Verification {
  return {
    id: num(r.id), phone: r.phone, udidHash: r.udid_hash, platform: r.platform, country: r.country, codesSent: num(r.codes_sent),
    wrongAttempts: num(r.wrong_attempts), codeHash: r.code_hash, codeSalt: r.code_salt, codeExpiresAt: r.code_expires_at,
    lastSentAt: r.last_sent_at, verifiedAt: r.verified_at,
  };
}

export class VerificationsRepo {
  constructor(private readonly db: Queryable) {}

  /** The row for this number and device, created empty on first use (FOR UPDATE inside a transaction). */
  async lock(phone: string, udidHash: string, platform: string | null, country: string | null): Promise<Verification> {
    await this.db.query(
      `INSERT INTO phone_verifications (phone, udid_hash, platform, country) VALUES (?, ?, ?, ?)
       ON DUPLICATE KEY UPDATE platform = COALESCE(VALUES(platform), platform), country = COALESCE(VALUES(country), country)`,
      [phone, udidHash, platform, country]);
    const rows = await this.db.query<Row[]>('SELECT * FROM phone_verifications WHERE phone = ? AND udid_hash = ? FOR UPDATE', [phone, udidHash]);
    return toVerification(rows[0]);
  }

  async find(phone: string, udidHash: string, forUpdate = false): Promise<Verification | undefined> {
    const rows = await this.db.query<Row[]>(
      `SELECT * FROM phone_verifications WHERE phone = ? AND udid_hash = ?${forUpdate ? ' FOR UPDATE' : ''}`, [phone, udidHash]);
    return rows.length ? toVerification(rows[0]) : undefined;
  }

  async codeSent(id: number, codeHash: string, salt: string, expiresAt: Date, at: Date): Promise<void> {
    await this.db.query(
      `UPDATE phone_verifications SET codes_sent = codes_sent + 1, code_hash = ?, code_salt = ?, code_expires_at = ?,
         last_sent_at = ?, verified_at = NULL WHERE id = ?`, [codeHash, salt, expiresAt, at, id]);
  }

  async wrongAttempt(id: number): Promise<void> {
    await this.db.query('UPDATE phone_verifications SET wrong_attempts = wrong_attempts + 1 WHERE id = ?', [id]);
  }

  /** A used code cannot be used again; the counters stay (the RCS limits are per number and device). */
  async verified(id: number, at: Date): Promise<void> {
    await this.db.query('UPDATE phone_verifications SET code_hash = NULL, code_salt = NULL, verified_at = ? WHERE id = ?', [at, id]);
  }
}
