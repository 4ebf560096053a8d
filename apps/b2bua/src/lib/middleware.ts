// The INVITE pipeline before the call (jambonz sbc-inbound middleware shape): each step is a
// factory (srf, logger) whose function fills req.locals, answers, or calls next(). A refusal is
// a call attempt too: it gets its CDR (rejectCall).
import type Srf from 'drachtio-srf';
import type { Logger } from '@openline/log';
import { DigestOutcome } from '@openline/sip-auth';
import { accountParty, CdrBuilder, displayNameOf, numberParty } from './cdr';
import { depsOf } from './deps';
import { CALL_ERROR_REPLIES, CallError } from './errors';
import { header, multiHeader, type InviteLocals, type Middleware, type Next, type SrfReq, type SrfRes } from './srf-types';
import { normaliseNumber } from '@openline/phone-number';
import { lazyChild } from './lazy-logger';

function step(logger: Logger, fn: (req: SrfReq, res: SrfRes, next: Next) => Promise<void>): Middleware {
  return (req, res, next) => {
    fn(req, res, next).catch((err: unknown) => {
      (req.locals?.logger ?? logger).error({ err }, 'INVITE step failed');
      if (!res.finalResponseSent) rejectCall(req.srf, req, res, CallError.ServerError);
    });
  };
}

function locals(req: SrfReq): InviteLocals {
  if (!req.locals) throw new Error('initLocals did not run');
  return req.locals;
}

/** user and host of a SIP URI (name-addr or bare). */
export function uriParts(value: string | undefined): { user: string; host: string } | undefined {
  const m = /<?\s*sips?:(?:([^@;>?\s]+)@)?([^;>?:\s]+|\[[^\]]+\])/i.exec(value ?? '');
  return m ? { user: m[1] ?? '', host: m[2].toLowerCase() } : undefined;
}

/**
 * Refuses the INVITE with the error's status and Reason (RFC 3326), releases the limits taken so
 * far and writes the attempt's CDR.
 */
export function rejectCall(srf: Srf, req: SrfReq, res: SrfRes, error: CallError): void {
  const deps = depsOf(srf);
  const l = req.locals;
  const reply = CALL_ERROR_REPLIES[error];
  (l?.logger ?? deps.logger).info({ error, status: reply.status }, 'call refused');
  if (!res.finalResponseSent) res.send(reply.status, reply.phrase, { headers: { Reason: reply.reason } });
  if (!l) return;
  for (const key of l.limits) void deps.limits.release(key).catch(() => undefined);
  l.limits = [];
  const cdr = new CdrBuilder(req.callId ?? l.callId, l.callId, l.receivedAt, () => deps.node.id, deps.settings.cdrTags);
  const from = header(req, 'from');
  if (l.caller?.kind === 'account') {
    cdr.caller = accountParty(l.caller.account, null, displayNameOf(from));
    const e164 = normaliseNumber(l.dialled, l.caller.account.country ?? deps.settings.defaultCountry)?.e164 ?? null;
    cdr.direction = error === CallError.NotAllowed || error === CallError.TrunksFailed || error === CallError.TrunkLimit ? 'outbound' : 'onnet';
    cdr.callee = l.route && l.route.kind !== 'outbound' ? accountParty(l.route.callee) : numberParty(e164);
  } else if (l.caller?.kind === 'trunk') {
    cdr.caller = numberParty(normaliseNumber(uriParts(from)?.user ?? '', deps.settings.defaultCountry)?.e164 ?? null, displayNameOf(from));
    cdr.direction = 'inbound';
    cdr.trunk = l.caller.trunk;
    cdr.callee = l.route && l.route.kind !== 'outbound' ? accountParty(l.route.callee) : numberParty(normaliseNumber(l.dialled, deps.settings.defaultCountry)?.e164 ?? null);
  } else {
    return; // not identified (challenge or unknown source): not a call attempt of anyone's
  }
  const record = cdr.build({ at: Date.now(), status: reply.status, phrase: reply.phrase, side: 'system', cause: parseReasonText(reply.reason, reply.cdrText) });
  void deps.cdr.write(record).catch((err: unknown) => deps.logger.error({ err, cdr: record.id }, 'CDR write failed'));
}

function parseReasonText(reason: string, cdrText?: string): { protocol: string; cause: number | null; text: string | null } {
  const cause = /cause=(\d+)/.exec(reason)?.[1];
  return { protocol: 'SIP', cause: cause === undefined ? null : Number(cause), text: cdrText ?? /text="([^"]*)"/.exec(reason)?.[1] ?? null };
}

