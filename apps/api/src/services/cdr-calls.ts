// A user's call log from the CDRs: every attempt where the account is caller or callee, seen from
// the user's side (outgoing/incoming, the other party, answered or missed), over the history
// windows of the eldercare brief (SAAM D2.3 §3: the past 30 days, 3, 6 or 12 months).
import { z } from 'zod/v4';
import type { CdrParty, CdrRecord } from '@openline/cdr';

export type CallWindow = '30d' | '3m' | '6m' | '12m';
export const CALL_WINDOWS: readonly CallWindow[] = ['30d', '3m', '6m', '12m'];

/** Where a window starts: 30 days back, or 3/6/12 calendar months back (UTC), from now. */
export function windowStart(window: CallWindow, now: number): Date {
  if (window === '30d') return new Date(now - 30 * 86_400_000);
  const d = new Date(now);
  const months = Number(window.slice(0, -1));
  // setUTCMonth overflows 31 March - 1 month to 3 March; clamp to the month's last day instead.
  const day = d.getUTCDate();
  d.setUTCDate(1);
  d.setUTCMonth(d.getUTCMonth() - months);
  const last = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
  d.setUTCDate(Math.min(day, last));
  return d;
}

const otherParty = z.object({
  accountId: z.number().int().nullable().describe('the other user, when it is one'),
  username: z.string().nullable(), number: z.string().nullable().describe('E.164'), displayName: z.string().nullable(),
});

export const callLogEntrySchema = z.object({
  id: z.string().describe('CDR id'),
  direction: z.enum(['outgoing', 'incoming']).describe('from this user\'s point of view'),
  other: otherParty,
  startTime: z.string(),
  answerTime: z.string().nullable(),
  endTime: z.string(),
  durationSeconds: z.number().int().describe('talk time, whole seconds (0 when not answered)'),
  answered: z.boolean(),
  missed: z.boolean().describe('an incoming call this user did not answer'),
  outcome: z.enum(['answered', 'missed', 'busy', 'no-answer', 'failed', 'cancelled'])
    .describe('answered, missed (incoming, not answered), else how an outgoing attempt ended'),
});

export type CallLogEntry = z.infer<typeof callLogEntrySchema>;

function other(p: CdrParty): CallLogEntry['other'] {
  return { accountId: p.accountId, username: p.username, number: p.number, displayName: p.displayName };
}

/** The CDR as an entry of this account's log; a call to oneself counts as outgoing. */
export function callLogEntry(c: CdrRecord, accountId: number): CallLogEntry {
  const outgoing = c.caller.accountId === accountId;
  const answered = c.disposition === 'answered';
  const missed = !outgoing && !answered;
  return {
    id: c.id,
    direction: outgoing ? 'outgoing' : 'incoming',
    other: other(outgoing ? c.callee : c.caller),
    startTime: c.startTime.toISOString(),
    answerTime: c.answerTime?.toISOString() ?? null,
    endTime: c.endTime.toISOString(),
    durationSeconds: Math.floor(c.talkMs / 1000),
    answered,
    missed,
    outcome: answered ? 'answered' : missed ? 'missed' : c.disposition,
  };
}
