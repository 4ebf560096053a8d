// Why a call is refused, as a typed enum, and the status, phrase and Reason header each maps to
// (Kamailio rerrno.h → reply.c shape, as in apps/registrar).
import { formatReason } from './reason';

export enum CallError {
  /** No account, extension, number or DID matches (RFC 3261 §21.4.5). */
  UnknownDestination = 'unknown-destination',
  UnknownDid = 'unknown-did',
  /** The dial plan has no route for the number, or the caller may not use it (§21.4.4). */
  NotAllowed = 'not-allowed',
  CallerDisabled = 'caller-disabled',
  CalleeDisabled = 'callee-disabled',
  /** The callee has blocked the caller (issue 11); the caller only learns "Forbidden" (§21.4.4). */
  Blocked = 'blocked',
  /** Neither a known trunk source nor a device with credentials for this domain. */
  UnknownSource = 'unknown-source',
  AccountLimit = 'account-limit',
  TrunkLimit = 'trunk-limit',
  /** Every trunk of the route failed (5xx/timeout). */
  TrunksFailed = 'trunks-failed',
  MediaUnavailable = 'media-unavailable',
  /** INVITE without an SDP offer (delayed offer is not supported here). */
  NoOffer = 'no-offer',
  /** The callee has no reachable device (RFC 3261 §21.4.18). */
  NoDevice = 'no-device',
  /** Every device answered busy (§21.4.24). */
  Busy = 'busy',
  /** Nobody answered within the no-answer timeout. */
  NoAnswer = 'no-answer',
  ServerError = 'server-error',
}

export interface CallErrorReply {
  status: number;
  phrase: string;
  /** Reason header value (RFC 3326). */
  reason: string;
  /** The CDR's hangup text when it says more than the caller may learn; default the Reason's text. */
  cdrText?: string;
}

function r(status: number, phrase: string, text: string, cdrText?: string): CallErrorReply {
  return { status, phrase, reason: formatReason(status, text), ...(cdrText === undefined ? {} : { cdrText }) };
}

export const CALL_ERROR_REPLIES: Readonly<Record<CallError, CallErrorReply>> = {
  [CallError.UnknownDestination]: r(404, 'Not Found', 'Unknown destination'),
  [CallError.UnknownDid]: r(404, 'Not Found', 'Unknown DID'),
  [CallError.NotAllowed]: r(403, 'Forbidden', 'Destination not allowed'),
  [CallError.CallerDisabled]: r(403, 'Forbidden', 'Caller account disabled'),
  [CallError.CalleeDisabled]: r(404, 'Not Found', 'Callee account disabled'),
  [CallError.Blocked]: r(403, 'Forbidden', 'Forbidden', 'Blocked by callee'),
  [CallError.UnknownSource]: r(403, 'Forbidden', 'Unknown source'),
  [CallError.AccountLimit]: r(503, 'Service Unavailable', 'Account concurrent call limit reached'),
  [CallError.TrunkLimit]: r(503, 'Service Unavailable', 'Trunk concurrent call limit reached'),
  [CallError.TrunksFailed]: r(503, 'Service Unavailable', 'No trunk available'),
  [CallError.MediaUnavailable]: r(503, 'Service Unavailable', 'No media server available'),
  [CallError.NoOffer]: r(488, 'Not Acceptable Here', 'SDP offer required'),
  [CallError.NoDevice]: r(480, 'Temporarily Unavailable', 'No reachable device'),
  [CallError.Busy]: r(486, 'Busy Here', 'All devices busy'),
  [CallError.NoAnswer]: r(480, 'Temporarily Unavailable', 'No answer'),
  [CallError.ServerError]: r(500, 'Server Internal Error', 'Server error'),
};
