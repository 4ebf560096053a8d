// parseSipdOptions: config file < DRACHTIO_* environment < command line, then defaults and the
// checks that need the merged picture (contacts, TLS files). Pure apart from reading the file.
import { existsSync, readFileSync } from 'node:fs';
import { readCommandLine } from './command-line';
import { parseDrachtioConfig } from './config-file';
import { parseContact } from './contact';
import type { Env } from './env';
import { readEnv } from './env';
import { helpText } from './option-table';
import type { DrachtioLogLevel, PinoLevel, SipContact, SipdOptions } from './options';
import type { SettingsLayer } from './settings';
import { mergeLayers } from './settings';
import { sipdVersion } from './version';

export type ParseOutcome =
  | { kind: 'run'; options: SipdOptions; warnings: string[] }
  | { kind: 'help'; text: string }
  | { kind: 'version'; text: string }
  | { kind: 'error'; message: string; exitCode: 2 };

/** File access, replaceable in tests. */
export interface ConfigFileAccess {
  /** drachtio's default path; read only when it exists (drachtio insists on it, sipd does not). */
  defaultFile: string;
  exists(path: string): boolean;
  read(path: string): string;
}

export const DEFAULT_CONFIG_FILE = '/etc/drachtio.conf.xml';

const realFiles: ConfigFileAccess = {
  defaultFile: DEFAULT_CONFIG_FILE,
  exists: (p) => existsSync(p),
  read: (p) => readFileSync(p, 'utf8'),
};

export const DEFAULTS = {
  adminPort: 9022,
  adminAddress: '0.0.0.0',
  /** drachtio's secret when <admin> has none. */
  secret: 'admin',
  /** drachtio's default contact when none is configured. */
  contact: 'sip:*;transport=udp,tcp',
  logLevel: 'info' as DrachtioLogLevel,
  timers: { t1: 500, t2: 4000, t4: 5000, t1x64: 32000 },
  maxMessageSize: 65535,
  tcpKeepaliveSecs: 45,
} as const;

/**
 * drachtio's levels run notice < error < warning < info < debug in verbosity ("notice" shows
 * only start-up notices). pino has no level between error and fatal for routine notices, so
 * notice maps to error: the quietest level that still reports errors.
 */
export const PINO_LEVEL: Record<DrachtioLogLevel, PinoLevel> = {
  notice: 'error',
  error: 'error',
  warning: 'warn',
  info: 'info',
  debug: 'debug',
};

function error(message: string): ParseOutcome {
  return { kind: 'error', message, exitCode: 2 };
}

/**
 * Parses sipd's command line (argv without node and the script path) and environment.
 * Never throws and never exits; the caller prints and exits (see `sipdOptionsOrExit`).
 */
export function parseSipdOptions(argv: readonly string[], env: Env, files: ConfigFileAccess = realFiles): ParseOutcome {
  const cl = readCommandLine(argv);
  if (!cl.ok) return error(cl.error);
  if (cl.value.help) return { kind: 'help', text: helpText() };
  if (cl.value.version) return { kind: 'version', text: `sipd ${sipdVersion()}` };

  const envr = readEnv(env);
  if (envr.error !== undefined) return error(envr.error);
  const warnings = [...envr.warnings];

  // -f beats DRACHTIO_CONFIG_FILE_PATH beats the default; a named file must exist.
  const named = cl.value.configFile ?? envr.configFile;
  const configFile = named ?? (!cl.value.noConfig && files.exists(files.defaultFile) ? files.defaultFile : undefined);
  let fileLayer: SettingsLayer = {};
  if (configFile !== undefined) {
    let xml: string;
    try {
      xml = files.read(configFile);
    } catch (e) {
      return error(`cannot read configuration file ${configFile}: ${(e as Error).message}`);
    }
    const parsed = parseDrachtioConfig(xml, configFile);
    if (!parsed.ok) return error(parsed.error);
    fileLayer = parsed.value.layer;
    warnings.push(...parsed.value.warnings);
  }
  warnings.push(...cl.value.warnings);

  const s = mergeLayers([fileLayer, envr.layer, cl.value.layer]);
  const built = build(s, configFile);
  if (typeof built === 'string') return error(built);
  if (s.secret === undefined) warnings.push(`no secret configured (--secret, <admin secret>); using drachtio's default '${DEFAULTS.secret}'`);
  return { kind: 'run', options: built, warnings };
}

