// drachtio-server's DRACHTIO_* environment variables. They override the config file and are
// overridden by the command line, as in drachtio. Unlike drachtio, a malformed value is an error
// rather than silently skipped: configuration is checked once, at start.
import { parseIntInRange } from './contact';
import type { SettingsLayer } from './settings';
import { parseDrachtioLogLevel, parseScrapeAddress, parseTlsVersion } from './settings';

export type Env = Readonly<Record<string, string | undefined>>;

export interface EnvResult {
  layer: SettingsLayer;
  /** DRACHTIO_CONFIG_FILE_PATH, the config file to read instead of the default. */
  configFile?: string;
  warnings: string[];
  error?: string;
}

/** Variables drachtio reads that sipd accepts and ignores. */
const IGNORED = [
  'DRACHTIO_HOMER_ADDRESS', 'DRACHTIO_HOMER_PORT', 'DRACHTIO_HOMER_ID', 'DRACHTIO_MEMORY_DEBUG',
  'DRACHTIO_BLACKLIST_REDIS_ADDRESS', 'DRACHTIO_BLACKLIST_REDIS_SENTINELS', 'DRACHTIO_BLACKLIST_REDIS_MASTER',
  'DRACHTIO_BLACKLIST_REDIS_PASSWORD', 'DRACHTIO_BLACKLIST_REDIS_PORT', 'DRACHTIO_BLACKLIST_REDIS_KEY',
  'DRACHTIO_BLACKLIST_REDIS_REFRESH_SECS', 'DRACHTIO_TPORT_QUEUESIZE', 'DRACHTIO_TPORT_MAX_CONSECUTIVE_TIMEOUTS',
  'DRACHTIO_PRESERVE_HEADER_NAMES', 'DRACHTIO_TLS_VERIFY_CLIENT_CERT',
];

/** Flags drachtio switches on with the value 1. */
const FLAGS: ReadonlyArray<[string, 'aggressiveNatDetection' | 'rejectRegisterWithNoRealm']> = [
  ['DRACHTIO_AGRESSIVE_NAT_DETECTION', 'aggressiveNatDetection'], // sic: drachtio's spelling
  ['DRACHTIO_REJECT_REGISTER_WITH_NO_REALM', 'rejectRegisterWithNoRealm'],
];

const STRINGS: ReadonlyArray<[string, 'adminAddress' | 'secret' | 'tlsCertFile' | 'tlsChainFile' | 'tlsKeyFile' | 'dhParamFile' | 'tlsCipherList' | 'userAgentOptionsAutoRespond']> = [
  ['DRACHTIO_ADMIN_ADDRESS', 'adminAddress'],
  ['DRACHTIO_SECRET', 'secret'],
  ['DRACHTIO_TLS_CERT_FILE', 'tlsCertFile'],
  ['DRACHTIO_TLS_CHAIN_FILE', 'tlsChainFile'],
  ['DRACHTIO_TLS_KEY_FILE', 'tlsKeyFile'],
  ['DRACHTIO_TLS_DH_PARAM_FILE', 'dhParamFile'],
  ['DRACHTIO_TLS_CIPHER_LIST', 'tlsCipherList'],
  ['DRACHTIO_USER_AGENT_OPTIONS_AUTO_RESPOND', 'userAgentOptionsAutoRespond'],
];

export function readEnv(env: Env): EnvResult {
  const layer: SettingsLayer = {};
  const warnings: string[] = [];
  let error: string | undefined;
  const bad = (name: string, value: string, want: string): void => {
    error ??= `invalid ${name}='${value}': ${want}`;
  };
  const get = (name: string): string | undefined => {
    const v = env[name];
    return v === undefined || v === '' ? undefined : v;
  };
  const int = (name: string, min: number, max: number): number | undefined => {
    const v = get(name);
    if (v === undefined) return undefined;
    const n = parseIntInRange(v, min, max);
    if (n === undefined) bad(name, v, `must be an integer in ${min}-${max}`);
    return n;
  };

  for (const [name, key] of STRINGS) {
    const v = get(name);
    if (v !== undefined) layer[key] = v;
  }
  for (const [name, key] of FLAGS) {
    if (get(name) === '1') layer[key] = true;
  }
  layer.adminPort = int('DRACHTIO_ADMIN_TCP_PORT', 1, 65535);
  layer.adminTlsPort = int('DRACHTIO_ADMIN_TLS_PORT', 1, 65535);
  layer.udpMtu = int('DRACHTIO_UDP_MTU', 1, 65535);
  layer.tcpKeepaliveSecs = int('DRACHTIO_TCP_KEEPALIVE_INTERVAL', 0, 65535);
  int('DRACHTIO_SOFIA_LOGLEVEL', 0, 9); // checked, then unused: no sofia here

  const level = get('DRACHTIO_LOGLEVEL');
  if (level !== undefined) {
    layer.logLevel = parseDrachtioLogLevel(level);
    if (layer.logLevel === undefined) bad('DRACHTIO_LOGLEVEL', level, 'must be notice, error, warning, info or debug');
  }
  const scrape = get('DRACHTIO_PROMETHEUS_SCRAPE_PORT');
  if (scrape !== undefined) {
    const s = parseScrapeAddress(scrape);
    if (s === undefined) bad('DRACHTIO_PROMETHEUS_SCRAPE_PORT', scrape, 'must be [address:]port');
    else if (s.port > 0) layer.prometheus = s;
  }
  const minTls = get('DRACHTIO_MIN_TLS_VERSION');
  if (minTls !== undefined) {
    layer.minTlsVersion = parseTlsVersion(minTls);
    if (layer.minTlsVersion === undefined) bad('DRACHTIO_MIN_TLS_VERSION', minTls, 'must be 1.0, 1.1, 1.2 or 1.3');
  }
  if (get('DRACHTIO_HTTP_HANDLER_URI') !== undefined) {
    error ??= 'DRACHTIO_HTTP_HANDLER_URI (HTTP request routing) is not supported by sipd';
  }
  for (const name of IGNORED) {
    if (get(name) !== undefined) warnings.push(`${name} is not supported by sipd; ignored`);
  }
  return { layer, configFile: get('DRACHTIO_CONFIG_FILE_PATH'), warnings, error };
}
