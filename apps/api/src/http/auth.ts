// Bearer access tokens (RFC 6750): a short-lived HS256 JWT naming the account, the session (the
// refresh-token family) and the device. A session revoked by sign-out is refused at once through
// a Redis mark that lives as long as the tokens it revokes could.
import type { Request } from 'express';
import type { Redis } from 'ioredis';
import type { Clock } from '../clock';
import { signJwt, verifyJwt } from '../crypto/jwt';

export interface AuthContext {
  accountId: number;
  /** Session id: the refresh-token family of one sign-in. */
  session: string;
  /** devices.id of the signed-in device. */
  deviceId: number;
}

const REVOKED = 'api:revoked:';

export class AccessTokens {
  constructor(private readonly key: string, private readonly ttlSeconds: number, private readonly redis: Redis,
    private readonly clock: Clock) {}

  get ttl(): number {
    return this.ttlSeconds;
  }

  issue(a: AuthContext): string {
    const now = Math.floor(this.clock.now() / 1000);
    return signJwt(this.key, { typ: 'access', sub: String(a.accountId), sid: a.session, dev: a.deviceId, iat: now, exp: now + this.ttlSeconds });
  }

  async verify(token: string): Promise<AuthContext | undefined> {
    const r = verifyJwt(this.key, token, this.clock.now());
    if (!r.ok || r.claims.typ !== 'access') return undefined;
    const { sub, sid, dev } = r.claims;
    if (typeof sub !== 'string' || !/^\d+$/.test(sub) || typeof sid !== 'string' || typeof dev !== 'number') return undefined;
    if ((await this.redis.exists(REVOKED + sid)) === 1) return undefined;
    return { accountId: Number(sub), session: sid, deviceId: dev };
  }

  /** Refuses every access token of these sessions from now on (they expire within the TTL). */
  async revokeSessions(sessions: readonly string[]): Promise<void> {
    if (sessions.length === 0) return;
    const m = this.redis.multi();
    for (const s of sessions) m.set(REVOKED + s, '1', 'EX', this.ttlSeconds + 60);
    await m.exec();
  }

  async fromRequest(req: Request): Promise<AuthContext | undefined> {
    const h = req.headers.authorization;
    const m = h ? /^Bearer\s+([A-Za-z0-9_.-]+)\s*$/i.exec(h) : null;
    return m ? this.verify(m[1]) : undefined;
  }
}
