// Sending the registrar's answers: a RegError becomes its status (errors.ts), challenges carry
// one WWW-Authenticate line per algorithm (RFC 8760 §2.4).
import type { Logger } from '@openline/log';
import { ERROR_REPLIES, RegError } from './errors';
import { Headers, multiHeader, SrfRes } from './srf-types';

export function replyError(res: SrfRes, error: RegError, logger: Logger, headers: Headers = {}): void {
  const r = ERROR_REPLIES[error];
  logger.debug({ error, status: r.status }, 'REGISTER rejected');
  res.send(r.status, r.reason, { headers });
}

export function replyChallenge(res: SrfRes, challenges: readonly string[]): void {
  res.send(401, 'Unauthorized', { headers: { 'WWW-Authenticate': multiHeader('WWW-Authenticate', challenges) } });
}
