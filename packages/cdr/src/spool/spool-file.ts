// The CDR spool on local disk: one append-only JSON-lines file. A 'cdr' line holds a CDR not yet
// confirmed by the store; an 'ack' line records that the store accepted it. Appends of CDRs are
// fsync'd before they count as spooled; acks are not (a lost ack only means a replay, which the
// store's idempotency absorbs). When nothing is pending the file is truncated; when acked lines
// dominate it is rewritten (temp file, fsync, rename, fsync of the directory).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cdrFromJson, cdrToJson } from '../json';
import { CdrRecord } from '../types';

export const SPOOL_FILE = 'cdr-spool.jsonl';
export const REJECTED_FILE = 'cdr-rejected.jsonl';
export const CORRUPT_FILE = 'cdr-spool.corrupt';
export const LOCK_FILE = 'cdr-spool.lock';

export type SpoolLine = { t: 'cdr'; cdr: ReturnType<typeof cdrToJson> } | { t: 'ack'; id: string };

export function cdrLine(cdr: CdrRecord): string {
  return `${JSON.stringify({ t: 'cdr', cdr: cdrToJson(cdr) })}\n`;
}

export function ackLine(id: string): string {
  return `${JSON.stringify({ t: 'ack', id })}\n`;
}

export interface SpoolContents {
  /** CDRs without an ack, in file order, with their line. */
  pending: Array<{ cdr: CdrRecord; line: string }>;
  /** Lines that could not be read (moved to CORRUPT_FILE by the caller). */
  corrupt: string[];
  /** A last line without its newline: a write cut short by a crash (its write() never resolved). */
  torn: boolean;
}

/** Reads a spool file's text: pending CDRs (last 'cdr' line of an id wins), corrupt lines, torn tail. */
export function parseSpool(text: string): SpoolContents {
  const lines = text.split('\n');
  const tail = lines.pop() ?? '';
  const torn = tail.length > 0;
  const pending = new Map<string, { cdr: CdrRecord; line: string }>();
  const corrupt: string[] = [];
  for (const line of lines) {
    if (line.trim() === '') continue;
    try {
      const parsed = JSON.parse(line) as SpoolLine;
      if (parsed.t === 'cdr') {
        const cdr = cdrFromJson(parsed.cdr);
        pending.set(cdr.id, { cdr, line: `${line}\n` });
      } else if (parsed.t === 'ack' && typeof parsed.id === 'string') {
        pending.delete(parsed.id);
      } else {
        corrupt.push(line);
      }
    } catch {
      corrupt.push(line);
    }
  }
  return { pending: [...pending.values()], corrupt, torn };
}

function fsyncDir(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** The open spool file: append (with or without fsync), truncate, rewrite. Callers serialise calls. */
export class SpoolFile {
  private fd: fs.promises.FileHandle | null = null;
  /** Current file size in bytes. */
  bytes = 0;

  constructor(readonly dir: string) {}

  get file(): string {
    return path.join(this.dir, SPOOL_FILE);
  }

  /** Replaces the file with exactly `lines` (durably), then opens it for appending. */
  async rewrite(lines: readonly string[]): Promise<void> {
    const tmp = `${this.file}.tmp`;
    const body = lines.join('');
    const h = await fs.promises.open(tmp, 'w', 0o600);
    try {
      await h.writeFile(body, 'utf8');
      await h.sync();
    } finally {
      await h.close();
    }
    await this.fd?.close();
    this.fd = null;
    await fs.promises.rename(tmp, this.file);
    fsyncDir(this.dir);
    this.fd = await fs.promises.open(this.file, 'a', 0o600);
    this.bytes = Buffer.byteLength(body);
  }

  async append(text: string, sync: boolean): Promise<void> {
    if (!this.fd) throw new Error('spool file is not open');
    await this.fd.appendFile(text, 'utf8');
    this.bytes += Buffer.byteLength(text);
    if (sync) await this.fd.sync();
  }

  /** Empties the file (every CDR in it was accepted). */
  async truncate(): Promise<void> {
    if (!this.fd) throw new Error('spool file is not open');
    await this.fd.truncate(0);
    await this.fd.sync();
    this.bytes = 0;
  }

  async close(): Promise<void> {
    await this.fd?.close();
    this.fd = null;
  }
}

/** Appends a line to a side file (rejected/corrupt CDRs), durably. */
export async function appendSideFile(dir: string, name: string, text: string): Promise<void> {
  const h = await fs.promises.open(path.join(dir, name), 'a', 0o600);
  try {
    await h.appendFile(text, 'utf8');
    await h.sync();
  } finally {
    await h.close();
  }
}

function pidRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** One writer per spool directory: a lock file holding our pid; a dead owner's lock is taken over. */
export function lockSpoolDir(dir: string): () => void {
  const lock = path.join(dir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(lock, String(process.pid), { flag: 'wx', mode: 0o600 });
      return () => {
        try {
          if (fs.readFileSync(lock, 'utf8') === String(process.pid)) fs.rmSync(lock, { force: true });
        } catch { /* already gone */ }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = Number(fs.readFileSync(lock, 'utf8') || '0');
      if (owner > 0 && owner !== process.pid && pidRunning(owner)) {
        throw new Error(`CDR spool ${dir} is in use by process ${owner}`);
      }
      if (owner === process.pid) throw new Error(`CDR spool ${dir} is already open in this process`);
      fs.rmSync(lock, { force: true }); // stale: its process is gone
    }
  }
  throw new Error(`could not lock CDR spool ${dir}`);
}
