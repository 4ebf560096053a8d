// Which app connections asked for which verbs, and the round-robin choice among them
// (drachtio-server client-controller.cpp selectClientForRequestOutsideDialog(); see
// docs/wire-protocol.md §4.1). Verbs are compared lower-case; a connection appears once per verb.

export interface Routable {
  readonly id: string;
  hasTag(tag: string): boolean;
}

interface VerbEntry<C> {
  conns: C[];
  /** Where the next pick starts; reset to 0 once it runs past the end (as drachtio does). */
  next: number;
}

export class RouteRegistry<C extends Routable> {
  readonly #byVerb = new Map<string, VerbEntry<C>>();

  /** Returns false when the connection already had this verb. */
  add(verb: string, conn: C): boolean {
    const key = verb.toLowerCase();
    let entry = this.#byVerb.get(key);
    if (!entry) {
      entry = { conns: [], next: 0 };
      this.#byVerb.set(key, entry);
    }
    if (entry.conns.includes(conn)) return false;
    entry.conns.push(conn);
    return true;
  }

  /** Returns false when the connection did not have this verb. */
  remove(verb: string, conn: C): boolean {
    const key = verb.toLowerCase();
    const entry = this.#byVerb.get(key);
    if (!entry) return false;
    const i = entry.conns.indexOf(conn);
    if (i < 0) return false;
    entry.conns.splice(i, 1);
    if (entry.conns.length === 0) this.#byVerb.delete(key);
    return true;
  }

  /** Drops every route of a connection; returns the verbs it had. */
  removeAll(conn: C): string[] {
    const removed: string[] = [];
    for (const verb of [...this.#byVerb.keys()]) {
      if (this.remove(verb, conn)) removed.push(verb);
    }
    return removed;
  }

  /** Round robin among the connections routing this verb (optionally only those with a tag). */
  pick(verb: string, tag?: string): C | undefined {
    const entry = this.#byVerb.get(verb.toLowerCase());
    if (!entry) return undefined;
    const n = entry.conns.length;
    const start = entry.next < n ? entry.next : 0;
    entry.next = start + 1;
    for (let i = 0; i < n; i++) {
      const conn = entry.conns[(start + i) % n] as C;
      if (tag === undefined || conn.hasTag(tag)) return conn;
    }
    return undefined;
  }

  candidates(verb: string): readonly C[] {
    return this.#byVerb.get(verb.toLowerCase())?.conns ?? [];
  }

  verbs(): string[] {
    return [...this.#byVerb.keys()];
  }
}
