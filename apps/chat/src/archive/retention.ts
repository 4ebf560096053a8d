// Archive retention: messages older than the configured months are deleted (users' and rooms'
// archives alike), in small batches so ejabberd's own writes are never blocked for long. Runs at
// start and then every `intervalMs` (default daily).
import type { Pool } from 'mariadb';
import type { Logger } from '@openline/log';
import { monthsBefore } from './history';

type Db = Pick<Pool, 'query'>;

export function retentionCutoff(months: number, now: Date): Date {
  return monthsBefore(now, months);
}

/** Deletes archive rows older than the cutoff; returns how many. */
export async function purgeArchive(db: Db, months: number, now: Date = new Date(), batch = 5000): Promise<number> {
  const cutoffUs = retentionCutoff(months, now).getTime() * 1000;
  let total = 0;
  for (;;) {
    const r = await db.query<{ affectedRows: number }>('DELETE FROM archive WHERE timestamp < ? LIMIT ?', [cutoffUs, batch]);
    total += Number(r.affectedRows);
    if (Number(r.affectedRows) < batch) return total;
  }
}

export class RetentionJob {
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly db: Db, private readonly months: number, private readonly log: Logger,
    private readonly intervalMs = 24 * 3600 * 1000) {}

  async runOnce(now: Date = new Date()): Promise<number> {
    const n = await purgeArchive(this.db, this.months, now);
    this.log.info({ deleted: n, months: this.months }, 'archive retention purge');
    return n;
  }

  start(): void {
    const run = (): void => { this.runOnce().catch((err: Error) => this.log.warn({ err: err.message }, 'retention purge failed')); };
    run();
    this.timer = setInterval(run, this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
