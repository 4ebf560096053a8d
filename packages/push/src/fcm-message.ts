// What each PushKind becomes as an FCM v1 message (firebase-admin's TokenMessage). Pure.
import type { TokenMessage } from 'firebase-admin/messaging';
import type { PushRequest } from './types';

/** How long FCM keeps an alert for a device that is offline (ms, firebase-admin's unit). */
export const ALERT_TTL_MS = 24 * 3600 * 1000;
/** A binding refresh that arrives later than this is pointless: the device re-registers on wake anyway. */
export const REFRESH_TTL_MS = 3600 * 1000;

function data(req: PushRequest): Record<string, string> {
  // FCM data values must be strings; the app reads `kind` to dispatch.
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.data)) out[k] = String(v);
  out.kind = req.kind;
  return out;
}

/**
 * call, call-ended: data-only, android.priority high (wakes the app from Doze), ttl 0 (now or
 * never: a late ring is worse than none). binding-refresh: data-only, high, ttl 1 h.
 * missed-call, message: notification + data, collapse key and notification tag per collapse id.
 */
export function buildFcmMessage(req: PushRequest): TokenMessage {
  const token = req.target.prid;
  switch (req.kind) {
    case 'call':
    case 'call-ended':
      return { token, data: data(req), android: { priority: 'high', ttl: 0, ...(req.collapseId ? { collapseKey: req.collapseId } : {}) } };
    case 'binding-refresh':
      return { token, data: data(req), android: { priority: 'high', ttl: REFRESH_TTL_MS } };
    case 'missed-call':
    case 'message': {
      const title = req.alert?.title ?? '';
      const body = req.alert?.body ?? '';
      const notification: NonNullable<NonNullable<TokenMessage['android']>['notification']> = { sound: 'default' };
      if (req.collapseId) notification.tag = req.collapseId;
      if (req.badge !== undefined) notification.notificationCount = req.badge;
      return {
        token, notification: { title, body }, data: data(req),
        android: { priority: 'high', ttl: ALERT_TTL_MS, ...(req.collapseId ? { collapseKey: req.collapseId } : {}), notification },
      };
    }
  }
}
