// The block check other services call (the B2BUA before connecting a call, chat before
// delivering): a library function over the blocks table, no HTTP round trip.
import type { Queryable } from './queryable';

/** True when account `a` has blocked account `b` (calls and messages from b to a are refused). */
export async function isBlocked(db: Queryable, a: number, b: number): Promise<boolean> {
  const rows = await db.query<unknown[]>('SELECT 1 FROM blocks WHERE blocker_id = ? AND blocked_id = ? LIMIT 1', [a, b]);
  return rows.length > 0;
}

/**
 * The same check by SIP identities (what a B2BUA has): true when callee user@domain has blocked
 * caller user@domain. Unknown identities are never blocked.
 */
export async function isBlockedBySip(db: Queryable, callee: { user: string; domain: string }, caller: { user: string; domain: string }): Promise<boolean> {
  const rows = await db.query<unknown[]>(
    `SELECT 1 FROM blocks b
       JOIN accounts ca ON ca.id = b.blocker_id JOIN domains cd ON cd.id = ca.domain_id
       JOIN accounts cr ON cr.id = b.blocked_id JOIN domains rd ON rd.id = cr.domain_id
     WHERE ca.username = ? AND cd.name = ? AND cr.username = ? AND rd.name = ? LIMIT 1`,
    [callee.user, callee.domain.toLowerCase(), caller.user, caller.domain.toLowerCase()]);
  return rows.length > 0;
}
