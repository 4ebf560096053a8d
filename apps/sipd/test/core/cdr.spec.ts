// drachtio CDR events (docs/wire-protocol.md §5): sent only when enabled, to the app routing the
// event (round robin is the route registry's), with the SIP message and a UTC time stamp.
import assert from 'node:assert/strict';
import { SipRequest } from '../../src/parser';
import { CdrEmitter, stopReasonFor } from '../../src/core/cdr';
import type { AppConnection } from '../../src/wire/app-connection';
import type { CdrEvent } from '../../src/wire/messages';

function fakeApp(): { app: AppConnection; got: CdrEvent[] } {
  const got: CdrEvent[] = [];
  const app = { closed: false, sendCdr: (ev: CdrEvent) => { got.push(ev); return true; } } as unknown as AppConnection;
  return { app, got };
}

function bye(): SipRequest {
  const r = new SipRequest('BYE', 'sip:a@127.0.0.1');
  r.append('call-id', 'c1');
  r.append('cseq', '2 BYE');
  return r;
}

describe('core/cdr', () => {
  it('sends nothing when CDRs are disabled (the default, as drachtio without <cdrs>)', () => {
    const { app, got } = fakeApp();
    const cdr = new CdrEmitter(false, { pickAppFor: () => app });
    cdr.attempt('network', bye());
    cdr.start('application', 'uas', bye());
    cdr.stop('network', 'normal-release', bye());
    assert.deepEqual(got, []);
  });

  it('asks for the app routing cdr:<event> and sends it the event with source, time, role/reason and the message', () => {
    const { app, got } = fakeApp();
    const verbs: string[] = [];
    const cdr = new CdrEmitter(true, { pickAppFor: (v) => { verbs.push(v); return app; } });
    cdr.attempt('network', Buffer.from('INVITE sip:x SIP/2.0\r\n\r\n'));
    cdr.start('application', 'uas', bye());
    cdr.stop('network', 'normal-release', bye());
    assert.deepEqual(verbs, ['cdr:attempt', 'cdr:start', 'cdr:stop']);
    assert.deepEqual(got.map((e) => e.event), ['attempt', 'start', 'stop']);
    const [a, s, t] = got;
    assert.equal(a?.source, 'network');
    assert.equal(s?.event === 'start' ? s.role : '', 'uas');
    assert.equal(t?.event === 'stop' ? t.reason : '', 'normal-release');
    for (const e of got) assert.match(e.time, /^\d{2}:\d{2}:\d{2}\.\d{6}$/);
    assert.match(String(t?.raw), /^BYE sip:a@127\.0\.0\.1 SIP\/2\.0\r\nCall-ID: c1\r\n/);
    assert.equal(cdr.sent, 3);
  });

  it('drops the event when no app routes it or the chosen app is gone', () => {
    const cdr = new CdrEmitter(true, { pickAppFor: () => undefined });
    cdr.stop('network', 'normal-release', bye());
    const { app, got } = fakeApp();
    (app as { closed: boolean }).closed = true;
    new CdrEmitter(true, { pickAppFor: () => app }).attempt('network', bye());
    assert.deepEqual(got, []);
    assert.equal(cdr.sent, 0);
  });

  it('a final ≥ 300 stops the call as call-canceled when it is 487, call-rejected otherwise', () => {
    assert.equal(stopReasonFor(487), 'call-canceled');
    assert.equal(stopReasonFor(486), 'call-rejected');
    assert.equal(stopReasonFor(408), 'call-rejected');
  });
});
