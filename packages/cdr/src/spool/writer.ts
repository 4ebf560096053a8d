// DurableCdrWriter: CDRs that are never lost. write() appends the CDR to the local spool and
// fsyncs before resolving; a background loop then inserts spooled CDRs into the store and acks
// them in the spool only after the store accepted them. While the store is down the loop retries
// with exponential backoff; at open the spool is replayed, so a crash after a call ended loses
// nothing. A crash between the store's insert and the ack replays a CDR the store already has,
// which its idempotent insert (by CDR id) absorbs: every CDR arrives exactly once.
import * as fs from 'node:fs';
import { createLogger } from '@openline/log';
import { CdrValidationError } from '../errors';
import { CdrRecord, CdrStore } from '../types';
import { validateCdr } from '../validate';
import {
  ackLine, appendSideFile, cdrLine, CORRUPT_FILE, lockSpoolDir, parseSpool, REJECTED_FILE, SpoolFile,
} from './spool-file';

/** The subset of a pino logger the writer uses. */
export interface CdrLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface DurableCdrWriterOptions {
  store: CdrStore;
  /** Directory of the spool (created if missing), e.g. <dataDir>/spool/cdr. One writer per directory. */
  spoolDir: string;
  /** Most bytes of pending CDRs kept in the spool (default 64 MiB); beyond it write() refuses, loudly. */
  maxSpoolBytes?: number;
  /** First retry delay after a failed insert (default 250 ms); doubles up to retryMaxMs. */
  retryInitialMs?: number;
  /** Longest retry delay (default 30 s). */
  retryMaxMs?: number;
  /** Inserts in flight at once (default 8). */
  concurrency?: number;
  /** An insert not settled after this long counts as failed and is retried (default 15 s; idempotent, so a late success is harmless). */
  insertTimeoutMs?: number;
  /** Rewrite the spool when it is larger than this and mostly acked lines (default 8 MiB). */
  compactBytes?: number;
  /** Default: a pino logger with component 'cdr-writer'. */
  logger?: CdrLogger;
}

export interface DurableCdrWriterMetrics {
  /** CDRs appended to the spool by write() in this process. */
  spooled: number;
  /** CDRs found pending in the spool at open (replayed). */
  replayed: number;
  /** CDRs the store accepted. */
  written: number;
  /** Failed insert attempts that will be retried. */
  retries: number;
  /** CDRs the store refused as invalid (kept in cdr-rejected.jsonl, not retried). */
  rejected: number;
  /** write() calls refused because the spool was full and the store down. */
  refused: number;
  /** CDRs in the spool the store has not accepted yet. */
  pending: number;
  /** Bytes of the pending CDRs. */
  pendingBytes: number;
  /** Size of the spool file. */
  spoolFileBytes: number;
  /** False from a failed insert until the next accepted one. */
  storeUp: boolean;
}

/** write() could not spool the CDR (spool full or disk error) and the store did not take it either. */
export class CdrSpoolError extends Error {
  constructor(message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'CdrSpoolError';
  }
}

interface Entry { cdr: CdrRecord; line: string; bytes: number }
interface Queued extends Entry { resolve(): void; reject(err: Error): void }

const DEFAULTS = {
  maxSpoolBytes: 64 << 20, retryInitialMs: 250, retryMaxMs: 30_000, concurrency: 8, compactBytes: 8 << 20, insertTimeoutMs: 15_000,
};

/** `p`, or a rejection after `ms` (the operation itself is not cancelled). */
function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not complete within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

export class DurableCdrWriter {
  private readonly store: CdrStore;
  private readonly log: CdrLogger;
  private readonly opts: typeof DEFAULTS;
  private readonly file: SpoolFile;
  private readonly pending = new Map<string, Entry>();
  private pendingBytes = 0;
  private appendQueue: Queued[] = [];
  private appendScheduled = false;
  /** File operations run one at a time, in order. */
  private io: Promise<void> = Promise.resolve();
  private draining: Promise<void> | null = null;
  private closed = false;
  private wake: (() => void) | null = null;
  private idleWaiters: Array<() => void> = [];
  private failingSince: number | null = null;
  private lastFailureLog = 0;
  private readonly m = { spooled: 0, replayed: 0, written: 0, retries: 0, rejected: 0, refused: 0 };

  private constructor(options: DurableCdrWriterOptions, private readonly unlock: () => void) {
    this.store = options.store;
    this.log = options.logger ?? createLogger({ component: 'cdr-writer' });
    this.opts = {
      maxSpoolBytes: options.maxSpoolBytes ?? DEFAULTS.maxSpoolBytes,
      retryInitialMs: options.retryInitialMs ?? DEFAULTS.retryInitialMs,
      retryMaxMs: options.retryMaxMs ?? DEFAULTS.retryMaxMs,
      concurrency: options.concurrency ?? DEFAULTS.concurrency,
      compactBytes: options.compactBytes ?? DEFAULTS.compactBytes,
      insertTimeoutMs: options.insertTimeoutMs ?? DEFAULTS.insertTimeoutMs,
    };
    this.file = new SpoolFile(options.spoolDir);
  }

