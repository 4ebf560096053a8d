// Just enough STUN/TURN (RFC 8489, RFC 8656) to probe coturn and to test its credentials:
// Binding, Allocate with long-term credentials (MESSAGE-INTEGRITY), Refresh.
import { createHash, createHmac, randomBytes } from 'node:crypto';
import * as dgram from 'node:dgram';

export const MAGIC_COOKIE = 0x2112a442;

export const StunType = {
  BindingRequest: 0x0001,
  BindingSuccess: 0x0101,
  AllocateRequest: 0x0003,
  AllocateSuccess: 0x0103,
  AllocateError: 0x0113,
  RefreshRequest: 0x0004,
  RefreshSuccess: 0x0104,
} as const;

export const StunAttr = {
  Username: 0x0006,
  MessageIntegrity: 0x0008,
  ErrorCode: 0x0009,
  Lifetime: 0x000d,
  Realm: 0x0014,
  Nonce: 0x0015,
  XorRelayedAddress: 0x0016,
  RequestedTransport: 0x0019,
  XorMappedAddress: 0x0020,
} as const;

export interface StunAttribute { type: number; value: Buffer }

export interface StunMessage {
  type: number;
  transactionId: Buffer;
  attributes: StunAttribute[];
}

function header(type: number, length: number, tid: Buffer): Buffer {
  const h = Buffer.alloc(20);
  h.writeUInt16BE(type, 0);
  h.writeUInt16BE(length, 2);
  h.writeUInt32BE(MAGIC_COOKIE, 4);
  tid.copy(h, 8);
  return h;
}

function encodeAttr(a: StunAttribute): Buffer {
  const pad = (4 - (a.value.length % 4)) % 4;
  const b = Buffer.alloc(4 + a.value.length + pad);
  b.writeUInt16BE(a.type, 0);
  b.writeUInt16BE(a.value.length, 2);
  a.value.copy(b, 4);
  return b;
}

/**
 * Encode a message; with `integrityKey` a MESSAGE-INTEGRITY attribute is appended: HMAC-SHA1 over
 * the message with the header length already counting the attribute (RFC 8489 §14.5).
 */
export function encodeStun(type: number, tid: Buffer, attrs: StunAttribute[], integrityKey?: Buffer): Buffer {
  const body = Buffer.concat(attrs.map(encodeAttr));
  if (!integrityKey) return Buffer.concat([header(type, body.length, tid), body]);
  const withMiLength = body.length + 24;
  const hmac = createHmac('sha1', integrityKey).update(Buffer.concat([header(type, withMiLength, tid), body])).digest();
  return Buffer.concat([header(type, withMiLength, tid), body, encodeAttr({ type: StunAttr.MessageIntegrity, value: hmac })]);
}

export function decodeStun(buf: Buffer): StunMessage | undefined {
  if (buf.length < 20 || buf.readUInt32BE(4) !== MAGIC_COOKIE) return undefined;
  const length = buf.readUInt16BE(2);
  if (20 + length > buf.length) return undefined;
  const attributes: StunAttribute[] = [];
  let off = 20;
  while (off + 4 <= 20 + length) {
    const type = buf.readUInt16BE(off);
    const len = buf.readUInt16BE(off + 2);
    attributes.push({ type, value: buf.subarray(off + 4, off + 4 + len) });
    off += 4 + len + ((4 - (len % 4)) % 4);
  }
  return { type: buf.readUInt16BE(0), transactionId: buf.subarray(8, 20), attributes };
}

export function attr(m: StunMessage, type: number): Buffer | undefined {
  return m.attributes.find((a) => a.type === type)?.value;
}

/** ERROR-CODE attribute as a number (e.g. 401), or undefined. */
export function errorCode(m: StunMessage): number | undefined {
  const v = attr(m, StunAttr.ErrorCode);
  return v && v.length >= 4 ? (v[2] & 0x7) * 100 + v[3] : undefined;
}

/** An XOR-*-ADDRESS attribute (IPv4) as "ip:port". */
export function xorAddress(v: Buffer): string {
  const port = v.readUInt16BE(2) ^ (MAGIC_COOKIE >>> 16);
  const ip = (v.readUInt32BE(4) ^ MAGIC_COOKIE) >>> 0;
  return `${ip >>> 24}.${(ip >>> 16) & 255}.${(ip >>> 8) & 255}.${ip & 255}:${port}`;
}

