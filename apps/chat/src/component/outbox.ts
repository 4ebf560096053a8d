// System messages from any process: queueSystemMessage() writes a row, the chat service's
// outbox poller sends it through the component and marks it sent. A row is claimed first
// (claimed_by = this service instance) so two chat services never send the same message.
import { randomBytes } from 'node:crypto';
import type { Pool } from 'mariadb';
import type { Logger } from '@openline/log';
import { accountByJid, ChatContext } from '../context';
import { ChatError } from '../errors';
import type { ChatComponent, SystemMessageKind } from './component';

type Db = Pick<Pool, 'query'>;
const KINDS: readonly SystemMessageKind[] = ['notification', 'reminder', 'coaching', 'emergency'];

/** Queues a message from the platform to a user; returns the outbox id. */
export async function queueSystemMessage(ctx: ChatContext, toJid: string, body: string, kind: SystemMessageKind = 'notification'): Promise<number> {
  if (typeof body !== 'string' || !body.trim() || body.length > 4000) throw new ChatError('invalid', 'body must be 1..4000 characters');
  if (!KINDS.includes(kind)) throw new ChatError('invalid', `kind must be one of ${KINDS.join(', ')}`);
  const to = await accountByJid(ctx, toJid);
  const r = await ctx.db.query<{ insertId: number }>('INSERT INTO chat_system_outbox (to_jid, body, kind) VALUES (?, ?, ?)', [to.jid, body, kind]);
  return Number(r.insertId);
}

export class SystemOutbox {
  private readonly me = `chat-${process.pid}-${randomBytes(4).toString('hex')}`;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(private readonly db: Db, private readonly component: ChatComponent, private readonly log: Logger, private readonly intervalMs = 250) {}

  async poll(): Promise<number> {
    await this.db.query('UPDATE chat_system_outbox SET claimed_by = ? WHERE sent_at IS NULL AND claimed_by IS NULL ORDER BY id LIMIT 100', [this.me]);
    const rows = await this.db.query<Array<{ id: number; to_jid: string; body: string; kind: SystemMessageKind }>>(
      'SELECT id, to_jid, body, kind FROM chat_system_outbox WHERE claimed_by = ? AND sent_at IS NULL ORDER BY id', [this.me]);
    for (const r of rows) {
      const stanzaId = await this.component.sendSystemMessage(r.to_jid, r.body, r.kind, `sys-${r.id}`);
      await this.db.query('UPDATE chat_system_outbox SET sent_at = CURRENT_TIMESTAMP(3), stanza_id = ? WHERE id = ?', [stanzaId, r.id]);
    }
    return rows.length;
  }

  start(): void {
    const tick = (): void => {
      this.running = this.component.whenOnline().then(() => this.poll()).then(() => undefined)
        .catch((err: Error) => this.log.warn({ err: err.message }, 'system outbox'))
        .finally(() => { if (this.timer !== undefined) this.timer = setTimeout(tick, this.intervalMs); });
    };
    this.timer = setTimeout(tick, 0);
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
