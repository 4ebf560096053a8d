// Binding-refresh pushes (RFC 8599 §5.5): a push-capable binding gets a silent push some time
// before it expires so the device wakes and re-REGISTERs. Every node sees the binding events and
// files the binding in one Redis sorted set (score = when the push is due); every node's tick
// takes due entries out with ZREM (only one node gets 1), re-reads the binding, and sends at most
// one push per binding expiry (SET NX on aor+key+expiry), so several nodes never push twice.
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from '@openline/log';
import type { Binding, BindingEvent, LocationStore } from '@openline/location';
import type { PushResult, PushSender } from '@openline/push';
import type { BindingWatcher } from './binding-watch';

export interface RefreshSchedulerOptions {
  redis: Redis;
  watcher: BindingWatcher;
  location: LocationStore;
  sender: PushSender;
  refreshBeforeSeconds: number;
  /** Key prefix for the schedule (default 'ol:push:'). */
  prefix?: string;
  tickMs?: number;
  logger: Logger;
}

/**
 * When the refresh push is due: refreshBefore ahead of expiry, but never earlier than half the
 * binding's lifetime (a binding shorter than refreshBefore would otherwise be pushed at once,
 * register, and be pushed again).
 */
export function refreshDueAt(b: Pick<Binding, 'expiresAt' | 'updatedAt'>, refreshBeforeMs: number): number {
  const lifetime = Math.max(0, b.expiresAt - b.updatedAt);
  return b.expiresAt - Math.min(refreshBeforeMs, Math.floor(lifetime / 2));
}

export class BindingRefreshScheduler {
  private readonly key: string;
  private readonly prefix: string;
  private timer: NodeJS.Timeout | undefined;
  private stopWatching: (() => void) | undefined;
  private ticking: Promise<void> | undefined;
  /** Refresh pushes this node sent, for tests and metrics. */
  readonly sent: Array<{ aor: string; key: string; expiresAt: number; result: PushResult }> = [];

  constructor(private readonly opts: RefreshSchedulerOptions) {
    this.prefix = opts.prefix ?? 'ol:push:';
    this.key = `${this.prefix}refresh`;
  }

  start(): void {
    if (this.stopWatching) return;
    this.stopWatching = this.opts.watcher.watchAll((e) => void this.onBinding(e).catch((err: unknown) => this.opts.logger.warn({ err: (err as Error).message }, 'refresh not scheduled')));
    const tick = (): void => {
      const t = this.tick().then(() => undefined, (err: unknown) => { this.opts.logger.warn({ err: (err as Error).message }, 'refresh tick failed'); });
      this.ticking = t;
      void t.finally(() => { if (this.stopWatching) this.timer = setTimeout(tick, this.opts.tickMs ?? 1000); });
    };
    this.timer = setTimeout(tick, this.opts.tickMs ?? 1000);
  }

  async stop(): Promise<void> {
    this.stopWatching?.();
    this.stopWatching = undefined;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.ticking;
  }

  private member(aor: string, key: string): string {
    return JSON.stringify([aor, key]);
  }

  private async onBinding(e: BindingEvent): Promise<void> {
    if (e.type === 'removed') {
      await this.opts.redis.zrem(this.key, this.member(e.aor, e.key));
      return;
    }
    const b = e.binding;
    if (!b?.push) return;
    await this.opts.redis.zadd(this.key, refreshDueAt(b, this.opts.refreshBeforeSeconds * 1000), this.member(b.aor, b.key));
  }

  /** Sends the pushes that are due (exported for tests: one pass). */
  async tick(now = Date.now()): Promise<number> {
    const due = await this.opts.redis.zrangebyscore(this.key, '-inf', now, 'LIMIT', 0, 200);
    let pushed = 0;
    for (const m of due) {
      // Only the node whose ZREM removed the entry handles it.
      if ((await this.opts.redis.zrem(this.key, m)) !== 1) continue;
      let aor: string;
      let key: string;
      try {
        [aor, key] = JSON.parse(m) as [string, string];
      } catch {
        continue;
      }
      const b = (await this.opts.location.lookup(aor, now)).find((x) => x.key === key);
      if (!b?.push) continue;
      const at = refreshDueAt(b, this.opts.refreshBeforeSeconds * 1000);
      if (at > now) {
        // Refreshed since it was filed (the event's ZADD lost the race with our ZREM): file it again.
        await this.opts.redis.zadd(this.key, at, m);
        continue;
      }
      const once = `${this.prefix}refreshed:${createHash('sha1').update(`${aor}\n${key}\n${b.expiresAt}`).digest('hex')}`;
      const claimed = await this.opts.redis.set(once, '1', 'PX', Math.max(1000, b.expiresAt - now + 60_000), 'NX');
      if (claimed !== 'OK') continue;
      const result = await this.opts.sender.send({
        target: { provider: b.push.provider, prid: b.push.prid, ...(b.push.param ? { param: b.push.param } : {}), ...(b.accountId !== undefined ? { accountId: b.accountId } : {}), ...(b.instance ? { instance: b.instance } : {}) },
        kind: 'binding-refresh',
        data: { type: 'binding-refresh', aor, expiresAt: String(b.expiresAt) },
      });
      this.sent.push({ aor, key, expiresAt: b.expiresAt, result });
      if (this.sent.length > 1000) this.sent.splice(0, this.sent.length - 1000);
      pushed++;
    }
    return pushed;
  }
}
