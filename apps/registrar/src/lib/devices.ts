// Persists devices (RFC 5626 instances) with their RFC 8599 push parameters in MariaDB's devices
// table, so the push-call server can wake a device whose live binding has expired.
import type { Queryable } from '@openline/db';
import type { Binding } from '@openline/location';

/** A refresh that changes nothing is written again only after this long (last_seen_at's accuracy). */
export const UNCHANGED_REWRITE_MS = 60_000;
/** Bound on the per-node memory of recent writes (oldest forgotten first). */
const MAX_REMEMBERED = 50_000;

export class DeviceRecorder {
  // What this node last wrote per device and when: a phone re-registering every few minutes with
  // the same token costs no database write each time (the write is off the REGISTER's path but
  // competes with it for the event loop and the pool). A token cleared elsewhere (dead at APNs/FCM)
  // and registered again unchanged within the window stays cleared: it is dead anyway.
  private readonly recent = new Map<string, { row: string; at: number }>();

  constructor(private readonly db: Queryable, private readonly now: () => number = Date.now) {}

  /** Inserts or updates the device row of an instance binding (no-op without an instance). */
  async record(b: Binding): Promise<void> {
    if (b.instance === undefined || b.accountId === undefined) return;
    const instance = b.instance.slice(0, 255);
    const key = `${b.accountId} ${instance}`;
    const row = JSON.stringify([b.userAgent ?? null, b.push?.provider ?? null, b.push?.prid ?? null, b.push?.param ?? null]);
    const t = this.now();
    const last = this.recent.get(key);
    if (last && last.row === row && t - last.at < UNCHANGED_REWRITE_MS) return;
    await this.db.query(
      `INSERT INTO devices (account_id, instance_id, user_agent, push_provider, push_prid, push_param, last_seen_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)
       ON DUPLICATE KEY UPDATE user_agent = VALUES(user_agent), push_provider = VALUES(push_provider),
         push_prid = VALUES(push_prid), push_param = VALUES(push_param), last_seen_at = VALUES(last_seen_at)`,
      [b.accountId, instance, b.userAgent ?? null, b.push?.provider ?? null, b.push?.prid ?? null,
        b.push?.param ?? null, new Date(b.updatedAt)]);
    this.recent.delete(key);
    this.recent.set(key, { row, at: t });
    if (this.recent.size > MAX_REMEMBERED) {
      const oldest = this.recent.keys().next();
      if (!oldest.done) this.recent.delete(oldest.value);
    }
  }
}
