// Notifications delivered as chat system messages too (issue 11: "contact joined" by chat system
// message or push): a row in chat_system_outbox, which the chat service's component sends as
// system.<domain> — archived, stored offline and pushed like any message. That table is the
// interface for every process (db/migrations/0008_chat_outbox.sql), so the API needs no chat
// library. Failures are logged, never raised: the notification is already stored for
// GET /v1/me/notifications, and a sign-up must not fail because chat is down.
import type { Logger } from '@openline/log';
import type { Queryable } from '@openline/db';
import type { Notification, NotificationSink } from './notifications';

interface Named { username?: string; displayName?: string | null }
interface Circle { name?: string }

function nameOf(u: unknown, fallback: string): string {
  const n = (u ?? {}) as Named;
  return n.displayName || n.username || fallback;
}

/** The text the user reads in the chat (exported for tests). */
export function notificationText(n: Notification): string {
  const p = n.payload;
  const circle = ((p.circle ?? {}) as Circle).name ?? '';
  switch (n.kind) {
    case 'contact_joined': {
      const phone = typeof p.phone === 'string' ? p.phone : '';
      return `${nameOf(p.user, phone)}${phone ? ` (${phone})` : ''} from your contacts has joined openline.`;
    }
    case 'circle_invitation':
      return `${nameOf(p.from, 'Someone')} invites you to their circle "${circle}".`;
    case 'circle_response':
      return `${nameOf(p.user, 'Someone')} ${p.answer === 'accepted' ? 'accepted' : 'declined'} your invitation to "${circle}".`;
  }
}

export class ChatOutboxSink implements NotificationSink {
  constructor(private readonly db: Queryable, private readonly logger: Logger) {}

  async notify(n: Notification): Promise<void> {
    try {
      const rows = await this.db.query<Array<{ username: string; domain: string }>>(
        `SELECT a.username, d.name AS domain FROM accounts a JOIN domains d ON d.id = a.domain_id
          WHERE a.id = ? AND a.status = 'active'`, [n.accountId]);
      if (!rows.length) return;
      await this.db.query("INSERT INTO chat_system_outbox (to_jid, body, kind) VALUES (?, ?, 'notification')",
        [`${rows[0].username}@${rows[0].domain}`, notificationText(n)]);
    } catch (err) {
      this.logger.warn({ err: (err as Error).message, accountId: n.accountId, kind: n.kind }, 'chat notification not queued');
    }
  }
}
