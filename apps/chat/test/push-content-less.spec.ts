import * as assert from 'node:assert/strict';
import { PushAppServer } from '../src/push/app-server';
import type { PushAlert } from '../src/push/dispatcher';
import type { ChatSettings } from '../src/settings';

const settings: ChatSettings = {
  domain: 'example.com', mucHost: 'conference.example.com', componentHost: 'system.example.com',
  maxGroupMembers: 10, retentionMonths: 12, maxStanzaSize: 65536, c2sRate: 1, c2sBurst: 1,
};

/** The registered node 'node1' (account 7); records every push-log insert. */
function fakeDb(): { db: never; logged: unknown[][] } {
  const logged: unknown[][] = [];
  const db = {
    query: async (sql: string, args: unknown[]) => {
      if (sql.includes('FROM chat_push_nodes')) {
        return args[0] === 'node1' ? [{ secret: 's3cret', account_id: 7, provider: 'apns', token: 'tok', username: 'liz', push_previews: null }] : [];
      }
      if (sql.includes('FROM accounts')) return [{ display_name: 'Sam Smith' }];
      if (sql.includes('FROM chat_groups')) return [{ name: 'Book club' }];
      if (sql.includes('chat_conversation_settings')) return [];
      if (sql.startsWith('INSERT INTO chat_push_log')) { logged.push(args); return { affectedRows: 1 }; }
      throw new Error(`unexpected query ${sql}`);
    },
  };
  return { db: db as never, logged };
}

describe('push app server: content-less notifications (XEP-0357 §7)', () => {
  it('a publish with neither sender nor body (MucSub membership event, wake-up) raises no alert', async () => {
    const sent: PushAlert[] = [];
    const { db, logged } = fakeDb();
    const s = new PushAppServer(db, settings, { send: async (a) => { sent.push(a); } });
    const outcome = await s.handle({ node: 'node1', secret: 's3cret', sender: undefined, body: undefined, messageCount: 1 });
    assert.equal(outcome, 'content-less');
    assert.deepEqual(sent, []);
    assert.deepEqual(logged, []);
  });

  it('still checks the node and the secret first', async () => {
    const { db } = fakeDb();
    const s = new PushAppServer(db, settings, { send: async () => undefined });
    const empty = { sender: undefined, body: undefined, messageCount: undefined };
    assert.equal(await s.handle({ node: 'nope', secret: 's3cret', ...empty }), 'unknown-node');
    assert.equal(await s.handle({ node: 'node1', secret: 'guess', ...empty }), 'bad-secret');
  });

  it('a system message (sender system.<domain>, with a body) is still alerted', async () => {
    const sent: PushAlert[] = [];
    const { db } = fakeDb();
    const s = new PushAppServer(db, settings, { send: async (a) => { sent.push(a); } });
    assert.equal(await s.handle({ node: 'node1', secret: 's3cret', sender: 'system.example.com', body: 'take your pills', messageCount: 1 }), 'sent');
    assert.deepEqual([sent[0].title, sent[0].body], ['openline', 'take your pills']);
  });
});
