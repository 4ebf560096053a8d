// Unit specs of the CDR API's pure parts: CSV fields (RFC 4180 §2), history windows, cursors bound
// to their filter, query parameters → CdrFilter, the user's view of a CDR.
import assert from 'node:assert/strict';
import type { CdrRecord } from '@openline/cdr';
import { configSchema, type Secrets } from '@openline/config';
import { createApp } from '../src/app';
import type { ApiDeps } from '../src/deps';
import { buildOpenApi } from '../src/http/openapi';
import { buildServices } from '../src/services';
import { callLogEntry, windowStart } from '../src/services/cdr-calls';
import { CSV_COLUMNS, CSV_HEADER, csvField, csvLine } from '../src/services/cdr-export';
import { listQuery, toCdrFilter, unwrapCursor, wrapCursor } from '../src/services/cdr-params';
import { apiSettings } from '../src/settings';

describe('CSV fields (RFC 4180 §2)', () => {
  it('leaves plain values as they are and writes null as an empty field', () => {
    assert.equal(csvField('abc'), 'abc');
    assert.equal(csvField(42), '42');
    assert.equal(csvField(null), '');
  });

  it('quotes a field with a comma, a quote, CR or LF, doubling the quotes', () => {
    assert.equal(csvField('a,b'), '"a,b"');
    assert.equal(csvField('say "hi"'), '"say ""hi"""');
    assert.equal(csvField('a\r\nb'), '"a\r\nb"');
    assert.equal(csvField('a\nb'), '"a\nb"');
  });

  it('ends each record with CRLF and has one header field per column', () => {
    assert.equal(csvLine(['a', null, 1]), 'a,,1\r\n');
    assert.equal(CSV_HEADER.trimEnd().split(',').length, CSV_COLUMNS.length);
  });
});

describe('history windows', () => {
  const now = Date.parse('2026-05-31T12:00:00.000Z');

  it('30d is 30 × 24 h back', () => {
    assert.equal(windowStart('30d', now).toISOString(), '2026-05-01T12:00:00.000Z');
  });

  it('months are calendar months, clamped to the shorter month (31 May - 3 months = 28 February)', () => {
    assert.equal(windowStart('3m', now).toISOString(), '2026-02-28T12:00:00.000Z');
    assert.equal(windowStart('6m', now).toISOString(), '2025-11-30T12:00:00.000Z');
    assert.equal(windowStart('12m', now).toISOString(), '2025-05-31T12:00:00.000Z');
  });
});

describe('query parameters and cursors', () => {
  it('turns lists, prefixes and seconds into a CdrFilter', () => {
    const q = listQuery.parse({ direction: 'onnet,inbound', disposition: ['busy', 'no-answer'], number: ' 4930', minDuration: '60', sipStatus: '486,600' });
    assert.deepEqual(toCdrFilter(q), {
      direction: ['onnet', 'inbound'], disposition: ['busy', 'no-answer'], numberPrefix: '+4930', minTalkMs: 60_000, sipStatus: [486, 600],
    });
  });

  it('reports a bad list value on the parameter itself', () => {
    const r = listQuery.safeParse({ direction: 'onnet,sideways' });
    assert.equal(r.success, false);
    assert.deepEqual(r.error?.issues[0].path, ['direction']);
  });

  it('binds a cursor to its filter and sort', () => {
    const c = wrapCursor('abc', { accountId: 3 }, '-startTime');
    assert.ok(c);
    assert.equal(unwrapCursor(c, { accountId: 3 }, '-startTime'), 'abc');
    assert.throws(() => unwrapCursor(c, { accountId: 4 }, '-startTime'), /another filter/);
    assert.throws(() => unwrapCursor(c, { accountId: 3 }, 'startTime'), /another filter/);
    assert.equal(wrapCursor(null, {}, 'startTime'), null);
  });
});

describe('the user\'s view of a CDR', () => {
  const party = (accountId: number | null) => ({ accountId, username: accountId ? `u${accountId}` : null, number: '+49301', device: 'dev', displayName: null });
  const cdr = (disposition: CdrRecord['disposition'], callerId: number | null, calleeId: number | null): CdrRecord => ({
    disposition, caller: party(callerId), callee: party(calleeId), talkMs: disposition === 'answered' ? 61_999 : 0,
    id: 'x', startTime: new Date(0), answerTime: null, endTime: new Date(1),
  } as unknown as CdrRecord);

  it('an unanswered incoming call is missed; an unanswered outgoing one is not', () => {
    assert.equal(callLogEntry(cdr('no-answer', null, 7), 7).outcome, 'missed');
    assert.equal(callLogEntry(cdr('no-answer', 7, 8), 7).outcome, 'no-answer');
    assert.equal(callLogEntry(cdr('no-answer', 7, 8), 7).missed, false);
  });

  it('shows the other party and whole seconds of talk', () => {
    const e = callLogEntry(cdr('answered', 8, 7), 7);
    assert.equal(e.direction, 'incoming');
    assert.equal(e.other.accountId, 8);
    assert.equal(e.other.username, 'u8');
    assert.equal(e.durationSeconds, 61);
    assert.ok(!('device' in e.other), 'the other party\'s device is not shown to users');
  });
});

describe('the CDR routes in the OpenAPI document', () => {
  const config = configSchema.parse({});
  const secrets = { jwtKey: 'j'.repeat(32), sipPasswordKey: '0'.repeat(64), turnStaticAuthSecret: 't'.repeat(32) } as unknown as Secrets;
  const deps = { settings: apiSettings(config, secrets), repos: {} } as unknown as ApiDeps;
  const { routes } = createApp(buildServices(deps));
  const doc = buildOpenApi(routes, { version: 't', serverUrl: 'http://127.0.0.1' }) as {
    paths: Record<string, Record<string, { security: unknown[]; responses: Record<string, unknown>; parameters?: Array<{ name: string }> }>>;
    components: { securitySchemes: Record<string, { type: string; name?: string }> };
  };

  it('lists every CDR route with the API key scope it needs, and 401 + 403', () => {
    for (const [p, scope] of [['/v1/cdrs', 'read'], ['/v1/cdrs/{id}', 'read'], ['/v1/cdrs/stats', 'read'], ['/v1/cdrs/export', 'export']] as const) {
      const op = doc.paths[p]?.get;
      assert.ok(op, p);
      assert.deepEqual(op.security, [{ apiKeyBearer: [scope] }, { apiKeyHeader: [scope] }], p);
      assert.ok(op.responses['401'] && op.responses['403'] && op.responses['400'], p);
    }
    assert.deepEqual(doc.paths['/v1/me/calls'].get.security, [{ bearer: [] }]);
    assert.equal(doc.components.securitySchemes.apiKeyHeader.name, 'X-API-Key');
  });

  it('documents the filter parameters', () => {
    const names = (doc.paths['/v1/cdrs'].get.parameters ?? []).map((x) => x.name).sort();
    assert.deepEqual(names, ['accountId', 'calleeNumber', 'callerNumber', 'cursor', 'direction', 'disposition', 'from', 'limit',
      'minDuration', 'number', 'sipStatus', 'sort', 'to', 'trunkId']);
  });
});
