// What each PushKind becomes on the APNs wire (headers + JSON payload). Pure: the provider hands
// the result to node-apn; the specs check it field by field.
import { createHash } from 'node:crypto';
import type { PushKind, PushRequest } from './types';

export type ApnsPushType = 'voip' | 'alert' | 'background';

export interface ApnsPush {
  topic: string;
  pushType: ApnsPushType;
  /** 10: immediately; 5: when power allows (required for background pushes). */
  priority: 5 | 10;
  /** apns-expiration, UNIX seconds; 0: deliver once now or never (calls must not arrive late). */
  expiry: number;
  collapseId?: string;
  payload: ApnsPayload;
}

export interface ApnsPayload {
  aps: Record<string, unknown>;
  [key: string]: unknown;
}

/** Apple: apns-collapse-id must not exceed 64 bytes. */
export const APNS_COLLAPSE_ID_MAX = 64;
/** How long APNs keeps an alert for a device that is offline. */
export const ALERT_EXPIRY_SECONDS = 24 * 3600;

/** A collapse id APNs accepts: as given when ≤ 64 bytes, else a stable hash of it. */
export function apnsCollapseId(id: string): string {
  if (Buffer.byteLength(id) <= APNS_COLLAPSE_ID_MAX) return id;
  return createHash('sha256').update(id).digest('base64url').slice(0, 43);
}

function customData(req: PushRequest): Record<string, string> {
  // The app reads the kind and its data next to `aps` (APNs passes unknown top-level keys through).
  return { ...req.data, kind: req.kind };
}

function alertPayload(req: PushRequest): ApnsPayload {
  const aps: Record<string, unknown> = {
    alert: { title: req.alert?.title ?? '', body: req.alert?.body ?? '' },
    sound: 'default',
  };
  if (req.badge !== undefined) aps.badge = req.badge;
  if (req.collapseId) aps['thread-id'] = req.collapseId;
  return { ...customData(req), aps };
}

/**
 * call: a VoIP push (PushKit), topic `<bundle>.voip`, priority 10, expiration 0.
 * call-ended: NOT a VoIP push. Since iOS 13 every VoIP push must be reported to CallKit as a new
 * incoming call, or iOS terminates the app and eventually stops delivering its VoIP pushes; a
 * "stop ringing" push cannot honour that. It goes as a background push (content-available) that
 * the app, already running since the call push woke it, uses to end its CallKit call.
 * missed-call, message: alert pushes to `<bundle>` with sound, badge and collapse id.
 * binding-refresh: a background push (priority 5, as Apple requires for content-available only).
 */
export function buildApnsPush(req: PushRequest, bundleId: string, nowSeconds = Math.floor(Date.now() / 1000)): ApnsPush {
  const kind: PushKind = req.kind;
  const collapse = req.collapseId ? { collapseId: apnsCollapseId(req.collapseId) } : {};
  switch (kind) {
    case 'call':
      return { topic: `${bundleId}.voip`, pushType: 'voip', priority: 10, expiry: 0, ...collapse, payload: { ...customData(req), aps: {} } };
    case 'call-ended':
      return { topic: bundleId, pushType: 'background', priority: 5, expiry: 0, ...collapse, payload: { ...customData(req), aps: { 'content-available': 1 } } };
    case 'binding-refresh':
      return { topic: bundleId, pushType: 'background', priority: 5, expiry: nowSeconds + 3600, payload: { ...customData(req), aps: { 'content-available': 1 } } };
    case 'missed-call':
    case 'message':
      return { topic: bundleId, pushType: 'alert', priority: 10, expiry: nowSeconds + ALERT_EXPIRY_SECONDS, ...collapse, payload: alertPayload(req) };
  }
}
