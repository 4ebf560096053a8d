// Runs the registrar SIPp scenarios (test/registrar/sipp) for one account and reads the final
// response back from SIPp's message trace.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { runSipp, type SippResult } from '../../support/sipp';

export const REGISTRAR_SIPP_DIR = path.resolve(__dirname, '..', 'sipp');

export interface SippAccount {
  user: string;
  domain: string;
  password: string;
}

export interface SippRegisterOptions {
  expires?: number;
  /** Password to answer with (default the account's). */
  password?: string;
  localPort?: number;
  /** -d: the <pause/> length (register-stale.xml). */
  pauseMs?: number;
  calls?: number;
  /** SIPp transport (default u1: UDP, one socket). */
  transport?: 'u1' | 't1';
}

export interface SippRegisterResult extends SippResult {
  /** Every message SIPp received, as text, in order. */
  received: string[];
}

/** Messages SIPp logged as received (-trace_msg). */
function receivedMessages(outDir: string): string[] {
  let text = '';
  try {
    text = readFileSync(path.join(outDir, 'messages.log'), 'utf8');
  } catch {
    return [];
  }
  return text.split(/^-{10,}.*$/m).filter((b) => /message received/.test(b))
    .map((b) => b.slice(b.indexOf('\n', b.indexOf('received')) + 1).trim());
}

export async function sippRegister(sipPort: number, scenario: string, a: SippAccount, o: SippRegisterOptions = {}): Promise<SippRegisterResult> {
  const dir = mkdtempSync(path.join(tmpdir(), 'registrar-sipp-'));
  const csv = path.join(dir, 'users.csv');
  writeFileSync(csv, `SEQUENTIAL\n${a.user};[authentication username=${a.user} password=${o.password ?? a.password}];${o.expires ?? 600};\n`);
  const r = await runSipp({
    scenario: path.join(REGISTRAR_SIPP_DIR, scenario), remote: `127.0.0.1:${sipPort}`, calls: o.calls ?? 1, limit: 1,
    injectionFiles: [csv], keys: { domain: a.domain }, traceMessages: true, timeoutSec: 30, recvTimeoutMs: 5000,
    ...(o.localPort !== undefined ? { localPort: o.localPort } : {}),
    ...(o.transport !== undefined ? { transport: o.transport } : {}),
    ...(o.pauseMs !== undefined ? { pauseMs: o.pauseMs } : {}),
  });
  return { ...r, received: receivedMessages(r.outDir) };
}

/** The header values of a received message, by lower-case name. */
export function headersOf(msg: string, name: string): string[] {
  return msg.split(/\r?\n/).filter((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`)).map((l) => l.slice(l.indexOf(':') + 1).trim());
}