/** Long-term credential key: MD5(username ":" realm ":" password) (RFC 8489 §9.2.2). */
export function longTermKey(username: string, realm: string, password: string): Buffer {
  return createHash('md5').update(`${username}:${realm}:${password}`).digest();
}

/** TURN REST credentials for coturn's use-auth-secret: username "<expiry>:<user>". */
export function turnRestCredentials(secret: string, user: string, ttlSeconds: number, now = Date.now()): { username: string; password: string } {
  const username = `${Math.floor(now / 1000) + ttlSeconds}:${user}`;
  return { username, password: createHmac('sha1', secret).update(username).digest('base64') };
}

/** One request/response exchange over a UDP socket, retransmitted every 250 ms until the timeout. */
export function stunTransaction(sock: dgram.Socket, port: number, host: string, msg: Buffer, timeoutMs: number): Promise<StunMessage> {
  const tid = msg.subarray(8, 20);
  return new Promise((resolve, reject) => {
    const onMessage = (buf: Buffer): void => {
      const m = decodeStun(buf);
      if (m && m.transactionId.equals(tid)) { cleanup(); resolve(m); }
    };
    const send = (): void => sock.send(msg, port, host);
    const timer = setInterval(send, 250);
    const deadline = setTimeout(() => { cleanup(); reject(new Error(`no STUN response from ${host}:${port}`)); }, timeoutMs);
    const cleanup = (): void => { clearInterval(timer); clearTimeout(deadline); sock.off('message', onMessage); };
    sock.on('message', onMessage);
    send();
  });
}

export function newTransactionId(): Buffer {
  return randomBytes(12);
}

/** Send a Binding request; resolves with the mapped address. */
export async function stunBinding(port: number, host = '127.0.0.1', timeoutMs = 1000): Promise<string> {
  const sock = dgram.createSocket('udp4');
  try {
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
    const res = await stunTransaction(sock, port, host, encodeStun(StunType.BindingRequest, newTransactionId(), []), timeoutMs);
    if (res.type !== StunType.BindingSuccess) throw new Error(`STUN binding answered with type 0x${res.type.toString(16)}`);
    const mapped = attr(res, StunAttr.XorMappedAddress);
    return mapped ? xorAddress(mapped) : '';
  } finally {
    sock.close();
  }
}

export interface AllocateResult {
  ok: boolean;
  /** On success: the relayed transport address. */
  relayed?: string;
  /** On failure: the STUN error code (401 = bad credentials). */
  error?: number;
}

/**
 * TURN Allocate (UDP relay) with long-term credentials: the first request draws a 401 with realm
 * and nonce (RFC 8656 §7.2), the second carries USERNAME/REALM/NONCE and MESSAGE-INTEGRITY. A
 * successful allocation is released at once (Refresh, lifetime 0).
 */
export async function turnAllocate(port: number, username: string, password: string, host = '127.0.0.1', timeoutMs = 2000): Promise<AllocateResult> {
  const sock = dgram.createSocket('udp4');
  const transport = { type: StunAttr.RequestedTransport, value: Buffer.from([17, 0, 0, 0]) };
  try {
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
    const first = await stunTransaction(sock, port, host, encodeStun(StunType.AllocateRequest, newTransactionId(), [transport]), timeoutMs);
    const realm = attr(first, StunAttr.Realm);
    const nonce = attr(first, StunAttr.Nonce);
    if (first.type !== StunType.AllocateError || errorCode(first) !== 401 || !realm || !nonce) {
      return { ok: false, error: errorCode(first) };
    }
    const key = longTermKey(username, realm.toString('utf8'), password);
    const auth = [
      transport,
      { type: StunAttr.Username, value: Buffer.from(username, 'utf8') },
      { type: StunAttr.Realm, value: realm },
      { type: StunAttr.Nonce, value: nonce },
    ];
    const res = await stunTransaction(sock, port, host, encodeStun(StunType.AllocateRequest, newTransactionId(), auth, key), timeoutMs);
    if (res.type !== StunType.AllocateSuccess) return { ok: false, error: errorCode(res) };
    const relayed = attr(res, StunAttr.XorRelayedAddress);
    const release = [
      { type: StunAttr.Lifetime, value: Buffer.from([0, 0, 0, 0]) },
      ...auth.slice(1),
    ];
    await stunTransaction(sock, port, host, encodeStun(StunType.RefreshRequest, newTransactionId(), release, key), timeoutMs).catch(() => undefined);
    return { ok: true, relayed: relayed ? xorAddress(relayed) : undefined };
  } finally {
    sock.close();
  }
}