  /** Opens (or creates) the spool, replays what it holds into the store in the background. */
  static async open(options: DurableCdrWriterOptions): Promise<DurableCdrWriter> {
    fs.mkdirSync(options.spoolDir, { recursive: true, mode: 0o700 });
    const unlock = lockSpoolDir(options.spoolDir);
    const w = new DurableCdrWriter(options, unlock);
    try {
      await w.load();
    } catch (err) {
      unlock();
      throw err;
    }
    w.kick();
    return w;
  }

  private async load(): Promise<void> {
    const text = fs.existsSync(this.file.file) ? fs.readFileSync(this.file.file, 'utf8') : '';
    const { pending, corrupt, torn } = parseSpool(text);
    if (torn) this.log.warn({ spool: this.file.file }, 'CDR spool ended in a partial line (a write cut short by a crash); dropped it');
    if (corrupt.length) {
      await appendSideFile(this.file.dir, CORRUPT_FILE, corrupt.map((l) => `${l}\n`).join(''));
      this.log.error({ spool: this.file.file, lines: corrupt.length, movedTo: CORRUPT_FILE },
        'CDR spool had unreadable lines; moved them aside for an operator');
    }
    for (const p of pending) this.addPending({ cdr: p.cdr, line: p.line, bytes: Buffer.byteLength(p.line) });
    this.m.replayed = pending.length;
    // Start from a clean file holding exactly the pending CDRs.
    await this.file.rewrite(pending.map((p) => p.line));
    if (pending.length) this.log.warn({ pending: pending.length, spool: this.file.file }, 'replaying spooled CDRs into the store');
  }

  /**
   * Spools one CDR durably (fsync) and resolves; the store gets it in the background. Rejects with
   * CdrValidationError for a malformed CDR (also kept in cdr-rejected.jsonl) and with CdrSpoolError
   * when the spool is full or unwritable and the store cannot take the CDR directly either.
   */
  async write(cdr: CdrRecord): Promise<void> {
    if (this.closed) throw new CdrSpoolError('the CDR writer is closed');
    let rec: CdrRecord;
    try {
      rec = validateCdr(cdr);
    } catch (err) {
      await this.reject(cdr, err as Error);
      throw err;
    }
    if (this.pending.has(rec.id)) return; // already spooled, durably
    const line = cdrLine(rec);
    const bytes = Buffer.byteLength(line);
    const queuedBytes = this.appendQueue.reduce((n, q) => n + q.bytes, 0);
    if (this.pendingBytes + queuedBytes + bytes > this.opts.maxSpoolBytes) {
      return this.writeDirect(rec, `CDR spool is full (${this.pendingBytes} bytes pending, limit ${this.opts.maxSpoolBytes})`);
    }
    await new Promise<void>((resolve, reject) => {
      this.appendQueue.push({ cdr: rec, line, bytes, resolve, reject });
      this.scheduleAppend();
    }).catch((err: Error) => this.writeDirect(rec, `CDR spool write failed: ${err.message}`));
  }

  /** Last resort when the spool cannot take a CDR: straight to the store, or a loud refusal. */
  private async writeDirect(rec: CdrRecord, why: string): Promise<void> {
    try {
      await withTimeout(this.store.insert(rec), this.opts.insertTimeoutMs, 'CDR insert');
      this.m.written++;
      this.log.error({ cdrId: rec.id }, `${why}; CDR written to the store directly`);
    } catch (err) {
      this.m.refused++;
      this.log.error({ cdrId: rec.id, callId: rec.callId, err: (err as Error).message, refused: this.m.refused },
        `${why} and the store is unavailable: CDR NOT RECORDED`);
      throw new CdrSpoolError(`${why}; the store did not take it either: ${(err as Error).message}`, err);
    }
  }

  /** Group commit: every write() queued meanwhile goes out in one append and one fsync. */
  private scheduleAppend(): void {
    if (this.appendScheduled) return;
    this.appendScheduled = true;
    this.enqueueIo(async () => {
      this.appendScheduled = false;
      const batch = this.appendQueue;
      this.appendQueue = [];
      if (batch.length === 0) return;
      try {
        await this.file.append(batch.map((q) => q.line).join(''), true);
      } catch (err) {
        for (const q of batch) q.reject(err as Error);
        return;
      }
      for (const q of batch) {
        if (!this.pending.has(q.cdr.id)) {
          this.addPending(q);
          this.m.spooled++;
        }
        q.resolve();
      }
      this.kick();
    });
  }

  private enqueueIo(op: () => Promise<void>): Promise<void> {
    const next = this.io.then(op, op);
    this.io = next.catch((err: Error) => {
      this.log.error({ err: err.message, spool: this.file.file }, 'CDR spool file operation failed');
    });
    return this.io;
  }

  private addPending(e: Entry): void {
    this.pending.set(e.cdr.id, { cdr: e.cdr, line: e.line, bytes: e.bytes });
    this.pendingBytes += e.bytes;
  }

