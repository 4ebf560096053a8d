// The call screen's pure parts: SIP final responses → call-error reasons, getUserMedia errors,
// the timer text and what a typed address becomes.
import assert from 'node:assert/strict';
import { errorForMedia, errorForStatus, formatTimer, targetUri } from '../src/call-state';

describe('web call-state: final responses to our INVITE', () => {
  it('486 Busy Here and 600 Busy Everywhere are busy', () => {
    assert.equal(errorForStatus(486, 'Busy Here').reason, 'busy');
    assert.equal(errorForStatus(600, 'Busy Everywhere').reason, 'busy');
  });
  it('404, 408 and 480 are unreachable', () => {
    for (const s of [404, 408, 480]) assert.equal(errorForStatus(s, 'x').reason, 'unreachable', String(s));
  });
  it('603 Decline is declined', () => {
    assert.equal(errorForStatus(603, 'Decline').reason, 'declined');
  });
  it('anything else is failed, with the status and phrase in the text', () => {
    const e = errorForStatus(503, 'Service Unavailable');
    assert.equal(e.reason, 'failed');
    assert.match(e.text, /503 Service Unavailable/);
  });
});

describe('web call-state: getUserMedia errors', () => {
  it('NotAllowedError is media-denied and says permission denied', () => {
    const e = errorForMedia({ name: 'NotAllowedError', message: 'Permission denied' }, true);
    assert.equal(e.reason, 'media-denied');
    assert.equal(e.text, 'Microphone or camera permission denied');
    assert.equal(errorForMedia({ name: 'NotAllowedError' }, false).text, 'Microphone permission denied');
  });
  it('a missing device is failed, not media-denied', () => {
    assert.equal(errorForMedia({ name: 'NotFoundError' }, false).reason, 'failed');
  });
});

describe('web call-state: timer and targets', () => {
  it('formats mm:ss and keeps counting minutes past an hour', () => {
    assert.equal(formatTimer(0), '00:00');
    assert.equal(formatTimer(65_400), '01:05');
    assert.equal(formatTimer(3_725_000), '62:05');
    assert.equal(formatTimer(-5), '00:00');
  });
  it('puts a username or number in the SIP domain and keeps a full URI as typed', () => {
    assert.equal(targetUri('bob', 'openline.local'), 'sip:bob@openline.local');
    assert.equal(targetUri(' +44 7400 (123) 456 ', 'openline.local'), 'sip:+447400123456@openline.local');
    assert.equal(targetUri('carol@example.org', 'openline.local'), 'sip:carol@example.org');
    assert.equal(targetUri('sip:dave@example.org;transport=tcp', 'd'), 'sip:dave@example.org;transport=tcp');
    assert.equal(targetUri('   ', 'd'), undefined);
  });
});
