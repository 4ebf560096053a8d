// Shared pieces of the sipd feature suites (100rel, UPDATE, session timers, CDR events): a sipd
// started with a drachtio.conf.xml (CDRs, default refresher) and sipd's own options, the parts of
// srf's API those suites use beyond test/sipd/support/srf.ts, and SIPp trace helpers.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import assert from 'node:assert/strict';
import { startSipd, type SipdProcess } from '../support/sipd';
import { describeSippResult, type SippResult } from '../support/sipp';
import type { SrfApp, SrfDialog, SrfMessage, SrfReq, SrfRes } from '../sipd/support/srf';
import { branch, headersOf, parseResponse } from '../sipd/support/raw-udp';

export interface FeatureSipdOptions {
  /** `<cdrs>true</cdrs>` in the config file (drachtio has no command-line switch for it). */
  cdrs?: boolean;
  /** `<sip><session-timers default-refresher=…>`. */
  defaultRefresher?: 'none' | 'uac' | 'uas';
  /** `--sipd-min-se`: our RFC 4028 minimum session interval. */
  minSE?: number;
  extraArgs?: string[];
}

/** sipd with a config file of its own (removed when sipd stops). */
export async function startFeatureSipd(o: FeatureSipdOptions = {}): Promise<SipdProcess> {
  const dir = mkdtempSync(path.join(tmpdir(), 'sipd-features-'));
  const file = path.join(dir, 'drachtio.conf.xml');
  const refresher = o.defaultRefresher ? `<session-timers default-refresher="${o.defaultRefresher}"/>` : '';
  writeFileSync(file, `<drachtio><admin port="9022" secret="unused">127.0.0.1</admin><sip>${refresher}</sip><cdrs>${o.cdrs === true ? 'true' : 'false'}</cdrs></drachtio>\n`);
  const sipd = await startSipd({
    extraArgs: ['--file', file, ...(o.minSE !== undefined ? ['--sipd-min-se', String(o.minSE)] : []), ...(o.extraArgs ?? [])],
  });
  const stop = sipd.stop;
  return { ...sipd, stop: async () => { const code = await stop(); rmSync(dir, { recursive: true, force: true }); return code; } };
}

/** srf's API beyond the shared typings: CDR handlers, createB2BUA header options, UPDATE events. */
export interface FeatureSrf {
  on(ev: 'cdr:attempt', fn: (source: string, time: string, msg: SrfMessage) => void): void;
  on(ev: 'cdr:start', fn: (source: string, time: string, role: string, msg: SrfMessage) => void): void;
  on(ev: 'cdr:stop', fn: (source: string, time: string, reason: string, msg: SrfMessage) => void): void;
  createB2BUA(req: SrfReq, res: SrfRes, uri: string, opts: {
    headers?: Record<string, string>;
    proxyRequestHeaders?: string[];
    proxyResponseHeaders?: string[];
    passFailure?: boolean;
  }): Promise<{ uas: SrfDialog; uac: SrfDialog }>;
}

export function featureSrf(srf: SrfApp): FeatureSrf {
  return srf as unknown as FeatureSrf;
}

/** A request srf hands to the app that can also report an UPDATE in its early dialog. */
export interface EarlyReq {
  on(ev: 'update', fn: (req: SrfReq, res: SrfRes) => void): void;
}

/** A dialog that reports in-dialog UPDATEs. */
export interface UpdateDialog {
  on(ev: 'update', fn: (req: SrfReq, res: SrfRes) => void): void;
  on(ev: 'destroy', fn: (msg: SrfMessage, reason?: string) => void): void;
}

export function traced(r: SippResult): string {
  return readFileSync(path.join(r.outDir, 'messages.log'), 'utf8');
}

/** Start lines of the messages in a SIPp trace, in order (`PRACK sip:…`, `SIP/2.0 200 OK`). */
export function startLines(trace: string): string[] {
  return [...trace.matchAll(/^(?:[A-Z]+ \S+ SIP\/2\.0|SIP\/2\.0 \d{3}[^\r\n]*)/gm)].map((m) => m[0]);
}

export function assertCalls(r: SippResult, successful: number, who: string): void {
  assert.equal(r.failed, 0, `${who}: ${describeSippResult(r)}`);
  assert.equal(r.successful, successful, `${who}: ${describeSippResult(r)}`);
}

