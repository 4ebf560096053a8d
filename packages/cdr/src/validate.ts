// Checks a CdrRecord before it is stored or spooled, and derives the durations from the times so
// every writer computes them the same way.
import { CdrValidationError } from './errors';
import {
  CDR_DIRECTIONS, CDR_DISPOSITIONS, CDR_HANGUP_SIDES, CDR_TRANSFER_KINDS, CdrHangupCause, CdrMediaStats, CdrParty,
  CdrRecord,
} from './types';

export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** E.164 with '+', up to 15 digits (ITU-T E.164 §6); a few more tolerated for national oddities. */
export const NUMBER_RE = /^\+[0-9]{1,20}$/;
export const MAX_TAGS = 32;
export const MAX_TAG_KEY = 64;
export const MAX_TAG_VALUE = 256;
/** Upper bound of every ms duration (INT UNSIGNED in MariaDB: ~49 days). */
const MAX_MS = 4_294_967_295;

/** Durations as the CdrRecord defines them (setup, ring, talk), from the four times. */
export function cdrDurations(t: Pick<CdrRecord, 'startTime' | 'ringingTime' | 'answerTime' | 'endTime'>):
  Pick<CdrRecord, 'setupMs' | 'ringMs' | 'talkMs'> {
  const start = t.startTime.getTime();
  const end = t.endTime.getTime();
  const ringing = t.ringingTime?.getTime();
  const answer = t.answerTime?.getTime();
  const setupEnd = ringing ?? answer ?? end;
  return {
    setupMs: Math.max(0, setupEnd - start),
    ringMs: ringing === undefined ? 0 : Math.max(0, (answer ?? end) - ringing),
    talkMs: answer === undefined ? 0 : Math.max(0, end - answer),
  };
}

function fail(field: string, why: string): never {
  throw new CdrValidationError(`cdr.${field} ${why}`);
}

function str(v: unknown, field: string, max: number, nullable: boolean): string | null {
  if (v === null && nullable) return null;
  if (typeof v !== 'string') fail(field, nullable ? 'must be a string or null' : 'must be a string');
  if (v.length === 0 && !nullable) fail(field, 'must not be empty');
  if (v.length > max) fail(field, `must be at most ${max} characters`);
  return v;
}

function int(v: unknown, field: string, min: number, max: number, nullable: boolean): number | null {
  if (v === null && nullable) return null;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    fail(field, `must be an integer ${min}..${max}${nullable ? ' or null' : ''}`);
  }
  return v;
}

function num(v: unknown, field: string, min: number, max: number): number | null {
  if (v === null) return null;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) fail(field, `must be a number ${min}..${max} or null`);
  return v;
}

function date(v: unknown, field: string, nullable: boolean): Date | null {
  if (v === null && nullable) return null;
  if (!(v instanceof Date) || Number.isNaN(v.getTime())) fail(field, 'must be a valid Date');
  // Stored with millisecond precision in UTC; years outside 1000..9999 do not fit DATETIME.
  const y = v.getUTCFullYear();
  if (y < 1000 || y > 9999) fail(field, 'must be within years 1000..9999');
  return new Date(v.getTime());
}

function oneOf<T extends string>(v: unknown, field: string, allowed: readonly T[], nullable: boolean): T | null {
  if (v === null && nullable) return null;
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) fail(field, `must be one of ${allowed.join(', ')}`);
  return v as T;
}

function obj(v: unknown, field: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(field, 'must be an object');
  return v as Record<string, unknown>;
}

function uuid(v: unknown, field: string, nullable: boolean): string | null {
  if (v === null && nullable) return null;
  if (typeof v !== 'string' || !UUID_RE.test(v.toLowerCase())) fail(field, 'must be a UUID');
  return v.toLowerCase();
}

function party(v: unknown, field: string): CdrParty {
  const p = obj(v, field);
  const number = str(p.number, `${field}.number`, 32, true);
  if (number !== null && !NUMBER_RE.test(number)) fail(`${field}.number`, "must be E.164 ('+' and digits) or null");
  return {
    accountId: int(p.accountId, `${field}.accountId`, 1, Number.MAX_SAFE_INTEGER, true),
    username: str(p.username, `${field}.username`, 128, true),
    number,
    device: str(p.device, `${field}.device`, 512, true),
    displayName: str(p.displayName, `${field}.displayName`, 255, true),
  };
}

function media(v: unknown, field: string): CdrMediaStats | null {
  if (v === null) return null;
  const m = obj(v, field);
  const count = (k: string): number | null => int(m[k], `${field}.${k}`, 0, Number.MAX_SAFE_INTEGER, true);
  return {
    packetsIn: count('packetsIn'),
    packetsOut: count('packetsOut'),
    bytesIn: count('bytesIn'),
    bytesOut: count('bytesOut'),
    packetsLost: count('packetsLost'),
    jitterMs: num(m.jitterMs, `${field}.jitterMs`, 0, 1e9),
    mos: num(m.mos, `${field}.mos`, 1, 5),
  };
}

