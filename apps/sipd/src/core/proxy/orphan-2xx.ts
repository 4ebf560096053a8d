// A 2xx that can no longer go upstream (it crossed the caller's CANCEL, whose 487 already went
// up): the callee thinks the call is up, so the proxy ends it itself — ACK then BYE towards the
// callee, as the UAC of that dialog would (RFC 3261 §13.2.2.4, §15; the race of §9.1 / §16.10).
import { parseNameAddr, SipRequest, type SipResponse } from '../../parser';
import { sendStateless, type EngineContext } from '../context';
import { LocalEndpoints } from '../local-endpoints';
import { resolveTarget, uriOf } from '../target';
import { isOurUri, newProxyBranch, proxyVia } from './forward';

export async function endOrphanDialog(ctx: EngineContext, invite: SipRequest, res: SipResponse): Promise<void> {
  const contact = parseNameAddr(res.getAll('contact')[0] ?? '')?.uri;
  if (!contact) return;
  // The callee's route set as seen by a UAC: Record-Route reversed, without our own entries.
  const routes = res.getAll('record-route').reverse().filter((r) => !isOurUri(r, ctx.endpoints));
  const target = /<([^>]*)>/.exec(res.getAll('contact')[0] ?? '')?.[1] ?? '';
  const nextHop = uriOf(routes[0] ?? target);
  if (!nextHop || !target) return;
  const dest = await resolveTarget(nextHop);
  const out = ctx.endpoints.forProtocol(dest.protocol, dest.address.includes(':'), dest.address);
  if (!out) return;
  const seq = Number(/^\s*(\d+)/.exec(invite.get('cseq') ?? '')?.[1] ?? '1');
  const build = (method: string, cseq: number): SipRequest => {
    const r = new SipRequest(method, target);
    r.append('via', proxyVia(out.protocol, LocalEndpoints.hostport(out), newProxyBranch(r)));
    for (const route of routes) r.append('route', route);
    r.set('max-forwards', '70');
    r.set('from', invite.get('from') ?? '');
    r.set('to', res.get('to') ?? '');
    r.set('call-id', invite.callId);
    r.set('cseq', `${cseq} ${method}`);
    if (method === 'BYE') r.set('reason', 'SIP;cause=487;text="Call cancelled"');
    return r;
  };
  sendStateless(ctx, build('ACK', seq), dest);
  ctx.transactions.createClientTransaction(build('BYE', seq + 1), dest, { onResponse: () => undefined });
  ctx.counters.requestOut('ACK');
  ctx.counters.requestOut('BYE');
}
