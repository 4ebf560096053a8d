// The registrar's decision for one authenticated REGISTER, as a pure function (RFC 3261 §10.3
// steps 6-7, RFC 5626 §6, RFC 3327 §5.3, RFC 8599 §6): which bindings to add, refresh or remove,
// with what expiry — or which RegError. Storage happens elsewhere (packages/location).
import type { Binding, Flow, PushParams, SaveRequest } from '@openline/location';
import { ContactList, qValue, uriHost, uriParams } from './contact';
import { RegError } from './errors';

export interface PlanSettings {
  minExpires: number;
  maxExpires: number;
  defaultExpires: number;
  natUdpExpires: number;
  maxBindingsPerAor: number;
  pushProviders: ReadonlySet<string>;
}

export interface PlanInput {
  aor: string;
  callId: string;
  cseq: number;
  contacts: ContactList;
  /** Expires header value, if any. */
  expiresHeader: string | undefined;
  flow: Flow;
  path: string[];
  /** Supported: outbound (RFC 5626 §6: reg-id only counts when the UA supports outbound). */
  outbound: boolean;
  userAgent?: string;
  accountId: number;
  now: number;
}

export type Plan =
  | { ok: true; save: SaveRequest; outboundUsed: boolean; pushProvider?: string }
  | { ok: false; error: RegError; minExpires?: number };

/** RFC 3261 §20.19 delta-seconds; values above 2^32-1 are taken as 2^32-1. */
function deltaSeconds(v: string | undefined): number | undefined | 'invalid' {
  if (v === undefined) return undefined;
  const t = v.trim();
  if (!/^\d{1,12}$/.test(t)) return 'invalid';
  return Math.min(Number(t), 4294967295);
}

/** +sip.instance without its quotes and angle brackets ("urn:uuid:..."). */
export function instanceOf(raw: string | undefined): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  const v = raw.replace(/^"|"$/g, '').trim();
  const m = /^<(.*)>$/.exec(v);
  return (m ? m[1] : v) || undefined;
}

/** Binding identity: instance (+ reg-id with outbound), else the Contact URI (§10.3 step 7). */
export function bindingKey(uri: string, instance: string | undefined, regId: number | undefined): string {
  if (instance === undefined) return uri;
  return regId === undefined ? instance : `${instance};reg-id=${regId}`;
}

export function planRegistration(input: PlanInput, s: PlanSettings): Plan {
  const header = deltaSeconds(input.expiresHeader);
  if (header === 'invalid') return { ok: false, error: RegError.InvalidExpires };
  const save: SaveRequest = {
    aor: input.aor, upserts: [], removeKeys: [], removeAll: false,
    callId: input.callId, cseq: input.cseq, maxBindings: s.maxBindingsPerAor, now: input.now,
  };
  // §10.3 step 6: `*` only alone and only with Expires: 0.
  if (input.contacts.star) {
    if (header !== 0) return { ok: false, error: RegError.StarExpiresNotZero };
    save.removeAll = true;
    return { ok: true, save, outboundUsed: false };
  }
  let outboundUsed = false;
  let pushProvider: string | undefined;
  const seen = new Set<string>();
  for (const c of input.contacts.contacts) {
    const expires = deltaSeconds(c.params.get('expires')) ?? header ?? s.defaultExpires;
    if (expires === 'invalid') return { ok: false, error: RegError.InvalidExpires };
    const q = qValue(c.params.get('q'));
    if (q === 'invalid') return { ok: false, error: RegError.InvalidQ };
    const instance = instanceOf(c.params.get('+sip.instance'));
    const regIdRaw = c.params.get('reg-id');
    let regId: number | undefined;
    if (regIdRaw !== undefined && instance !== undefined && input.outbound) {
      if (!/^\d{1,10}$/.test(regIdRaw)) return { ok: false, error: RegError.InvalidContact };
      regId = Number(regIdRaw);
      outboundUsed = true;
    }
    const key = bindingKey(c.uri, instance, regId);
    if (seen.has(key)) continue; // the same binding twice in one request: the first wins
    seen.add(key);
    if (expires === 0) {
      save.removeKeys.push(key);
      continue;
    }
    if (expires < s.minExpires) return { ok: false, error: RegError.IntervalTooBrief, minExpires: s.minExpires };
    // RFC 8599 §4.1: push parameters are Contact URI parameters.
    const up = uriParams(c.uri);
    let push: PushParams | undefined;
    const provider = up.get('pn-provider')?.toLowerCase();
    if (provider !== undefined) {
      if (!s.pushProviders.has(provider)) return { ok: false, error: RegError.UnsupportedPushProvider };
      pushProvider = provider;
      const prid = up.get('pn-prid');
      if (prid) {
        push = { provider, prid };
        const param = up.get('pn-param');
        if (param) push.param = param;
      }
    }
    // NAT'd: the Contact host is not where the request came from (RFC 3581 received/rport).
    const natted = uriHost(c.uri) !== input.flow.address.toLowerCase();
    let granted = Math.min(expires, s.maxExpires);
    if (natted && input.flow.transport === 'udp') granted = Math.min(granted, s.natUdpExpires);
    const b: Binding = {
      aor: input.aor, key, contact: c.uri, expiresAt: input.now + granted * 1000,
      callId: input.callId, cseq: input.cseq, flow: input.flow, updatedAt: input.now, accountId: input.accountId,
    };
    if (q !== undefined) b.q = q;
    if (instance !== undefined) b.instance = instance;
    if (regId !== undefined) b.regId = regId;
    if (input.path.length > 0) b.path = input.path;
    if (natted) b.natted = true;
    if (input.userAgent) b.userAgent = input.userAgent.slice(0, 255);
    if (push) b.push = push;
    save.upserts.push(b);
  }
  const plan: Plan = { ok: true, save, outboundUsed };
  if (pushProvider !== undefined) plan.pushProvider = pushProvider;
  return plan;
}
