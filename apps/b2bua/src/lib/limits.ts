// Concurrent-call limits per account and per trunk as Redis counters, so every B2BUA node counts
// the same calls. A slot is taken atomically (INCR, undone when over the limit) and released by the
// CallSession's teardown; counters expire after a day without calls so a crashed node's slots
// do not stay taken forever.
import type { Redis } from 'ioredis';

const ACQUIRE = `
local n = redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], ARGV[2])
if n > tonumber(ARGV[1]) then redis.call('DECR', KEYS[1]) return 0 end
return n`;

const RELEASE = `
local n = redis.call('DECR', KEYS[1])
if n <= 0 then redis.call('DEL', KEYS[1]) end
return n`;

export class CallLimits {
  constructor(private readonly redis: Redis, private readonly prefix = 'ol:b2b:', private readonly ttlSeconds = 86400) {}

  key(kind: 'account' | 'trunk', id: number): string {
    return `${this.prefix}calls:${kind}:${id}`;
  }

  /** Takes a slot; false when `max` calls are already up. A null max is unlimited (nothing taken). */
  async acquire(key: string, max: number | null): Promise<boolean> {
    if (max === null) return true;
    const n = Number(await this.redis.eval(ACQUIRE, 1, key, String(max), String(this.ttlSeconds)));
    return n > 0;
  }

  async release(key: string): Promise<void> {
    await this.redis.eval(RELEASE, 1, key);
  }

  async current(key: string): Promise<number> {
    return Number((await this.redis.get(key)) ?? 0);
  }
}
