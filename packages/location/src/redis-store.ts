// LocationStore on Redis, shared by every node: one hash per AOR, a sorted set for expiry, Lua
// scripts for atomic saves and sweeps (see lua.ts), pub/sub for events (see events.ts).
import type { Redis } from 'ioredis';
import { Binding, decodeBinding, encodeBinding } from './binding';
import { channels } from './events';
import { SAVE_SCRIPT, SWEEP_SCRIPT } from './lua';
import { BindingChange, ChangeType, LocationFailure, LocationStore, RemoveReason, SaveRequest, SaveResult } from './store';

export interface RedisLocationStoreOptions {
  /** Key and channel prefix, so several deployments (or test runs) can share one Redis. */
  prefix?: string;
  /** How long an AOR's hash outlives its last binding's expiry (ms). */
  graceMs?: number;
  /** Sweep period (ms); 0 disables the sweeper (readers still ignore expired bindings). */
  sweepIntervalMs?: number;
  now?: () => number;
}

type SaveReply = [0, string] | [1, string[], string[]];

/** Redis with our two scripts defined (ioredis defineCommand: EVALSHA, EVAL on NOSCRIPT). */
interface ScriptedRedis extends Redis {
  olSave(...args: (string | number)[]): Promise<SaveReply>;
  olSweep(...args: (string | number)[]): Promise<number>;
}

export const DEFAULT_PREFIX = 'ol:loc:';

function isFailure(v: string): v is LocationFailure {
  return (Object.values(LocationFailure) as string[]).includes(v);
}

export class RedisLocationStore implements LocationStore {
  readonly prefix: string;
  private readonly redis: ScriptedRedis;
  private readonly graceMs: number;
  private readonly now: () => number;
  /** Sweeper timer (cleared in close()). */
  private sweepTimer: NodeJS.Timeout | undefined;
  private sweeping = false;
  private closed = false;

  /** The client is borrowed: close() stops the sweeper but does not quit it. */
  constructor(redis: Redis, opts: RedisLocationStoreOptions = {}) {
    this.prefix = opts.prefix ?? DEFAULT_PREFIX;
    this.graceMs = opts.graceMs ?? 60_000;
    this.now = opts.now ?? Date.now;
    const r = redis as ScriptedRedis;
    if (typeof r.olSave !== 'function') {
      r.defineCommand('olSave', { numberOfKeys: 2, lua: SAVE_SCRIPT });
      r.defineCommand('olSweep', { numberOfKeys: 1, lua: SWEEP_SCRIPT });
    }
    this.redis = r;
    const every = opts.sweepIntervalMs ?? 1000;
    if (every > 0) {
      this.sweepTimer = setInterval(() => void this.sweepAll(), every);
      this.sweepTimer.unref();
    }
  }

  aorKey(aor: string): string {
    return `${this.prefix}aor:${aor}`;
  }

  get expiryKey(): string {
    return `${this.prefix}exp`;
  }

  async save(req: SaveRequest): Promise<SaveResult> {
    const ch = channels(this.prefix);
    const args: (string | number)[] = [
      this.aorKey(req.aor), this.expiryKey,
      req.aor, req.now, req.callId, req.cseq, req.maxBindings, req.removeAll ? 1 : 0,
      ch.events, ch.presence, this.graceMs, req.upserts.length,
    ];
    for (const b of req.upserts) args.push(b.key, encodeBinding(b), b.expiresAt);
    for (const k of req.removeKeys) args.push(k);
    let reply: SaveReply;
    try {
      reply = await this.redis.olSave(...args);
    } catch (err) {
      return { ok: false, failure: LocationFailure.Unavailable, detail: (err as Error).message };
    }
    if (reply[0] === 0) {
      const failure = reply[1];
      return isFailure(failure) ? { ok: false, failure } : { ok: false, failure: LocationFailure.Unavailable, detail: failure };
    }
    const [, flat, flatChanges] = reply;
    const bindings: Binding[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) {
      const b = decodeBinding(req.aor, flat[i + 1]);
      if (b) bindings.push(b);
    }
    const changes: BindingChange[] = [];
    for (let i = 0; i + 2 < flatChanges.length; i += 3) {
      const c: BindingChange = { type: flatChanges[i] as ChangeType, key: flatChanges[i + 1] };
      if (flatChanges[i + 2] !== '') c.reason = flatChanges[i + 2] as RemoveReason;
      changes.push(c);
    }
    return { ok: true, bindings: sortBindings(bindings), changes };
  }

  async lookup(aor: string, now = this.now()): Promise<Binding[]> {
    const all = await this.redis.hgetall(this.aorKey(aor));
    const out: Binding[] = [];
    for (const raw of Object.values(all)) {
      const b = decodeBinding(aor, raw);
      if (b && b.expiresAt > now) out.push(b);
    }
    return sortBindings(out);
  }

  async sweep(now = this.now(), limit = 500): Promise<number> {
    const ch = channels(this.prefix);
    return this.redis.olSweep(this.expiryKey, now, limit, `${this.prefix}aor:`, ch.events, ch.presence);
  }

  /** One sweeper pass: batches until nothing is due (never two passes at once). */
  private async sweepAll(): Promise<void> {
    if (this.sweeping || this.closed) return;
    this.sweeping = true;
    try {
      for (let i = 0; i < 100 && !this.closed; i++) {
        if ((await this.sweep()) < 500) break;
      }
    } catch {
      // Redis unavailable: the next tick retries; readers ignore expired bindings meanwhile.
    } finally {
      this.sweeping = false;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
  }
}

/** Highest q first (absent q counts as 1.0, RFC 3261 §16.6), then the most recently registered. */
export function sortBindings(list: Binding[]): Binding[] {
  return list.sort((a, b) => (b.q ?? 1000) - (a.q ?? 1000) || b.updatedAt - a.updatedAt || (a.key < b.key ? -1 : 1));
}
