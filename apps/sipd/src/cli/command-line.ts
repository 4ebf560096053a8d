// Turns tokenized command-line options into a SettingsLayer, with drachtio-server's rules:
// --external-ip and --local-net belong to the --contact before them (one each), and any
// --contact on the command line replaces the config file's contacts.
import type { ContactSpec } from './contact';
import { parseExternalIp, parseIntInRange, parseIpv4Network } from './contact';
import type { ArgToken } from './option-table';
import { tokenize } from './option-table';
import type { SettingsLayer } from './settings';
import { parseDrachtioLogLevel, parseScrapeAddress, parseTlsVersion } from './settings';
import { isIP } from 'node:net';

export interface CommandLine {
  layer: SettingsLayer;
  configFile?: string;
  noConfig: boolean;
  help: boolean;
  version: boolean;
  warnings: string[];
}

export type CommandLineResult = { ok: true; value: CommandLine } | { ok: false; error: string };

class Reader {
  readonly layer: SettingsLayer = {};
  readonly cl: CommandLine = { layer: this.layer, noConfig: false, help: false, version: false, warnings: [] };
  private readonly contacts: ContactSpec[] = [];
  private readonly pendingDnsNames: string[] = [];
  error: string | undefined;

  private bad(t: ArgToken, want: string): void {
    this.error ??= `invalid value '${t.value ?? ''}' for ${t.spelled}: ${want}`;
  }

  private int(t: ArgToken, min: number, max: number): number | undefined {
    const n = parseIntInRange(t.value ?? '', min, max);
    if (n === undefined) this.bad(t, `must be an integer in ${min}-${max}`);
    return n;
  }

  private lastContact(t: ArgToken): ContactSpec | undefined {
    const c = this.contacts[this.contacts.length - 1];
    if (c === undefined) this.error ??= `${t.spelled} must follow a --contact`;
    return c;
  }

  private ignored(t: ArgToken, why: string): void {
    this.cl.warnings.push(`${t.spelled} ignored: ${why}`);
  }

