// Test support for transport specs: loopback peers and message helpers. Port 0 everywhere.
import dgram from 'node:dgram';
import net from 'node:net';
import { once } from 'node:events';
import { parseMessage, type SipMessage } from '../../src/parser';
import type { TransportLayer } from '../../src/transport/transport-layer';
import type { Endpoint, InboundMessage } from '../../src/transport/types';

export function sipRequest(opts: { method?: string; via: string; body?: string; extra?: string; contentLength?: boolean }): string {
  const method = opts.method ?? 'OPTIONS';
  const body = opts.body ?? '';
  const cl = opts.contentLength === false ? '' : `Content-Length: ${Buffer.byteLength(body)}\r\n`;
  return `${method} sip:bob@127.0.0.1 SIP/2.0\r\nVia: ${opts.via}\r\nMax-Forwards: 70\r\nFrom: <sip:alice@127.0.0.1>;tag=f1\r\nTo: <sip:bob@127.0.0.1>\r\nCall-ID: call-${Math.random().toString(36).slice(2)}\r\nCSeq: 1 ${method}\r\n${opts.extra ?? ''}${cl}\r\n${body}`;
}

export function sipResponse(via: string, status = 200): string {
  return `SIP/2.0 ${status} OK\r\nVia: ${via}\r\nFrom: <sip:alice@127.0.0.1>;tag=f1\r\nTo: <sip:bob@127.0.0.1>;tag=t1\r\nCall-ID: c1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n`;
}

export function parse(data: Buffer | string): SipMessage {
  const r = parseMessage(Buffer.isBuffer(data) ? data : Buffer.from(data));
  if (!r.ok) throw new Error(`unparseable: ${r.reason}`);
  return r.message;
}

/** Resolves with the next message the layer emits, or rejects after ms. */
export function nextInbound(tl: TransportLayer, ms = 2000): Promise<InboundMessage> {
  return withTimeout(new Promise((resolve) => tl.once('message', resolve)), ms, 'no inbound message');
}

export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timeout: ${what}`)), ms);
    p.then((v) => { clearTimeout(t); resolve(v); }, (e: unknown) => { clearTimeout(t); reject(e instanceof Error ? e : new Error(String(e))); });
  });
}

/** Nothing arrives within ms (for "dropped" checks). */
export async function silence(tl: TransportLayer, ms = 150): Promise<boolean> {
  let got = false;
  const on = (): void => void (got = true);
  tl.on('message', on);
  await new Promise((r) => setTimeout(r, ms));
  tl.off('message', on);
  return !got;
}

export class UdpPeer {
  readonly socket: dgram.Socket;
  readonly received: Buffer[] = [];
  private waiters: Array<(b: Buffer) => void> = [];

  private constructor(type: 'udp4' | 'udp6') {
    this.socket = dgram.createSocket(type);
    this.socket.on('message', (b) => {
      const w = this.waiters.shift();
      if (w) w(b);
      else this.received.push(b);
    });
  }

  static async create(address = '127.0.0.1'): Promise<UdpPeer> {
    const p = new UdpPeer(net.isIPv6(address) ? 'udp6' : 'udp4');
    p.socket.bind(0, address);
    await once(p.socket, 'listening');
    return p;
  }

  get port(): number {
    return this.socket.address().port;
  }

  send(data: string | Buffer, to: Endpoint): void {
    this.socket.send(Buffer.isBuffer(data) ? data : Buffer.from(data), to.port, to.address);
  }

  next(ms = 2000): Promise<Buffer> {
    const queued = this.received.shift();
    if (queued) return Promise.resolve(queued);
    return withTimeout(new Promise((resolve) => this.waiters.push(resolve)), ms, 'no datagram');
  }

  close(): void {
    this.socket.close();
  }
}

/** A TCP client or accepted socket that collects bytes. */
export class TcpPeer {
  data = '';
  closed = false;
  private readonly closedP: Promise<void>;

  constructor(readonly socket: net.Socket) {
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => void (this.data += d));
    socket.on('error', () => undefined);
    this.closedP = new Promise((resolve) => socket.on('close', () => { this.closed = true; resolve(); }));
  }

  static async connect(to: Endpoint): Promise<TcpPeer> {
    const s = net.connect(to.port, to.address);
    await once(s, 'connect');
    return new TcpPeer(s);
  }

  write(s: string): void {
    this.socket.write(s);
  }

  /** Waits until the collected bytes contain `text`. */
  async waitFor(text: string, ms = 2000): Promise<string> {
    const end = Date.now() + ms;
    while (!this.data.includes(text)) {
      if (Date.now() > end) throw new Error(`timeout waiting for ${JSON.stringify(text)}; got ${JSON.stringify(this.data.slice(0, 200))}`);
      await new Promise((r) => setTimeout(r, 5));
    }
    return this.data;
  }

  waitClosed(ms = 2000): Promise<void> {
    return withTimeout(this.closedP, ms, 'connection not closed');
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** A TCP server peer recording accepted connections. */
export class TcpServerPeer {
  readonly conns: TcpPeer[] = [];
  private constructor(readonly server: net.Server) {}

  static async create(): Promise<TcpServerPeer> {
    const server = net.createServer();
    const p = new TcpServerPeer(server);
    server.on('connection', (s) => p.conns.push(new TcpPeer(s)));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return p;
  }

  get port(): number {
    const a = this.server.address();
    return typeof a === 'object' && a !== null ? a.port : 0;
  }

  async waitForConnections(n: number, ms = 2000): Promise<void> {
    const end = Date.now() + ms;
    while (this.conns.length < n) {
      if (Date.now() > end) throw new Error(`expected ${n} connections, got ${this.conns.length}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  close(): Promise<void> {
    for (const c of this.conns) c.destroy();
    return new Promise((r) => this.server.close(() => r()));
  }
}
