// Reads drachtio-server's drachtio.conf.xml into a SettingsLayer. Elements sipd has no use for
// (file/syslog logging, Homer capture, Redis blacklist …) are accepted and reported as warnings,
// so an existing drachtio config starts sipd unchanged.
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { ContactSpec, Parsed } from './contact';
import { parseIntInRange } from './contact';
import type { SpammerRules } from './options';
import type { SettingsLayer } from './settings';
import { parseDrachtioLogLevel, parseTlsVersion, parseYesNo } from './settings';

/** A parsed element: attributes as `@_name`, text as `#text`, children by tag name. */
type XmlNode = Record<string, unknown>;

const ARRAY_TAGS = new Set(['contact', 'header', 'value', 'request-handler']);

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  alwaysCreateTextNode: true,
  isArray: (name) => ARRAY_TAGS.has(name),
});

function isNode(v: unknown): v is XmlNode {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** First child element with this tag (drachtio's property tree reads the first). */
function child(node: XmlNode | undefined, tag: string): XmlNode | undefined {
  const v = node?.[tag];
  const first: unknown = Array.isArray(v) ? v[0] : v;
  return isNode(first) ? first : undefined;
}

function children(node: XmlNode | undefined, tag: string): XmlNode[] {
  const v = node?.[tag];
  return (Array.isArray(v) ? v : [v]).filter(isNode);
}

function text(node: XmlNode | undefined): string | undefined {
  const t = node?.['#text'];
  return typeof t === 'string' ? t : undefined;
}

function attr(node: XmlNode | undefined, name: string): string | undefined {
  const a = node?.[`@_${name}`];
  return typeof a === 'string' ? a.trim() : undefined;
}

function childText(node: XmlNode | undefined, tag: string): string | undefined {
  return text(child(node, tag));
}

function tagNames(node: XmlNode): string[] {
  return Object.keys(node).filter((k) => k !== '#text' && !k.startsWith('@_'));
}

/** Collects the first error; later checks are skipped once one is found. */
class ConfigReader {
  error: string | undefined;
  readonly warnings: string[] = [];

  constructor(private readonly file: string) {}

  fail(what: string): void {
    this.error ??= `${this.file}: ${what}`;
  }

  warn(what: string): void {
    this.warnings.push(`${this.file}: ${what}`);
  }

  int(value: string | undefined, where: string, min: number, max: number): number | undefined {
    if (value === undefined) return undefined;
    const n = parseIntInRange(value, min, max);
    if (n === undefined) this.fail(`${where}: '${value}' is not an integer in ${min}-${max}`);
    return n;
  }

  bool(value: string | undefined, where: string): boolean | undefined {
    if (value === undefined) return undefined;
    const b = parseYesNo(value);
    if (b === undefined) this.fail(`${where}: '${value}' is not true/false/yes/no`);
    return b;
  }
}

export interface ConfigFileResult {
  layer: SettingsLayer;
  warnings: string[];
}

/** Parses the text of a drachtio.conf.xml; `file` names it in messages. */
export function parseDrachtioConfig(xml: string, file: string): Parsed<ConfigFileResult> {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    return { ok: false, error: `${file}: not well-formed XML (line ${valid.err.line}): ${valid.err.msg}` };
  }
  const doc: unknown = parser.parse(xml);
  const root = isNode(doc) ? child(doc, 'drachtio') : undefined;
  if (root === undefined) return { ok: false, error: `${file}: root element <drachtio> not found` };

  const r = new ConfigReader(file);
  const layer: SettingsLayer = {};
  readAdmin(r, root, layer);
  readSip(r, child(root, 'sip'), layer);
  readMonitoring(r, child(root, 'monitoring'), layer);
  readLogging(r, child(root, 'logging'), layer);
  layer.cdrs = r.bool(childText(root, 'cdrs'), '<cdrs>');
  if (children(child(root, 'request-handlers'), 'request-handler').length > 0) {
    r.fail('<request-handlers> (outbound connections to apps via an HTTP router) is not supported by sipd');
  }
  for (const tag of tagNames(root)) {
    if (!['admin', 'sip', 'monitoring', 'logging', 'cdrs', 'request-handlers'].includes(tag)) r.warn(`unknown element <${tag}> ignored`);
  }
  if (r.error !== undefined) return { ok: false, error: r.error };
  return { ok: true, value: { layer, warnings: r.warnings } };
}

/** `<admin port="9022" tls-port=".." secret="..">address</admin>` — required, as in drachtio. */
function readAdmin(r: ConfigReader, root: XmlNode, layer: SettingsLayer): void {
  const admin = child(root, 'admin');
  if (admin === undefined) {
    r.fail('<admin> not found; it is required to give the address, port and secret apps connect to');
    return;
  }
  const address = text(admin);
  if (address !== undefined && address !== '') layer.adminAddress = address;
  layer.adminPort = r.int(attr(admin, 'port'), '<admin port>', 1, 65535) ?? 9022;
  const tlsPort = r.int(attr(admin, 'tls-port'), '<admin tls-port>', 0, 65535);
  if (tlsPort !== undefined && tlsPort > 0) layer.adminTlsPort = tlsPort;
  // drachtio's default secret when the attribute is missing.
  layer.secret = attr(admin, 'secret') ?? 'admin';
  layer.tcpKeepaliveSecs = r.int(attr(admin, 'tcp-keepalive'), '<admin tcp-keepalive>', 0, 65535);
}

function readSip(r: ConfigReader, sip: XmlNode | undefined, layer: SettingsLayer): void {
  if (sip === undefined) return;
  const single = childText(sip, 'contact'); // the older single-contact form
  if (single !== undefined) {
    layer.contacts = [{ uri: single, dnsNames: [] }];
  } else {
    const contacts = children(child(sip, 'contacts'), 'contact').map((c): ContactSpec => ({
      uri: text(c) ?? '',
      externalIp: attr(c, 'external-ip'),
      localNet: attr(c, 'local-net'),
      dnsNames: (attr(c, 'dns-names') ?? '').split(/[,; ]/).filter((n) => n !== ''),
    }));
    if (contacts.length > 0) layer.contacts = contacts;
  }
  layer.outboundProxy = nonEmpty(childText(sip, 'outbound-proxy'));
  layer.rejectRegisterWithNoRealm = r.bool(childText(sip, 'reject-register-with-no-realm'), '<reject-register-with-no-realm>');
  layer.userAgentOptionsAutoRespond = nonEmpty(childText(sip, 'user-agent-options-auto-respond'));
  layer.aggressiveNatDetection = r.bool(childText(sip, 'aggressive-nat-detection'), '<aggressive-nat-detection>');
  layer.udpMtu = r.int(childText(sip, 'udp-mtu'), '<udp-mtu>', 0, 65535) || undefined;
  if (child(sip, 'mtu-size') !== undefined) r.warn('<mtu-size> is not read by drachtio-server either; use <udp-mtu>');
  readSessionTimers(r, child(sip, 'session-timers'), layer);
  readTls(r, child(sip, 'tls'), layer);
  readTimers(r, child(sip, 'timers'), layer);
  layer.spammers = readSpammers(r, child(sip, 'spammers'));
  if (child(sip, 'capture-server') !== undefined) r.warn('<capture-server> (Homer/HEP capture) is not supported by sipd; ignored');
  if (child(sip, 'blacklist') !== undefined) r.warn('<blacklist> (Redis IP blacklist) is not supported by sipd; ignored');
  if (child(sip, 'udp-buffer-size') !== undefined) r.warn('<udp-buffer-size> ignored (sipd uses the OS default)');
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v === '' ? undefined : v;
}

function readSessionTimers(r: ConfigReader, node: XmlNode | undefined, layer: SettingsLayer): void {
  const refresher = attr(node, 'default-refresher')?.toLowerCase();
  if (refresher === undefined) return;
  if (refresher === 'none' || refresher === 'uac' || refresher === 'uas') layer.sessionTimerDefaultRefresher = refresher;
  else r.fail(`<session-timers default-refresher>: '${refresher}' must be none, uac or uas`);
}

function readTls(r: ConfigReader, tls: XmlNode | undefined, layer: SettingsLayer): void {
  if (tls === undefined) return;
  layer.tlsKeyFile = nonEmpty(childText(tls, 'key-file'));
  layer.tlsCertFile = nonEmpty(childText(tls, 'cert-file'));
  layer.tlsChainFile = nonEmpty(childText(tls, 'chain-file'));
  layer.dhParamFile = nonEmpty(childText(tls, 'dh-param'));
  const min = childText(tls, 'min-tls-version');
  if (min !== undefined) {
    layer.minTlsVersion = parseTlsVersion(min);
    if (layer.minTlsVersion === undefined) r.fail(`<min-tls-version>: '${min}' must be 1.0, 1.1, 1.2 or 1.3`);
  }
}

function readTimers(r: ConfigReader, timers: XmlNode | undefined, layer: SettingsLayer): void {
  if (timers === undefined) return;
  const ms = (tag: string): number | undefined => r.int(childText(timers, tag), `<timers><${tag}>`, 1, 3_600_000);
  layer.timers = { t1: ms('t1'), t2: ms('t2'), t4: ms('t4'), t1x64: ms('t1x64') };
}

function readSpammers(r: ConfigReader, node: XmlNode | undefined): SpammerRules | undefined {
  if (node === undefined) return undefined;
  const action = (name: string): 'reject' | 'discard' => {
    const a = attr(node, name) ?? 'discard';
    if (a === 'reject' || a === 'discard') return a;
    r.fail(`<spammers ${name}>: '${a}' must be reject or discard`);
    return 'discard';
  };
  const headers = new Map<string, string[]>();
  for (const h of children(node, 'header')) {
    const name = attr(h, 'name')?.toLowerCase() ?? '';
    if (name === '') continue; // drachtio skips a <header> without a name
    const values = children(h, 'value').map((v) => text(v) ?? '').filter((v) => v !== '');
    headers.set(name, [...(headers.get(name) ?? []), ...values]);
  }
  return { action: action('action'), tcpAction: action('tcp-action'), headers };
}

/** `<monitoring><prometheus port="9091">address</prometheus></monitoring>`. */
function readMonitoring(r: ConfigReader, monitoring: XmlNode | undefined, layer: SettingsLayer): void {
  const prom = child(monitoring, 'prometheus');
  if (prom === undefined) return;
  const port = r.int(attr(prom, 'port'), '<prometheus port>', 0, 65535);
  if (port === undefined) {
    r.fail('<prometheus> needs a port attribute');
    return;
  }
  if (port > 0) layer.prometheus = { address: nonEmpty(text(prom)) ?? '0.0.0.0', port };
}

function readLogging(r: ConfigReader, logging: XmlNode | undefined, layer: SettingsLayer): void {
  if (logging === undefined) return;
  const level = childText(logging, 'loglevel');
  if (level !== undefined) {
    layer.logLevel = parseDrachtioLogLevel(level);
    // drachtio falls back to info on an unknown name; so do we, loudly.
    if (layer.logLevel === undefined) r.warn(`<loglevel> '${level}' unknown (notice, error, warning, info, debug); using info`);
  }
  r.int(childText(logging, 'sofia-loglevel'), '<sofia-loglevel>', 0, 9); // checked, then unused: no sofia here
  if (child(logging, 'file') !== undefined) r.warn('<logging><file> ignored: sipd logs JSON lines to stdout (pino)');
  if (child(logging, 'syslog') !== undefined) r.warn('<logging><syslog> ignored: sipd logs JSON lines to stdout (pino)');
}
