// Typed events (mediasoup's enhancedEvents.ts shape): a map name → argument tuple, and safeEmit()
// so that a throwing listener cannot take the server down. Listener errors are reported on
// 'listenererror' when someone listens for it, otherwise swallowed.
import { EventEmitter } from 'node:events';

export type EventMap = Record<string, unknown[]>;

type Listener<A extends unknown[]> = (...args: A) => void;

export class EnhancedEventEmitter<E extends EventMap> {
  readonly #emitter = new EventEmitter();

  constructor() {
    this.#emitter.setMaxListeners(Infinity);
  }

  on<K extends keyof E & string>(name: K, listener: Listener<E[K]>): this {
    this.#emitter.on(name, listener as Listener<unknown[]>);
    return this;
  }

  once<K extends keyof E & string>(name: K, listener: Listener<E[K]>): this {
    this.#emitter.once(name, listener as Listener<unknown[]>);
    return this;
  }

  off<K extends keyof E & string>(name: K, listener: Listener<E[K]>): this {
    this.#emitter.off(name, listener as Listener<unknown[]>);
    return this;
  }

  listenerCount<K extends keyof E & string>(name: K): number {
    return this.#emitter.listenerCount(name);
  }

  /** Calls every listener; one that throws is reported and the others still run. */
  safeEmit<K extends keyof E & string>(name: K, ...args: E[K]): boolean {
    const listeners = this.#emitter.listeners(name) as Array<Listener<E[K]>>;
    for (const l of listeners) {
      try {
        l(...args);
      } catch (err) {
        this.#reportListenerError(name, err);
      }
    }
    return listeners.length > 0;
  }

  #reportListenerError(name: string, err: unknown): void {
    if (name === 'listenererror') return; // never recurse
    for (const l of this.#emitter.listeners('listenererror')) {
      try {
        (l as (n: string, e: unknown) => void)(name, err);
      } catch {
        // a failing error reporter is ignored on purpose
      }
    }
  }
}
