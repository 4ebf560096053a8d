// The validated start-up configuration of sipd. Built once from drachtio.conf.xml, DRACHTIO_*
// environment variables and the command line (in that order of precedence, lowest first, as in
// drachtio-server) and then read by the engine; nothing here changes after start.

/** SIP transports a contact can listen on. */
export type SipTransportName = 'udp' | 'tcp' | 'tls' | 'ws' | 'wss';

/** drachtio-server's log level names (`--loglevel`, `<logging><loglevel>`). */
export type DrachtioLogLevel = 'notice' | 'error' | 'warning' | 'info' | 'debug';

/** pino's level names (the subset sipd maps drachtio's names onto). */
export type PinoLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** Node's names for TLS protocol versions (tls.SecureVersion). */
export type TlsVersion = 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';

/** An IPv4 network in CIDR notation (`--local-net 10.0.0.0/8`). */
export interface Ipv4Network {
  network: string;
  prefixLength: number;
}

/** One SIP listening point (`--contact`, `<sip><contacts><contact>`). */
export interface SipContact {
  /** The contact as written, e.g. `sip:*:5060;transport=udp,tcp`. */
  uri: string;
  scheme: 'sip' | 'sips';
  /** Host as written (IPv6 without brackets); `*` means every local interface. */
  host: string;
  /** Address to bind: `0.0.0.0` for `*`, otherwise `host`. */
  bindAddress: string;
  /** Explicit port, or the default of the contact's transports (5060, 5061 tls, 80 ws, 443 wss). */
  port: number;
  portExplicit: boolean;
  /** At least one; defaults: udp+tcp for sip:, tls for sips:. */
  transports: SipTransportName[];
  /** Public IPv4 address advertised in Via/Contact/Record-Route instead of `host` (NAT). */
  externalIp?: string;
  /** Destinations inside this network get `host`, not `externalIp` (drachtio `--local-net`). */
  localNet?: Ipv4Network;
  /** DNS names that resolve to this host (drachtio `--dns-name`, `dns-names` attribute). */
  dnsNames: string[];
}

/** The listener drachtio-srf apps connect to (drachtio's "admin" socket). */
export interface AdminOptions {
  address: string;
  /** TCP port; 9022 unless configured. */
  port: number;
  /** Optional TLS port for app connections (`--tls-port`, `<admin tls-port>`). */
  tlsPort?: number;
  /** Shared secret apps authenticate with. */
  secret: string;
}

export interface TlsOptions {
  keyFile?: string;
  certFile?: string;
  chainFile?: string;
  /** Diffie-Hellman parameters file; drachtio needs it for the admin TLS port only. */
  dhParamFile?: string;
  minVersion?: TlsVersion;
  cipherList?: string;
}

/** RFC 3261 §17.1.1.1 timer values in milliseconds (`<sip><timers>`, `--sipd-t1` …). */
export interface SipTimers {
  t1: number;
  t2: number;
  t4: number;
  /** Timers B, F, H and J: 64*T1 by RFC 3261, but configured on its own as in drachtio. */
  t1x64: number;
}

export interface SipdLimits {
  /** Largest SIP message accepted on any transport, bytes (`--sipd-max-message-size`). */
  maxMessageSize: number;
  /** Requests larger than this go over TCP instead of UDP (`--mtu`, `<sip><udp-mtu>`); RFC 3261 §18.1.1. */
  udpMtu?: number;
}

/** drachtio's `<sip><spammers>`: requests whose header contains one of the values are refused. */
export interface SpammerRules {
  /** What to do for UDP: send a non-2xx (`reject`) or drop silently (`discard`). */
  action: 'reject' | 'discard';
  tcpAction: 'reject' | 'discard';
  /** Lower-cased header name → substrings to look for. */
  headers: Map<string, string[]>;
}

/** SIP behaviour switches that drachtio-server exposes as options. */
export interface SipBehaviour {
  /** `<sip><outbound-proxy>`: every new out-of-dialog request goes through this URI. */
  outboundProxy?: string;
  /** An OPTIONS with exactly this User-Agent gets 200 without reaching an app. */
  userAgentOptionsAutoRespond?: string;
  /** Answer 403 to a REGISTER whose Request-URI host is an IP address. */
  rejectRegisterWithNoRealm: boolean;
  /** Treat `nat=yes` in Record-Route/Contact as a sign the peer is behind NAT. */
  aggressiveNatDetection: boolean;
  /** Do not infer a NAT'd peer from a Contact that differs from the packet's source address/port. */
  disableNatDetection: boolean;
  /** Send 180 Ringing on every new INVITE right after 100 Trying, before any app answers. */
  alwaysSend180: boolean;
  /** Keep-alive interval on SIP TCP connections in seconds; 0 disables. */
  tcpKeepaliveSecs: number;
  /** RFC 4028 §9: refresher when the UAC's Session-Expires has none. */
  sessionTimerDefaultRefresher: 'none' | 'uac' | 'uas';
  spammers?: SpammerRules;
  /** `--sipd-dns-server`: DNS servers ('ip', 'ip:port', '[v6]:port') for RFC 3263; default: the system's. */
  dnsServers?: string[];
  /** `--sipd-min-se`: RFC 4028 smallest Session-Expires accepted, in seconds (engine default 90). */
  sessionMinSE?: number;
}

export interface SipdOptions {
  /** The drachtio.conf.xml that was read, if any. */
  configFile?: string;
  contacts: SipContact[];
  admin: AdminOptions;
  tls: TlsOptions;
  /** pino level the engine logs at. */
  logLevel: PinoLevel;
  /** The drachtio level name it came from. */
  drachtioLogLevel: DrachtioLogLevel;
  /** Prometheus scrape listener (`--prometheus-scrape-port [address:]port`); off when absent. */
  metrics?: { address: string; port: number };
  timers: SipTimers;
  limits: SipdLimits;
  sip: SipBehaviour;
  /** Send CDR events (attempt/start/stop) to connected apps (`<cdrs>true</cdrs>`). */
  cdrs: boolean;
}
