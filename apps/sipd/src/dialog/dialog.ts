// A SIP dialog (RFC 3261 §12) as sipd keeps it for an app: the state needed to build in-dialog
// requests (§12.2.1.1), to check in-dialog requests from the peer (§12.2.2), and drachtio's dialog
// id (`<Call-ID>;from-tag=<tag of the request that created the dialog>`), which srf uses as
// req.stackDialogId / dialog.id.
import {
  SipRequest, formatNameAddr, formatUri, parseNameAddr, parseUri, type NameAddr, type SipMessage, type SipResponse,
} from '../parser';
import type { Destination } from '../transport/types';

export type DialogRole = 'uac' | 'uas';
export type DialogState = 'early' | 'confirmed' | 'terminated';

export interface DialogInit {
  role: DialogRole;
  callId: string;
  localTag: string;
  remoteTag: string;
  /** From (uac) or To (uas) of the dialog-creating request, without the tag. */
  localUri: NameAddr;
  remoteUri: NameAddr;
  localSeq: number;
  remoteSeq: number | undefined;
  remoteTarget: string;
  routeSet: string[];
  secure: boolean;
  localContact: string;
  /** The flow the peer used (or that we used to reach it); reused for requests when alive. */
  flow: Destination | undefined;
  state: DialogState;
  /** The method that created the dialog (INVITE or SUBSCRIBE). */
  method: string;
}

/** drachtio's dialog id for a dialog created by a request with this Call-ID and From tag. */
export function drachtioDialogId(callId: string, fromTag: string): string {
  return `${callId};from-tag=${fromTag}`;
}

/** Key used to match in-dialog requests and responses to a dialog (§12.2.2: Call-ID + tags). */
export function dialogMatchKey(callId: string, localTag: string, remoteTag: string): string {
  return `${callId}\n${localTag}\n${remoteTag}`;
}

export class Dialog {
  readonly id: string;
  readonly role: DialogRole;
  readonly callId: string;
  readonly localTag: string;
  remoteTag: string;
  readonly localUri: NameAddr;
  readonly remoteUri: NameAddr;
  localSeq: number;
  remoteSeq: number | undefined;
  remoteTarget: string;
  routeSet: string[];
  readonly secure: boolean;
  localContact: string;
  flow: Destination | undefined;
  state: DialogState;
  readonly method: string;
  /** CSeq number of our latest INVITE in this dialog (the ACK for its 2xx reuses it). */
  lastInviteSeq: number | undefined;
  /** The last session description we sent (a session refresh re-INVITE repeats it, RFC 4028 §7.4). */
  localSdp: { body: Buffer; contentType: string } | undefined;
  readonly createdAt = Date.now();

  constructor(init: DialogInit) {
    this.role = init.role;
    this.callId = init.callId;
    this.localTag = init.localTag;
    this.remoteTag = init.remoteTag;
    this.localUri = init.localUri;
    this.remoteUri = init.remoteUri;
    this.localSeq = init.localSeq;
    this.remoteSeq = init.remoteSeq;
    this.remoteTarget = init.remoteTarget;
    this.routeSet = init.routeSet;
    this.secure = init.secure;
    this.localContact = init.localContact;
    this.flow = init.flow;
    this.state = init.state;
    this.method = init.method;
    this.id = drachtioDialogId(this.callId, this.role === 'uac' ? this.localTag : this.remoteTag);
  }

  get matchKey(): string {
    return dialogMatchKey(this.callId, this.localTag, this.remoteTag);
  }

  /**
   * UAS side (§12.1.1): the dialog created by our 1xx/2xx (with To tag) to `request`.
   * Route set = Record-Route of the request in order; remote target = its Contact.
   */
  static forUas(request: SipRequest, response: SipResponse, localContact: string, flow: Destination | undefined): Dialog | undefined {
    const from = parseNameAddr(request.get('from') ?? '');
    const to = parseNameAddr(response.get('to') ?? '');
    const contact = request.getAll('contact')[0];
    const target = contact === undefined ? undefined : parseNameAddr(contact);
    const cseq = parseInt(request.get('cseq') ?? '', 10);
    // §12.1.1: the remote tag is the From tag, or null when an RFC 2543 peer sent none.
    const remoteTag = from?.params.get('tag') ?? '';
    const localTag = to?.params.get('tag');
    if (!from || !to || !localTag || Number.isNaN(cseq)) return undefined;
    const reqUri = parseUri(request.uri);
    return new Dialog({
      role: 'uas',
      callId: request.callId,
      localTag,
      remoteTag,
      localUri: withoutTag(to),
      remoteUri: withoutTag(from),
      localSeq: 0,
      remoteSeq: cseq,
      remoteTarget: target ? uriText(target) : request.uri,
      routeSet: request.getAll('record-route'),
      secure: reqUri?.scheme === 'sips',
      localContact,
      flow,
      state: response.status >= 200 ? 'confirmed' : 'early',
      method: request.method,
    });
  }

