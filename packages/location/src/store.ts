// The registrar decides, the store stores (Kamailio's registrar/usrloc split, usrloc.h): one
// interface, one Redis implementation today. Failures are a typed enum the registrar maps to SIP
// statuses (Kamailio rerrno.h → reply.c).
import type { Binding } from './binding';

export enum LocationFailure {
  /** Same Call-ID with a CSeq not above the stored one (RFC 3261 §10.3 step 7). */
  OutOfOrder = 'out-of-order',
  /** The AOR would hold more bindings than allowed. */
  TooManyBindings = 'too-many-bindings',
  /** The store did not answer (Redis down, script error). */
  Unavailable = 'unavailable',
}

export type ChangeType = 'added' | 'refreshed' | 'removed';
/** Why a binding went: a REGISTER with expires 0, its expiry, Contact: *, or a dead flow (keepalive). */
export type RemoveReason = 'unregistered' | 'expired' | 'wildcard' | 'flow-failed';

export interface BindingChange {
  type: ChangeType;
  key: string;
  reason?: RemoveReason;
}

/** One REGISTER's changes to one AOR, applied atomically. */
export interface SaveRequest {
  aor: string;
  /** Bindings to create or replace (by key). */
  upserts: Binding[];
  /** Keys to remove (a Contact with expires 0). */
  removeKeys: string[];
  /** `Contact: *` with Expires 0: remove every binding (RFC 3261 §10.2.2). */
  removeAll: boolean;
  callId: string;
  cseq: number;
  /** Upper bound of bindings the AOR may hold after the change. */
  maxBindings: number;
  now: number;
}

export type SaveResult =
  | { ok: true; bindings: Binding[]; changes: BindingChange[] }
  | { ok: false; failure: LocationFailure; detail?: string };

export interface LocationStore {
  /** Applies a REGISTER's changes; returns every current binding of the AOR afterwards. */
  save(req: SaveRequest): Promise<SaveResult>;
  /** Current (unexpired) bindings of an AOR. */
  lookup(aor: string, now?: number): Promise<Binding[]>;
  /** Removes bindings that expired (publishing their events); returns how many. */
  sweep(now?: number, limit?: number): Promise<number>;
  close(): Promise<void>;
}
