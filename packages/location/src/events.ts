// Location events on Redis pub/sub (Kamailio's ul_callback.h INSERT/UPDATE/DELETE/EXPIRE,
// as messages every node and service can subscribe to). Typed here; published by lua.ts.
import type { Redis } from 'ioredis';
import { Binding, decodeBinding } from './binding';
import type { ChangeType, RemoveReason } from './store';

export interface LocationChannels {
  /** BindingEvent messages. */
  events: string;
  /** PresenceEvent messages. */
  presence: string;
}

export function channels(prefix: string): LocationChannels {
  return { events: `${prefix}events`, presence: `${prefix}presence` };
}

export interface BindingEvent {
  type: ChangeType;
  aor: string;
  key: string;
  reason?: RemoveReason;
  /** The binding as stored (added and refreshed only). */
  binding?: Binding;
}

/** A device (an instance, or a binding without one) came online or went offline. */
export interface PresenceEvent {
  aor: string;
  device: string;
  state: 'online' | 'offline';
}

export interface LocationEventHandlers {
  binding?: (e: BindingEvent) => void;
  presence?: (e: PresenceEvent) => void;
}

export function parseBindingEvent(text: string): BindingEvent | undefined {
  try {
    const m = JSON.parse(text) as { e?: unknown; aor?: unknown; key?: unknown; reason?: unknown; b?: unknown };
    if ((m.e !== 'added' && m.e !== 'refreshed' && m.e !== 'removed') || typeof m.aor !== 'string' || typeof m.key !== 'string') {
      return undefined;
    }
    const e: BindingEvent = { type: m.e, aor: m.aor, key: m.key };
    if (m.reason === 'unregistered' || m.reason === 'expired' || m.reason === 'wildcard' || m.reason === 'flow-failed') e.reason = m.reason;
    if (typeof m.b === 'string') {
      const b = decodeBinding(m.aor, m.b);
      if (b) e.binding = b;
    }
    return e;
  } catch {
    return undefined;
  }
}

export function parsePresenceEvent(text: string): PresenceEvent | undefined {
  try {
    const m = JSON.parse(text) as { aor?: unknown; device?: unknown; state?: unknown };
    if (typeof m.aor !== 'string' || typeof m.device !== 'string' || (m.state !== 'online' && m.state !== 'offline')) return undefined;
    return { aor: m.aor, device: m.device, state: m.state };
  } catch {
    return undefined;
  }
}

/**
 * Subscribes a dedicated connection (pub/sub takes the connection over) to the location
 * events. A throwing handler is caught so it cannot break the subscriber. Returns unsubscribe.
 */
export async function subscribeLocationEvents(sub: Redis, prefix: string, handlers: LocationEventHandlers): Promise<() => Promise<void>> {
  const ch = channels(prefix);
  const onMessage = (channel: string, message: string): void => {
    try {
      if (channel === ch.events && handlers.binding) {
        const e = parseBindingEvent(message);
        if (e) handlers.binding(e);
      } else if (channel === ch.presence && handlers.presence) {
        const e = parsePresenceEvent(message);
        if (e) handlers.presence(e);
      }
    } catch {
      // A listener's bug must not stop the subscription (mediasoup's safeEmit rule).
    }
  };
  sub.on('message', onMessage);
  await sub.subscribe(ch.events, ch.presence);
  return async () => {
    sub.off('message', onMessage);
    await sub.unsubscribe(ch.events, ch.presence);
  };
}