  /**
   * UAC side (§12.1.2): the dialog created by a 1xx/2xx with a To tag to our `request`.
   * Route set = Record-Route of the response in reverse order; remote target = its Contact.
   */
  static forUac(request: SipRequest, response: SipResponse, flow: Destination | undefined): Dialog | undefined {
    const from = parseNameAddr(request.get('from') ?? '');
    const to = parseNameAddr(response.get('to') ?? '');
    const contact = response.getAll('contact')[0];
    const target = contact === undefined ? undefined : parseNameAddr(contact);
    const cseq = parseInt(request.get('cseq') ?? '', 10);
    const localTag = from?.params.get('tag');
    const remoteTag = to?.params.get('tag');
    if (!from || !to || !localTag || !remoteTag || Number.isNaN(cseq)) return undefined;
    const reqUri = parseUri(request.uri);
    return new Dialog({
      role: 'uac',
      callId: request.callId,
      localTag,
      remoteTag,
      localUri: withoutTag(from),
      remoteUri: withoutTag(to),
      localSeq: cseq,
      remoteSeq: undefined,
      remoteTarget: target ? uriText(target) : request.uri,
      routeSet: response.getAll('record-route').reverse(),
      secure: reqUri?.scheme === 'sips',
      localContact: request.getAll('contact')[0] ?? '',
      flow,
      state: response.status >= 200 ? 'confirmed' : 'early',
      method: request.method,
    });
  }

  /** A UAC early dialog confirmed by the 2xx: route set and target are recomputed (§12.1.2, §13.2.2.4). */
  confirmFromUacResponse(response: SipResponse): void {
    this.state = 'confirmed';
    const rr = response.getAll('record-route');
    if (rr.length) this.routeSet = rr.reverse();
    this.refreshTarget(response);
  }

  /** Target refresh (§12.2.1.2 / §12.2.2): a Contact in a re-INVITE/UPDATE or its 2xx replaces the target. */
  refreshTarget(msg: SipMessage): void {
    const contact = msg.getAll('contact')[0];
    if (contact === undefined) return;
    const na = parseNameAddr(contact);
    if (na && !na.wildcard) this.remoteTarget = uriText(na);
  }

  /**
   * §12.2.2: checks the CSeq of a request from the peer. Returns false when it is lower than the
   * last one seen (the UAS core answers 500), true otherwise (and remembers it).
   * ACK and CANCEL reuse the INVITE's CSeq and are not checked here.
   */
  acceptRemoteCSeq(seq: number): boolean {
    if (this.remoteSeq !== undefined && seq < this.remoteSeq) return false;
    this.remoteSeq = seq;
    return true;
  }

  /**
   * Builds an in-dialog request (§12.2.1.1) from dialog state. `cseq` is given for ACK (the
   * INVITE's) and CANCEL; otherwise the local sequence is incremented. Returns the request and
   * the URI to which it must be sent (first Route when a route set exists, else the target).
   */
  buildRequest(method: string, cseq?: number): { request: SipRequest; nextHop: string } {
    let seq: number;
    if (cseq !== undefined) seq = cseq;
    else {
      this.localSeq += 1;
      seq = this.localSeq;
    }
    const routes = [...this.routeSet];
    let requestUri = this.remoteTarget;
    const first = routes[0];
    const firstNa = first === undefined ? undefined : parseNameAddr(first);
    // Strict routing (§12.2.1.1): the first route without ;lr becomes the Request-URI.
    if (firstNa && !firstNa.uri.params.has('lr')) {
      requestUri = uriText(firstNa);
      routes.shift();
      routes.push(`<${this.remoteTarget}>`);
    }
    const req = new SipRequest(method, requestUri);
    for (const r of routes) req.append('route', r);
    req.append('to', formatNameAddr(withTag(this.remoteUri, this.remoteTag)));
    req.append('from', formatNameAddr(withTag(this.localUri, this.localTag)));
    req.append('call-id', this.callId);
    req.append('cseq', `${seq} ${method}`);
    req.append('max-forwards', '70');
    if (method !== 'ACK' && method !== 'CANCEL' && method !== 'BYE' && this.localContact) {
      req.append('contact', this.localContact);
    }
    const nextHop = firstNa ? uriText(firstNa) : this.remoteTarget;
    return { request: req, nextHop };
  }
}

function withoutTag(na: NameAddr): NameAddr {
  const params = new Map(na.params);
  params.delete('tag');
  return { ...na, params, angle: true };
}

function withTag(na: NameAddr, tag: string): NameAddr {
  const params = new Map(na.params);
  params.set('tag', tag);
  return { ...na, params, angle: true };
}

/** The URI of a name-addr as text. */
function uriText(na: NameAddr): string {
  return formatUri(na.uri);
}
