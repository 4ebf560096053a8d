// Persists devices (RFC 5626 instances) with their RFC 8599 push parameters in MariaDB's devices
// table, so the push-call server can wake a device whose live binding has expired.
import type { Queryable } from '@openline/db';
import type { Binding } from '@openline/location';

export class DeviceRecorder {
  constructor(private readonly db: Queryable) {}

  /** Inserts or updates the device row of an instance binding (no-op without an instance). */
  async record(b: Binding): Promise<void> {
    if (b.instance === undefined || b.accountId === undefined) return;
    await this.db.query(
      `INSERT INTO devices (account_id, instance_id, user_agent, push_provider, push_prid, push_param, last_seen_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)
       ON DUPLICATE KEY UPDATE user_agent = VALUES(user_agent), push_provider = VALUES(push_provider),
         push_prid = VALUES(push_prid), push_param = VALUES(push_param), last_seen_at = VALUES(last_seen_at)`,
      [b.accountId, b.instance.slice(0, 255), b.userAgent ?? null, b.push?.provider ?? null, b.push?.prid ?? null,
        b.push?.param ?? null, new Date(b.updatedAt)]);
  }
}