  private removePending(id: string): void {
    const e = this.pending.get(id);
    if (!e) return;
    this.pending.delete(id);
    this.pendingBytes -= e.bytes;
  }

  private async reject(cdr: unknown, err: Error): Promise<void> {
    this.m.rejected++;
    let body: string;
    try {
      body = JSON.stringify({ error: err.message, at: new Date().toISOString(), cdr });
    } catch {
      body = JSON.stringify({ error: err.message, at: new Date().toISOString(), cdr: String(cdr) });
    }
    this.log.error({ err: err.message, keptIn: REJECTED_FILE }, 'invalid CDR refused; kept aside for an operator');
    await appendSideFile(this.file.dir, REJECTED_FILE, `${body}\n`).catch((e: Error) => {
      this.log.error({ err: e.message }, 'could not keep the invalid CDR aside');
    });
  }

  private kick(): void {
    if (this.wake) { this.wake(); return; }
    if (this.draining || this.closed) return;
    this.draining = this.drain().finally(() => { this.draining = null; });
  }

  private async drain(): Promise<void> {
    let delay = this.opts.retryInitialMs;
    while (!this.closed && this.pending.size > 0) {
      const batch = [...this.pending.values()].slice(0, this.opts.concurrency);
      const results = await Promise.allSettled(batch.map((e) => withTimeout(this.store.insert(e.cdr), this.opts.insertTimeoutMs, 'CDR insert')));
      const done: string[] = [];
      let failure: Error | null = null;
      results.forEach((r, i) => {
        const e = batch[i];
        if (r.status === 'fulfilled') {
          done.push(e.cdr.id);
          this.m.written++;
        } else if (r.reason instanceof CdrValidationError) {
          done.push(e.cdr.id);
          void this.reject(e.cdr, r.reason);
        } else {
          this.m.retries++;
          failure = r.reason as Error;
        }
      });
      if (done.length) await this.ack(done);
      if (failure) {
        this.noteFailure(failure, delay);
        await this.sleep(delay);
        delay = Math.min(delay * 2, this.opts.retryMaxMs);
      } else {
        if (this.failingSince !== null) {
          this.log.warn({ store: this.store.kind, downMs: Date.now() - this.failingSince, pending: this.pending.size },
            'CDR store is back; writing the spooled CDRs');
          this.failingSince = null;
        }
        delay = this.opts.retryInitialMs;
      }
    }
    if (this.pending.size === 0) for (const w of this.idleWaiters.splice(0)) w();
  }

  private noteFailure(err: Error, delay: number): void {
    const now = Date.now();
    if (this.failingSince === null) {
      this.failingSince = now;
      this.lastFailureLog = now;
      this.log.error({ store: this.store.kind, err: err.message, pending: this.pending.size },
        'CDR store unavailable; CDRs are kept in the spool and retried');
    } else if (now - this.lastFailureLog >= 30_000) {
      this.lastFailureLog = now;
      this.log.error({ store: this.store.kind, err: err.message, pending: this.pending.size, downMs: now - this.failingSince, retryInMs: delay },
        'CDR store still unavailable');
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => { this.wake = null; resolve(); }, ms * (0.75 + Math.random() * 0.5));
      // close() ends the wait at once; a new write() does not (the store is still failing).
      this.wake = () => { if (this.closed) { clearTimeout(timer); this.wake = null; resolve(); } };
    });
  }

  /** Records acceptance in the spool; empties or compacts the file when it is mostly acked. */
  private ack(ids: string[]): Promise<void> {
    for (const id of ids) this.removePending(id);
    return this.enqueueIo(async () => {
      if (this.pending.size === 0 && this.appendQueue.length === 0) {
        await this.file.truncate();
      } else if (this.file.bytes > this.opts.compactBytes && this.pendingBytes < this.file.bytes / 2) {
        await this.file.rewrite([...this.pending.values()].map((e) => e.line));
      } else {
        await this.file.append(ids.map(ackLine).join(''), false);
      }
    });
  }

  /** Resolves when every spooled CDR has been accepted by the store; rejects after timeoutMs. */
  async flush(timeoutMs = 30_000): Promise<void> {
    await this.io;
    if (this.pending.size === 0 && this.appendQueue.length === 0) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`CDR spool not empty after ${timeoutMs} ms (${this.pending.size} pending)`)), timeoutMs);
      this.idleWaiters.push(() => { clearTimeout(timer); resolve(); });
      this.kick();
    });
    await this.io;
  }

  metrics(): DurableCdrWriterMetrics {
    return {
      ...this.m,
      pending: this.pending.size,
      pendingBytes: this.pendingBytes,
      spoolFileBytes: this.file.bytes,
      storeUp: this.failingSince === null,
    };
  }

  /** Stops retrying and closes the spool; pending CDRs stay in it for the next open(). Does not close the store. */
  async close(): Promise<void> {
    if (this.closed) return;
    // Let queued appends reach the disk first: their write() calls are waiting on them.
    await this.io;
    this.closed = true;
    this.wake?.();
    await this.draining;
    await this.io;
    await this.file.close();
    this.unlock();
  }
}
