// Circles and their members (eldercare seed): owner, name, kind; members invited → accepted/declined.
import type { Queryable, WriteResult } from '@openline/db';
import { num } from '@openline/db';

export type CircleKind = 'family' | 'friends' | 'care' | 'other';
export type MemberStatus = 'invited' | 'accepted' | 'declined';

export interface Circle {
  id: number;
  ownerId: number;
  name: string;
  kind: CircleKind;
  createdAt: Date;
}

export interface Member {
  accountId: number;
  username: string;
  displayName: string | null;
  hasAvatar: boolean;
  status: MemberStatus;
  favourite: boolean;
  invitedAt: Date;
  respondedAt: Date | null;
}

interface CircleRow { id: number; owner_id: number; name: string; kind: CircleKind; created_at: Date }

function toCircle(r: CircleRow): Circle {
  return { id: num(r.id), ownerId: num(r.owner_id), name: r.name, kind: r.kind, createdAt: r.created_at };
}

export class CirclesRepo {
  constructor(private readonly db: Queryable) {}

  async create(ownerId: number, name: string, kind: CircleKind): Promise<number> {
    const r = await this.db.query<WriteResult>('INSERT INTO circles (owner_id, name, kind) VALUES (?, ?, ?)', [ownerId, name, kind]);
    return num(r.insertId);
  }

  async get(id: number): Promise<Circle | undefined> {
    const rows = await this.db.query<CircleRow[]>('SELECT id, owner_id, name, kind, created_at FROM circles WHERE id = ?', [id]);
    return rows.length ? toCircle(rows[0]) : undefined;
  }

  /** Circles the account owns or has accepted membership of. */
  async listFor(accountId: number): Promise<Array<Circle & { role: 'owner' | 'member'; members: number }>> {
    const rows = await this.db.query<Array<CircleRow & { role: 'owner' | 'member'; members: number }>>(
      `SELECT c.id, c.owner_id, c.name, c.kind, c.created_at, IF(c.owner_id = ?, 'owner', 'member') AS role,
         (SELECT COUNT(*) FROM circle_members m2 WHERE m2.circle_id = c.id AND m2.status = 'accepted') AS members
       FROM circles c
       WHERE c.owner_id = ? OR EXISTS (SELECT 1 FROM circle_members m WHERE m.circle_id = c.id AND m.account_id = ? AND m.status = 'accepted')
       ORDER BY c.name, c.id`, [accountId, accountId, accountId]);
    return rows.map((r) => ({ ...toCircle(r), role: r.role, members: num(r.members) }));
  }

  async update(id: number, c: { name?: string; kind?: CircleKind }): Promise<void> {
    const sets: string[] = [];
    const values: unknown[] = [];
    if (c.name !== undefined) { sets.push('name = ?'); values.push(c.name); }
    if (c.kind !== undefined) { sets.push('kind = ?'); values.push(c.kind); }
    if (sets.length) await this.db.query(`UPDATE circles SET ${sets.join(', ')} WHERE id = ?`, [...values, id]);
  }

  async remove(id: number): Promise<void> {
    await this.db.query('DELETE FROM circles WHERE id = ?', [id]);
  }

  async memberStatus(circleId: number, accountId: number): Promise<MemberStatus | undefined> {
    const rows = await this.db.query<Array<{ status: MemberStatus }>>(
      'SELECT status FROM circle_members WHERE circle_id = ? AND account_id = ?', [circleId, accountId]);
    return rows[0]?.status;
  }

  /** Invites (again, after a decline); an accepted member stays accepted. */
  async invite(circleId: number, accountId: number, by: number, at: Date): Promise<'invited' | 'accepted'> {
    await this.db.query(
      `INSERT INTO circle_members (circle_id, account_id, status, invited_by, invited_at) VALUES (?, ?, 'invited', ?, ?)
       ON DUPLICATE KEY UPDATE status = IF(status = 'accepted', 'accepted', 'invited'), invited_by = VALUES(invited_by),
         invited_at = IF(status = 'accepted', invited_at, VALUES(invited_at)), responded_at = IF(status = 'accepted', responded_at, NULL)`,
      [circleId, accountId, by, at]);
    return (await this.memberStatus(circleId, accountId)) === 'accepted' ? 'accepted' : 'invited';
  }

  /** Adds an accepted member directly (a non-user's invitation link, accepted after sign-up). */
  async addAccepted(circleId: number, accountId: number, by: number, at: Date): Promise<void> {
    await this.db.query(
      `INSERT INTO circle_members (circle_id, account_id, status, invited_by, invited_at, responded_at) VALUES (?, ?, 'accepted', ?, ?, ?)
       ON DUPLICATE KEY UPDATE status = 'accepted', responded_at = VALUES(responded_at)`, [circleId, accountId, by, at, at]);
  }

  async respond(circleId: number, accountId: number, status: 'accepted' | 'declined', at: Date): Promise<boolean> {
    const r = await this.db.query<WriteResult>(
      `UPDATE circle_members SET status = ?, responded_at = ? WHERE circle_id = ? AND account_id = ? AND status = 'invited'`,
      [status, at, circleId, accountId]);
    return r.affectedRows === 1;
  }

  async removeMember(circleId: number, accountId: number): Promise<boolean> {
    const r = await this.db.query<WriteResult>('DELETE FROM circle_members WHERE circle_id = ? AND account_id = ?', [circleId, accountId]);
    return r.affectedRows === 1;
  }

  /**
   * Members as `viewer` sees them: the viewer's favourites pinned on top (in the viewer's order),
   * then everyone else by name. Declined invitations are left out.
   */
  async members(circleId: number, viewer: number): Promise<Member[]> {
    const rows = await this.db.query<Array<{ account_id: number; username: string; display_name: string | null; avatar_file: string | null;
      status: MemberStatus; fav: number; position: number | null; invited_at: Date; responded_at: Date | null }>>(
      `SELECT m.account_id, a.username, a.display_name, a.avatar_file, m.status, f.target_id IS NOT NULL AS fav, f.position,
         m.invited_at, m.responded_at
       FROM circle_members m JOIN accounts a ON a.id = m.account_id
       LEFT JOIN favourites f ON f.account_id = ? AND f.target_id = m.account_id
       WHERE m.circle_id = ? AND m.status <> 'declined'
       ORDER BY fav DESC, f.position, COALESCE(a.display_name, a.username), a.id`, [viewer, circleId]);
    return rows.map((r) => ({
      accountId: num(r.account_id), username: r.username, displayName: r.display_name, hasAvatar: r.avatar_file !== null,
      status: r.status, favourite: num(r.fav) === 1, invitedAt: r.invited_at, respondedAt: r.responded_at,
    }));
  }

  /** Invitations waiting for the account's answer. */
  async pendingFor(accountId: number): Promise<Array<{ circle: Circle; invitedBy: number; invitedAt: Date }>> {
    const rows = await this.db.query<Array<CircleRow & { invited_by: number; invited_at: Date }>>(
      `SELECT c.id, c.owner_id, c.name, c.kind, c.created_at, m.invited_by, m.invited_at
       FROM circle_members m JOIN circles c ON c.id = m.circle_id
       WHERE m.account_id = ? AND m.status = 'invited' ORDER BY m.invited_at, c.id`, [accountId]);
    return rows.map((r) => ({ circle: toCircle(r), invitedBy: num(r.invited_by), invitedAt: r.invited_at }));
  }
}
