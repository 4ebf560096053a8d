// Decides and replies (jambonz sbc-sip-sidecar's register.js shape): parse the Contacts, plan the
// binding changes (plan.ts), let the location store apply them atomically, answer 200 with every
// current binding and its remaining expiry (RFC 3261 §10.3 step 8), persist devices.
import type Srf from 'drachtio-srf';
import type { Logger } from '@openline/log';
import { Binding, LocationFailure, secondsLeft } from '@openline/location';
import { formatQ, parseContacts, type ContactValue } from './contact';
import { depsOf } from './deps';
import { featureCaps, pnsregSeconds, wantsPnsreg } from './feature-caps';
import { RegError } from './errors';
import { planRegistration } from './plan';
import { replyError } from './reply';
import { header, multiHeader, type Headers, type Middleware } from './srf-types';

const STORE_ERRORS: Readonly<Record<LocationFailure, RegError>> = {
  [LocationFailure.OutOfOrder]: RegError.OutOfOrder,
  [LocationFailure.TooManyBindings]: RegError.TooManyContacts,
  [LocationFailure.Unavailable]: RegError.StoreUnavailable,
};

/** One Contact of the 200: the URI with its remaining expiry and identity (§10.3 step 8). */
export function contactOf(b: Binding, now: number): string {
  let v = `<${b.contact}>;expires=${secondsLeft(b, now)}`;
  if (b.q !== undefined) v += `;q=${formatQ(b.q)}`;
  if (b.instance !== undefined) v += `;+sip.instance="<${b.instance}>"`;
  if (b.regId !== undefined) v += `;reg-id=${b.regId}`;
  return v;
}

/** Values of a header that may arrive comma-joined (Path, Supported). */
function listOf(v: string | undefined): string[] {
  if (!v) return [];
  return v.split(/,(?![^<]*>)/).map((s) => s.trim()).filter((s) => s.length > 0);
}

export function register(srf: Srf, logger: Logger): Middleware {
  return (req, res) => {
    const deps = depsOf(srf);
    const l = req.locals;
    const log = l?.logger ?? logger;
    const accountId = l?.accountId;
    if (!l || accountId === undefined) return replyError(res, RegError.StoreUnavailable, log);
    const run = async (): Promise<void> => {
      const contacts = parseContacts(header(req, 'contact'));
      if (!contacts) return replyError(res, RegError.InvalidContact, log);
      const now = Date.now();
      const supported = new Set(listOf(header(req, 'supported')).map((s) => s.toLowerCase()));
      const path = listOf(header(req, 'path'));
      const cseq = Number(/^\s*(\d+)/.exec(header(req, 'cseq') ?? '')?.[1] ?? '0');
      const callId = header(req, 'call-id') ?? '';
      let bindings: Binding[];
      let outboundUsed = false;
      let pushProvider: string | undefined;
      let pnsreg: number | undefined;
      if (!contacts.star && contacts.contacts.length === 0) {
        // A query: no Contact, answer with the current bindings (§10.2.3).
        bindings = await deps.store.lookup(l.aor, now);
      } else {
        const plan = planRegistration({
          aor: l.aor, callId, cseq, contacts, expiresHeader: header(req, 'expires'), flow: l.flow, path,
          outbound: supported.has('outbound'), userAgent: header(req, 'user-agent'), accountId, now,
        }, deps.settings);
        if (!plan.ok) {
          const headers: Headers = {};
          if (plan.minExpires !== undefined) headers['Min-Expires'] = String(plan.minExpires);
          if (plan.error === RegError.UnsupportedPushProvider) headers['Feature-Caps'] = featureCaps([...deps.settings.pushProviders]);
          return replyError(res, plan.error, log, headers);
        }
        const saved = await deps.store.save(plan.save);
        if (!saved.ok) {
          log.warn({ failure: saved.failure, detail: saved.detail }, 'location store refused the REGISTER');
          return replyError(res, STORE_ERRORS[saved.failure], log);
        }
        bindings = saved.bindings;
        outboundUsed = plan.outboundUsed;
        pushProvider = plan.pushProvider;
        pnsreg = pnsregFor(contacts.star ? [] : contacts.contacts, saved.bindings, deps.settings.pushRefreshBeforeSeconds);
        recordDevices(deps.devices, plan.save.upserts, saved.changes.filter((c) => c.type === 'added').map((c) => c.key), log);
        log.debug({ aor: l.aor, changes: saved.changes }, 'REGISTER saved');
      }
      const headers: Headers = { Date: new Date(now).toUTCString() };
      // One Contact line per binding: sipd (like drachtio-server) reads the 200's Contact lines to
      // keep a connection-oriented client's flow, and some parsers take only a line's first value.
      if (bindings.length > 0) headers.Contact = multiHeader('Contact', bindings.map((b) => contactOf(b, now)));
      // RFC 3327 §5.3: echo the Path when the UA supports it.
      if (path.length > 0 && supported.has('path')) headers.Path = path.join(', ');
      // RFC 5626 §6: a registrar that honoured reg-id says so.
      if (outboundUsed) headers.Require = 'outbound';
      // RFC 8599 §6.1: advertise the push service the device asked for (+ §5.6.1.1 sip.pnsreg).
      if (pushProvider !== undefined) headers['Feature-Caps'] = featureCaps([pushProvider], pnsreg);
      res.send(200, 'OK', { headers });
    };
    run().catch((err: unknown) => {
      log.error({ err }, 'REGISTER failed');
      if (!res.finalResponseSent) replyError(res, RegError.StoreUnavailable, log);
    });
  };
}

export { featureCaps } from './feature-caps';

/**
 * The +sip.pnsreg value for this REGISTER (feature-caps.ts): only while binding-refresh pushes
 * are sent (`refreshBefore` set) and for a push binding whose Contact carried `+sip.pnsreg`.
 */
function pnsregFor(contacts: ContactValue[], bindings: Binding[], refreshBefore: number | null): number | undefined {
  if (refreshBefore === null) return undefined;
  for (const c of contacts) {
    if (!wantsPnsreg(c)) continue;
    const b = bindings.find((x) => x.contact === c.uri && x.push !== undefined);
    if (b) return pnsregSeconds(Math.round((b.expiresAt - b.updatedAt) / 1000), refreshBefore);
  }
  return undefined;
}

/** Devices table rows for new devices and for any refresh carrying push parameters. */
function recordDevices(devices: { record(b: Binding): Promise<void> }, upserts: Binding[], added: string[], log: Logger): void {
  const fresh = new Set(added);
  for (const b of upserts) {
    if (b.instance === undefined || (!fresh.has(b.key) && !b.push)) continue;
    devices.record(b).catch((err: unknown) => log.warn({ err, instance: b.instance }, 'device not persisted'));
  }
}