/** The first value of a header in a raw SIP message (long or compact name). */
export function header(text: string, name: string): string | undefined {
  return headersOf(text).get(name.toLowerCase())?.[0];
}

export function isRequest(method: string): (b: Buffer) => boolean {
  return (b) => b.toString('latin1').startsWith(`${method} `);
}

export function isResponseTo(method: string, status?: number): (b: Buffer) => boolean {
  return (b) => {
    const r = parseResponse(b);
    return r !== undefined && new RegExp(`\\s${method}$`).test(r.header('cseq') ?? '') && (status === undefined || r.status === status);
  };
}

export function bodyOf(text: string): string {
  const i = text.indexOf('\r\n\r\n');
  return i < 0 ? '' : text.slice(i + 4);
}

function message(startLine: string, headers: string[], body = ''): Buffer {
  const withBody = body ? [...headers, 'Content-Type: application/sdp'] : headers;
  return Buffer.from([startLine, ...withBody, `Content-Length: ${Buffer.byteLength(body)}`, '', body].join('\r\n'));
}

/** A response from the raw peer to a request it received (§8.2.6.2), with our To tag. */
export function rawResponse(request: string, status: number, reason: string, o: { toTag?: string; contact?: string; body?: string; extra?: string[] } = {}): Buffer {
  const h = headersOf(request);
  const to = h.get('to')?.[0] ?? '';
  return message(`SIP/2.0 ${status} ${reason}`, [
    ...(h.get('via') ?? []).map((v) => `Via: ${v}`),
    `From: ${h.get('from')?.[0] ?? ''}`,
    `To: ${o.toTag && !/;\s*tag=/i.test(to) ? `${to};tag=${o.toTag}` : to}`,
    `Call-ID: ${h.get('call-id')?.[0] ?? ''}`,
    `CSeq: ${h.get('cseq')?.[0] ?? ''}`,
    ...(o.contact ? [`Contact: ${o.contact}`] : []),
    ...(o.extra ?? []),
  ], o.body);
}

/**
 * A request the raw peer sends inside the dialog an INVITE it received created: it is the UAS,
 * so From = the INVITE's To + our tag, To = the INVITE's From, sent to the INVITE's Contact.
 */
export function rawInDialogRequest(invite: string, method: string, cseq: number, o: { port: number; toTag: string; body?: string; extra?: string[] }): Buffer {
  const h = headersOf(invite);
  const target = /<([^>]+)>/.exec(h.get('contact')?.[0] ?? '')?.[1] ?? '';
  return message(`${method} ${target} SIP/2.0`, [
    `Via: SIP/2.0/UDP 127.0.0.1:${o.port};branch=${branch()};rport`,
    `From: ${h.get('to')?.[0] ?? ''};tag=${o.toTag}`,
    `To: ${h.get('from')?.[0] ?? ''}`,
    `Call-ID: ${h.get('call-id')?.[0] ?? ''}`,
    `CSeq: ${cseq} ${method}`,
    `Contact: <sip:raw@127.0.0.1:${o.port}>`,
    'Max-Forwards: 70',
    ...(o.extra ?? []),
  ], o.body);
}

/**
 * A request the raw peer sends in the dialog its own INVITE created (it is the UAC): From as in
 * its INVITE, To with the callee's tag from the 2xx, sent to the 2xx's Contact.
 */
export function rawUacRequest(invite: string, ok: string, method: string, cseq: number, o: { port: number; body?: string; extra?: string[] }): Buffer {
  const inv = headersOf(invite);
  const res = headersOf(ok);
  const target = /<([^>]+)>/.exec(res.get('contact')?.[0] ?? '')?.[1] ?? '';
  return message(`${method} ${target} SIP/2.0`, [
    `Via: SIP/2.0/UDP 127.0.0.1:${o.port};branch=${branch()};rport`,
    `From: ${inv.get('from')?.[0] ?? ''}`,
    `To: ${res.get('to')?.[0] ?? ''}`,
    `Call-ID: ${inv.get('call-id')?.[0] ?? ''}`,
    `CSeq: ${cseq} ${method}`,
    ...(method === 'ACK' || method === 'BYE' ? [] : [`Contact: <sip:raw@127.0.0.1:${o.port}>`]),
    'Max-Forwards: 70',
    ...(o.extra ?? []),
  ], o.body);
}
