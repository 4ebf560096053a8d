import * as assert from 'node:assert/strict';
import { mentions, parsePushPublish } from '../src/push/summary';
import { parseXml } from '../src/xmpp/xml';

describe('XEP-0357 publish from mod_push', () => {
  const iq = `<pubsub xmlns='http://jabber.org/protocol/pubsub'><publish node='n1'><item><notification xmlns='urn:xmpp:push:0'>
    <x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>urn:xmpp:push:summary</value></field>
    <field var='message-count'><value>2</value></field><field var='last-message-sender'><value>room@muc.example.com/alice</value></field>
    <field var='last-message-body'><value>hi @bob</value></field></x></notification></item></publish>
    <publish-options><x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>http://jabber.org/protocol/pubsub#publish-options</value></field>
    <field var='secret'><value>s3</value></field></x></publish-options></pubsub>`;

  it('reads node, secret and the summary (sender, body, count)', () => {
    assert.deepEqual(parsePushPublish(parseXml(iq)), { node: 'n1', secret: 's3', sender: 'room@muc.example.com/alice', body: 'hi @bob', messageCount: 2 });
  });

  it('is undefined for a pubsub without publish', () => {
    assert.equal(parsePushPublish(parseXml("<pubsub xmlns='http://jabber.org/protocol/pubsub'/>")), undefined);
  });

  it('finds @username as a word, not inside another name or address', () => {
    assert.equal(mentions('hi @bob!', 'bob'), true);
    assert.equal(mentions('@Bob, look', 'bob'), true);
    assert.equal(mentions('hi @bobby', 'bob'), false);
    assert.equal(mentions('mail bob@example.com', 'bob'), false);
    assert.equal(mentions('hi @bob.smith', 'bob'), false);
  });
});
