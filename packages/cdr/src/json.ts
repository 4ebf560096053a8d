// CDRs as JSON (the spool's lines, API bodies): times as ISO 8601 strings with milliseconds.
import { CdrValidationError } from './errors';
import { CdrRecord } from './types';
import { validateCdr } from './validate';

export type CdrJson = Omit<CdrRecord, 'startTime' | 'ringingTime' | 'answerTime' | 'endTime'> & {
  startTime: string;
  ringingTime: string | null;
  answerTime: string | null;
  endTime: string;
};

export function cdrToJson(cdr: CdrRecord): CdrJson {
  return {
    ...cdr,
    startTime: cdr.startTime.toISOString(),
    ringingTime: cdr.ringingTime?.toISOString() ?? null,
    answerTime: cdr.answerTime?.toISOString() ?? null,
    endTime: cdr.endTime.toISOString(),
  };
}

const ISO_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;

function toDate(v: unknown, field: string): unknown {
  if (v === null || v === undefined) return v;
  if (typeof v !== 'string' || !ISO_RE.test(v)) throw new CdrValidationError(`cdr.${field} must be an ISO 8601 UTC time`);
  return new Date(v);
}

/** Parses and validates a CDR from its JSON form. */
export function cdrFromJson(input: unknown): CdrRecord {
  if (typeof input !== 'object' || input === null) throw new CdrValidationError('cdr must be an object');
  const o = input as Record<string, unknown>;
  return validateCdr({
    ...o,
    startTime: toDate(o.startTime, 'startTime'),
    ringingTime: toDate(o.ringingTime, 'ringingTime'),
    answerTime: toDate(o.answerTime, 'answerTime'),
    endTime: toDate(o.endTime, 'endTime'),
  });
}
