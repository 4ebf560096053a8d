// Server-side keepalive: OPTIONS pings to the bindings registered through this node's sipd, spread
// over an interval with bounded concurrency. A binding whose flow is dead is removed at once
// instead of lingering until it expires (issue 5): sipd answers 430 Flow Failed when a registered
// connection is gone (RFC 5626 §5.3), 408 when a UDP target never answers, 503 (with its own
// Warning) when it cannot open a connection. Any answer from the device means the flow is alive.
import type Srf from 'drachtio-srf';
import type { Redis } from 'ioredis';
import type { Logger } from '@openline/log';
import { channels, decodeBinding, flowUri, type Binding, type RedisLocationStore } from '@openline/location';

/** Removal reason published in the 'removed' event. */
export const FLOW_FAILED = 'flow-failed';

/** A ping's outcome: a final status, no answer in time, or not sent (our own sipd link is down). */
export type PingResult = { status: number; fromSipd: boolean } | 'timeout' | 'not-sent';

export type Pinger = (b: Binding, timeoutMs: number) => Promise<PingResult>;

/** Dead flow: 430 (RFC 5626 §5.3), 408, sipd's own 503, or silence. */
export function flowIsDead(r: PingResult): boolean {
  if (r === 'not-sent') return false;
  if (r === 'timeout') return true;
  return r.status === 430 || r.status === 408 || (r.status === 503 && r.fromSipd);
}

export interface KeepaliveOptions {
  redis: Redis;
  store: RedisLocationStore;
  /** This node's sipd id as recorded in Flow.node (read each cycle: known once srf connects). */
  nodeId: () => string;
  ping: Pinger;
  logger: Logger;
  intervalMs: number;
  /** Pings outstanding at once (default 50). */
  concurrency?: number;
  /** No final answer within this long counts as no answer (default: the interval, at most 32 s). */
  timeoutMs?: number;
}

/**
 * Removes one binding only if no REGISTER touched it since it was read (same updatedAt), publishing
 * 'removed' and, when the device has no binding left, 'offline' — the events lua.ts publishes.
 * KEYS: hash, expiry zset. ARGV: aor, key, updatedAt, now, events channel, presence channel, reason.
 */
const REMOVE_SCRIPT = `
local hk, zk = KEYS[1], KEYS[2]
local aor, key, updated, now = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local raw = redis.call('HGET', hk, key)
if not raw then return 0 end
local ok, row = pcall(cjson.decode, raw)
if not ok or type(row) ~= 'table' or tonumber(row[15]) ~= updated then return 0 end
local function device(k, r)
  local inst = r and r[7]
  if inst == nil or inst == cjson.null then return k end
  return inst
end
local dev = device(key, row)
redis.call('HDEL', hk, key)
redis.call('ZREM', zk, aor .. '\\n' .. key)
redis.call('PUBLISH', ARGV[5], cjson.encode({ e = 'removed', aor = aor, key = key, reason = ARGV[7] }))
local still = false
local rest = redis.call('HGETALL', hk)
for i = 1, #rest, 2 do
  local okr, r = pcall(cjson.decode, rest[i + 1])
  if okr and type(r) == 'table' and device(rest[i], r) == dev and (tonumber(r[3]) or 0) > now then still = true end
end
if #rest == 0 then redis.call('DEL', hk) end
if not still then redis.call('PUBLISH', ARGV[6], cjson.encode({ aor = aor, device = dev, state = 'offline' })) end
return 1
`;

interface RemovingRedis extends Redis {
  olFlowFailed(...args: (string | number)[]): Promise<number>;
}

export class Keepalive {
  private readonly redis: RemovingRedis;
  private readonly concurrency: number;
  private readonly timeoutMs: number;
  private stopped = false;
  private loop: Promise<void> | undefined;
  /** Pending waits of the loop; stop() ends them at once. */
  private readonly wakers = new Set<() => void>();
  private readonly inFlight = new Set<Promise<void>>();
  /** Bindings with a ping outstanding (a slow answer must not overlap the next cycle's ping). */
  private readonly pinging = new Set<string>();

  constructor(private readonly opts: KeepaliveOptions) {
    const r = opts.redis as RemovingRedis;
    if (typeof r.olFlowFailed !== 'function') r.defineCommand('olFlowFailed', { numberOfKeys: 2, lua: REMOVE_SCRIPT });
    this.redis = r;
    this.concurrency = Math.max(1, opts.concurrency ?? 50);
    this.timeoutMs = opts.timeoutMs ?? Math.min(opts.intervalMs, 32_000);
  }

  start(): void {
    if (this.loop || this.opts.intervalMs <= 0) return;
    this.loop = this.run();
  }

