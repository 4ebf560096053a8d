// The signed-in user's call log (issue 8): their CDRs over a history window, newest first, in
// keyset pages. Only the account's own calls: the account filter comes from the access token.
import { z } from 'zod/v4';
import type { CdrFilter } from '@openline/cdr';
import { route, type AnyRoute } from '../http/route';
import type { Services } from '../services';
import { CALL_WINDOWS, callLogEntry, callLogEntrySchema, windowStart } from '../services/cdr-calls';
import { cursorParam, limitParam, unwrapCursor, withStore, wrapCursor } from '../services/cdr-params';

export function callRoutes(s: Services): AnyRoute[] {
  const d = s.deps;
  return [
    route({
      method: 'get', path: '/v1/me/calls', tag: 'calls', auth: 'bearer',
      summary: 'My call log (newest first): direction from my side, the other party, start, duration, answered or missed',
      query: z.object({
        window: z.enum(CALL_WINDOWS).optional().describe('history: 30d (default), 3m, 6m or 12m (calendar months, UTC)'),
        missed: z.enum(['true', 'false']).optional().describe('true: only missed calls (a page may then hold fewer than limit items; follow nextCursor)'),
        cursor: cursorParam,
        limit: limitParam(200, 50),
      }).strict(),
      responses: {
        200: {
          description: 'a page of the log',
          schema: z.object({
            window: z.enum(CALL_WINDOWS), from: z.string().describe('start of the window'),
            items: z.array(callLogEntrySchema), nextCursor: z.string().nullable(),
          }),
        },
        503: { description: 'the CDR store does not answer' },
      },
      handler: async (c) => {
        const me = c.auth.accountId;
        await d.limiter.consume({ key: `calls:${me}`, max: d.cdr.config.callLogPerMinutePerAccount, windowSeconds: 60 },
          'too many call-log requests: wait a minute');
        const window = c.query.window ?? '30d';
        const from = windowStart(window, d.clock.now());
        const missedOnly = c.query.missed === 'true';
        // Missed = incoming and not answered: the callee side is me, the disposition is not answered.
        const filter: CdrFilter = missedOnly
          ? { accountId: me, from, disposition: ['busy', 'no-answer', 'failed', 'cancelled'] }
          : { accountId: me, from };
        // The cursor is bound to the window and flag, not to `from` (which moves with the clock).
        const scope = `calls:${me}:${window}:${missedOnly}`;
        const cursor = unwrapCursor(c.query.cursor, { accountId: me }, '-startTime', scope);
        const limit = c.query.limit ?? 50;
        const page = await withStore(() => d.cdr.store.query(filter, { sort: '-startTime', cursor, limit }));
        let items = page.items.map((x) => callLogEntry(x, me));
        if (missedOnly) items = items.filter((x) => x.missed);
        return {
          body: {
            window, from: from.toISOString(), items,
            nextCursor: wrapCursor(page.nextCursor, { accountId: me }, '-startTime', scope),
          },
        };
      },
    }),
  ];
}
