// Parses drachtio contact URIs (`sip:*:5060;transport=udp,tcp`, `sips:10.0.0.1:443;transport=wss`)
// and the per-contact NAT settings (external IP, local network) into SipContact records.
import { isIP, isIPv4 } from 'node:net';
import type { Ipv4Network, SipContact, SipTransportName } from './options';

/** What a contact was given before parsing: the URI and the attributes that follow it. */
export interface ContactSpec {
  uri: string;
  externalIp?: string;
  localNet?: string;
  dnsNames: string[];
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

const TRANSPORTS: readonly SipTransportName[] = ['udp', 'tcp', 'tls', 'ws', 'wss'];

/** Default ports: RFC 3261 §19.1.2 (5060, 5061 for TLS) and RFC 7118 §4 (WebSocket uses HTTP's 80/443). */
const DEFAULT_PORT: Record<SipTransportName, number> = { udp: 5060, tcp: 5060, tls: 5061, ws: 80, wss: 443 };

const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

function fail<T>(error: string): Parsed<T> {
  return { ok: false, error };
}

/** A decimal integer in [min, max], or undefined. */
export function parseIntInRange(text: string, min: number, max: number): number | undefined {
  if (!/^\d+$/.test(text.trim())) return undefined;
  const n = Number(text.trim());
  return Number.isSafeInteger(n) && n >= min && n <= max ? n : undefined;
}

/** drachtio accepts only an IPv4 dot-decimal external IP. */
export function parseExternalIp(text: string): Parsed<string> {
  return isIPv4(text) ? { ok: true, value: text } : fail(`invalid external-ip '${text}': must be an IPv4 address`);
}

/** `a.b.c.d/bits`; drachtio's local-net is IPv4 CIDR only. */
export function parseIpv4Network(text: string): Parsed<Ipv4Network> {
  const slash = text.indexOf('/');
  const network = slash < 0 ? '' : text.slice(0, slash);
  const prefixLength = slash < 0 ? undefined : parseIntInRange(text.slice(slash + 1), 0, 32);
  if (!isIPv4(network) || prefixLength === undefined) {
    return fail(`invalid local-net '${text}': must be IPv4 CIDR, e.g. 10.0.0.0/8`);
  }
  return { ok: true, value: { network, prefixLength } };
}

function parseHostPort(hostport: string): Parsed<{ host: string; port?: number }> {
  let host: string;
  let portText: string | undefined;
  if (hostport.startsWith('[')) {
    const close = hostport.indexOf(']');
    if (close < 0) return fail('unterminated IPv6 reference');
    host = hostport.slice(1, close);
    const rest = hostport.slice(close + 1);
    if (rest !== '' && !rest.startsWith(':')) return fail(`unexpected '${rest}' after host`);
    if (rest !== '') portText = rest.slice(1);
    if (isIP(host) !== 6) return fail(`invalid IPv6 address '${host}'`);
  } else {
    const colon = hostport.indexOf(':');
    host = colon < 0 ? hostport : hostport.slice(0, colon);
    if (colon >= 0) portText = hostport.slice(colon + 1);
    if (host !== '*' && !isIPv4(host) && !HOSTNAME.test(host)) return fail(`invalid host '${host}'`);
  }
  if (portText === undefined) return { ok: true, value: { host } };
  const port = parseIntInRange(portText, 1, 65535);
  return port === undefined ? fail(`invalid port '${portText}'`) : { ok: true, value: { host, port } };
}

function parseTransports(value: string, scheme: 'sip' | 'sips'): Parsed<SipTransportName[]> {
  const out: SipTransportName[] = [];
  for (const raw of value.split(',')) {
    const name = raw.trim().toLowerCase();
    const t = TRANSPORTS.find((x) => x === name);
    if (t === undefined) return fail(`unknown transport '${raw}'`);
    // RFC 3261 §26.2: a sips: URI is only reached over TLS (or WSS, RFC 7118 §5.2).
    if (scheme === 'sips' && t !== 'tls' && t !== 'wss') return fail(`transport '${t}' is not secure; sips: needs tls or wss`);
    if (!out.includes(t)) out.push(t);
  }
  return { ok: true, value: out };
}

/** Parses one contact with the NAT attributes given alongside it. */
export function parseContact(spec: ContactSpec): Parsed<SipContact> {
  const r = parseContactUri(spec);
  return r.ok ? r : fail(`invalid contact '${spec.uri}': ${r.error}`);
}

function parseContactUri(spec: ContactSpec): Parsed<SipContact> {
  const uri = spec.uri.trim();
  const m = /^(sips?):(.*)$/i.exec(uri);
  if (m === null) return fail('must start with sip: or sips:');
  const scheme = m[1].toLowerCase() === 'sips' ? 'sips' : 'sip';
  const [hostport, ...params] = m[2].split(';');
  if (hostport.includes('@')) return fail('a listening contact has no user part');
  if (hostport === '') return fail('missing host');
  const hp = parseHostPort(hostport);
  if (!hp.ok) return hp;

  let transports: SipTransportName[] = scheme === 'sips' ? ['tls'] : ['udp', 'tcp'];
  for (const param of params) {
    const eq = param.indexOf('=');
    const name = (eq < 0 ? param : param.slice(0, eq)).trim().toLowerCase();
    if (name !== 'transport') continue; // other URI parameters do not affect listening
    const t = parseTransports(eq < 0 ? '' : param.slice(eq + 1), scheme);
    if (!t.ok) return t;
    transports = t.value;
  }

  let port = hp.value.port;
  if (port === undefined) {
    const defaults = new Set(transports.map((t) => DEFAULT_PORT[t]));
    if (defaults.size > 1) return fail(`transports ${transports.join(',')} have different default ports; give a port`);
    port = DEFAULT_PORT[transports[0]];
  }

  const contact: SipContact = {
    uri,
    scheme,
    host: hp.value.host,
    bindAddress: hp.value.host === '*' ? '0.0.0.0' : hp.value.host,
    port,
    portExplicit: hp.value.port !== undefined,
    transports,
    dnsNames: [...spec.dnsNames],
  };
  if (spec.externalIp !== undefined && spec.externalIp !== '') {
    const ip = parseExternalIp(spec.externalIp);
    if (!ip.ok) return ip;
    contact.externalIp = ip.value;
  }
  if (spec.localNet !== undefined && spec.localNet !== '') {
    const net = parseIpv4Network(spec.localNet);
    if (!net.ok) return net;
    contact.localNet = net.value;
  }
  return { ok: true, value: contact };
}
