// Failed-authentication limits per source address and per account (brute force protection):
// failures are counted in Redis so every node sees them; reaching the limit blocks the source or
// account for a while. Blocks are announced on pub/sub and kept in a local map, so checking a
// request costs no Redis round trip.
import type { Redis } from 'ioredis';
import type { Logger } from '@openline/log';

export interface AuthGuardOptions {
  limit: number;
  windowMs: number;
  blockMs: number;
  prefix: string;
  now?: () => number;
}

export type BlockKind = 'source' | 'account';

export class AuthGuard {
  private readonly blocked = new Map<string, number>();
  private readonly now: () => number;

  constructor(private readonly redis: Redis, private readonly opts: AuthGuardOptions, private readonly logger: Logger) {
    this.now = opts.now ?? Date.now;
  }

  get channel(): string {
    return `${this.opts.prefix}authblock`;
  }

  isBlocked(kind: BlockKind, id: string): boolean {
    const k = `${kind}:${id}`;
    const until = this.blocked.get(k);
    if (until === undefined) return false;
    if (until > this.now()) return true;
    this.blocked.delete(k);
    return false;
  }

  /** Counts one failure for the source and the account; true when either is now blocked. */
  async recordFailure(source: string, account: string): Promise<boolean> {
    const keys: Array<[BlockKind, string]> = [['source', source], ['account', account]];
    const multi = this.redis.multi();
    for (const [kind, id] of keys) {
      const k = `${this.opts.prefix}authfail:${kind}:${id}`;
      multi.incr(k);
      multi.pexpire(k, this.opts.windowMs, 'NX');
    }
    const res = await multi.exec();
    let blockedNow = false;
    for (let i = 0; i < keys.length; i++) {
      const count = Number(res?.[i * 2]?.[1] ?? 0);
      if (count >= this.opts.limit) {
        const [kind, id] = keys[i];
        blockedNow = true;
        if (!this.isBlocked(kind, id)) {
          const until = this.now() + this.opts.blockMs;
          this.blocked.set(`${kind}:${id}`, until);
          this.logger.warn({ kind, id, failures: count, blockSeconds: this.opts.blockMs / 1000 }, 'authentication failures: blocked');
          await this.redis.publish(this.channel, JSON.stringify({ kind, id, until }));
        }
      }
    }
    return blockedNow;
  }

  /** Applies a block announced by another node (pub/sub message). */
  onAnnouncement(message: string): void {
    try {
      const m = JSON.parse(message) as { kind?: unknown; id?: unknown; until?: unknown };
      if ((m.kind === 'source' || m.kind === 'account') && typeof m.id === 'string' && typeof m.until === 'number') {
        const k = `${m.kind}:${m.id}`;
        if ((this.blocked.get(k) ?? 0) < m.until) this.blocked.set(k, m.until);
      }
    } catch {
      // not ours
    }
  }
}
