// Building what a proxy forwards (RFC 3261 §16.6, §16.7 step 3, §16.4): a copy of the request per
// branch with Max-Forwards decremented, our Via and Record-Route on top; our Route entries popped;
// the loop-detecting branch (§16.6 step 8 / §16.3 step 4); responses without our Via.
import { createHash, randomBytes } from 'node:crypto';
import { formatVia, parseUri, parseVia, SipRequest, type SipResponse, type Via } from '../../parser';
import { tagOf } from '../../transaction';
import type { LocalEndpoints } from '../local-endpoints';
import { uriOf } from '../target';
import { copyResponse } from './best-response';

/** Branches we put on forwarded requests start with this, then the loop hash, '.', randomness. */
const OUR_BRANCH = 'z9hG4bKsp';

export function cloneRequest(req: SipRequest): SipRequest {
  const out = new SipRequest(req.method, req.uri, req.version);
  out.headers = req.headers.map((h) => ({ ...h }));
  out.body = req.body;
  return out;
}

/**
 * §16.6 step 8: a hash of what identifies this request at this hop (Request-URI, tags, Call-ID,
 * CSeq number, Proxy-Require, Proxy-Authorization and the Via below ours). A request that comes
 * back with the same hash in our Via has looped; a different one is spiralling (§16.3 step 4).
 */
export function loopHash(req: SipRequest, viaBelow: string | undefined): string {
  const h = createHash('sha1');
  h.update(req.uri).update('\0');
  h.update(tagOf(req.get('from')) ?? '').update('\0');
  h.update(tagOf(req.get('to')) ?? '').update('\0');
  h.update(req.callId).update('\0');
  h.update(/^\s*(\d+)/.exec(req.get('cseq') ?? '')?.[1] ?? '').update('\0');
  h.update(req.getAll('proxy-require').join(',')).update('\0');
  h.update(req.getAll('proxy-authorization').join(',')).update('\0');
  h.update(viaBelow ?? '');
  return h.digest('hex').slice(0, 16);
}

export function newProxyBranch(req: SipRequest): string {
  return `${OUR_BRANCH}${loopHash(req, req.getAll('via')[0])}.${randomBytes(6).toString('hex')}`;
}

/** True when a Via's sent-by is one of our listeners. */
export function isOurVia(via: Via, endpoints: LocalEndpoints): boolean {
  return endpoints.isLocal(via.host, via.port ?? (via.transport === 'TLS' ? 5061 : 5060));
}

/** §16.3 step 4: the request carries our Via with the branch we would compute again: a loop. */
export function hasLooped(req: SipRequest, endpoints: LocalEndpoints): boolean {
  const vias = req.getAll('via');
  for (let i = 0; i < vias.length; i++) {
    const via = parseVia(vias[i]!);
    const branch = via?.params.get('branch');
    if (!via || typeof branch !== 'string' || !branch.startsWith(OUR_BRANCH) || !isOurVia(via, endpoints)) continue;
    const hash = branch.slice(OUR_BRANCH.length, OUR_BRANCH.length + 16);
    if (hash === loopHash(req, vias[i + 1])) return true;
  }
  return false;
}

/** True when the request has passed through this element before (a spiral or a loop). */
export function passedThroughUs(req: SipRequest, endpoints: LocalEndpoints): boolean {
  return req.getAll('via').some((v) => {
    const via = parseVia(v);
    const branch = via?.params.get('branch');
    return via !== undefined && typeof branch === 'string' && branch.startsWith(OUR_BRANCH) && isOurVia(via, endpoints);
  });
}

/** Is this URI (a Route or Request-URI) one of our addresses? */
export function isOurUri(text: string, endpoints: LocalEndpoints): boolean {
  const uri = uriOf(text);
  if (!uri || (uri.scheme !== 'sip' && uri.scheme !== 'sips')) return false;
  const secure = uri.scheme === 'sips' || uri.params.get('transport')?.toLowerCase() === 'tls';
  return endpoints.isLocal(uri.host, uri.port ?? (secure ? 5061 : 5060));
}

/**
 * §16.4: pops every Route entry naming us from the top (two with RFC 5658 double Record-Route).
 * A Request-URI naming us with Routes left means the previous hop was a strict router (§16.4):
 * the last Route becomes the Request-URI. Returns how many entries were popped.
 */
export function popOurRoutes(req: SipRequest, endpoints: LocalEndpoints): number {
  let popped = 0;
  if (isOurUri(req.uri, endpoints) && req.has('route')) {
    const routes = req.getAll('route');
    const last = routes[routes.length - 1]!;
    const uri = uriOf(last);
    if (uri) {
      req.uri = /<([^>]*)>/.exec(last)?.[1] ?? last;
      setRoutes(req, routes.slice(0, -1));
    }
  }
  for (;;) {
    const top = req.getAll('route')[0];
    if (top === undefined || !isOurUri(top, endpoints)) break;
    req.removeFirstValue('route');
    popped++;
  }
  return popped;
}

function setRoutes(req: SipRequest, values: string[]): void {
  req.remove('route');
  for (const v of values) req.append('route', v);
}

/** §16.6 step 3: Max-Forwards decremented, or 70 when absent. */
export function decrementMaxForwards(req: SipRequest): void {
  const mf = req.get('max-forwards');
  const n = mf === undefined ? NaN : Number.parseInt(mf, 10);
  req.set('max-forwards', String(Number.isFinite(n) ? Math.max(0, n - 1) : 70));
}

/** §16.3 step 3: Max-Forwards 0 ⇒ 483 (except OPTIONS, which the proxy MAY answer itself). */
export function maxForwardsExhausted(req: SipRequest): boolean {
  const mf = req.get('max-forwards');
  if (mf === undefined) return false;
  const n = Number.parseInt(mf, 10);
  return Number.isFinite(n) && n <= 0;
}

/** Our Via for a forwarded request (rport per RFC 3581). */
export function proxyVia(transport: string, hostport: string, branch: string): string {
  const [host, port] = splitHostport(hostport);
  return formatVia({
    protocol: 'SIP/2.0',
    transport: transport.toUpperCase(),
    host,
    ...(port !== undefined ? { port } : {}),
    params: new Map<string, string | null>([['branch', branch], ['rport', null]]),
  });
}

function splitHostport(hp: string): [string, number | undefined] {
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(hp);
  if (!m) return [hp, undefined];
  return [m[1]!, m[2] !== undefined ? Number(m[2]) : undefined];
}

/** §16.7 step 3: the response to forward upstream, without our Via. */
export function withoutTopVia(res: SipResponse): SipResponse {
  const out = copyResponse(res);
  out.removeFirstValue('via');
  return out;
}

/** An INVITE outside any dialog (no To tag): the proxied call setups drachtio writes CDRs for. */
export function isInitialInvite(req: SipRequest): boolean {
  return req.method === 'INVITE' && tagOf(req.get('to')) === undefined;
}

/** Replaces the Request-URI host part only when the URI parses (targets are URIs from the app). */
export function isSipUri(text: string): boolean {
  const u = parseUri(text);
  return u !== undefined && (u.scheme === 'sip' || u.scheme === 'sips');
}