  /** One option; `v` is its value ('' for flags). */
  apply(t: ArgToken): void {
    const v = t.value ?? '';
    const L = this.layer;
    switch (t.def.long) {
      case 'file': this.cl.configFile = v; break;
      case 'noconfig': this.cl.noConfig = true; break;
      case 'help': this.cl.help = true; break;
      case 'version': this.cl.version = true; break;
      case 'contact':
        this.contacts.push({ uri: v, dnsNames: [] });
        break;
      case 'external-ip': {
        const c = this.lastContact(t);
        if (c === undefined) break;
        if (c.externalIp !== undefined) this.error ??= `more than one --external-ip for contact ${c.uri}`;
        const ip = parseExternalIp(v);
        if (!ip.ok) this.bad(t, 'must be an IPv4 address');
        c.externalIp = v;
        break;
      }
      case 'local-net': {
        const c = this.lastContact(t);
        if (c === undefined) break;
        if (c.localNet !== undefined) this.error ??= `more than one --local-net for contact ${c.uri}`;
        if (!parseIpv4Network(v).ok) this.bad(t, 'must be IPv4 CIDR, e.g. 10.0.0.0/8');
        c.localNet = v;
        break;
      }
      case 'dns-name': {
        // drachtio attaches DNS names to the last contact; one given before any contact waits for it.
        const c = this.contacts[this.contacts.length - 1];
        if (c === undefined) this.pendingDnsNames.push(v);
        else c.dnsNames.push(v);
        break;
      }
      case 'address': L.adminAddress = v; break;
      case 'port': L.adminPort = this.int(t, 1, 65535); break;
      case 'tls-port': L.adminTlsPort = this.int(t, 1, 65535); break;
      case 'secret': L.secret = v; break;
      case 'loglevel':
        L.logLevel = parseDrachtioLogLevel(v);
        if (L.logLevel === undefined) this.bad(t, 'must be notice, error, warning, info or debug');
        break;
      case 'sofia-loglevel': this.int(t, 0, 9); break; // accepted, nothing to set
      case 'stdout': break; // sipd always logs to stdout
      case 'key-file': L.tlsKeyFile = v; break;
      case 'cert-file': L.tlsCertFile = v; break;
      case 'chain-file': L.tlsChainFile = v; break;
      case 'dh-param': L.dhParamFile = v; break;
      case 'tls-cipherlist': L.tlsCipherList = v; break;
      case 'min-tls-version':
        L.minTlsVersion = parseTlsVersion(v);
        if (L.minTlsVersion === undefined) this.bad(t, 'must be 1.0, 1.1, 1.2 or 1.3');
        break;
      case 'mtu': L.udpMtu = this.int(t, 1, 65535); break;
      case 'tcp-keepalive-interval': L.tcpKeepaliveSecs = this.int(t, 0, 65535); break;
      case 'prometheus-scrape-port': {
        const s = parseScrapeAddress(v);
        if (s === undefined) this.bad(t, 'must be [address:]port');
        else if (s.port > 0) L.prometheus = s; // 0 = not set, as in drachtio
        break;
      }
      case 'user-agent-options-auto-respond': L.userAgentOptionsAutoRespond = v; break;
      case 'reject-register-with-no-realm': L.rejectRegisterWithNoRealm = true; break;
      case 'aggressive-nat-detection': L.aggressiveNatDetection = true; break;
      case 'disable-nat-detection': L.disableNatDetection = true; break;
      case 'always-send-180': L.alwaysSend180 = true; break;
      case 'daemon':
        this.error ??= '--daemon is not supported: sipd runs in the foreground; run it under systemd (Type=simple), docker or another supervisor';
        break;
      case 'http-handler':
      case 'http-method':
        this.error ??= `${t.spelled} is not supported: sipd has no HTTP request routing (outbound app connections)`;
        break;
      case 'user': this.ignored(t, 'sipd does not switch user; start it as the user it should run as'); break;
      case 'homer': case 'homer-id': this.ignored(t, 'HEP capture is not supported'); break;
      case 'memory-debug': case 'globally-readable-logs': this.ignored(t, 'not applicable to sipd'); break;
      case 'sipd-t1': L.timers = { ...L.timers, t1: this.int(t, 1, 3_600_000) }; break;
      case 'sipd-t2': L.timers = { ...L.timers, t2: this.int(t, 1, 3_600_000) }; break;
      case 'sipd-t4': L.timers = { ...L.timers, t4: this.int(t, 1, 3_600_000) }; break;
      case 'sipd-t1x64': L.timers = { ...L.timers, t1x64: this.int(t, 1, 3_600_000) }; break;
      case 'sipd-max-message-size': L.maxMessageSize = this.int(t, 1024, 16 * 1024 * 1024); break;
      case 'sipd-min-se': L.minSE = this.int(t, 1, 86_400); break;
      case 'sipd-dns-server':
        if (!isDnsServer(v)) this.bad(t, 'must be an IP address, IP:PORT or [IPv6]:PORT');
        else L.dnsServers = [...(L.dnsServers ?? []), v];
        break;
      default:
        if (t.def.long.startsWith('blacklist-')) this.ignored(t, 'the Redis IP blacklist is not supported');
        else this.error ??= `option ${t.spelled} is not handled`; // a table entry without a case: a bug
    }
  }

  finish(): CommandLineResult {
    if (this.cl.help || this.cl.version) return { ok: true, value: this.cl }; // as getopt: they exit at once
    if (this.contacts.length > 0) {
      this.contacts[this.contacts.length - 1].dnsNames.push(...this.pendingDnsNames);
      this.layer.contacts = this.contacts;
    } else if (this.pendingDnsNames.length > 0) {
      this.error ??= '--dns-name needs a --contact';
    }
    return this.error === undefined ? { ok: true, value: this.cl } : { ok: false, error: this.error };
  }
}

/** Parses argv (without node and script path). */
/** 'ip', 'ip:port' or '[ipv6]:port' (node:dns setServers syntax). */
function isDnsServer(v: string): boolean {
  if (isIP(v) !== 0) return true;
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(v);
  if (!m) return false;
  const port = Number(m[3]);
  return isIP(m[1] ?? m[2] ?? '') !== 0 && port > 0 && port < 65536;
}

export function readCommandLine(argv: readonly string[]): CommandLineResult {
  const tokenized = tokenize(argv);
  if (!tokenized.ok) return tokenized;
  const reader = new Reader();
  for (const token of tokenized.tokens) reader.apply(token);
  return reader.finish();
}