function hangupCause(v: unknown): CdrHangupCause | null {
  if (v === null) return null;
  const h = obj(v, 'hangupCause');
  return {
    protocol: str(h.protocol, 'hangupCause.protocol', 16, false) as string,
    cause: int(h.cause, 'hangupCause.cause', 0, 65535, true),
    text: str(h.text, 'hangupCause.text', 255, true),
  };
}

function tags(v: unknown): Record<string, string> {
  const t = obj(v, 'tags');
  const keys = Object.keys(t);
  if (keys.length > MAX_TAGS) fail('tags', `must have at most ${MAX_TAGS} keys`);
  const out: Record<string, string> = {};
  for (const k of keys) {
    if (k.length === 0 || k.length > MAX_TAG_KEY || k.startsWith('$') || k.includes('.')) {
      fail('tags', `key '${k.slice(0, 80)}' must be 1..${MAX_TAG_KEY} characters, without '.' or a leading '$'`);
    }
    out[k] = str(t[k], `tags.${k}`, MAX_TAG_VALUE, false) ?? '';
  }
  return out;
}

/**
 * A checked, normalised copy of a CDR (ids lower case, fresh Date objects, no extra fields).
 * Throws CdrValidationError naming the first bad field.
 */
export function validateCdr(input: unknown): CdrRecord {
  const c = obj(input, '(record)');
  const codecs = obj(c.codecs, 'codecs');
  const m = obj(c.media, 'media');
  const rec: CdrRecord = {
    id: uuid(c.id, 'id', false) as string,
    callId: str(c.callId, 'callId', 128, false) as string,
    aLegCallId: str(c.aLegCallId, 'aLegCallId', 255, false) as string,
    bLegCallId: str(c.bLegCallId, 'bLegCallId', 255, true),
    caller: party(c.caller, 'caller'),
    callee: party(c.callee, 'callee'),
    direction: oneOf(c.direction, 'direction', CDR_DIRECTIONS, false) as CdrRecord['direction'],
    trunkId: int(c.trunkId, 'trunkId', 1, 4_294_967_295, true),
    trunkName: str(c.trunkName, 'trunkName', 128, true),
    startTime: date(c.startTime, 'startTime', false) as Date,
    ringingTime: date(c.ringingTime, 'ringingTime', true),
    answerTime: date(c.answerTime, 'answerTime', true),
    endTime: date(c.endTime, 'endTime', false) as Date,
    setupMs: int(c.setupMs, 'setupMs', 0, MAX_MS, false) as number,
    ringMs: int(c.ringMs, 'ringMs', 0, MAX_MS, false) as number,
    talkMs: int(c.talkMs, 'talkMs', 0, MAX_MS, false) as number,
    disposition: oneOf(c.disposition, 'disposition', CDR_DISPOSITIONS, false) as CdrRecord['disposition'],
    sipStatus: int(c.sipStatus, 'sipStatus', 100, 699, false) as number,
    sipReason: str(c.sipReason, 'sipReason', 255, true) ?? '',
    hangupCause: hangupCause(c.hangupCause),
    hangupSide: oneOf(c.hangupSide, 'hangupSide', CDR_HANGUP_SIDES, false) as CdrRecord['hangupSide'],
    codecs: {
      aLeg: str(codecs.aLeg, 'codecs.aLeg', 64, true),
      bLeg: str(codecs.bLeg, 'codecs.bLeg', 64, true),
    },
    media: { aLeg: media(m.aLeg, 'media.aLeg'), bLeg: media(m.bLeg, 'media.bLeg') },
    transferredFrom: uuid(c.transferredFrom, 'transferredFrom', true),
    transferredTo: uuid(c.transferredTo, 'transferredTo', true),
    transferKind: oneOf(c.transferKind, 'transferKind', CDR_TRANSFER_KINDS, true),
    nodeId: str(c.nodeId, 'nodeId', 64, false) as string,
    tags: tags(c.tags),
  };
  if (rec.endTime < rec.startTime) fail('endTime', 'must not be before startTime');
  if (rec.answerTime === null && rec.talkMs !== 0) fail('talkMs', 'must be 0 when the call was not answered');
  if ((rec.disposition === 'answered') !== (rec.answerTime !== null)) {
    fail('answerTime', "must be set exactly when disposition is 'answered'");
  }
  if (rec.transferKind === null && (rec.transferredFrom !== null || rec.transferredTo !== null)) {
    fail('transferKind', 'must be set when a transfer link is');
  }
  return rec;
}
