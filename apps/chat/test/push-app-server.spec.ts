import * as assert from 'node:assert/strict';
import { PushAppServer } from '../src/push/app-server';
import type { PushAlert, PushDispatcher } from '../src/push/dispatcher';
import type { ChatSettings } from '../src/settings';

const settings: ChatSettings = {
  domain: 'example.com', mucHost: 'conference.example.com', componentHost: 'system.example.com',
  maxGroupMembers: 10, retentionMonths: 12, maxStanzaSize: 65536, c2sRate: 1, c2sBurst: 1,
};

/** Answers the app server's queries from fixed rows and records what it logs. */
function fakeDb(opts: { muted?: boolean; previews?: number | null; archived?: string[] } = {}): { db: never; logged: unknown[][] } {
  const logged: unknown[][] = [];
  const db = {
    query: async (sql: string, args: unknown[]) => {
      if (sql.includes('FROM chat_push_nodes')) {
        return args[0] === 'node1' ? [{ secret: 's3cret', account_id: 7, provider: 'apns', token: 'tok', username: 'liz', push_previews: opts.previews ?? null }] : [];
      }
      if (sql.includes('FROM accounts')) return [{ display_name: 'Sam Smith' }];
      if (sql.includes('FROM chat_groups')) return [{ name: 'Book club' }];
      if (sql.includes('chat_conversation_settings')) return opts.muted ? [{ 1: 1 }] : [];
      if (sql.startsWith('INSERT INTO chat_push_log')) { logged.push(args); return { affectedRows: 1 }; }
      // XEP-0372 lookup of a muted conversation's message (a room's archive, by the sender's nick).
      if (sql.startsWith('SELECT xml FROM archive')) return (opts.archived ?? []).map((xml) => ({ xml }));
      throw new Error(`unexpected query ${sql}`);
    },
  };
  return { db: db as never, logged };
}

const publish = (over: Partial<{ node: string; secret: string; sender: string; body: string }> = {}) => ({
  node: 'node1', secret: 's3cret', sender: 'sam@example.com/phone', body: 'hello there', messageCount: 1, ...over,
});

describe('push app server', () => {
  it('hands an alert with the display name and the preview to the dispatcher', async () => {
    const sent: PushAlert[] = [];
    const { db, logged } = fakeDb();
    const s = new PushAppServer(db, settings, { send: async (a) => { sent.push(a); } });
    assert.equal(await s.handle(publish()), 'sent');
    assert.deepEqual(sent[0], { accountId: 7, provider: 'apns', token: 'tok', title: 'Sam Smith', body: 'hello there', conversation: 'sam@example.com', mention: false, messageCount: 1 });
    assert.equal(logged[0][8], 'sent');
  });

  it('a dispatcher failure is logged as failed and not raised (the message stays in offline storage and the archive)', async () => {
    const { db, logged } = fakeDb();
    const failing: PushDispatcher = { send: async () => { throw new Error('APNs 503'); } };
    assert.equal(await new PushAppServer(db, settings, failing).handle(publish()), 'failed');
    assert.deepEqual([logged[0][8], logged[0][9]], ['failed', 'APNs 503']);
  });

  it('refuses an unknown node and a wrong secret', async () => {
    const { db } = fakeDb();
    const s = new PushAppServer(db, settings, { send: async () => undefined });
    assert.equal(await s.handle(publish({ node: 'nope' })), 'unknown-node');
    assert.equal(await s.handle(publish({ secret: 'guess' })), 'bad-secret');
  });

  it('a muted group stays silent unless the user is mentioned; previews off hide the text', async () => {
    const sent: PushAlert[] = [];
    const { db } = fakeDb({ muted: true, previews: 0 });
    const s = new PushAppServer(db, settings, { send: async (a) => { sent.push(a); } });
    assert.equal(await s.handle(publish({ sender: 'r1@conference.example.com/sam', body: 'chapter 3' })), 'muted');
    assert.equal(await s.handle(publish({ sender: 'r1@conference.example.com/sam', body: '@liz chapter 3?' })), 'sent');
    assert.deepEqual([sent[0].title, sent[0].body, sent[0].mention, sent[0].conversation], ['Sam Smith (Book club)', 'You were mentioned', true, 'r1@conference.example.com']);
  });

  it('a muted group notifies a member its archived message mentions by reference (XEP-0372), not another member', async () => {
    const stanza = (who: string): string => `<message xmlns="jabber:client" type="groupchat" from="r1@conference.example.com/sam" id="m1">`
      + `<body>Liz, chapter 3?</body><reference xmlns="urn:xmpp:reference:0" type="mention" begin="0" end="3" uri="xmpp:${who}@example.com"/></message>`;
    const sent: PushAlert[] = [];
    const mentioned = new PushAppServer(fakeDb({ muted: true, archived: [stanza('liz')] }).db, settings, { send: async (a) => { sent.push(a); } });
    assert.equal(await mentioned.handle(publish({ sender: 'r1@conference.example.com/sam', body: 'Liz, chapter 3?' })), 'sent');
    assert.equal(sent[0].mention, true);
    const other = new PushAppServer(fakeDb({ muted: true, archived: [stanza('max')] }).db, settings, { send: async (a) => { sent.push(a); } });
    assert.equal(await other.handle(publish({ sender: 'r1@conference.example.com/sam', body: 'Liz, chapter 3?' })), 'muted');
    assert.equal(sent.length, 1);
  });
});
