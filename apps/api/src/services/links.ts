// One-time links (activation, password reset, circle invitation): a signed, expiring token
// (HS256 JWT with the purpose and a random id) plus a row that makes it single-use.
import { randomBytes } from 'node:crypto';
import type { Clock } from '../clock';
import { verifyJwt, signJwt } from '../crypto/jwt';
import { badRequest, gone } from '../errors';
import type { ActionPurpose, ActionRow, ActionTokensRepo } from '../repos/tokens';

export class LinkService {
  constructor(private readonly key: string, private readonly repo: ActionTokensRepo, private readonly clock: Clock,
    private readonly publicUrl: string) {}

  async create(purpose: ActionPurpose, path: string, ttlSeconds: number, refs: { accountId?: number; circleId?: number }):
  Promise<{ token: string; url: string; expiresAt: Date }> {
    const id = randomBytes(16).toString('hex');
    const exp = Math.floor(this.clock.now() / 1000) + ttlSeconds;
    const expiresAt = new Date(exp * 1000);
    await this.repo.create(id, purpose, refs.accountId ?? null, refs.circleId ?? null, expiresAt);
    const token = signJwt(this.key, { typ: 'link', p: purpose, jti: id, exp });
    return { token, url: `${this.publicUrl}${path}?token=${encodeURIComponent(token)}`, expiresAt };
  }

  /** The link's row when the token is genuine, of this purpose, unexpired and unused (400/410 otherwise). */
  async open(purpose: ActionPurpose, token: string, field = 'token'): Promise<ActionRow> {
    const r = verifyJwt(this.key, token, this.clock.now());
    if (!r.ok && r.reason === 'expired') throw gone('this link has expired; ask for a new one', 'link_expired');
    if (!r.ok || r.claims.typ !== 'link' || r.claims.p !== purpose || typeof r.claims.jti !== 'string') {
      throw badRequest(field, `${field}: not a valid ${purpose} link`, 'invalid_link');
    }
    const row = await this.repo.get(r.claims.jti);
    if (!row || row.purpose !== purpose) throw badRequest(field, `${field}: not a valid ${purpose} link`, 'invalid_link');
    if (row.usedAt) throw gone('this link has already been used', 'link_used');
    if (row.expiresAt.getTime() <= this.clock.now()) throw gone('this link has expired; ask for a new one', 'link_expired');
    return row;
  }

  /** Marks the link used; 410 when a concurrent request used it first. */
  async use(row: ActionRow, by: number | null): Promise<void> {
    if (!(await this.repo.use(row.id, by, new Date(this.clock.now())))) throw gone('this link has already been used', 'link_used');
  }
}
