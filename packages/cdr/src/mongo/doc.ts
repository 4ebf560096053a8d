// CdrRecord ↔ MongoDB document: the record as is, with its id as _id (the idempotency key).
import { CdrRecord } from '../types';

export type CdrDocument = Omit<CdrRecord, 'id'> & { _id: string };

export function cdrToDoc(c: CdrRecord): CdrDocument {
  const { id, ...rest } = c;
  return { _id: id, ...rest };
}

export function docToCdr(d: CdrDocument): CdrRecord {
  const { _id, ...rest } = d;
  return {
    id: _id,
    callId: rest.callId,
    aLegCallId: rest.aLegCallId,
    bLegCallId: rest.bLegCallId ?? null,
    caller: rest.caller,
    callee: rest.callee,
    direction: rest.direction,
    trunkId: rest.trunkId ?? null,
    trunkName: rest.trunkName ?? null,
    startTime: rest.startTime,
    ringingTime: rest.ringingTime ?? null,
    answerTime: rest.answerTime ?? null,
    endTime: rest.endTime,
    setupMs: rest.setupMs,
    ringMs: rest.ringMs,
    talkMs: rest.talkMs,
    disposition: rest.disposition,
    sipStatus: rest.sipStatus,
    sipReason: rest.sipReason,
    hangupCause: rest.hangupCause ?? null,
    hangupSide: rest.hangupSide,
    codecs: rest.codecs,
    media: rest.media,
    transferredFrom: rest.transferredFrom ?? null,
    transferredTo: rest.transferredTo ?? null,
    transferKind: rest.transferKind ?? null,
    nodeId: rest.nodeId,
    tags: rest.tags ?? {},
  };
}
