// CdrRecord ↔ cdrs row. Times travel as 'YYYY-MM-DD HH:MM:SS.mmm' UTC strings in both directions
// (queries run with dateStrings), so no driver or session time zone can shift them.
import { CdrMediaStats, CdrRecord } from '../types';

/** Columns in insert order; every SQL text here is built from this fixed list, never from input. */
export const CDR_COLUMNS = [
  'id', 'call_id', 'a_leg_call_id', 'b_leg_call_id',
  'caller_account_id', 'caller_username', 'caller_number', 'caller_device', 'caller_display_name',
  'callee_account_id', 'callee_username', 'callee_number', 'callee_device', 'callee_display_name',
  'direction', 'trunk_id', 'trunk_name',
  'start_time', 'ringing_time', 'answer_time', 'end_time', 'setup_ms', 'ring_ms', 'talk_ms',
  'disposition', 'sip_status', 'sip_reason', 'hangup_protocol', 'hangup_cause', 'hangup_text', 'hangup_side',
  'a_codec', 'b_codec', 'a_media', 'b_media', 'transferred_from', 'transferred_to', 'transfer_kind',
  'node_id', 'tags',
] as const;

export type CdrColumn = typeof CDR_COLUMNS[number];
export type CdrRow = Record<CdrColumn, string | number | null>;

/** UTC 'YYYY-MM-DD HH:MM:SS.mmm' for a DATETIME(3) column. */
export function sqlTime(d: Date): string {
  return d.toISOString().replace('T', ' ').slice(0, 23);
}

/** A DATETIME(3) read with dateStrings back to a Date (the value is UTC). */
export function parseSqlTime(v: unknown): Date {
  if (v instanceof Date) return v;
  const s = String(v);
  const d = new Date(`${s.replace(' ', 'T')}${s.includes('.') ? '' : '.000'}Z`);
  if (Number.isNaN(d.getTime())) throw new Error(`unreadable DATETIME value '${s}'`);
  return d;
}

export function cdrToParams(c: CdrRecord): Array<string | number | null> {
  return [
    c.id, c.callId, c.aLegCallId, c.bLegCallId,
    c.caller.accountId, c.caller.username, c.caller.number, c.caller.device, c.caller.displayName,
    c.callee.accountId, c.callee.username, c.callee.number, c.callee.device, c.callee.displayName,
    c.direction, c.trunkId, c.trunkName,
    sqlTime(c.startTime), c.ringingTime && sqlTime(c.ringingTime), c.answerTime && sqlTime(c.answerTime),
    sqlTime(c.endTime), c.setupMs, c.ringMs, c.talkMs,
    c.disposition, c.sipStatus, c.sipReason, c.hangupCause?.protocol ?? null, c.hangupCause?.cause ?? null,
    c.hangupCause?.text ?? null, c.hangupSide,
    c.codecs.aLeg, c.codecs.bLeg,
    c.media.aLeg && JSON.stringify(c.media.aLeg), c.media.bLeg && JSON.stringify(c.media.bLeg),
    c.transferredFrom, c.transferredTo, c.transferKind,
    c.nodeId, JSON.stringify(c.tags),
  ];
}

function json<T>(v: unknown): T | null {
  if (v === null || v === undefined) return null;
  return (typeof v === 'string' ? JSON.parse(v) : v) as T;
}

function optNum(v: unknown): number | null {
  return v === null || v === undefined ? null : Number(v);
}

function optStr(v: unknown): string | null {
  return v === null || v === undefined ? null : String(v);
}

export function rowToCdr(r: Record<string, unknown>): CdrRecord {
  const hangupProtocol = optStr(r.hangup_protocol);
  return {
    id: String(r.id),
    callId: String(r.call_id),
    aLegCallId: String(r.a_leg_call_id),
    bLegCallId: optStr(r.b_leg_call_id),
    caller: {
      accountId: optNum(r.caller_account_id), username: optStr(r.caller_username), number: optStr(r.caller_number),
      device: optStr(r.caller_device), displayName: optStr(r.caller_display_name),
    },
    callee: {
      accountId: optNum(r.callee_account_id), username: optStr(r.callee_username), number: optStr(r.callee_number),
      device: optStr(r.callee_device), displayName: optStr(r.callee_display_name),
    },
    direction: String(r.direction) as CdrRecord['direction'],
    trunkId: optNum(r.trunk_id),
    trunkName: optStr(r.trunk_name),
    startTime: parseSqlTime(r.start_time),
    ringingTime: r.ringing_time === null ? null : parseSqlTime(r.ringing_time),
    answerTime: r.answer_time === null ? null : parseSqlTime(r.answer_time),
    endTime: parseSqlTime(r.end_time),
    setupMs: Number(r.setup_ms),
    ringMs: Number(r.ring_ms),
    talkMs: Number(r.talk_ms),
    disposition: String(r.disposition) as CdrRecord['disposition'],
    sipStatus: Number(r.sip_status),
    sipReason: String(r.sip_reason),
    hangupCause: hangupProtocol === null ? null
      : { protocol: hangupProtocol, cause: optNum(r.hangup_cause), text: optStr(r.hangup_text) },
    hangupSide: String(r.hangup_side) as CdrRecord['hangupSide'],
    codecs: { aLeg: optStr(r.a_codec), bLeg: optStr(r.b_codec) },
    media: { aLeg: json<CdrMediaStats>(r.a_media), bLeg: json<CdrMediaStats>(r.b_media) },
    transferredFrom: optStr(r.transferred_from),
    transferredTo: optStr(r.transferred_to),
    transferKind: optStr(r.transfer_kind) as CdrRecord['transferKind'],
    nodeId: String(r.node_id),
    tags: json<Record<string, string>>(r.tags) ?? {},
  };
}
