// CDR export bodies: CSV (RFC 4180: CRLF, fields with , " CR LF quoted, quotes doubled) or
// NDJSON (one CdrJson per line), written from the store's async iterable into the response in
// ~64 KiB chunks, waiting for 'drain' whenever the socket is full, so memory stays flat however
// many rows there are. A client that goes away stops the query (the iterator is returned).
import type { Response } from 'express';
import { cdrToJson, type CdrRecord } from '@openline/cdr';
import type { Logger } from '@openline/log';
import { ApiError, errorBody } from '../errors';

export type ExportFormat = 'csv' | 'ndjson';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['csv', 'ndjson'];

type Cell = string | number | null;

/**
 * Free text a person can set (names, reasons, labels) starting with = + - @ (or a tab/CR) is read
 * as a formula by spreadsheets (OWASP "CSV injection"); such values get a leading apostrophe.
 * Numbers and ids are never touched (E.164 numbers start with '+').
 */
function text(v: string | null): Cell {
  return v !== null && /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
}

const time = (d: Date | null): Cell => (d === null ? null : d.toISOString());

/** The CSV columns, in order: header name and value. */
export const CSV_COLUMNS: ReadonlyArray<readonly [string, (c: CdrRecord) => Cell]> = [
  ['id', (c) => c.id], ['call_id', (c) => c.callId], ['a_leg_call_id', (c) => c.aLegCallId], ['b_leg_call_id', (c) => c.bLegCallId],
  ['direction', (c) => c.direction], ['disposition', (c) => c.disposition],
  ['start_time', (c) => time(c.startTime)], ['ringing_time', (c) => time(c.ringingTime)],
  ['answer_time', (c) => time(c.answerTime)], ['end_time', (c) => time(c.endTime)],
  ['setup_ms', (c) => c.setupMs], ['ring_ms', (c) => c.ringMs], ['talk_ms', (c) => c.talkMs],
  ['caller_account_id', (c) => c.caller.accountId], ['caller_username', (c) => text(c.caller.username)],
  ['caller_number', (c) => c.caller.number], ['caller_display_name', (c) => text(c.caller.displayName)],
  ['callee_account_id', (c) => c.callee.accountId], ['callee_username', (c) => text(c.callee.username)],
  ['callee_number', (c) => c.callee.number], ['callee_display_name', (c) => text(c.callee.displayName)],
  ['trunk_id', (c) => c.trunkId], ['trunk_name', (c) => text(c.trunkName)],
  ['sip_status', (c) => c.sipStatus], ['sip_reason', (c) => text(c.sipReason)],
  ['hangup_protocol', (c) => c.hangupCause?.protocol ?? null], ['hangup_cause', (c) => c.hangupCause?.cause ?? null],
  ['hangup_text', (c) => text(c.hangupCause?.text ?? null)], ['hangup_side', (c) => c.hangupSide],
  ['a_codec', (c) => c.codecs.aLeg], ['b_codec', (c) => c.codecs.bLeg],
  ['a_mos', (c) => c.media.aLeg?.mos ?? null], ['b_mos', (c) => c.media.bLeg?.mos ?? null],
  ['a_packets_lost', (c) => c.media.aLeg?.packetsLost ?? null], ['b_packets_lost', (c) => c.media.bLeg?.packetsLost ?? null],
  ['transferred_from', (c) => c.transferredFrom], ['transferred_to', (c) => c.transferredTo], ['transfer_kind', (c) => c.transferKind],
  ['node_id', (c) => c.nodeId], ['tags', (c) => (Object.keys(c.tags).length ? text(JSON.stringify(c.tags)) : null)],
];

/** One CSV field: empty for null; quoted when it holds a comma, quote, CR or LF (RFC 4180 §2). */
export function csvField(v: Cell): string {
  if (v === null) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvLine(cells: readonly Cell[]): string {
  return `${cells.map(csvField).join(',')}\r\n`;
}

export const CSV_HEADER = csvLine(CSV_COLUMNS.map(([name]) => name));

export function exportLine(c: CdrRecord, format: ExportFormat): string {
  return format === 'csv' ? csvLine(CSV_COLUMNS.map(([, get]) => get(c))) : `${JSON.stringify(cdrToJson(c))}\n`;
}

export function exportContentType(format: ExportFormat): string {
  return format === 'csv' ? 'text/csv; charset=utf-8; header=present' : 'application/x-ndjson; charset=utf-8';
}

const CHUNK = 64 * 1024;

/** Resolves when the socket can take more, or when the client is gone. */
function writable(res: Response): Promise<void> {
  return new Promise((resolve) => {
    // 'close' may have fired already (the client left while a row was being read).
    if (res.destroyed || res.writableFinished) { resolve(); return; }
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/**
 * Writes the rows (`first` already read, so a store failure before any row could still become a
 * JSON error) and ends the response. A failure after the first bytes cannot change the status:
 * the connection is destroyed, so the client sees a truncated body rather than a short "complete"
 * file. Returns the number of rows written.
 */
export async function writeExport(res: Response, first: IteratorResult<CdrRecord>, rest: AsyncIterator<CdrRecord>,
  format: ExportFormat, logger: Logger): Promise<number> {
  let buf = format === 'csv' ? CSV_HEADER : '';
  let rows = 0;
  let finished = false;
  try {
    for (let r = first; !r.done; r = await rest.next()) {
      if (res.destroyed) break;
      buf += exportLine(r.value, format);
      rows++;
      if (buf.length >= CHUNK) {
        const ok = res.write(buf);
        buf = '';
        if (!ok) await writable(res);
        if (res.destroyed) break;
      }
    }
    if (!res.destroyed) {
      finished = true;
      res.end(buf);
    }
  } catch (err) {
    if (!res.headersSent) {
      // Nothing sent yet (the failure came within the first chunk): still a proper JSON error.
      logger.warn({ err, rows }, 'CDR export failed before its first chunk');
      res.removeHeader('content-disposition');
      res.status(503).type('application/json').end(JSON.stringify(errorBody(
        new ApiError(503, 'cdr_store_unavailable', 'the CDR store failed during the export; retry later'))));
    } else {
      logger.warn({ err, rows }, 'CDR export failed mid-stream; connection dropped');
      res.destroy(err as Error);
    }
  } finally {
    // Stopped early (client gone or error): let the store release its cursor/connection.
    if (!finished) await rest.return?.().catch(() => undefined);
  }
  return rows;
}
