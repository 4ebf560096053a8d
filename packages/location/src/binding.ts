// The location model (Kamailio usrloc: AOR record → one contact per binding): a Binding is one
// device's (or one RFC 5626 flow's) registration of an address-of-record, with the flow it
// arrived on so any node can reach it, and its RFC 8599 push parameters.

/** Transports a binding's flow can use (sipd offers udp and tcp today; tls, ws, wss later). */
export type FlowTransport = 'udp' | 'tcp' | 'tls' | 'ws' | 'wss';

/** Where a REGISTER came from: enough for any node to send back over the same flow. */
export interface Flow {
  /** The sipd node that holds the flow (its SIP host:port); connection-oriented flows live there. */
  node: string;
  transport: FlowTransport;
  /** Source address and port of the REGISTER (the NAT's public side for NAT'd clients). */
  address: string;
  port: number;
  /** sipd's local listener the request arrived on ("address:port"), when known. */
  local?: string;
}

/** RFC 8599 §4.1 push parameters from the Contact URI. */
export interface PushParams {
  provider: string;
  prid: string;
  param?: string;
}

export interface Binding {
  /** Normalised address-of-record, "sip:user@domain". */
  aor: string;
  /** Identity of the binding inside the AOR: instance (+ reg-id), or the contact URI. */
  key: string;
  /** Contact URI as registered (without header params). */
  contact: string;
  /** q-value ×1000 (0..1000); absent = no preference (RFC 3261 §10.2.1.2). */
  q?: number;
  /** Absolute expiry, epoch ms. */
  expiresAt: number;
  /** Call-ID and CSeq of the last REGISTER that touched it (RFC 3261 §10.3 step 7). */
  callId: string;
  cseq: number;
  /** +sip.instance, with its angle brackets removed (RFC 5626 §4.1). */
  instance?: string;
  /** reg-id (RFC 5626 §4.2). */
  regId?: number;
  /** Path header values in order (RFC 3327 §5.3): the route set towards the device. */
  path?: string[];
  flow: Flow;
  /** True when the Contact host was not the source address (NAT in between). */
  natted?: boolean;
  userAgent?: string;
  push?: PushParams;
  /** Account id the binding was authenticated as (for the devices table). */
  accountId?: number;
  /** When the last REGISTER touched the binding, epoch ms. */
  updatedAt: number;
}

/**
 * Compact storage encoding: a JSON array with fixed positions, trailing empty slots dropped.
 * About 40 % smaller than an object with named keys, which matters at 100k bindings.
 */
type Row = [
  key: string, contact: string, expiresAt: number, callId: string, cseq: number, q: number | null,
  instance: string | null, regId: number | null, path: string[] | null, node: string, transport: string,
  address: string, port: number, local: string | null, updatedAt: number, flags: number,
  userAgent: string | null, provider: string | null, prid: string | null, param: string | null,
  accountId: number | null,
];

/** Bits of the flags slot. */
const NATTED = 1;

const TRANSPORTS: readonly FlowTransport[] = ['udp', 'tcp', 'tls', 'ws', 'wss'];

export function encodeBinding(b: Binding): string {
  const row: Row = [
    b.key, b.contact, b.expiresAt, b.callId, b.cseq, b.q ?? null, b.instance ?? null, b.regId ?? null,
    b.path ?? null, b.flow.node, b.flow.transport, b.flow.address, b.flow.port, b.flow.local ?? null,
    b.updatedAt, b.natted ? NATTED : 0, b.userAgent ?? null, b.push?.provider ?? null, b.push?.prid ?? null, b.push?.param ?? null,
    b.accountId ?? null,
  ];
  let end = row.length;
  while (end > 16 && row[end - 1] === null) end--;
  return JSON.stringify(end === row.length ? row : row.slice(0, end));
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function int(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** Decodes a stored binding; undefined for anything malformed (never throws). */
export function decodeBinding(aor: string, text: string): Binding | undefined {
  let row: unknown;
  try {
    row = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!Array.isArray(row) || row.length < 16) return undefined;
  const key = str(row[0]);
  const contact = str(row[1]);
  const expiresAt = int(row[2]);
  const callId = str(row[3]);
  const cseq = int(row[4]);
  const node = str(row[9]);
  const transport = str(row[10]) as FlowTransport | undefined;
  const address = str(row[11]);
  const port = int(row[12]);
  const updatedAt = int(row[14]);
  if (key === undefined || contact === undefined || expiresAt === undefined || callId === undefined || cseq === undefined
    || node === undefined || !transport || !TRANSPORTS.includes(transport) || address === undefined || port === undefined
    || updatedAt === undefined) return undefined;
  const b: Binding = { aor, key, contact, expiresAt, callId, cseq, flow: { node, transport, address, port }, updatedAt };
  const q = int(row[5]);
  if (q !== undefined) b.q = q;
  const instance = str(row[6]);
  if (instance !== undefined) b.instance = instance;
  const regId = int(row[7]);
  if (regId !== undefined) b.regId = regId;
  if (Array.isArray(row[8]) && row[8].every((p) => typeof p === 'string')) b.path = row[8] as string[];
  const local = str(row[13]);
  if (local !== undefined) b.flow.local = local;
  const ua = str(row[16]);
  if (ua !== undefined) b.userAgent = ua;
  const provider = str(row[17]);
  const prid = str(row[18]);
  if (provider !== undefined && prid !== undefined) {
    b.push = { provider, prid };
    const param = str(row[19]);
    if (param !== undefined) b.push.param = param;
  }
  const accountId = int(row[20]);
  if (accountId !== undefined) b.accountId = accountId;
  if (((int(row[15]) ?? 0) & NATTED) !== 0) b.natted = true;
  return b;
}

/** Seconds left before expiry (0 once expired), as a 200 OK reports it. */
export function secondsLeft(b: Binding, now: number): number {
  return Math.max(0, Math.round((b.expiresAt - now) / 1000));
}