  /**
   * Stops the cycle at once. Outstanding pings are not waited for (they may take a whole interval);
   * their answers are ignored, so nothing is removed after stop().
   */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const wake of [...this.wakers]) wake();
    await this.loop;
  }

  /** Waits ms, or until `settled` settles, or until stop(): whichever comes first. */
  private wait(ms: number | undefined, settled?: Promise<unknown>): Promise<void> {
    if (this.stopped || (ms !== undefined && ms <= 0)) return Promise.resolve();
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const done = (): void => {
        clearTimeout(timer);
        this.wakers.delete(done);
        resolve();
      };
      this.wakers.add(done);
      if (ms !== undefined) timer = setTimeout(done, ms);
      settled?.then(done, done);
    });
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const start = Date.now();
      try {
        await this.cycle(start);
      } catch (err) {
        this.opts.logger.warn({ err: (err as Error).message }, 'keepalive cycle failed');
      }
      await this.wait(start + this.opts.intervalMs - Date.now());
    }
  }

  /** One pass: every owned binding once, start times spread evenly over the interval. */
  private async cycle(start: number): Promise<void> {
    const owned = await this.ownedBindings(start);
    const gap = this.opts.intervalMs / Math.max(owned.length, 1);
    for (let i = 0; i < owned.length && !this.stopped; i++) {
      await this.wait(start + i * gap - Date.now());
      while (this.inFlight.size >= this.concurrency && !this.stopped) await this.wait(undefined, Promise.race(this.inFlight));
      const b = owned[i];
      const id = `${b.aor}\n${b.key}`;
      if (this.stopped) break;
      if (this.pinging.has(id)) continue;
      this.pinging.add(id);
      const p: Promise<void> = this.check(b).finally(() => { this.inFlight.delete(p); this.pinging.delete(id); });
      this.inFlight.add(p);
    }
  }

  /** Live bindings whose flow is on this node's sipd. Path bindings belong to the edge proxy's flow. */
  async ownedBindings(now = Date.now()): Promise<Binding[]> {
    const node = this.opts.nodeId();
    if (!node) return [];
    const members = await this.redis.zrangebyscore(this.opts.store.expiryKey, `(${now}`, '+inf');
    const aors = [...new Set(members.map((m) => m.slice(0, Math.max(0, m.indexOf('\n')))).filter((a) => a !== ''))];
    const out: Binding[] = [];
    for (let i = 0; i < aors.length; i += 200) {
      const batch = aors.slice(i, i + 200);
      const pipe = this.redis.pipeline();
      for (const aor of batch) pipe.hgetall(this.opts.store.aorKey(aor));
      const replies = (await pipe.exec()) ?? [];
      replies.forEach(([err, value], j) => {
        if (err || value === null || typeof value !== 'object') return;
        for (const raw of Object.values(value as Record<string, string>)) {
          const b = decodeBinding(batch[j], raw);
          if (b && b.expiresAt > now && b.flow.node === node && !(b.path && b.path.length > 0)) out.push(b);
        }
      });
    }
    return out;
  }

  /** Pings one binding; removes it when its flow is dead. */
  async check(b: Binding): Promise<void> {
    let result: PingResult;
    try {
      result = await this.opts.ping(b, this.timeoutMs);
    } catch (err) {
      this.opts.logger.warn({ aor: b.aor, key: b.key, err: (err as Error).message }, 'keepalive ping failed');
      return;
    }
    if (this.stopped || !flowIsDead(result)) return;
    const ch = channels(this.opts.store.prefix);
    const removed = await this.redis.olFlowFailed(
      this.opts.store.aorKey(b.aor), this.opts.store.expiryKey,
      b.aor, b.key, b.updatedAt, Date.now(), ch.events, ch.presence, FLOW_FAILED,
    ).catch((err: Error) => {
      this.opts.logger.warn({ aor: b.aor, key: b.key, err: err.message }, 'dead binding not removed');
      return 0;
    });
    if (removed === 1) {
      this.opts.logger.info({ aor: b.aor, key: b.key, flow: b.flow, result }, 'binding removed: flow failed');
    }
  }
}

/** The parts of srf 5.0.29's request() we use (its bundled typings give the wrong signature). */
interface SentRequest {
  on(event: 'response', listener: (res: { status: number; get(name: string): string | undefined }) => void): void;
}
type SrfRequestFn = (uri: string, opts: { method: string; headers: Record<string, string>; proxy?: string },
  callback: (err: Error | null, req: SentRequest) => void) => void;

/**
 * OPTIONS through srf to the registered Contact. sipd forces it onto a registered connection when
 * one is open; otherwise it goes to the flow's recorded source address and transport (the NAT's
 * public side, as drachtio apps do with `proxy`). WebSocket flows have no address to dial: their
 * `.invalid` Contact makes sipd answer 430 once the connection is gone (RFC 7118 §5).
 */
export function srfPinger(srf: Srf, from: () => string): Pinger {
  return (b, timeoutMs) => new Promise<PingResult>((resolve) => {
    const timer = setTimeout(() => resolve('timeout'), timeoutMs);
    timer.unref(); // a ping outstanding at shutdown must not hold the process
    const done = (r: PingResult): void => { clearTimeout(timer); resolve(r); };
    const opts: Parameters<SrfRequestFn>[1] = {
      method: 'OPTIONS',
      headers: { From: `<sip:keepalive@${from()}>`, To: `<${b.contact}>`, 'Max-Forwards': '70' },
    };
    if (b.flow.transport !== 'ws' && b.flow.transport !== 'wss') opts.proxy = flowUri(b.flow);
    const request = srf.request as unknown as SrfRequestFn;
    try {
      request.call(srf, b.contact, opts, (err, req) => {
        if (err) return done('not-sent');
        req.on('response', (res) => {
          // sipd's own answers carry `Warning: 399 sipd "..."` (apps/sipd/src/core/uac.ts).
          done({ status: res.status, fromSipd: /^\s*399 sipd\b/.test(res.get('warning') ?? '') });
        });
      });
    } catch {
      done('not-sent');
    }
  });
}
