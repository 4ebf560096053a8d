import assert from 'node:assert/strict';
import { ChatOutboxSink, notificationText } from '../src/services/chat-notifications';
import { silentLogger } from '@openline/log';

describe('notifications as chat system messages', () => {
  it('words each kind with the names from its payload', () => {
    assert.equal(notificationText({ accountId: 1, kind: 'contact_joined', payload: { phone: '+447400123456', user: { username: '447400123456', displayName: 'Zosia' } } }),
      'Zosia (+447400123456) from your contacts has joined openline.');
    assert.equal(notificationText({ accountId: 1, kind: 'contact_joined', payload: { phone: '+447400123456', user: { username: '447400123456', displayName: null } } }),
      '447400123456 (+447400123456) from your contacts has joined openline.');
    assert.equal(notificationText({ accountId: 1, kind: 'circle_invitation', payload: { circle: { name: 'Family' }, from: { username: 'ann', displayName: null } } }),
      'ann invites you to their circle "Family".');
    assert.equal(notificationText({ accountId: 1, kind: 'circle_response', payload: { circle: { name: 'Family' }, answer: 'declined', user: { username: 'bo' } } }),
      'bo declined your invitation to "Family".');
  });

  it('queues the message for the account\'s JID, and swallows a database failure', async () => {
    const queries: Array<[string, unknown[]]> = [];
    const db = {
      query: async (sql: string, args: unknown[]) => {
        queries.push([sql, args]);
        return sql.startsWith('SELECT') ? [{ username: 'liz', domain: 'example.com' }] : { affectedRows: 1 };
      },
    };
    await new ChatOutboxSink(db as never, silentLogger()).notify({ accountId: 7, kind: 'circle_invitation', payload: { circle: { name: 'F' }, from: { username: 'a' } } });
    assert.match(queries[1][0], /^INSERT INTO chat_system_outbox/);
    assert.deepEqual(queries[1][1], ['liz@example.com', 'a invites you to their circle "F".']);
    const failing = { query: async () => { throw new Error('no such table'); } };
    await new ChatOutboxSink(failing as never, silentLogger()).notify({ accountId: 7, kind: 'contact_joined', payload: {} });
  });
});
