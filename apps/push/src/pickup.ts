// One-time pick-up tokens (RFC 8599 leaves the call push's content to the application): a random
// token per pushed device and call, stored in Redis for the length of the wait. The SIP side does
// not need it (a woken device is matched by its +sip.instance or pn-prid when it registers); the
// app hands it back once to act on THIS call from the push UI (decline, "answer on this device"
// through the API), and a replayed or late token finds nothing.
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';

export interface PickupClaim {
  sessionId: string;
  callId: string;
  aor: string;
  instance: string;
}

export class PickupTokens {
  constructor(private readonly redis: Redis, private readonly prefix: string) {}

  private key(token: string): string {
    return `${this.prefix}pickup:${token}`;
  }

  /** A new token for `claim`, valid `ttlSeconds`. */
  async issue(claim: PickupClaim, ttlSeconds: number): Promise<string> {
    const token = randomBytes(18).toString('base64url');
    await this.redis.set(this.key(token), JSON.stringify(claim), 'EX', Math.max(1, Math.ceil(ttlSeconds)));
    return token;
  }

  /** The call a token was issued for, once (GETDEL: a second claim gets undefined). */
  async claim(token: string): Promise<PickupClaim | undefined> {
    if (!/^[A-Za-z0-9_-]{8,64}$/.test(token)) return undefined;
    const v = await this.redis.getdel(this.key(token));
    if (!v) return undefined;
    try {
      return JSON.parse(v) as PickupClaim;
    } catch {
      return undefined;
    }
  }

  /** Drops the tokens of a call that ended (a late claim finds nothing). */
  async revoke(tokens: string[]): Promise<void> {
    if (tokens.length > 0) await this.redis.del(...tokens.map((t) => this.key(t)));
  }
}
