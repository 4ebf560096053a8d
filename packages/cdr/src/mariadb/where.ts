// Filter → WHERE clause: fixed column names and '?' placeholders only; values never enter the SQL.
import { CursorKey } from '../cursor';
import { NormalizedFilter } from '../filter';
import { sqlTime } from './row';

export interface SqlPart {
  sql: string;
  params: Array<string | number>;
}

function inList(column: string, values: ReadonlyArray<string | number>, params: Array<string | number>): string {
  params.push(...values);
  return values.length === 1 ? `${column} = ?` : `${column} IN (${values.map(() => '?').join(', ')})`;
}

/** LIKE pattern for "starts with" (prefixes are digits and '+', escaped anyway). */
export function likePrefix(prefix: string): string {
  return `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export function whereClause(f: NormalizedFilter, after?: { key: CursorKey; descending: boolean }): SqlPart {
  const parts: string[] = [];
  const params: Array<string | number> = [];
  if (f.from) { parts.push('start_time >= ?'); params.push(sqlTime(f.from)); }
  if (f.to) { parts.push('start_time < ?'); params.push(sqlTime(f.to)); }
  if (f.accountId !== null) {
    parts.push('(caller_account_id = ? OR callee_account_id = ?)');
    params.push(f.accountId, f.accountId);
  }
  if (f.numberPrefix !== null) {
    parts.push('(caller_number LIKE ? OR callee_number LIKE ?)');
    params.push(likePrefix(f.numberPrefix), likePrefix(f.numberPrefix));
  }
  if (f.callerNumberPrefix !== null) { parts.push('caller_number LIKE ?'); params.push(likePrefix(f.callerNumberPrefix)); }
  if (f.calleeNumberPrefix !== null) { parts.push('callee_number LIKE ?'); params.push(likePrefix(f.calleeNumberPrefix)); }
  if (f.directions) parts.push(inList('direction', f.directions, params));
  if (f.dispositions) parts.push(inList('disposition', f.dispositions, params));
  if (f.trunkId !== null) { parts.push('trunk_id = ?'); params.push(f.trunkId); }
  if (f.minTalkMs !== null) { parts.push('talk_ms >= ?'); params.push(f.minTalkMs); }
  if (f.sipStatuses) parts.push(inList('sip_status', f.sipStatuses, params));
  if (after) {
    // (start_time, id) strictly after the cursor, written so the start_time range uses the index.
    const t = sqlTime(new Date(after.key.t));
    const op = after.descending ? '<' : '>';
    parts.push(`start_time ${op}= ? AND (start_time ${op} ? OR id ${op} ?)`);
    params.push(t, t, after.key.id);
  }
  return { sql: parts.length ? `WHERE ${parts.join(' AND ')}` : '', params };
}
