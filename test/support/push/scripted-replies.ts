// The replies a provider stand-in (fake-apns.ts, fake-fcm.ts) gives a device token instead of its
// default success, queued by a test; each answers `times` pushes, or every push until cleared.
export class ScriptedReplies<R extends { times?: number }> {
  private readonly byToken = new Map<string, R[]>();

  /** Queues a copy of `reply` (its `times` counts down) after the token's earlier replies. */
  respond(token: string, reply: R): void {
    const q = this.byToken.get(token) ?? [];
    q.push({ ...reply });
    this.byToken.set(token, q);
  }

  /** Drops the scripted replies for a token (or all). */
  clear(token?: string): void {
    if (token === undefined) this.byToken.clear();
    else this.byToken.delete(token);
  }

  /** The reply for a push to `token`, if one is scripted; the push counts against its `times`. */
  next(token: string | undefined): R | undefined {
    const q = token === undefined ? undefined : this.byToken.get(token);
    const r = q?.[0];
    if (!q || !r) return undefined;
    if (r.times !== undefined && --r.times <= 0) q.shift();
    return r;
  }
}
