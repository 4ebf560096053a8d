// The parts of drachtio-srf 5.0.29 the registrar uses, typed: what its request object carries at
// runtime beyond the bundled typings (receivedOn, server, numeric source_port), and our locals.
import type Srf from 'drachtio-srf';
import type { Logger } from '@openline/log';
import type { DigestCredentials } from '@openline/sip-auth';
import type { Flow } from '@openline/location';

/** What the middleware steps learn about a REGISTER, step by step (jambonz's req.locals). */
export interface RegisterLocals {
  logger: Logger;
  /** "sip:user@domain" from To (RFC 3261 §10.3 step 5). */
  aor: string;
  user: string;
  domain: string;
  flow: Flow;
  /** Set by authenticate(). */
  accountId?: number;
  credentials?: DigestCredentials;
}

export type SrfReq = Srf.SrfRequest & {
  receivedOn?: string;
  server?: { address: string; hostport: string };
  locals?: RegisterLocals;
};
export type SrfRes = Srf.SrfResponse;
export type Next = (err?: Error) => void;
export type Middleware = (req: SrfReq, res: SrfRes, next: Next) => void;

/**
 * A request header by its lower-case full name, read straight from srf's parsed header map (srf
 * stores names lower-cased, compact forms expanded, lines of one name comma-joined). srf's own
 * get() normalises the name on every call and reads process.env each time: measurable per request.
 */
export function header(req: SrfReq, name: string): string | undefined {
  const headers = (req.msg as { headers?: Record<string, unknown> } | undefined)?.headers;
  const v = headers?.[name];
  return typeof v === 'string' ? v : v === undefined ? req.get(name) ?? undefined : String(v);
}

/** Headers for res.send(): one value per header name (see multiHeader for repeated lines). */
export type Headers = Record<string, string>;

/**
 * Several header lines of one name. srf joins an array value with commas, which SIP forbids for
 * WWW-Authenticate (RFC 3261 §7.3.1, §20.44); sipd, like drachtio-server, reads the app's
 * message line by line, so the values are joined as separate lines.
 */
export function multiHeader(name: string, values: readonly string[]): string {
  return values.join(`\r\n${name}: `);
}
