// The REGISTER pipeline before the decision (jambonz middleware shape): each step is a factory
// (srf, logger) whose function fills req.locals, answers, or calls next().
import type Srf from 'drachtio-srf';
import type { Logger } from '@openline/log';
import { normaliseAor, type FlowTransport } from '@openline/location';
import { DigestOutcome } from '@openline/sip-auth';
import { uriHost } from './contact';
import { depsOf } from './deps';
import { RegError } from './errors';
import { lazyChild } from './lazy-logger';
import { replyChallenge, replyError } from './reply';
import { header, type Middleware, type RegisterLocals, type SrfReq, type SrfRes, type Next } from './srf-types';

const TRANSPORTS: readonly FlowTransport[] = ['udp', 'tcp', 'tls', 'ws', 'wss'];

/** Runs an async step; a thrown error becomes a 500 (the store or database failed). */
function step(logger: Logger, fn: (req: SrfReq, res: SrfRes, next: Next) => Promise<void>): Middleware {
  return (req, res, next) => {
    fn(req, res, next).catch((err: unknown) => {
      (req.locals?.logger ?? logger).error({ err }, 'REGISTER step failed');
      if (!res.finalResponseSent) replyError(res, RegError.StoreUnavailable, logger);
    });
  };
}

function locals(req: SrfReq): RegisterLocals {
  if (!req.locals) throw new Error('initLocals did not run');
  return req.locals;
}

/**
 * The flow's transport. drachtio (and sipd) report WebSocket flows as "tcp" (docs/wire-protocol.md
 * §3.1); the client's top Via says WS or WSS (RFC 7118 §5), so that refines a tcp flow.
 */
export function flowTransport(protocol: string | undefined, via: string | undefined): FlowTransport {
  const p = (protocol ?? 'udp').toLowerCase() as FlowTransport;
  const sent = /^\s*SIP\s*\/\s*2\.0\s*\/\s*([A-Za-z]+)/.exec(via ?? '')?.[1]?.toLowerCase();
  if (p === 'tcp' && (sent === 'ws' || sent === 'wss')) return sent;
  return TRANSPORTS.includes(p) ? p : 'udp';
}

/** AOR from To (RFC 3261 §10.3 step 5), the flow the request came over, a Call-ID logger. */
export function initLocals(srf: Srf, logger: Logger): Middleware {
  return (req, res, next) => {
    const deps = depsOf(srf);
    const callId = header(req, 'call-id') ?? '';
    const log = lazyChild(logger, { callId });
    const to = header(req, 'to') ?? '';
    const m = /<?\s*sips?:([^@;>?\s]+)@([^;>?:\s]+|\[[^\]]+\])/i.exec(to);
    const transport = flowTransport(req.protocol, header(req, 'via'));
    const flow = {
      node: deps.node.id || req.server?.hostport || 'unknown',
      transport,
      address: req.source_address,
      port: Number(req.source_port),
      ...(req.receivedOn ? { local: req.receivedOn } : {}),
    };
    req.locals = { logger: log, aor: '', user: '', domain: '', flow };
    if (!m) return replyError(res, RegError.InvalidAor, log);
    const aor = normaliseAor(`sip:${m[1]}@${m[2]}`);
    const at = aor.lastIndexOf('@');
    req.locals.aor = aor;
    req.locals.user = aor.slice(4, at);
    req.locals.domain = aor.slice(at + 1);
    next();
  };
}

/** Size, Max-Forwards (§16.3 step 3), CSeq, and a source blocked for failed authentications. */
export function checkRequest(srf: Srf, _logger: Logger): Middleware {
  return (req, res, next) => {
    const deps = depsOf(srf);
    const { logger: log, flow } = locals(req);
    const raw = (req.msg as { raw?: string } | undefined)?.raw;
    // Characters, not bytes: a cheap bound (UTF-8 is never shorter), exact for ASCII SIP.
    if (raw !== undefined && raw.length > deps.settings.maxMessageBytes) return replyError(res, RegError.TooLarge, log);
    const mf = header(req, 'max-forwards');
    if (mf !== undefined) {
      if (!/^\s*\d{1,3}\s*$/.test(mf)) return replyError(res, RegError.BadMaxForwards, log);
      if (Number(mf) === 0) return replyError(res, RegError.TooManyHops, log);
    }
    if (!/^\s*\d{1,10}\s+REGISTER\s*$/i.test(header(req, 'cseq') ?? '')) return replyError(res, RegError.InvalidCSeq, log);
    if (deps.guard.isBlocked('source', flow.address)) return replyError(res, RegError.Blocked, log);
    next();
  };
}

