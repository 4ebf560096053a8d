// The command-line options sipd accepts: every option of drachtio-server (same names, same
// argument rules, same short letters as its getopt string) plus sipd's own `--sipd-*` options.

export interface OptionDef {
  long: string;
  /** Short letter, as in drachtio-server's getopt string. */
  short?: string;
  takesValue: boolean;
  /** Shown by --help; options without help are accepted but not advertised. */
  help?: string;
  valueName?: string;
}

export const OPTIONS: readonly OptionDef[] = [
  { long: 'file', short: 'f', takesValue: true, valueName: 'FILE', help: 'drachtio.conf.xml to read (default /etc/drachtio.conf.xml when it exists)' },
  { long: 'noconfig', takesValue: false, help: 'do not read the default /etc/drachtio.conf.xml' },
  { long: 'contact', short: 'c', takesValue: true, valueName: 'URI', help: 'SIP address to listen on, repeatable: sip:HOST[:PORT][;transport=udp,tcp|ws|tls|wss], sips:HOST[:PORT][;transport=tls|wss]' },
  { long: 'external-ip', short: 'x', takesValue: true, valueName: 'IPV4', help: 'public IPv4 address advertised for the preceding --contact' },
  { long: 'local-net', short: 'n', takesValue: true, valueName: 'CIDR', help: 'local network of the preceding --contact; peers inside it see the private address' },
  { long: 'dns-name', takesValue: true, valueName: 'NAME', help: 'DNS name that resolves to this host, for the preceding --contact' },
  { long: 'address', short: 'E', takesValue: true, valueName: 'ADDR', help: 'address the app listener binds (default 0.0.0.0)' },
  { long: 'port', short: 'p', takesValue: true, valueName: 'PORT', help: 'TCP port apps connect to (default 9022)' },
  { long: 'tls-port', takesValue: true, valueName: 'PORT', help: 'TLS port apps connect to (needs key, cert and dh-param)' },
  { long: 'secret', short: 'F', takesValue: true, valueName: 'SECRET', help: 'shared secret apps authenticate with' },
  { long: 'loglevel', short: 'l', takesValue: true, valueName: 'LEVEL', help: 'notice, error, warning, info or debug (default info)' },
  { long: 'sofia-loglevel', takesValue: true, valueName: '0-9', help: 'accepted for compatibility; sipd has no sofia stack' },
  { long: 'stdout', takesValue: false, help: 'accepted for compatibility; sipd always logs to stdout' },
  { long: 'key-file', short: 'A', takesValue: true, valueName: 'FILE', help: 'TLS private key (PEM) for tls/wss contacts' },
  { long: 'cert-file', short: 'B', takesValue: true, valueName: 'FILE', help: 'TLS certificate (PEM)' },
  { long: 'chain-file', short: 'C', takesValue: true, valueName: 'FILE', help: 'TLS certificate chain (PEM)' },
  { long: 'dh-param', short: 'G', takesValue: true, valueName: 'FILE', help: 'Diffie-Hellman parameters (PEM), for the app TLS port' },
  { long: 'min-tls-version', takesValue: true, valueName: 'N', help: 'lowest TLS version clients may use: 1.0, 1.1, 1.2 or 1.3' },
  { long: 'tls-cipherlist', takesValue: true, valueName: 'LIST', help: 'OpenSSL cipher list for TLS' },
  { long: 'mtu', short: 'D', takesValue: true, valueName: 'BYTES', help: 'requests larger than this are sent over TCP instead of UDP' },
  { long: 'tcp-keepalive-interval', takesValue: true, valueName: 'SECS', help: 'keep-alive interval on SIP TCP connections (0 = off, default 45)' },
  { long: 'prometheus-scrape-port', takesValue: true, valueName: '[ADDR:]PORT', help: 'serve Prometheus metrics (GET /metrics) and GET /health here' },
  { long: 'user-agent-options-auto-respond', takesValue: true, valueName: 'UA', help: 'answer 200 to OPTIONS whose User-Agent is exactly UA' },
  { long: 'reject-register-with-no-realm', takesValue: false, help: 'answer 403 to REGISTER with an IP address as Request-URI host' },
  { long: 'aggressive-nat-detection', short: 'I', takesValue: false, help: "treat 'nat=yes' in Record-Route or Contact as a NAT'd peer" },
  { long: 'disable-nat-detection', takesValue: false, help: "do not infer a NAT'd peer from a Contact that differs from the packet's source" },
  { long: 'always-send-180', takesValue: false, help: 'answer every new INVITE with 180 Ringing right after 100 Trying' },
  { long: 'daemon', takesValue: false, help: 'refused: sipd runs in the foreground (use systemd, docker or a supervisor)' },
  { long: 'user', short: 'u', takesValue: true, valueName: 'USER', help: 'accepted for compatibility (drachtio switches user when daemonizing); ignored' },
  { long: 'http-handler', short: 'a', takesValue: true, valueName: 'URL', help: 'refused: HTTP request routing (outbound app connections) is not supported' },
  { long: 'http-method', short: 'm', takesValue: true, valueName: 'METHOD' },
  { long: 'homer', short: 'y', takesValue: true, valueName: 'HOST:PORT', help: 'accepted, ignored: HEP capture is not supported' },
  { long: 'homer-id', short: 'z', takesValue: true, valueName: 'ID' },
  { long: 'blacklist-redis-address', takesValue: true, help: 'blacklist-* options are accepted and ignored' },
  { long: 'blacklist-redis-port', takesValue: true },
  { long: 'blacklist-redis-key', takesValue: true },
  { long: 'blacklist-refresh-secs', takesValue: true },
  { long: 'blacklist-redis-sentinels', takesValue: true },
  { long: 'blacklist-redis-master', takesValue: true },
  { long: 'blacklist-redis-password', takesValue: true },
  { long: 'memory-debug', takesValue: false },
  { long: 'globally-readable-logs', takesValue: false },
  { long: 'sipd-t1', takesValue: true, valueName: 'MS', help: 'RFC 3261 timer T1 (default 500)' },
  { long: 'sipd-t2', takesValue: true, valueName: 'MS', help: 'RFC 3261 timer T2 (default 4000)' },
  { long: 'sipd-t4', takesValue: true, valueName: 'MS', help: 'RFC 3261 timer T4 (default 5000)' },
  { long: 'sipd-t1x64', takesValue: true, valueName: 'MS', help: 'timers B/F/H/J (default 32000)' },
  { long: 'sipd-max-message-size', takesValue: true, valueName: 'BYTES', help: 'largest SIP message accepted (default 65535)' },
  { long: 'sipd-min-se', takesValue: true, valueName: 'SECS', help: 'RFC 4028: smallest session interval accepted, sent as Min-SE (default 90)' },
  { long: 'sipd-dns-server', takesValue: true, valueName: 'ADDR[:PORT]', help: 'DNS server for RFC 3263 lookups (repeatable; default: the system resolver)' },
  { long: 'help', short: 'h', takesValue: false, help: 'print this help and exit' },
  { long: 'version', short: 'v', takesValue: false, help: 'print the version and exit' },
];

