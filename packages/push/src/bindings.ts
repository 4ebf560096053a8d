// Push bindings kept in the devices table (RFC 8599 pn-provider/pn-prid/pn-param, filled by the
// registrar from REGISTER and by the API): read a device's or an account's targets, and clear a
// dead token (APNs 410 / FCM UNREGISTERED) so nobody pushes to it again.
import { num, Queryable, WriteResult } from '@openline/db';
import type { PushTarget } from './types';

interface DeviceRow {
  account_id: number | bigint;
  instance_id: string;
  push_provider: string;
  push_prid: string;
  push_param: string | null;
}

function stripBrackets(instance: string): string {
  return instance.replace(/^<(.*)>$/, '$1');
}

function toTarget(r: DeviceRow): PushTarget {
  const t: PushTarget = { provider: r.push_provider, prid: r.push_prid, accountId: num(r.account_id), instance: stripBrackets(r.instance_id) };
  if (r.push_param) t.param = r.push_param;
  return t;
}

const COLUMNS = 'account_id, instance_id, push_provider, push_prid, push_param';

export class DevicePushBindings {
  constructor(private readonly db: Queryable) {}

  /** Every device of the account that has a push binding. */
  async forAccount(accountId: number): Promise<PushTarget[]> {
    const rows = await this.db.query<DeviceRow[]>(
      `SELECT ${COLUMNS} FROM devices WHERE account_id = ? AND push_provider IS NOT NULL AND push_prid IS NOT NULL ORDER BY id`,
      [accountId]);
    return rows.map(toTarget);
  }

  /** One device's binding by +sip.instance (with or without angle brackets), or undefined. */
  async forDevice(accountId: number, instance: string): Promise<PushTarget | undefined> {
    const bare = stripBrackets(instance);
    const rows = await this.db.query<DeviceRow[]>(
      `SELECT ${COLUMNS} FROM devices WHERE account_id = ? AND instance_id IN (?, ?)
          AND push_provider IS NOT NULL AND push_prid IS NOT NULL LIMIT 1`,
      [accountId, bare, `<${bare}>`]);
    return rows[0] ? toTarget(rows[0]) : undefined;
  }

  /** Clears the binding of every device that carries this token; resolves with the rows changed. */
  async removeToken(provider: string, prid: string): Promise<number> {
    const res = await this.db.query<WriteResult>(
      'UPDATE devices SET push_provider = NULL, push_prid = NULL, push_param = NULL WHERE push_provider = ? AND push_prid = ?',
      [provider, prid]);
    return res.affectedRows;
  }
}
