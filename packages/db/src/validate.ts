// Input checks shared by the repositories (and so by the CLI and the API).
import { isIP } from 'node:net';
import { invalid } from './errors';

/** E.164: '+', a non-zero digit, at most 15 digits in all (ITU-T E.164 §6). */
export const E164_RE = /^\+[1-9]\d{1,14}$/;

export function checkE164(value: string, what = 'phone number'): string {
  const v = value.trim();
  if (!E164_RE.test(v)) throw invalid(`${what} '${value}' is not E.164 (expected + and up to 15 digits, e.g. +14155550100)`);
  return v;
}

export function checkUsername(value: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._~!$&'*+=-]{0,63}$/.test(value)) {
    throw invalid(`username '${value}' must be 1..64 characters: letters, digits and . _ ~ ! $ & ' * + = -`);
  }
  return value;
}

export function checkDomain(value: string): string {
  const v = value.toLowerCase();
  if (!/^(?=.{1,253}$)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(v) && !isIP(v)) {
    throw invalid(`domain '${value}' is not a hostname or IP address`);
  }
  return v;
}

export function checkEmail(value: string): string {
  if (value.length > 254 || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value)) throw invalid(`email '${value}' is not an email address`);
  return value;
}

export function checkCountry(value: string): string {
  const v = value.toUpperCase();
  if (!/^[A-Z]{2}$/.test(v)) throw invalid(`country '${value}' must be an ISO 3166-1 alpha-2 code, e.g. US`);
  return v;
}

/** An IPv4 or IPv6 network in CIDR notation; returned normalised (host part kept as given). */
export function checkCidr(value: string): string {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(value.trim());
  const family = m ? isIP(m[1]) : 0;
  const bits = m ? Number(m[2]) : -1;
  if (!m || family === 0 || bits > (family === 4 ? 32 : 128)) {
    throw invalid(`'${value}' is not a CIDR network (e.g. 192.0.2.0/24 or 2001:db8::/32)`);
  }
  return `${m[1].toLowerCase()}/${bits}`;
}

export function checkHost(value: string): string {
  if (isIP(value)) return value;
  return checkDomain(value);
}

export function checkPort(value: number): number {
  if (!Number.isInteger(value) || value < 1 || value > 65535) throw invalid(`port '${value}' must be an integer 1..65535`);
  return value;
}

export const TRANSPORTS = ['udp', 'tcp', 'tls'] as const;
export type Transport = typeof TRANSPORTS[number];

export function checkTransport(value: string): Transport {
  const v = value.toLowerCase();
  if (!(TRANSPORTS as readonly string[]).includes(v)) throw invalid(`transport '${value}' must be udp, tcp or tls`);
  return v as Transport;
}

export function checkCodecs(value: string[]): string[] {
  if (value.length === 0) throw invalid('codecs must name at least one codec');
  for (const c of value) if (!/^[A-Za-z0-9.\-/]{1,32}$/.test(c)) throw invalid(`codec '${c}' is not a codec name`);
  return value;
}

export function checkPrefix(value: string): string {
  if (!/^\+?\d{0,31}$/.test(value)) throw invalid(`prefix '${value}' must be digits, optionally starting with +`);
  return value;
}

export const ACCOUNT_STATUSES = ['active', 'disabled', 'pending'] as const;
export type AccountStatus = typeof ACCOUNT_STATUSES[number];

export function checkStatus(value: string): AccountStatus {
  if (!(ACCOUNT_STATUSES as readonly string[]).includes(value)) throw invalid(`status '${value}' must be active, disabled or pending`);
  return value as AccountStatus;
}

export function checkPassword(value: string): string {
  if (value.length < 8 || value.length > 128) throw invalid('password must be 8..128 characters');
  return value;
}
