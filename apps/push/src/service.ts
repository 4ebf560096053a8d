// Everything the push side of a B2BUA process needs, built once: one subscriber connection for
// the binding events, the pick-up tokens, the push-call server and the binding-refresh scheduler.
import type { Redis } from 'ioredis';
import type { Queryable } from '@openline/db';
import type { Logger } from '@openline/log';
import { DEFAULT_PREFIX, type LocationStore } from '@openline/location';
import type { PushSender } from '@openline/push';
import { BindingWatcher } from './binding-watch';
import { PushCallServer } from './call-server';
import { PickupTokens } from './pickup';
import { BindingRefreshScheduler } from './refresh-scheduler';

export interface PushServiceOptions {
  sender: PushSender;
  /** Commands (tokens, refresh schedule); a duplicate is made for pub/sub. */
  redis: Redis;
  db: Queryable;
  location: LocationStore;
  waitSeconds: number;
  refreshBeforeSeconds: number;
  logger: Logger;
  /** Location store prefix (whose events to follow); default the registrar's. */
  locationPrefix?: string;
  /** Key prefix of this service's own keys. */
  prefix?: string;
  /** false: no binding-refresh pushes from this process. */
  refresh?: boolean;
  refreshTickMs?: number;
}

export interface PushService {
  calls: PushCallServer;
  refresh: BindingRefreshScheduler | undefined;
  tokens: PickupTokens;
  watcher: BindingWatcher;
  close(): Promise<void>;
}

/** Builds and starts the push service; resolves once the binding events are subscribed. */
export async function startPushService(o: PushServiceOptions): Promise<PushService> {
  const prefix = o.prefix ?? 'ol:push:';
  const subscriber = o.redis.duplicate();
  subscriber.on('error', (err: Error) => o.logger.warn({ err: err.message }, 'redis subscriber'));
  const watcher = new BindingWatcher(subscriber, o.locationPrefix ?? DEFAULT_PREFIX);
  await watcher.start();
  const tokens = new PickupTokens(o.redis, prefix);
  const calls = new PushCallServer({
    sender: o.sender, watcher, tokens, db: o.db, location: o.location, waitSeconds: o.waitSeconds, logger: o.logger,
  });
  const refresh = o.refresh === false ? undefined : new BindingRefreshScheduler({
    redis: o.redis, watcher, location: o.location, sender: o.sender, refreshBeforeSeconds: o.refreshBeforeSeconds,
    prefix, logger: o.logger, ...(o.refreshTickMs ? { tickMs: o.refreshTickMs } : {}),
  });
  refresh?.start();
  return {
    calls, refresh, tokens, watcher,
    async close() {
      await refresh?.stop();
      await calls.close();
      await watcher.close();
      subscriber.disconnect();
    },
  };
}
