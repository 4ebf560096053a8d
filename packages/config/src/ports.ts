// Every listening port of a run derives from one base: a run owns base..base+2999 and nothing
// else, so parallel runs (tests, developers) never collide when their bases are 3000 apart.

/** Offsets from the base, one per service; the whole run spans PORT_SPAN ports. */
export const PORT_OFFSETS = {
  mariadb: 6,
  redis: 7,
  sipdAdmin: 22,
  rtpengineNg: 23,
  sip: 60,
  sipTls: 61,
  ws: 62,
  wss: 63,
  turn: 78,
  api: 80,
  sipdMetrics: 90,
  xmppComponent: 247,
  xmppC2s: 222,
  xmppDist: 269,
  xmppHttp: 280,
  xmppApi: 281,
  rtpMin: 1000,
  rtpMax: 1999,
  turnRelayMin: 2000,
  turnRelayMax: 2999,
} as const;

export const PORT_SPAN = 3000;
export const PORT_BASE_MIN = 1024;
export const PORT_BASE_MAX = 60000;
export const DEFAULT_PORT_BASE = 35000;

export interface Ports {
  readonly base: number;
  /** MariaDB (TCP). */
  readonly mariadb: number;
  /** Redis (TCP). */
  readonly redis: number;
  /** sipd admin socket, drachtio wire protocol (TCP). */
  readonly sipdAdmin: number;
  /** rtpengine ng control protocol (UDP). */
  readonly rtpengineNg: number;
  /** SIP over UDP and TCP. */
  readonly sip: number;
  /** SIP over TLS. */
  readonly sipTls: number;
  /** SIP over WebSocket (RFC 7118). */
  readonly ws: number;
  /** SIP over secure WebSocket. */
  readonly wss: number;
  /** TURN/STUN listener, UDP and TCP. */
  readonly turn: number;
  /** HTTP API. */
  readonly api: number;
  /** sipd metrics (HTTP). */
  readonly sipdMetrics: number;
  /** ejabberd: XEP-0114 component listener (the chat component connects here). */
  readonly xmppComponent: number;
  /** ejabberd: XMPP client-to-server with STARTTLS (RFC 6120). */
  readonly xmppC2s: number;
  /** ejabberd: Erlang distribution port (epmd-less; ejabberdctl talks to the node here). */
  readonly xmppDist: number;
  /** ejabberd: HTTP listener, XMPP over WebSocket at /ws (RFC 7395). */
  readonly xmppHttp: number;
  /** ejabberd: REST admin API (mod_http_api) at /api. */
  readonly xmppApi: number;
  /** rtpengine media port range, inclusive. */
  readonly rtpMin: number;
  readonly rtpMax: number;
  /** coturn relay port range, inclusive. */
  readonly turnRelayMin: number;
  readonly turnRelayMax: number;
}

export function portsFromBase(base: number): Ports {
  if (!Number.isInteger(base) || base < PORT_BASE_MIN || base > PORT_BASE_MAX) {
    throw new RangeError(`port base must be an integer ${PORT_BASE_MIN}..${PORT_BASE_MAX}, got ${base}`);
  }
  const ports: Record<string, number> = { base };
  for (const [name, offset] of Object.entries(PORT_OFFSETS)) ports[name] = base + offset;
  return ports as unknown as Ports;
}
