// One source's worth of settings (config file, environment or command line), already checked
// value by value. Layers are merged lowest-precedence first; defaults and cross-checks come last.
import type { ContactSpec } from './contact';
import type { DrachtioLogLevel, SipTimers, SpammerRules, TlsVersion } from './options';

export interface SettingsLayer {
  /** Replaces lower layers' contacts as a whole, as drachtio does. */
  contacts?: ContactSpec[];
  adminAddress?: string;
  adminPort?: number;
  adminTlsPort?: number;
  secret?: string;
  logLevel?: DrachtioLogLevel;
  tlsKeyFile?: string;
  tlsCertFile?: string;
  tlsChainFile?: string;
  dhParamFile?: string;
  minTlsVersion?: TlsVersion;
  tlsCipherList?: string;
  udpMtu?: number;
  prometheus?: { address: string; port: number };
  userAgentOptionsAutoRespond?: string;
  rejectRegisterWithNoRealm?: boolean;
  aggressiveNatDetection?: boolean;
  disableNatDetection?: boolean;
  alwaysSend180?: boolean;
  tcpKeepaliveSecs?: number;
  outboundProxy?: string;
  cdrs?: boolean;
  sessionTimerDefaultRefresher?: 'none' | 'uac' | 'uas';
  spammers?: SpammerRules;
  timers?: Partial<SipTimers>;
  maxMessageSize?: number;
  /** `--sipd-dns-server`: DNS servers for RFC 3263 lookups. */
  dnsServers?: string[];
  /** `--sipd-min-se`: RFC 4028 minimum session interval (s). */
  minSE?: number;
}

/** Higher layers win key by key; timers merge per timer. */
export function mergeLayers(layers: readonly SettingsLayer[]): SettingsLayer {
  const out: SettingsLayer = {};
  const target = out as Record<string, unknown>;
  for (const layer of layers) {
    for (const [key, value] of Object.entries(layer)) {
      if (value === undefined) continue;
      if (key !== 'timers') {
        target[key] = value;
        continue;
      }
      for (const [name, ms] of Object.entries(value as Partial<SipTimers>)) {
        if (ms !== undefined) out.timers = { ...out.timers, [name]: ms };
      }
    }
  }
  return out;
}

const DRACHTIO_LEVELS: readonly DrachtioLogLevel[] = ['notice', 'error', 'warning', 'info', 'debug'];

export function parseDrachtioLogLevel(text: string): DrachtioLogLevel | undefined {
  return DRACHTIO_LEVELS.find((l) => l === text);
}

/**
 * drachtio's `--min-tls-version` is a number (1.0 … 1.3); Node names the versions.
 */
export function parseTlsVersion(text: string): TlsVersion | undefined {
  switch (text.trim()) {
    case '1': case '1.0': return 'TLSv1';
    case '1.1': return 'TLSv1.1';
    case '1.2': return 'TLSv1.2';
    case '1.3': return 'TLSv1.3';
    default: return undefined;
  }
}

/** `[address:]port` as drachtio's `--prometheus-scrape-port`; default address 0.0.0.0. */
export function parseScrapeAddress(text: string): { address: string; port: number } | undefined {
  const colon = text.lastIndexOf(':');
  const address = colon < 0 ? '0.0.0.0' : text.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
  const portText = colon < 0 ? text : text.slice(colon + 1);
  if (address === '') return undefined;
  const port = /^\d+$/.test(portText) ? Number(portText) : NaN;
  if (!Number.isInteger(port) || port < 0 || port > 65535) return undefined;
  return { address, port };
}

/** drachtio's truthy spellings in the config file and environment. */
export function parseYesNo(text: string): boolean | undefined {
  const t = text.trim().toLowerCase();
  if (t === 'true' || t === 'yes' || t === '1' || t === 'on') return true;
  if (t === 'false' || t === 'no' || t === '0' || t === 'off' || t === '') return false;
  return undefined;
}
