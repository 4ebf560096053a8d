// The live CallSessions of this node (jambonz feature-server session-tracker): found by a leg's
// SIP dialog (Call-ID + tags) for attended transfers (RFC 3891 Replaces), counted for metrics,
// and 'idle' when the last one ends (graceful stop waits for it).
import { EventEmitter } from 'node:events';

export interface TrackedLeg {
  callId: string;
  localTag: string;
  remoteTag: string;
}

export interface Tracked {
  readonly id: string;
  /** The SIP dialogs of its legs, as this B2BUA sees them. */
  dialogs(): TrackedLeg[];
}

export class SessionTracker<T extends Tracked = Tracked> extends EventEmitter {
  private readonly sessions = new Map<string, T>();

  add(s: T): void {
    this.sessions.set(s.id, s);
  }

  remove(s: T): void {
    if (this.sessions.delete(s.id) && this.sessions.size === 0) this.emit('idle');
  }

  get count(): number {
    return this.sessions.size;
  }

  all(): T[] {
    return [...this.sessions.values()];
  }

  /**
   * The session owning the dialog a Replaces header names (RFC 3891 §3): Call-ID plus the tags as
   * the sender of the REFER/INVITE sees them — its from-tag is our remote tag, its to-tag ours.
   */
  findByDialog(callId: string, toTag: string, fromTag: string): T | undefined {
    for (const s of this.sessions.values()) {
      if (s.dialogs().some((d) => d.callId === callId && d.localTag === toTag && d.remoteTag === fromTag)) return s;
    }
    return undefined;
  }

  /** Resolves once no session is live. */
  idle(): Promise<void> {
    if (this.sessions.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.once('idle', () => resolve()));
  }
}
