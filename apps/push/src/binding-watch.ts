// One Redis subscriber per process for the location service's binding events (packages/location
// publishes them on pub/sub, so a REGISTER handled by any registrar node reaches every node).
// Waiting calls register interest per AOR; the refresh scheduler listens to everything.
import type { Redis } from 'ioredis';
import { normaliseAor, subscribeLocationEvents, type BindingEvent } from '@openline/location';

export type BindingListener = (e: BindingEvent) => void;

export class BindingWatcher {
  private readonly byAor = new Map<string, Set<BindingListener>>();
  private readonly everything = new Set<BindingListener>();
  private unsubscribe: (() => Promise<void>) | undefined;
  private starting: Promise<void> | undefined;

  /** `subscriber` is a dedicated connection: pub/sub takes it over. */
  constructor(private readonly subscriber: Redis, private readonly locationPrefix: string) {}

  /** Subscribes once; later calls wait for the same subscription. */
  start(): Promise<void> {
    this.starting ??= subscribeLocationEvents(this.subscriber, this.locationPrefix, { binding: (e) => this.dispatch(e) })
      .then((u) => { this.unsubscribe = u; });
    return this.starting;
  }

  async close(): Promise<void> {
    await this.starting?.catch(() => undefined);
    const u = this.unsubscribe;
    this.unsubscribe = undefined;
    this.starting = undefined;
    await u?.().catch(() => undefined);
    this.byAor.clear();
    this.everything.clear();
  }

  /** Listens to one AOR's binding events; returns the function that stops listening. */
  watchAor(aor: string, fn: BindingListener): () => void {
    const key = normaliseAor(aor);
    let set = this.byAor.get(key);
    if (!set) this.byAor.set(key, set = new Set());
    set.add(fn);
    return () => {
      const s = this.byAor.get(key);
      if (!s) return;
      s.delete(fn);
      if (s.size === 0) this.byAor.delete(key);
    };
  }

  /** Listens to every binding event; returns the function that stops listening. */
  watchAll(fn: BindingListener): () => void {
    this.everything.add(fn);
    return () => { this.everything.delete(fn); };
  }

  /** How many AORs have a waiting listener (teardown checks). */
  get watchedAors(): number {
    return this.byAor.size;
  }

  private dispatch(e: BindingEvent): void {
    for (const fn of this.everything) safe(fn, e);
    const set = this.byAor.get(normaliseAor(e.aor));
    if (set) for (const fn of [...set]) safe(fn, e);
  }
}

function safe(fn: BindingListener, e: BindingEvent): void {
  try {
    fn(e);
  } catch {
    // one listener's bug must not stop the others
  }
}