/** Call-ID logger, source flow, dialled user and domain from the Request-URI. */
export function initLocals(_srf: Srf, logger: Logger): Middleware {
  return (req, _res, next) => {
    const callId = req.callId ?? header(req, 'call-id') ?? '';
    const uri = uriParts(req.uri);
    const from = uriParts(header(req, 'from'));
    req.locals = {
      logger: lazyChild(logger, { callId }),
      callId,
      source: { address: req.source_address, port: Number(req.source_port), transport: (req.protocol ?? 'udp').toLowerCase() },
      domain: from?.host ?? uri?.host ?? '',
      dialled: uri?.user ?? '',
      limits: [],
      receivedAt: Date.now(),
    };
    next();
  };
}

/**
 * Who calls: a trunk when the source address is in one of its CIDRs (trunk_sources), else a
 * device that must prove the account's password: 407 with Proxy-Authenticate (RFC 3261 §22.3,
 * one line per algorithm, RFC 8760), the From user must be the authenticated user.
 */
export function identifyCaller(srf: Srf, logger: Logger): Middleware {
  return step(logger, async (req, res, next) => {
    const deps = depsOf(srf);
    const l = locals(req);
    const trunk = await deps.directory.trunkBySource(l.source.address);
    if (trunk) {
      l.caller = { kind: 'trunk', trunk };
      return next();
    }
    const realm = l.domain;
    const creds = deps.digest.parse(header(req, 'proxy-authorization'));
    const challenge = (stale = false): void => {
      res.send(407, 'Proxy Authentication Required', {
        headers: { 'Proxy-Authenticate': multiHeader('Proxy-Authenticate', deps.digest.challenge(realm, stale)) },
      });
    };
    if (!creds || creds.realm !== realm) return challenge();
    const found = await deps.directory.credentials(creds.username, realm);
    const result = deps.digest.verify(creds, realm, 'INVITE', found?.ha1);
    if (result.outcome === DigestOutcome.Stale) return challenge(true);
    if (result.outcome !== DigestOutcome.Ok || !found) {
      l.logger.info({ user: creds.username, realm, outcome: result.outcome }, 'INVITE authentication failed');
      return challenge();
    }
    l.caller = { kind: 'account', account: found };
    if (!found.active) return rejectCall(srf, req, res, CallError.CallerDisabled);
    const fromUser = uriParts(header(req, 'from'))?.user;
    if (fromUser !== undefined && decodeURIComponent(fromUser) !== found.username) return rejectCall(srf, req, res, CallError.NotAllowed);
    next();
  });
}

/**
 * Routing from MariaDB (router.ts): ONNET, OFFNET or inbound DID, or a refusal. An ONNET call to
 * an account that blocked the caller's account is refused with a plain 403 (issue 11; one
 * primary-key lookup). Trunk callers are numbers, not accounts: blocks do not apply to them.
 */
export function routeCall(srf: Srf, logger: Logger): Middleware {
  return step(logger, async (req, res, next) => {
    const deps = depsOf(srf);
    const l = locals(req);
    if (!l.caller) return rejectCall(srf, req, res, CallError.UnknownSource);
    if (!req.body || !/^m=audio/m.test(req.body)) return rejectCall(srf, req, res, CallError.NoOffer);
    const r = await deps.router.route(l.caller, l.dialled, l.domain);
    if (!r.ok) return rejectCall(srf, req, res, r.error);
    l.route = r.route;
    if (r.route.kind === 'onnet' && l.caller.kind === 'account' && await deps.directory.isBlocked(r.route.callee.id, l.caller.account.id)) {
      return rejectCall(srf, req, res, CallError.Blocked);
    }
    next();
  });
}

/**
 * Concurrent-call limits (accounts.max_calls, trunks.max_calls): the caller's account or source
 * trunk, and the callee's account; over a limit → 503 with a Reason. Trunk limits on the way out
 * are taken per attempt by the trunk dialer (a full trunk is skipped for the next one).
 */
export function checkLimits(srf: Srf, logger: Logger): Middleware {
  return step(logger, async (req, res, next) => {
    const deps = depsOf(srf);
    const l = locals(req);
    const take = async (kind: 'account' | 'trunk', id: number, max: number | null): Promise<boolean> => {
      const key = deps.limits.key(kind, id);
      if (max === null) return true;
      if (!(await deps.limits.acquire(key, max))) return false;
      l.limits.push(key);
      return true;
    };
    const c = l.caller;
    if (c?.kind === 'account' && !(await take('account', c.account.id, c.account.maxCalls))) return rejectCall(srf, req, res, CallError.AccountLimit);
    if (c?.kind === 'trunk' && !(await take('trunk', c.trunk.id, c.trunk.maxCalls))) return rejectCall(srf, req, res, CallError.TrunkLimit);
    const r = l.route;
    if (r && r.kind !== 'outbound' && !(await take('account', r.callee.id, r.callee.maxCalls))) return rejectCall(srf, req, res, CallError.AccountLimit);
    next();
  });
}
