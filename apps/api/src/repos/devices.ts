// Devices (the registrar's table: RFC 5626 instance, RFC 8599 push parameters), as sign-in sees
// them: the client's instance id (urn:uuid:…, what it sends as +sip.instance), a hash of its
// hardware id, platform and name.
import type { Queryable, WriteResult } from '@openline/db';
import { num } from '@openline/db';

export interface Device {
  id: number;
  accountId: number;
  instanceId: string;
  platform: string | null;
  name: string | null;
  userAgent: string | null;
  push: { provider: string; prid: string; param: string | null } | null;
  lastSeenAt: Date | null;
  signedInAt: Date | null;
  sipIssuedAt: Date | null;
  createdAt: Date;
}

interface Row {
  id: number; account_id: number; instance_id: string; platform: string | null; name: string | null; user_agent: string | null;
  push_provider: string | null; push_prid: string | null; push_param: string | null; last_seen_at: Date | null;
  signed_in_at: Date | null; sip_issued_at: Date | null; created_at: Date;
}

const SELECT = `SELECT id, account_id, instance_id, platform, name, user_agent, push_provider, push_prid, push_param,
  last_seen_at, signed_in_at, sip_issued_at, created_at FROM devices`;

function toDevice(r: Row): Device {
  return {
    id: num(r.id), accountId: num(r.account_id), instanceId: r.instance_id, platform: r.platform, name: r.name, userAgent: r.user_agent,
    push: r.push_provider && r.push_prid ? { provider: r.push_provider, prid: r.push_prid, param: r.push_param } : null,
    lastSeenAt: r.last_seen_at, signedInAt: r.signed_in_at, sipIssuedAt: r.sip_issued_at, createdAt: r.created_at,
  };
}

export interface DeviceSignIn {
  accountId: number;
  instanceId: string;
  udidHash: string | null;
  platform: string | null;
  name: string | null;
  at: Date;
}

export class DevicesRepo {
  constructor(private readonly db: Queryable) {}

  /** Inserts or refreshes the device row of a sign-in; returns its id. */
  async signIn(d: DeviceSignIn): Promise<number> {
    const r = await this.db.query<WriteResult>(
      `INSERT INTO devices (account_id, instance_id, udid_hash, platform, name, signed_in_at) VALUES (?, ?, ?, ?, ?, ?)
       ON DUPLICATE KEY UPDATE id = LAST_INSERT_ID(id), udid_hash = COALESCE(VALUES(udid_hash), udid_hash),
         platform = COALESCE(VALUES(platform), platform), name = COALESCE(VALUES(name), name), signed_in_at = VALUES(signed_in_at)`,
      [d.accountId, d.instanceId, d.udidHash, d.platform, d.name, d.at]);
    return num(r.insertId);
  }

  async list(accountId: number): Promise<Device[]> {
    return (await this.db.query<Row[]>(`${SELECT} WHERE account_id = ? ORDER BY id`, [accountId])).map(toDevice);
  }

  async get(accountId: number, id: number): Promise<Device | undefined> {
    const rows = await this.db.query<Row[]>(`${SELECT} WHERE account_id = ? AND id = ?`, [accountId, id]);
    return rows.length ? toDevice(rows[0]) : undefined;
  }

  /** The account's device with this hardware id hash (a re-install on the same device). */
  async byUdid(accountId: number, udidHash: string): Promise<Device | undefined> {
    const rows = await this.db.query<Row[]>(`${SELECT} WHERE account_id = ? AND udid_hash = ? ORDER BY id LIMIT 1`, [accountId, udidHash]);
    return rows.length ? toDevice(rows[0]) : undefined;
  }

  async remove(accountId: number, id: number): Promise<boolean> {
    const r = await this.db.query<WriteResult>('DELETE FROM devices WHERE account_id = ? AND id = ?', [accountId, id]);
    return r.affectedRows > 0;
  }

  async setPush(accountId: number, id: number, push: { provider: string; prid: string; param: string | null } | null): Promise<boolean> {
    const r = await this.db.query<WriteResult>(
      'UPDATE devices SET push_provider = ?, push_prid = ?, push_param = ? WHERE account_id = ? AND id = ?',
      [push?.provider ?? null, push?.prid ?? null, push?.param ?? null, accountId, id]);
    return r.affectedRows > 0;
  }

  async setSipIssued(id: number, at: Date | null): Promise<void> {
    await this.db.query('UPDATE devices SET sip_issued_at = ? WHERE id = ?', [at, id]);
  }

  /** Devices of the account (other than `except`) that hold the SIP password. */
  async sipHolders(accountId: number, except?: number): Promise<number[]> {
    const rows = await this.db.query<Array<{ id: number }>>(
      'SELECT id FROM devices WHERE account_id = ? AND sip_issued_at IS NOT NULL AND id <> ?', [accountId, except ?? 0]);
    return rows.map((r) => num(r.id));
  }
}
