// The test's own view of the location service: the library the B2BUA and push server use.
import { Redis } from 'ioredis';
import { RedisLocationStore } from '@openline/location';
import type { StackHandle } from '@openline/stack';

export function locationOf(stack: StackHandle): { redis: Redis; store: RedisLocationStore; close(): Promise<void> } {
  const redis = new Redis({ host: '127.0.0.1', port: stack.ports.redis });
  const store = new RedisLocationStore(redis, { sweepIntervalMs: 0 });
  return { redis, store, close: async () => { await store.close(); redis.disconnect(); } };
}