/** The AOR's domain must be one we serve (§10.3 step 5 → 404). */
export function checkDomain(srf: Srf, logger: Logger): Middleware {
  const slow = step(logger, async (req, res, next) => {
    const { logger: log, domain } = locals(req);
    if (!(await depsOf(srf).domains.serves(domain))) return replyError(res, RegError.DomainNotServed, log);
    next();
  });
  return (req, res, next) => {
    // Known domains answer from memory without a promise.
    const known = depsOf(srf).domains.cached(locals(req).domain);
    if (known === true) return next();
    if (known === false) return replyError(res, RegError.DomainNotServed, locals(req).logger);
    slow(req, res, next);
  };
}

/**
 * Digest authentication against the account's stored HA1 (RFC 3261 §22.4, RFC 8760). An unknown
 * user and a wrong password get the same answer: a new challenge, counted as a failure, and 403
 * once the source or the claimed account reached the failure limit.
 */
export function authenticate(srf: Srf, logger: Logger): Middleware {
  return step(logger, async (req, res, next) => {
    const deps = depsOf(srf);
    const l = locals(req);
    const realm = l.domain;
    const creds = deps.digest.parse(header(req, 'authorization'));
    if (!creds || creds.realm !== realm) return replyChallenge(res, deps.digest.challenge(realm));
    const account = `${creds.username}@${realm}`;
    if (deps.guard.isBlocked('account', account)) return replyError(res, RegError.Blocked, l.logger);
    let found = await deps.credentials.lookup(creds.username, realm);
    let result = deps.digest.verify(creds, realm, 'REGISTER', found?.ha1);
    if (result.outcome === DigestOutcome.Mismatch && deps.credentials.caches) {
      // The cached HA1 may predate a password change: check once more against the database.
      found = await deps.credentials.lookup(creds.username, realm, true);
      result = deps.digest.verify(creds, realm, 'REGISTER', found?.ha1);
    }
    switch (result.outcome) {
      case DigestOutcome.Ok:
        break;
      case DigestOutcome.Stale:
        return replyChallenge(res, deps.digest.challenge(realm, true));
      case DigestOutcome.Mismatch: {
        const blocked = await deps.guard.recordFailure(l.flow.address, account);
        l.logger.info({ user: creds.username, realm, source: l.flow.address }, 'REGISTER authentication failed');
        if (blocked) return replyError(res, RegError.Blocked, l.logger);
        return replyChallenge(res, deps.digest.challenge(realm));
      }
      default:
        // Missing, forged nonce, replayed nc, an algorithm we did not offer: challenge again.
        return replyChallenge(res, deps.digest.challenge(realm));
    }
    if (!found) return replyChallenge(res, deps.digest.challenge(realm)); // unreachable: Ok needs HA1
    if (!found.active) return replyError(res, RegError.AccountDisabled, l.logger);
    l.accountId = found.accountId;
    l.credentials = creds;
    next();
  });
}

/** The authenticated user must own the AOR (§10.3 step 3: otherwise 403). */
export function authorizeAor(_srf: Srf, _logger: Logger): Middleware {
  return (req, res, next) => {
    const l = locals(req);
    if (l.credentials?.username !== l.user) return replyError(res, RegError.NotOwner, l.logger);
    next();
  };
}

/** Host of the Request-URI, for OPTIONS and logs. */
export function requestHost(req: SrfReq): string | undefined {
  return uriHost(req.uri);
}
