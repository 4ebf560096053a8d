// NAT'd peers in dialogs, as drachtio-server detects them: in-dialog requests then go to the
// address the dialog's messages came from instead of the Contact the peer wrote (its private
// address). drachtio src: sip-dialog.cpp (UAS) and sip-dialog-controller.cpp
// processResponseOutsideDialog() (UAC).
//
// - UAS, datagram transports: no Record-Route in the request and the Contact's host differs from
//   the source address, or its port (when given) from the source port; or `nat=yes` in Contact /
//   Record-Route with aggressive NAT detection.
// - UAC: the first route of the dialog's route set is an RFC 1918 address; or, for INVITE without
//   a route set, the 2xx/1xx Contact host differs from the address the response came from; or
//   `nat=yes` with aggressive detection.
// Connection-oriented flows need none of this: the dialog reuses its live connection (uac.ts).
import { isIPv4 } from 'node:net';
import { parseNameAddr, type SipMessage } from '../parser';
import type { Dialog } from '../dialog/dialog';
import type { Endpoint } from '../transport/types';

export interface NatPolicy {
  /** drachtio --disable-nat-detection. */
  disabled?: boolean;
  /** drachtio --aggressive-nat-detection: `nat=yes` in Contact/Record-Route marks a NAT'd peer. */
  aggressive?: boolean;
}

/** Dialogs whose in-dialog requests go to `dialog.flow` (the peer's public address). */
export class NatDialogs {
  private readonly natted = new WeakSet<Dialog>();

  constructor(private readonly policy: NatPolicy = {}) {}

  has(dialog: Dialog): boolean {
    return this.natted.has(dialog);
  }

  /** A dialog we created answering `request`, which arrived from `source`. */
  checkUas(dialog: Dialog, request: SipMessage, source: Endpoint): boolean {
    if (this.policy.disabled === true || source.protocol !== 'udp') return false;
    let nat = this.policy.aggressive === true && hasNatYes(request);
    if (!nat && !request.has('record-route')) {
      const uri = parseNameAddr(request.getAll('contact')[0] ?? '')?.uri;
      if (uri !== undefined && (unbracket(uri.host) !== source.address || (uri.port !== undefined && uri.port !== source.port))) nat = true;
    }
    if (nat) this.natted.add(dialog);
    return nat;
  }

  /** A dialog created by `response` to our request, received from `from`. */
  checkUac(dialog: Dialog, method: string, response: SipMessage, from: Pick<Endpoint, 'address'>): boolean {
    if (this.policy.disabled === true) return false;
    const firstRoute = dialog.routeSet[0];
    const routeHost = firstRoute === undefined ? undefined : parseNameAddr(firstRoute)?.uri.host;
    let nat = false;
    if (routeHost !== undefined && isRfc1918(unbracket(routeHost))) nat = true;
    else if (method === 'INVITE' && routeHost === undefined) {
      const host = parseNameAddr(response.getAll('contact')[0] ?? '')?.uri.host;
      if (host !== undefined && unbracket(host) !== from.address) nat = true;
    } else if (this.policy.aggressive === true && hasNatYes(response)) nat = true;
    if (nat) this.natted.add(dialog);
    return nat;
  }
}

/** RFC 1918 private IPv4 ranges: 10/8, 172.16/12, 192.168/16. */
export function isRfc1918(host: string): boolean {
  if (!isIPv4(host)) return false;
  const [a, b] = host.split('.').map(Number) as [number, number];
  return a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168);
}

function hasNatYes(msg: SipMessage): boolean {
  const first = (name: string): string => msg.getAll(name)[0] ?? '';
  return /[;?]nat=yes/i.test(first('contact')) || /[;?]nat=yes/i.test(first('record-route'));
}

function unbracket(h: string): string {
  return h.startsWith('[') && h.endsWith(']') ? h.slice(1, -1) : h;
}
