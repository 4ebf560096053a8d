// A B2BUA node for the integration suites: a real sipd (bin/sipd on free ports), the registrar
// process on it, and the B2BUA app in this process (so the suite can see its sessions), all on
// the shared stack's MariaDB, Redis and rtpengine. CDRs go through packages/cdr's
// DurableCdrWriter into the stack's MariaDB (table cdrs), as in production; the suite reads them
// back with MariaDbCdrStore.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Redis } from 'ioredis';
import { DurableCdrWriter, MariaDbCdrStore, type CdrRecord, type CdrStore } from '@openline/cdr';
import { AccountRepo, type Queryable } from '@openline/db';
import { createLogger } from '@openline/log';
import { RedisLocationStore, type Binding } from '@openline/location';
import type { StackHandle } from '@openline/stack';
import { createB2bua, type B2buaApp, type B2buaSettingsInput, type CdrSink, type PushCallGateway } from '@openline/b2bua';
import { startSipd, type SipdProcess } from '../../support/sipd';
import { startRegistrarProcess, type RegistrarProcess } from '../../registrar/support/nodes';

export interface B2buaNode {
  sipd: SipdProcess;
  registrar: RegistrarProcess;
  app: B2buaApp;
  sipPort: number;
  store: CdrStore;
  location: RedisLocationStore;
  /** CDRs handed to the writer, in order. */
  written: CdrRecord[];
  /** Waits until a CDR matching `pred` was written and is readable from MariaDB. */
  cdr(pred: (c: CdrRecord) => boolean, timeoutMs?: number): Promise<CdrRecord>;
  stop(): Promise<void>;
}

export interface NodeOptions {
  settings?: Partial<B2buaSettingsInput>;
  /** Replace the CDR sink (the outage suite uses a store of its own). */
  cdr?: CdrSink;
  push?: PushCallGateway;
  registrarSettings?: Record<string, string>;
}

export async function startB2buaNode(stack: StackHandle, opts: NodeOptions = {}): Promise<B2buaNode> {
  const sipd = await startSipd({ loglevel: 'warning' });
  const registrar = await startRegistrarProcess(stack, sipd, opts.registrarSettings ?? {});
  const spoolDir = fs.mkdtempSync(path.join(os.tmpdir(), 'b2bua-cdr-'));
  const store = new MariaDbCdrStore(stack.dbPool());
  const writer = await DurableCdrWriter.open({ store, spoolDir, logger: createLogger({ component: 'cdr-writer', level: 'warn' }) });
  const written: CdrRecord[] = [];
  const sink: CdrSink = opts.cdr ?? { write: async (r) => { written.push(r); await writer.write(r); } };
  const app = await createB2bua({
    config: stack.config, secrets: stack.secrets,
    logger: createLogger({ component: 'b2bua', level: (process.env.B2BUA_LOG_LEVEL ?? 'warn') as 'warn' }),
    sipd: { host: '127.0.0.1', port: sipd.adminPort, secret: sipd.secret },
    settings: { noAnswerTimeoutMs: 4000, trunkSetupTimeoutMs: 1500, defaultCountry: 'US', rtpenginePingMs: 0, ...opts.settings },
    cdr: sink,
    ...(opts.push ? { push: opts.push } : {}),
  });
  await app.connected;
  const redis = new Redis({ host: '127.0.0.1', port: stack.ports.redis });
  const location = new RedisLocationStore(redis, { sweepIntervalMs: 0 });
  return {
    sipd, registrar, app, sipPort: sipd.sipPort, store, location, written,
    async cdr(pred, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const hit = written.find(pred);
        if (hit) {
          await writer.flush(timeoutMs);
          const stored = await store.get(hit.id);
          if (stored) return stored;
        }
        if (Date.now() > deadline) throw new Error(`no such CDR within ${timeoutMs} ms; written: ${JSON.stringify(written.map((c) => [c.aLegCallId, c.disposition, c.sipStatus]))}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async stop() {
      await app.close(500);
      await writer.close();
      await location.close();
      redis.disconnect();
      await registrar.stop();
      await sipd.stop();
      fs.rmSync(spoolDir, { recursive: true, force: true });
    },
  };
}

let seq = 0;

export interface TestAccount {
  id: number;
  user: string;
  domain: string;
  password: string;
  aor: string;
  phone?: string;
}

/** A new account in a test domain, optionally with phone, extension, country and call limit. */
export async function account(stack: StackHandle, domain: string, o: { phone?: string; extension?: string; country?: string; maxCalls?: number } = {}): Promise<TestAccount> {
  const user = `b${process.pid}x${Date.now().toString(36)}x${seq++}`;
  const password = `pw-${user}`;
  const repo = new AccountRepo(stack.dbPool(), stack.secrets.sipPasswordKey, domain);
  const { account: a } = await repo.add({ username: user, domain, password, ...(o.phone ? { phone: o.phone } : {}), country: o.country ?? 'US' });
  const db: Queryable = stack.dbPool();
  if (o.extension !== undefined || o.maxCalls !== undefined) {
    await db.query('UPDATE accounts SET extension = ?, max_calls = ? WHERE id = ?', [o.extension ?? null, o.maxCalls ?? null, a.id]);
  }
  return { id: a.id, user, domain, password, aor: `sip:${user}@${domain}`, ...(o.phone ? { phone: o.phone } : {}) };
}

/** Registers a device of the account straight in the location store: a SIPp/UA listening on port. */
export async function bindDevice(node: B2buaNode, a: TestAccount, port: number, instance?: string): Promise<void> {
  const now = Date.now();
  const key = instance ?? `sip:${a.user}@127.0.0.1:${port}`;
  const b: Binding = {
    aor: a.aor, key, contact: `sip:${a.user}@127.0.0.1:${port}`, expiresAt: now + 600_000, callId: `bind-${port}-${now}`, cseq: 1,
    flow: { node: `127.0.0.1:${node.sipPort}`, transport: 'udp', address: '127.0.0.1', port }, updatedAt: now,
    ...(instance ? { instance } : {}),
  };
  const r = await node.location.save({ aor: a.aor, upserts: [b], removeKeys: [], removeAll: false, callId: b.callId, cseq: 1, maxBindings: 10, now });
  if (!r.ok) throw new Error(`binding not saved: ${r.failure}`);
}

/** SIPp injection file: user;[authentication ...];domain (SIPp 3.6.1 needs the whole keyword in one field). */
export function injectionFile(a: TestAccount): string {
  const f = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'b2bua-inf-')), 'caller.csv');
  fs.writeFileSync(f, `SEQUENTIAL\n${a.user};[authentication username=${a.user} password=${a.password}];${a.domain};\n`);
  return f;
}

/** |actual - expected| ≤ tolerance, with a message naming the field. */
export function near(actual: number, expected: number, tolerance: number, what: string): void {
  if (Math.abs(actual - expected) > tolerance) throw new Error(`${what}: ${actual} not within ${tolerance} of ${expected}`);
}
