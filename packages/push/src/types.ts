// The contract between the push dispatcher and its users (push-call server, chat, registrar):
// what to push to which device, and what came of it. Providers translate a PushRequest into
// their wire format (APNs headers + payload, FCM v1 message).

/** RFC 8599 pn-provider values this dispatcher serves. */
export type PushProviderName = 'apns' | 'fcm';

/** One device's push address, from RFC 8599 Contact parameters or the devices table. */
export interface PushTarget {
  provider: string;
  /** pn-prid: the device token (APNs) or registration token (FCM). */
  prid: string;
  /** pn-param: APNs "<team or key id>.<bundle id>.<service>" (RFC 8599 §9.2), FCM sender/project id. */
  param?: string;
  accountId?: number;
  /** +sip.instance of the device, when known (without angle brackets). */
  instance?: string;
}

/**
 * call: wake the device for an incoming call (APNs VoIP push / FCM high-priority data, TTL 0).
 * call-ended: the call was answered elsewhere or cancelled (stop ringing).
 * missed-call, message: user-visible alerts.
 * binding-refresh: silent wake so the device re-REGISTERs before its binding expires (RFC 8599 §5.5).
 */
export type PushKind = 'call' | 'call-ended' | 'missed-call' | 'message' | 'binding-refresh';

export interface PushAlertText {
  title: string;
  body: string;
}

export interface PushRequest {
  target: PushTarget;
  kind: PushKind;
  /** Key/value data delivered to the app (call id, caller, pick-up token, conversation...). */
  data: Record<string, string>;
  /** User-visible text (missed-call, message); ignored for silent kinds. */
  alert?: PushAlertText;
  /** Replaces an earlier notification with the same id (apns-collapse-id / FCM collapse key). */
  collapseId?: string;
  /** Unread count for the app badge, when known. */
  badge?: number;
}

export interface PushResult {
  ok: boolean;
  provider: string;
  /** HTTP status from the provider (200, 400, 410, 429, 5xx), when there was one. */
  status?: number;
  /** Provider reason (APNs "BadDeviceToken", FCM "UNREGISTERED" ...) or a local error. */
  reason?: string;
  /** The token is dead (APNs 410 / FCM UNREGISTERED): its push binding was (or must be) removed. */
  invalidToken?: boolean;
  /** Provider's message id (apns-id / FCM message name). */
  id?: string;
  attempts: number;
}

/** What every user of push depends on: one call, never throws (failures are in the result). */
export interface PushSender {
  send(req: PushRequest): Promise<PushResult>;
}
