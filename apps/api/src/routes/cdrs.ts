// Operator CDR routes (issue 8), authorised by API keys: list with filters and keyset pages, one
// CDR in detail, stats, and the streamed export. Registered before /v1/cdrs/{id} so "stats" and
// "export" are never taken for an id.
import { z } from 'zod/v4';
import type { CdrGroupBy, CdrSort } from '@openline/cdr';
import { notFound } from '../errors';
import { route, type AnyRoute } from '../http/route';
import type { Services } from '../services';
import { EXPORT_FORMATS, exportContentType, writeExport } from '../services/cdr-export';
import { checkRange, cdrStoreError, filterShape, listQuery, sortParam, toCdrFilter, unwrapCursor, withStore, wrapCursor } from '../services/cdr-params';
import { cdrDetail, cdrDetailSchema, cdrPageSchema, cdrSummary, statsSchema, statsTotal } from '../services/cdr-views';

const GROUPS = ['day', 'hour', 'account', 'trunk', 'none'] as const;

export function cdrRoutes(s: Services): AnyRoute[] {
  const d = s.deps;
  return [
    route({
      method: 'get', path: '/v1/cdrs', tag: 'cdrs', auth: 'apiKey', scope: 'read',
      summary: 'CDRs matching the filters, newest first by default, in keyset pages (no duplicate or gap while CDRs are added)',
      query: listQuery,
      responses: { 200: { description: 'a page', schema: cdrPageSchema }, 503: { description: 'the CDR store does not answer' } },
      handler: async (c) => {
        const filter = toCdrFilter(c.query);
        const sort: CdrSort = c.query.sort ?? '-startTime';
        const cursor = unwrapCursor(c.query.cursor, filter, sort);
        const page = await withStore(() => d.cdr.store.query(filter, { sort, cursor, limit: c.query.limit ?? 100 }));
        return { body: { items: page.items.map(cdrSummary), nextCursor: wrapCursor(page.nextCursor, filter, sort) } };
      },
    }),
    route({
      method: 'get', path: '/v1/cdrs/stats', tag: 'cdrs', auth: 'apiKey', scope: 'read',
      summary: 'Calls, answered, ASR, ACD and minutes over the filters, per day or hour (UTC), account, trunk, or in total',
      query: z.object({ ...filterShape, groupBy: z.enum(GROUPS).optional().describe('default none: one row') }).strict().superRefine(checkRange),
      responses: { 200: { description: 'stats rows, by key ascending', schema: statsSchema }, 503: { description: 'the CDR store does not answer' } },
      handler: async (c) => {
        const groupBy = c.query.groupBy ?? 'none';
        const rows = await withStore(() => d.cdr.store.stats(toCdrFilter(c.query), groupBy === 'none' ? null : groupBy as CdrGroupBy));
        return { body: { groupBy, rows, total: statsTotal(rows) } };
      },
    }),
    route({
      method: 'get', path: '/v1/cdrs/export', tag: 'cdrs', auth: 'apiKey', scope: 'export',
      summary: 'Every CDR matching the filters as CSV (RFC 4180, header row) or NDJSON, streamed (oldest first by default)',
      query: z.object({
        ...filterShape,
        format: z.enum(EXPORT_FORMATS).optional().describe('csv (default) or ndjson'),
        sort: sortParam.optional().describe('startTime (default) or -startTime'),
      }).strict().superRefine(checkRange),
      produces: 'text/csv',
      responses: { 200: { description: 'the rows (text/csv or application/x-ndjson)' }, 503: { description: 'the CDR store does not answer' } },
      handler: async (c) => {
        await d.limiter.consume({ key: `apikey-export:${c.operator.keyId}`, max: d.cdr.config.exportsPerMinutePerKey, windowSeconds: 60 },
          `API key '${c.operator.name}' started more than ${d.cdr.config.exportsPerMinutePerKey} exports this minute`);
        const format = c.query.format ?? 'csv';
        const rows = d.cdr.store.exportStream(toCdrFilter(c.query), { sort: c.query.sort ?? 'startTime' })[Symbol.asyncIterator]();
        // The first row is read before any header goes out: a store that is down is still a 503.
        let first: IteratorResult<Awaited<ReturnType<typeof rows.next>>['value']>;
        try {
          first = await rows.next();
        } catch (err) {
          throw cdrStoreError(err);
        }
        const stamp = new Date(d.clock.now()).toISOString().replace(/[-:]/g, '').slice(0, 15);
        return {
          headers: {
            'content-type': exportContentType(format),
            'content-disposition': `attachment; filename="cdrs-${stamp}.${format === 'csv' ? 'csv' : 'ndjson'}"`,
            'cache-control': 'no-store',
          },
          stream: async (res) => { await writeExport(res, first, rows, format, d.logger); },
        };
      },
    }),
    route({
      method: 'get', path: '/v1/cdrs/{id}', tag: 'cdrs', auth: 'apiKey', scope: 'read',
      summary: 'One CDR in full: parties with devices, times, hangup cause, codecs, media stats per leg, transfer links',
      params: z.object({ id: z.string().regex(/^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$/, 'must be a CDR id (UUID)') }),
      responses: { 200: { description: 'the CDR', schema: cdrDetailSchema }, 404: { description: 'no such CDR' }, 503: { description: 'the CDR store does not answer' } },
      handler: async (c) => {
        const cdr = await withStore(() => d.cdr.store.get(c.params.id));
        if (!cdr) throw notFound(`no CDR ${c.params.id}`, 'cdr_not_found');
        return { body: cdrDetail(cdr) };
      },
    }),
  ];
}
