// Periodic clean-up of rows that only matter until they expire: refresh tokens past their expiry
// and one-time links a day after they expired or were used. Phone verification rows are kept:
// their counters are the RCS per-number-and-device limits, which an operator resets by hand.
import type { Queryable } from '@openline/db';
import type { Logger } from '@openline/log';
import type { Clock } from '../clock';

const DAY_MS = 86_400_000;

export class Housekeeper {
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly db: Queryable, private readonly clock: Clock, private readonly logger: Logger) {}

  async sweep(): Promise<{ refresh: number; links: number }> {
    const now = new Date(this.clock.now());
    const dayAgo = new Date(now.getTime() - DAY_MS);
    const r = await this.db.query<{ affectedRows: number }>('DELETE FROM refresh_tokens WHERE expires_at < ? LIMIT 10000', [now]);
    const l = await this.db.query<{ affectedRows: number }>(
      'DELETE FROM action_tokens WHERE (expires_at < ? OR used_at < ?) LIMIT 10000', [dayAgo, dayAgo]);
    return { refresh: r.affectedRows, links: l.affectedRows };
  }

  /** Sweeps every intervalMs (unref'd: never keeps the process alive). */
  start(intervalMs = 3_600_000): void {
    this.timer = setInterval(() => {
      this.sweep().catch((err: unknown) => this.logger.warn({ err: (err as Error).message }, 'housekeeping sweep failed'));
    }, intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
