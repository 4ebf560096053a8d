// Fixed-window counters in Redis, so every API node counts the same attempts: sign-up attempts
// per source address and per identity, failed sign-ins per address and per login, and a per-address
// cap on all requests.
import type { Redis } from 'ioredis';
import { tooMany } from '../errors';

/** INCR, and start the window's expiry on the first hit. Returns [count, ms left]. */
const HIT = `
local n = redis.call('INCRBY', KEYS[1], ARGV[2])
if n == tonumber(ARGV[2]) then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {n, ttl}`;

export interface Limit {
  /** Counter name: "signin-fail:ip:127.0.0.1". */
  key: string;
  max: number;
  windowSeconds: number;
}

export class RateLimiter {
  constructor(private readonly redis: Redis, private readonly prefix = 'api:rl:') {}

  private async run(l: Limit, by: number): Promise<{ count: number; msLeft: number }> {
    const r = (await this.redis.eval(HIT, 1, this.prefix + l.key, String(l.windowSeconds * 1000), String(by))) as [number, number];
    return { count: Number(r[0]), msLeft: Number(r[1]) };
  }

  /** Counts one attempt; 429 (with Retry-After) when it goes over the limit. */
  async consume(l: Limit, message: string, code = 'rate_limited'): Promise<void> {
    const r = await this.run(l, 1);
    if (r.count > l.max) throw tooMany(message, code, Math.max(1, Math.ceil(r.msLeft / 1000)));
  }

  /** 429 when the counter is already at the limit (failures counted separately by fail()). */
  async check(l: Limit, message: string, code = 'rate_limited'): Promise<void> {
    const r = await this.run(l, 0);
    if (r.count >= l.max) throw tooMany(message, code, Math.max(1, Math.ceil(r.msLeft / 1000)));
  }

  async fail(l: Limit): Promise<void> {
    await this.run(l, 1);
  }

  async reset(key: string): Promise<void> {
    await this.redis.del(this.prefix + key);
  }
}