function build(s: SettingsLayer, configFile: string | undefined): SipdOptions | string {
  const contacts: SipContact[] = [];
  for (const spec of s.contacts ?? [{ uri: DEFAULTS.contact, dnsNames: [] }]) {
    const c = parseContact(spec);
    if (!c.ok) return c.error;
    contacts.push(c.value);
  }
  const seen = new Set<string>();
  for (const c of contacts) {
    for (const t of c.transports) {
      const key = `${t}/${c.bindAddress}/${c.port}`;
      if (seen.has(key)) return `two contacts listen on ${t} ${c.host}:${c.port}`;
      seen.add(key);
    }
  }

  const secure = contacts.find((c) => c.transports.some((t) => t === 'tls' || t === 'wss'));
  if (secure !== undefined && (s.tlsKeyFile === undefined || s.tlsCertFile === undefined)) {
    return `contact ${secure.uri} needs a TLS key and certificate (--key-file and --cert-file, or <sip><tls>)`;
  }
  // drachtio's condition for the app TLS port: (chain or cert) and key and DH parameters.
  if (s.adminTlsPort !== undefined &&
      ((s.tlsChainFile === undefined && s.tlsCertFile === undefined) || s.tlsKeyFile === undefined || s.dhParamFile === undefined)) {
    return 'the app TLS port (--tls-port) needs --key-file, --cert-file or --chain-file, and --dh-param';
  }

  const adminPort = s.adminPort ?? DEFAULTS.adminPort;
  if (s.adminTlsPort === adminPort) return `--tls-port ${adminPort} is the same as the app TCP port`;
  const timers = { ...DEFAULTS.timers, ...definedOnly(s.timers ?? {}) };
  if (timers.t2 < timers.t1) return `timer T2 (${timers.t2} ms) must not be below T1 (${timers.t1} ms)`;
  const drachtioLogLevel = s.logLevel ?? DEFAULTS.logLevel;

  const options: SipdOptions = {
    contacts,
    admin: { address: s.adminAddress ?? DEFAULTS.adminAddress, port: adminPort, secret: s.secret ?? DEFAULTS.secret },
    tls: {},
    logLevel: PINO_LEVEL[drachtioLogLevel],
    drachtioLogLevel,
    timers,
    limits: { maxMessageSize: s.maxMessageSize ?? DEFAULTS.maxMessageSize },
    sip: {
      rejectRegisterWithNoRealm: s.rejectRegisterWithNoRealm ?? false,
      aggressiveNatDetection: s.aggressiveNatDetection ?? false,
      disableNatDetection: s.disableNatDetection ?? false,
      alwaysSend180: s.alwaysSend180 ?? false,
      tcpKeepaliveSecs: s.tcpKeepaliveSecs ?? DEFAULTS.tcpKeepaliveSecs,
      sessionTimerDefaultRefresher: s.sessionTimerDefaultRefresher ?? 'none',
    },
    cdrs: s.cdrs ?? false,
  };
  // Optional fields only when set, so deepEqual and JSON dumps stay clean.
  if (configFile !== undefined) options.configFile = configFile;
  if (s.adminTlsPort !== undefined) options.admin.tlsPort = s.adminTlsPort;
  if (s.tlsKeyFile !== undefined) options.tls.keyFile = s.tlsKeyFile;
  if (s.tlsCertFile !== undefined) options.tls.certFile = s.tlsCertFile;
  if (s.tlsChainFile !== undefined) options.tls.chainFile = s.tlsChainFile;
  if (s.dhParamFile !== undefined) options.tls.dhParamFile = s.dhParamFile;
  if (s.minTlsVersion !== undefined) options.tls.minVersion = s.minTlsVersion;
  if (s.tlsCipherList !== undefined) options.tls.cipherList = s.tlsCipherList;
  if (s.prometheus !== undefined) options.metrics = { ...s.prometheus };
  if (s.udpMtu !== undefined) options.limits.udpMtu = s.udpMtu;
  if (s.outboundProxy !== undefined) options.sip.outboundProxy = s.outboundProxy;
  if (s.userAgentOptionsAutoRespond !== undefined) options.sip.userAgentOptionsAutoRespond = s.userAgentOptionsAutoRespond;
  if (s.spammers !== undefined) options.sip.spammers = s.spammers;
  if (s.dnsServers !== undefined) options.sip.dnsServers = [...s.dnsServers];
  if (s.minSE !== undefined) options.sip.sessionMinSE = s.minSE;
  return options;
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
