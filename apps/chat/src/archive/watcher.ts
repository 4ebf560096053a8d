// Tails the archive for edits and retractions and applies them (apply.ts). The position is kept
// in chat_archive_cursor so a restart neither misses nor repeats work; applying twice is harmless.
import type { Pool } from 'mariadb';
import type { Logger } from '@openline/log';
import { applyArchiveEvent } from './apply';

type Db = Pick<Pool, 'query'>;
const CURSOR = 'edits';

export class ArchiveWatcher {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(private readonly db: Db, private readonly log: Logger, private readonly intervalMs = 250) {}

  /** One pass: every new correction/retraction row since the cursor. Returns how many were applied. */
  async poll(): Promise<number> {
    const cur = await this.db.query<Array<{ last_id: number }>>('SELECT last_id FROM chat_archive_cursor WHERE name = ?', [CURSOR]);
    let last = cur.length ? Number(cur[0].last_id) : 0;
    let applied = 0;
    for (;;) {
      const rows = await this.db.query<Array<{ id: number; username: string; server_host: string; bare_peer: string; timestamp: number; xml: string; nick: string | null }>>(
        `SELECT id, username, server_host, bare_peer, timestamp, xml, nick FROM archive WHERE id > ? ORDER BY id LIMIT 500`, [last]);
      if (!rows.length) break;
      for (const r of rows) {
        if (r.xml.includes('urn:xmpp:message-correct') || r.xml.includes('urn:xmpp:message-retract')) {
          const ok = await applyArchiveEvent(this.db, {
            id: Number(r.id), username: r.username, serverHost: r.server_host, barePeer: r.bare_peer, timestamp: Number(r.timestamp), xml: r.xml, nick: r.nick,
          });
          if (ok) applied++;
        }
        last = Number(r.id);
      }
      await this.db.query('INSERT INTO chat_archive_cursor (name, last_id) VALUES (?, ?) ON DUPLICATE KEY UPDATE last_id = VALUES(last_id)', [CURSOR, last]);
      if (rows.length < 500) break;
    }
    return applied;
  }

  start(): void {
    const tick = (): void => {
      this.running = this.poll().then((n) => { if (n) this.log.debug({ applied: n }, 'archive edits applied'); })
        .catch((err: Error) => this.log.warn({ err: err.message }, 'archive watcher'))
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
