import assert from 'node:assert/strict';
import { COMPLETED_ELSEWHERE, formatReason, parseReason } from '../src/lib/reason';
import { CALL_ERROR_REPLIES, CallError } from '../src/lib/errors';

describe('Reason header (RFC 3326)', () => {
  it('formats protocol, cause and quoted text (§2)', () => {
    assert.equal(formatReason(486, 'Busy'), 'SIP;cause=486;text="Busy"');
    assert.equal(formatReason(16, 'Normal call clearing', 'Q.850'), 'Q.850;cause=16;text="Normal call clearing"');
  });
  it('"Call completed elsewhere" is cause 200 (the CANCEL to losing fork branches)', () => {
    assert.equal(COMPLETED_ELSEWHERE, 'SIP;cause=200;text="Call completed elsewhere"');
  });
  it('parses the first reason value; absent parts are null', () => {
    assert.deepEqual(parseReason('Q.850;cause=16;text="Terminated", SIP;cause=200'), { protocol: 'Q.850', cause: 16, text: 'Terminated' });
    assert.deepEqual(parseReason('SIP;text="x"'), { protocol: 'SIP', cause: null, text: 'x' });
    assert.equal(parseReason(undefined), null);
    assert.equal(parseReason('  '), null);
  });
  it('every refusal maps to a status with a Reason carrying the same cause', () => {
    for (const e of Object.values(CallError)) {
      const r = CALL_ERROR_REPLIES[e];
      assert.equal(parseReason(r.reason)?.cause, r.status, e);
    }
    assert.equal(CALL_ERROR_REPLIES[CallError.UnknownDestination].status, 404);
    assert.equal(CALL_ERROR_REPLIES[CallError.NotAllowed].status, 403);
    assert.equal(CALL_ERROR_REPLIES[CallError.AccountLimit].status, 503);
    assert.equal(CALL_ERROR_REPLIES[CallError.NoAnswer].status, 480);
    assert.equal(CALL_ERROR_REPLIES[CallError.Busy].status, 486);
  });
});
