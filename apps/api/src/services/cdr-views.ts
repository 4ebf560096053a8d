// What the CDR routes answer: a summary per CDR in lists, the whole record (media stats, transfer
// links) in detail, stats rows; with the zod schemas the OpenAPI document is written from.
import { z } from 'zod/v4';
import { cdrToJson, type CdrJson, type CdrParty, type CdrRecord, type CdrStatsRow, statsRow } from '@openline/cdr';

const party = z.object({
  accountId: z.number().int().nullable(), username: z.string().nullable(), number: z.string().nullable(),
  displayName: z.string().nullable(),
});

export const cdrSummarySchema = z.object({
  id: z.string(), callId: z.string(),
  caller: party, callee: party,
  direction: z.enum(['onnet', 'outbound', 'inbound']), trunkId: z.number().int().nullable(), trunkName: z.string().nullable(),
  startTime: z.string(), answerTime: z.string().nullable(), endTime: z.string(),
  setupMs: z.number().int(), ringMs: z.number().int(), talkMs: z.number().int(),
  disposition: z.enum(['answered', 'busy', 'no-answer', 'failed', 'cancelled']), sipStatus: z.number().int(), sipReason: z.string(),
  hangupSide: z.enum(['caller', 'callee', 'system']),
  transferredFrom: z.string().nullable(), transferredTo: z.string().nullable(),
});

const mediaStats = z.object({
  packetsIn: z.number().nullable(), packetsOut: z.number().nullable(), bytesIn: z.number().nullable(), bytesOut: z.number().nullable(),
  packetsLost: z.number().nullable(), jitterMs: z.number().nullable(), mos: z.number().nullable(),
}).nullable();

const link = z.object({ id: z.string(), href: z.string() }).nullable();

export const cdrDetailSchema = cdrSummarySchema.extend({
  aLegCallId: z.string(), bLegCallId: z.string().nullable(),
  caller: party.extend({ device: z.string().nullable() }), callee: party.extend({ device: z.string().nullable() }),
  ringingTime: z.string().nullable(),
  hangupCause: z.object({ protocol: z.string(), cause: z.number().nullable(), text: z.string().nullable() }).nullable(),
  codecs: z.object({ aLeg: z.string().nullable(), bLeg: z.string().nullable() }),
  media: z.object({ aLeg: mediaStats, bLeg: mediaStats }),
  transferKind: z.enum(['blind', 'attended']).nullable(),
  nodeId: z.string(), tags: z.record(z.string(), z.string()),
  links: z.object({ self: z.string(), transferredFrom: link, transferredTo: link }),
});

export const cdrPageSchema = z.object({
  items: z.array(cdrSummarySchema),
  nextCursor: z.string().nullable().describe('pass as cursor for the next page; null on the last page'),
});

const statsRowSchema = z.object({
  key: z.string().nullable().describe('day (YYYY-MM-DD, UTC), hour (YYYY-MM-DDTHH), account id, trunk id; null: none/total'),
  calls: z.number().int(), answered: z.number().int(), asr: z.number().describe('answered / calls, 0..1'),
  acdMs: z.number().describe('average talk time of answered calls, ms'), totalTalkMs: z.number().int(), totalMinutes: z.number(),
});

export const statsSchema = z.object({
  groupBy: z.enum(['day', 'hour', 'account', 'trunk', 'none']),
  rows: z.array(statsRowSchema),
  total: statsRowSchema,
});

function partySummary(p: CdrParty): z.infer<typeof party> {
  return { accountId: p.accountId, username: p.username, number: p.number, displayName: p.displayName };
}

export function cdrSummary(c: CdrRecord): z.infer<typeof cdrSummarySchema> {
  return {
    id: c.id, callId: c.callId, caller: partySummary(c.caller), callee: partySummary(c.callee),
    direction: c.direction, trunkId: c.trunkId, trunkName: c.trunkName,
    startTime: c.startTime.toISOString(), answerTime: c.answerTime?.toISOString() ?? null, endTime: c.endTime.toISOString(),
    setupMs: c.setupMs, ringMs: c.ringMs, talkMs: c.talkMs,
    disposition: c.disposition, sipStatus: c.sipStatus, sipReason: c.sipReason, hangupSide: c.hangupSide,
    transferredFrom: c.transferredFrom, transferredTo: c.transferredTo,
  };
}

export function cdrHref(id: string): string {
  return `/v1/cdrs/${id}`;
}

export function cdrDetail(c: CdrRecord): CdrJson & { links: z.infer<typeof cdrDetailSchema>['links'] } {
  const to = (id: string | null) => (id === null ? null : { id, href: cdrHref(id) });
  return { ...cdrToJson(c), links: { self: cdrHref(c.id), transferredFrom: to(c.transferredFrom), transferredTo: to(c.transferredTo) } };
}

/** The total over grouped rows (the same integer sums, ratios derived once). */
export function statsTotal(rows: readonly CdrStatsRow[]): CdrStatsRow {
  let calls = 0;
  let answered = 0;
  let talk = 0;
  for (const r of rows) { calls += r.calls; answered += r.answered; talk += r.totalTalkMs; }
  return statsRow(null, calls, answered, talk);
}
