import * as assert from 'node:assert/strict';
import { applyToOriginal } from '../src/archive/apply';
import { ArchiveRow, foldHistory, windowStart } from '../src/archive/history';
import { retentionCutoff } from '../src/archive/retention';
import { describeStanza } from '../src/archive/stanza';
import { parseXml } from '../src/xmpp/xml';

const A = 'alice@example.com';
const B = 'bob@example.com';
const msg = (from: string, id: string, body: string, extra = ''): string =>
  `<message xmlns='jabber:client' from='${from}/res' to='${from === A ? B : A}' type='chat' id='${id}'><origin-id xmlns='urn:xmpp:sid:0' id='${id}'/><body>${body}</body>${extra}</message>`;
const row = (ts: number, xml: string): ArchiveRow => ({ id: ts, timestamp: ts, xml });

describe('archived stanzas', () => {
  it('recognises a correction (XEP-0308) and both retraction forms (XEP-0424 v0.3 fasten and v0.4+)', () => {
    assert.equal(describeStanza(parseXml(msg(A, 'x', 'fixed', "<replace xmlns='urn:xmpp:message-correct:0' id='m1'/>"))).targetId, 'm1');
    const v3 = describeStanza(parseXml(msg(A, 'y', 'fallback', "<apply-to xmlns='urn:xmpp:fasten:0' id='m2'><retract xmlns='urn:xmpp:message-retract:0'/></apply-to>")));
    assert.deepEqual([v3.kind, v3.targetId], ['retraction', 'm2']);
    const v4 = describeStanza(parseXml(msg(A, 'z', 'fallback', "<retract xmlns='urn:xmpp:message-retract:1' id='m3'/>")));
    assert.deepEqual([v4.kind, v4.targetId], ['retraction', 'm3']);
  });

  it('reads XEP-0372 mentions', () => {
    const i = describeStanza(parseXml(msg(A, 'x', '@bob hi', "<reference xmlns='urn:xmpp:reference:0' type='mention' uri='xmpp:bob@example.com' begin='0' end='4'/>")));
    assert.deepEqual(i.mentions, [B]);
  });

  it('unwraps MucSub copies to the room message', () => {
    const wrapped = `<message xmlns='jabber:client' from='room@muc.example.com' to='${B}'><event xmlns='http://jabber.org/protocol/pubsub#event'><items node='urn:xmpp:mucsub:nodes:messages'><item id='1'><message from='room@muc.example.com/alice' to='${B}' type='groupchat' id='g1'><body>hi all</body></message></item></items></event></message>`;
    const i = describeStanza(parseXml(wrapped));
    assert.deepEqual([i.kind, i.body, i.type, i.from], ['message', 'hi all', 'groupchat', 'room@muc.example.com/alice']);
  });
});

describe('history folding', () => {
  it('applies a correction from the same sender and a retraction; drops markers', () => {
    const rows = [
      row(1, msg(A, 'm1', 'helo')),
      row(2, msg(B, 'm2', 'hi')),
      row(3, msg(A, 'm3', 'secret')),
      row(4, msg(A, 'm4', 'hello', "<replace xmlns='urn:xmpp:message-correct:0' id='m1'/>")),
      row(5, msg(A, 'm5', 'fallback', "<retract xmlns='urn:xmpp:message-retract:1' id='m3'/>")),
      row(6, `<message xmlns='jabber:client' from='${B}/r' to='${A}' type='chat'><displayed xmlns='urn:xmpp:chat-markers:0' id='m1'/></message>`),
    ];
    const out = foldHistory(rows, B);
    assert.deepEqual(out.map((m) => [m.body, m.direction, m.edited, m.deleted]), [
      ['hello', 'in', true, false], ['hi', 'out', false, false], ['', 'in', false, true],
    ]);
  });

  it('ignores a correction of someone else\'s message (XEP-0308 §5)', () => {
    const out = foldHistory([row(1, msg(A, 'm1', 'mine')), row(2, msg(B, 'm2', 'hijack', "<replace xmlns='urn:xmpp:message-correct:0' id='m1'/>"))], B);
    assert.deepEqual(out.map((m) => m.body), ['mine']);
  });

  it('uses the nick column for senders in a room\'s own archive', () => {
    const x = `<message xmlns='jabber:client' from='${A}/res' to='room@muc.example.com' type='groupchat' id='g1'><body>hi</body></message>`;
    const out = foldHistory([{ id: 1, timestamp: 1, xml: x, nick: 'alice' }], 'room@muc.example.com/alice');
    assert.deepEqual([out[0].from, out[0].direction], ['room@muc.example.com/alice', 'out']);
  });
});

describe('applying edits to the archive', () => {
  it('a retraction leaves only ids and a <retracted/> mark; an edit replaces the body', () => {
    const stamp = new Date('2026-01-01T00:00:00Z');
    const r = applyToOriginal(parseXml(msg(A, 'm1', 'secret')), describeStanza(parseXml(msg(A, 'm2', 'x', "<retract xmlns='urn:xmpp:message-retract:1' id='m1'/>"))), stamp);
    assert.equal(r.getChild('body'), undefined);
    assert.ok(r.getChild('origin-id', 'urn:xmpp:sid:0'));
    assert.equal(describeStanza(r).retracted, true);
    const e = applyToOriginal(parseXml(msg(A, 'm1', 'helo')), describeStanza(parseXml(msg(A, 'm2', 'hello', "<replace xmlns='urn:xmpp:message-correct:0' id='m1'/>"))), stamp);
    assert.equal(e.getChildText('body'), 'hello');
    assert.equal(describeStanza(e).edited, true);
  });
});

describe('windows and retention', () => {
  const now = new Date('2026-05-31T12:00:00Z');
  it('30d is 30 days; months are calendar months back, clamped to the month\'s last day', () => {
    assert.equal(windowStart('30d', now).toISOString(), '2026-05-01T12:00:00.000Z');
    assert.equal(windowStart('3m', now).toISOString(), '2026-02-28T12:00:00.000Z');
    assert.equal(windowStart('6m', now).toISOString(), '2025-11-30T12:00:00.000Z');
    assert.equal(windowStart('12m', now).toISOString(), '2025-05-31T12:00:00.000Z');
    assert.equal(retentionCutoff(12, now).toISOString(), '2025-05-31T12:00:00.000Z');
  });
});
