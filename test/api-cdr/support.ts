// The CDR API suites' harness: the real API (apps/api) in this process on an ephemeral port, on
// the shared stack's MariaDB and Redis, reading CDRs from a private copy of the cdrs table filled
// with generated rows; operator keys made with bin/ctl (the real CLI, hashed at rest); account
// access tokens signed by the API's own key (as sign-in issues them).
import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import * as path from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { CDR_COLUMNS, cdrToParams, type CdrRecord, type CdrStore } from '@openline/cdr';
import type { Config } from '@openline/config';
import type { Pool } from '@openline/db';
import { silentLogger } from '@openline/log';
import type { StackHandle } from '@openline/stack';
import { OffsetClock, startApi, type RunningApi } from '@openline/api';
import { MariaDbCdrReader } from '@openline/api/dist/src/services/cdr-mariadb-reader';
import { getSharedStack, repoRoot, stackEnv } from '../support/stack';

export interface CtlResult { code: number; stdout: string; stderr: string }

export function ctl(stack: StackHandle, ...args: string[]): Promise<CtlResult> {
  return new Promise((resolve) => {
    execFile(path.join(repoRoot(), 'bin', 'ctl'), args, { env: stackEnv(stack), timeout: 20000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** `ctl --json apikey create` → the key (printed once). */
export async function createKey(stack: StackHandle, scopes: string): Promise<{ key: string; name: string }> {
  const name = `test-${randomBytes(5).toString('hex')}`;
  const r = await ctl(stack, '--json', 'apikey', 'create', name, '--scopes', scopes);
  if (r.code !== 0) throw new Error(`ctl apikey create: ${r.code} ${r.stderr}`);
  return { key: (JSON.parse(r.stdout) as { key: string }).key, name };
}

export interface HttpResult {
  status: number;
  body: Record<string, unknown> & { error?: { code: string; message: string; field?: string } };
  headers: Headers;
  text: string;
}

export interface CdrApi {
  stack: StackHandle;
  api: RunningApi;
  pool: Pool;
  table: string;
  store: CdrStore;
  clock: OffsetClock;
  get(pathAndQuery: string, headers?: Record<string, string>): Promise<HttpResult>;
  /** An account's access token, as sign-in would issue it. */
  tokenFor(accountId: number): string;
  close(): Promise<void>;
}

/** Multi-row INSERTs of 500 rows (about 3x the driver's batch() here) into the private table. */
export async function bulkInsert(pool: Pool, table: string, cdrs: readonly CdrRecord[]): Promise<void> {
  const one = `(${CDR_COLUMNS.map(() => '?').join(', ')})`;
  for (let i = 0; i < cdrs.length; i += 500) {
    const chunk = cdrs.slice(i, i + 500);
    await pool.query(`INSERT INTO ${table} (${CDR_COLUMNS.join(', ')}) VALUES ${chunk.map(() => one).join(', ')}`, chunk.flatMap(cdrToParams));
  }
}

export async function startCdrApi(o: { cdr?: Partial<Config['cdr']>; store?: (pool: Pool, table: string) => CdrStore } = {}): Promise<CdrApi> {
  const stack = await getSharedStack();
  const pool = stack.dbPool();
  const table = `cdrs_api_${randomBytes(4).toString('hex')}`;
  // Identifier from hex digits only (CREATE TABLE cannot bind it).
  await pool.query(`CREATE TABLE ${table} LIKE cdrs`);
  // The API's own MariaDB store (as createCdrStore makes it), on the private table.
  const store = o.store ? o.store(pool, table) : new MariaDbCdrReader(pool, { table });
  const clock = new OffsetClock();
  const config: Config = {
    ...stack.config,
    api: { ...stack.config.api, requestsPerMinutePerIp: 1_000_000 },
    cdr: { ...stack.config.cdr, requestsPerMinutePerKey: 1_000_000, exportsPerMinutePerKey: 1000, callLogPerMinutePerAccount: 100_000, ...o.cdr },
  };
  const api = await startApi({
    config, secrets: stack.secrets, logger: silentLogger(), clock, port: 0, cdrStore: store,
    rateLimitPrefix: `test:${randomBytes(6).toString('hex')}:`,
  });
  const get: CdrApi['get'] = async (p, headers = {}) => {
    const res = await fetch(`${api.url}${p}`, { headers });
    const text = await res.text();
    let body: HttpResult['body'] = {};
    try { body = text ? JSON.parse(text) as HttpResult['body'] : {}; } catch { body = { text }; }
    return { status: res.status, body, headers: res.headers, text };
  };
  return {
    stack, api, pool, table, store, clock, get,
    tokenFor: (accountId) => api.deps.access.issue({ accountId, session: randomUUID(), deviceId: 1 }),
    close: async () => {
      await api.close();
      await pool.query(`DROP TABLE IF EXISTS ${table}`);
    },
  };
}

export const bearer = (key: string): Record<string, string> => ({ authorization: `Bearer ${key}` });

/**
 * A streaming RFC 4180 parser: feed text chunks, get complete records (quoted fields may hold
 * commas, quotes and line breaks). Keeps only the current record in memory.
 */
export class CsvParser {
  private field = '';
  private record: string[] = [];
  private quoted = false;
  /** Inside quotes, a quote was just seen: either "" (an escaped quote) or the closing quote. */
  private quoteSeen = false;
  private afterCr = false;

  constructor(private readonly onRecord: (fields: string[]) => void) {}

  feed(chunk: string): void {
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i];
      if (this.quoted) {
        if (this.quoteSeen) {
          this.quoteSeen = false;
          if (c === '"') { this.field += '"'; continue; }
          this.quoted = false; // closing quote: fall through with c
        } else if (c === '"') {
          this.quoteSeen = true;
          continue;
        } else {
          this.field += c;
          continue;
        }
      }
      if (this.afterCr) {
        this.afterCr = false;
        if (c !== '\n') throw new Error('CR not followed by LF outside quotes');
        this.endRecord();
        continue;
      }
      if (c === '"' && this.field === '') { this.quoted = true; continue; }
      if (c === '"') throw new Error(`quote inside an unquoted field: ${this.field}`);
      if (c === ',') { this.record.push(this.field); this.field = ''; continue; }
      if (c === '\r') { this.afterCr = true; continue; }
      if (c === '\n') throw new Error('bare LF: records must end with CRLF');
      this.field += c;
    }
  }

  private endRecord(): void {
    this.record.push(this.field);
    this.onRecord(this.record);
    this.record = [];
    this.field = '';
  }

  /** The text must end at a record boundary. */
  end(): void {
    if (this.quoted || this.quoteSeen || this.afterCr || this.field !== '' || this.record.length) {
      if (this.quoteSeen) { this.quoted = false; this.quoteSeen = false; }
      if (this.quoted || this.afterCr || this.field !== '' || this.record.length) throw new Error('CSV ended inside a record');
    }
  }
}

/** Reads a response body chunk by chunk (never the whole body at once). */
export async function readChunks(res: Response, onText: (text: string) => void): Promise<number> {
  if (!res.body) return 0;
  const decoder = new TextDecoder('utf-8');
  let bytes = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    bytes += chunk.byteLength;
    onText(decoder.decode(chunk, { stream: true }));
  }
  onText(decoder.decode());
  return bytes;
}

let gcFn: (() => void) | undefined;

/**
 * The live heap (bytes) after a full garbage collection, so a bound on it measures what is
 * retained, not garbage V8 has not collected yet. gc is exposed at run time (no node flag needed).
 */
export function liveHeap(): number {
  if (!gcFn) {
    setFlagsFromString('--expose-gc');
    gcFn = runInNewContext('gc') as () => void;
  }
  gcFn();
  return process.memoryUsage().heapUsed;
}