export function helpText(): string {
  const rows = OPTIONS.filter((o) => o.help !== undefined).map((o) => {
    const flag = `${o.short !== undefined && /[a-z]/.test(o.short) ? `-${o.short}, ` : '    '}--${o.long}${o.valueName !== undefined ? ` ${o.valueName}` : ''}`;
    return { flag, help: o.help ?? '' };
  });
  const width = Math.max(...rows.map((r) => r.flag.length)) + 2;
  return [
    'Usage: sipd [OPTIONS]',
    '',
    "sipd: a SIP server for drachtio-srf apps, with drachtio-server's options and wire protocol.",
    'Precedence, lowest first: drachtio.conf.xml, DRACHTIO_* environment variables, these options.',
    '',
    ...rows.map((r) => `  ${r.flag.padEnd(width)}${r.help}`),
    '',
  ].join('\n');
}

export type ArgToken = { def: OptionDef; value?: string; spelled: string };

export type Tokenized = { ok: true; tokens: ArgToken[] } | { ok: false; error: string };

/** getopt_long: an exact name wins, otherwise a unique prefix ("--user-agent" names the OPTIONS option). */
function findLong(name: string): OptionDef | string {
  const exact = OPTIONS.find((o) => o.long === name);
  if (exact !== undefined) return exact;
  const matches = OPTIONS.filter((o) => o.long.startsWith(name));
  if (matches.length === 1) return matches[0];
  if (matches.length > 1) return `option '--${name}' is ambiguous (${matches.map((m) => `--${m.long}`).join(', ')})`;
  return `unknown option '--${name}' (see --help)`;
}

/**
 * Splits argv (without node and script) into options in order: `--name value`, `--name=value`,
 * `-x value`, `-xvalue`, bundled flags (`-hv`); `--` ends options.
 */
export function tokenize(argv: readonly string[]): Tokenized {
  const tokens: ArgToken[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      if (i + 1 < argv.length) return { ok: false, error: `unexpected argument '${argv[i + 1]}'` };
      break;
    }
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
      const def = findLong(name);
      if (typeof def === 'string') return { ok: false, error: def };
      const spelled = `--${def.long}`;
      if (!def.takesValue) {
        if (eq >= 0) return { ok: false, error: `option '${spelled}' takes no value` };
        tokens.push({ def, spelled });
      } else if (eq >= 0) {
        tokens.push({ def, spelled, value: arg.slice(eq + 1) });
      } else if (i + 1 < argv.length) {
        tokens.push({ def, spelled, value: argv[++i] });
      } else {
        return { ok: false, error: `option '${spelled}' needs a value` };
      }
      continue;
    }
    if (arg.startsWith('-') && arg.length > 1) {
      for (let j = 1; j < arg.length; j++) {
        const def = OPTIONS.find((o) => o.short === arg[j]);
        if (def === undefined) return { ok: false, error: `unknown option '-${arg[j]}' (see --help)` };
        const spelled = `-${arg[j]} (--${def.long})`;
        if (!def.takesValue) {
          tokens.push({ def, spelled });
          continue;
        }
        if (j + 1 < arg.length) tokens.push({ def, spelled, value: arg.slice(j + 1) });
        else if (i + 1 < argv.length) tokens.push({ def, spelled, value: argv[++i] });
        else return { ok: false, error: `option '${spelled}' needs a value` };
        break;
      }
      continue;
    }
    return { ok: false, error: `unexpected argument '${arg}'` };
  }
  return { ok: true, tokens };
}
