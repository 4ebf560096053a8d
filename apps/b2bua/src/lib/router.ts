// Where a call goes (RCS seed: ONNET = another user of ours, OFFNET = a carrier trunk):
//  - from a trunk: the dialled number, normalised, must be a DID (numbers) → that account (inbound);
//  - from an account: `int` forces OFFNET and `onnet` forces ONNET (the seed's dial-plan prefixes);
//    otherwise a username, then an extension of the caller's domain, then the normalised E.164
//    number as an account's phone or DID (onnet); else the dial plan: the longest prefix decides,
//    ONNET without a match is 404, OFFNET gives the trunks to try in order; no rule is 403.
import { normaliseNumber } from '@openline/phone-number';
import { CallError } from './errors';
import type { AccountRow, Directory, TrunkRow } from './directory';
import type { CallerIdentity } from './srf-types';

export type Route =
  | { kind: 'onnet'; callee: AccountRow; dialled: string; e164: string | null }
  | { kind: 'inbound'; callee: AccountRow; trunk: TrunkRow; e164: string }
  | { kind: 'outbound'; trunks: TrunkRow[]; e164: string };

export type RouteResult = { ok: true; route: Route } | { ok: false; error: CallError };

/** RCS dial-plan prefixes: `int` marks an OFFNET number, `onnet` an ONNET login (seed 004). */
const OFFNET_PREFIX = 'int';
const ONNET_PREFIX = 'onnet';

export interface RouterSettings {
  /** Country for numbers from trunks and from accounts without one (ISO 3166-1 alpha-2). */
  defaultCountry: string | null;
}

function unescape(user: string): string {
  try {
    return decodeURIComponent(user);
  } catch {
    return user;
  }
}

export class Router {
  constructor(private readonly dir: Directory, private readonly settings: RouterSettings) {}

  async route(caller: CallerIdentity, dialledRaw: string, domain: string): Promise<RouteResult> {
    const dialled = unescape(dialledRaw);
    if (caller.kind === 'trunk') return this.inbound(caller.trunk, dialled);
    const account = caller.account;
    const country = account.country ?? this.settings.defaultCountry;
    let forced: 'onnet' | 'offnet' | undefined;
    let target = dialled;
    if (target.startsWith(OFFNET_PREFIX) && /^\+?\d+$/.test(target.slice(OFFNET_PREFIX.length))) {
      forced = 'offnet';
      target = target.slice(OFFNET_PREFIX.length);
    } else if (target.startsWith(ONNET_PREFIX) && target.length > ONNET_PREFIX.length) {
      forced = 'onnet';
      target = target.slice(ONNET_PREFIX.length);
    }
    const e164 = normaliseNumber(target, country)?.e164 ?? null;
    if (forced !== 'offnet') {
      const byName = await this.dir.accountByUsername(target, account.domain)
        ?? (/^\d{2,16}$/.test(target) ? await this.dir.accountByExtension(target, account.domain) : undefined);
      const byNumber = byName ? undefined : e164 ? (await this.dir.accountByPhone(e164)) ?? (await this.dir.accountByDid(e164)) : undefined;
      const callee = byName ?? byNumber;
      if (callee) {
        if (!callee.active) return { ok: false, error: CallError.CalleeDisabled };
        // The E.164 number only when the callee was found by it (an extension is no number).
        return { ok: true, route: { kind: 'onnet', callee, dialled: target, e164: byNumber ? e164 : null } };
      }
      if (forced === 'onnet' || !e164) return { ok: false, error: CallError.UnknownDestination };
    }
    if (!e164) return { ok: false, error: CallError.UnknownDestination };
    const plan = await this.dir.dialPlan(e164);
    if (!plan) return { ok: false, error: CallError.NotAllowed };
    if (plan.action === 'ONNET') return { ok: false, error: CallError.UnknownDestination };
    if (plan.trunks.length === 0) return { ok: false, error: CallError.NotAllowed };
    void domain;
    return { ok: true, route: { kind: 'outbound', trunks: plan.trunks, e164 } };
  }

  private async inbound(trunk: TrunkRow, dialled: string): Promise<RouteResult> {
    const e164 = normaliseNumber(dialled, this.settings.defaultCountry)?.e164;
    if (!e164) return { ok: false, error: CallError.UnknownDid };
    const callee = await this.dir.accountByDid(e164) ?? await this.dir.accountByPhone(e164);
    if (!callee) return { ok: false, error: CallError.UnknownDid };
    if (!callee.active) return { ok: false, error: CallError.CalleeDisabled };
    return { ok: true, route: { kind: 'inbound', callee, trunk, e164 } };
  }
}
