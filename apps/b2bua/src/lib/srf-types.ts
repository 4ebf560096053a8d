// The parts of drachtio-srf 5.0.29 the B2BUA uses, typed: what its objects carry at runtime beyond
// the bundled typings, and what the INVITE middleware learns (jambonz's req.locals).
import type Srf from 'drachtio-srf';
import type { Logger } from '@openline/log';
import type { AccountRow, TrunkRow } from './directory';
import type { Route } from './router';

/** Who is calling, as identified by the middleware. */
export type CallerIdentity =
  | { kind: 'account'; account: AccountRow }
  | { kind: 'trunk'; trunk: TrunkRow };

export interface InviteLocals {
  logger: Logger;
  callId: string;
  /** Source of the INVITE (the flow it came over). */
  source: { address: string; port: number; transport: string };
  /** Host of the Request-URI / From domain (the realm for digest). */
  domain: string;
  /** User part of the Request-URI, as dialled. */
  dialled: string;
  caller?: CallerIdentity;
  route?: Route;
  /** Redis counter keys taken for this call (released by the CallSession's teardown). */
  limits: string[];
  /** INVITE received (epoch ms): the CDR's start time. */
  receivedAt: number;
}

export type SrfReq = Srf.SrfRequest & {
  receivedOn?: string;
  server?: { address: string; hostport: string };
  locals?: InviteLocals;
};
export type SrfRes = Srf.SrfResponse;
export type Next = (err?: Error) => void;
export type Middleware = (req: SrfReq, res: SrfRes, next: Next) => void;
export type Dialog = Srf.Dialog;

/** A header by lower-case name from srf's parsed map (see apps/registrar srf-types.ts). */
export function header(msg: { msg?: unknown; get(name: string): string | undefined }, name: string): string | undefined {
  const headers = (msg.msg as { headers?: Record<string, unknown> } | undefined)?.headers;
  const v = headers?.[name];
  if (typeof v === 'string') return v;
  if (v !== undefined) return String(v);
  try {
    return msg.get(name) ?? undefined;
  } catch {
    return undefined;
  }
}

/** Several lines of one header (srf joins arrays with commas, which WWW-Authenticate forbids). */
export function multiHeader(name: string, values: readonly string[]): string {
  return values.join(`\r\n${name}: `);
}

/** Status of a failed createUAC/modify (srf rejects with SipError {status, reason}). */
export function sipStatusOf(err: unknown): { status: number; reason: string } {
  const e = err as { status?: unknown; reason?: unknown; message?: unknown };
  if (typeof e?.status === 'number') return { status: e.status, reason: typeof e.reason === 'string' ? e.reason : '' };
  return { status: 500, reason: typeof e?.message === 'string' ? e.message : 'Server Internal Error' };
}

/**
 * Holds (true) or releases (false) a dialog's in-dialog requests: srf queues them while true and
 * handles the queue when set back (its createB2BUA does the same on the B leg). Set at the moment
 * srf hands us a dialog, so a re-INVITE or BYE read together with the 2xx waits for our listeners
 * instead of getting srf's default answer (a re-INVITE answered with the old SDP).
 */
export function holdRequests(dialog: Dialog, hold: boolean): void {
  (dialog as unknown as { queueRequests: boolean }).queueRequests = hold;
}
