// TCP transport (RFC 3261 §18): a listener plus a connection table keyed by connection id and by
// remote address:port. Requests and responses to a destination reuse an open connection to it
// (§18.1.1, §18.2.2, RFC 5923 spirit); otherwise a connection is opened. The TLS transport
// (tls-transport.ts) is this class over tls.Server / tls.connect.
import net from 'node:net';
import type { TransportCounters } from './counters';
import { toTransportError, TransportError } from './errors';
import type { FrameErrorReason } from './stream-framer';
import { TcpConnection, type ConnectionHandlers } from './tcp-connection';
import type { ConnectionTransport, TransportLogger, TransportSink } from './transport';
import type { Destination, Endpoint } from './types';

export interface TcpOptions {
  /** Largest message accepted on a connection (headers + body). Default 64 KiB. */
  maxMessageSize?: number;
  /** Most bytes buffered per connection for an incomplete message. Default 2 × maxMessageSize. */
  maxBufferSize?: number;
  /** Close a connection after this long without traffic (ms; 0 = never). Default 5 min. */
  idleTimeout?: number;
  /** Inbound + outbound connections; new ones beyond it are refused. Default 10000. */
  maxConnections?: number;
  /** Outbound connect timeout (ms). Default 5 s. */
  connectTimeout?: number;
}

let nextConnection = 0;

export class TcpTransport implements ConnectionTransport {
  readonly protocol: 'tcp' | 'tls';
  readonly local: Endpoint;
  /** Created in listen() (a subclass's own fields exist by then). */
  private server: net.Server | undefined;
  private readonly byId = new Map<string, TcpConnection>();
  private readonly byRemote = new Map<string, TcpConnection>();
  private readonly connecting = new Map<string, Promise<TcpConnection>>();
  private readonly handlers: ConnectionHandlers;
  private closed = false;
  private listening = false;
  private readonly maxConnections: number;
  private readonly idleTimeout: number;
  private readonly connectTimeout: number;

  constructor(
    address: string,
    port: number,
    protected readonly sink: TransportSink,
    protected readonly counters: TransportCounters,
    protected readonly logger: TransportLogger,
    private readonly opts: TcpOptions = {},
    protocol: 'tcp' | 'tls' = 'tcp',
  ) {
    this.protocol = protocol;
    this.local = { protocol, address, port };
    this.maxConnections = opts.maxConnections ?? 10000;
    this.idleTimeout = opts.idleTimeout ?? 300_000;
    this.connectTimeout = opts.connectTimeout ?? 5000;
    this.handlers = {
      onMessage: (conn, data) => this.sink.onMessage(data, conn.remote, conn.local, conn.id),
      onFramingError: (conn, reason, head) => this.onFramingError(conn, reason, head),
      onPing: () => void this.counters.keepalivePingsAnswered++,
      onIdle: (conn) => {
        this.counters.connectionsIdleClosed++;
        this.logger.debug({ connection: conn.id, remote: conn.remote }, `${this.protocol}: idle connection closed`);
        conn.close();
      },
      onClose: (conn) => this.forget(conn),
    };
  }

  get connectionCount(): number {
    return this.byId.size;
  }

  /** The listening server; accepted sockets go to `onSocket` once usable (TLS: after the handshake). */
  protected createServer(onSocket: (socket: net.Socket) => void): net.Server {
    return net.createServer(onSocket);
  }

  /** Opens an outbound socket; `ready` is emitted when it can carry SIP (TLS: 'secureConnect'). */
  protected dial(address: string, port: number, localAddress: string | undefined): { socket: net.Socket; ready: string } {
    return { socket: net.connect({ host: address, port, localAddress }), ready: 'connect' };
  }

  listen(): Promise<Endpoint> {
    const server = this.createServer((socket) => this.onAccept(socket));
    server.on('error', (err) => this.logger.warn({ err, local: this.local }, `${this.protocol} listener error`));
    this.server = server;
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(toTransportError(err, `${this.protocol} listen ${this.local.address}:${this.local.port}`));
      server.once('error', onError);
      server.listen({ host: this.local.address, port: this.local.port, ipv6Only: net.isIPv6(this.local.address), exclusive: true }, () => {
        server.off('error', onError);
        this.listening = true;
        const addr = server.address();
        if (addr !== null && typeof addr === 'object') this.local.port = addr.port;
        resolve({ ...this.local });
      });
    });
  }

  hasConnection(connectionId: string): boolean {
    return this.byId.get(connectionId)?.open ?? false;
  }

  addAlias(connectionId: string, address: string, port: number): void {
    const conn = this.byId.get(connectionId);
    if (conn === undefined || !conn.open) return;
    const key = remoteKey(address, port);
    if (this.byRemote.get(key)?.open) return;
    this.byRemote.set(key, conn);
    conn.aliases.push(key);
  }

  /** The open connection to this remote address:port, if any. */
  connectionTo(address: string, port: number): TcpConnection | undefined {
    const conn = this.byRemote.get(remoteKey(address, port));
    return conn?.open ? conn : undefined;
  }

  /**
   * Sends over `dest.connectionId` if it is still open, else over an open connection to
   * dest.address:dest.port, else over a new connection (§18.2.2 / §18.1.1).
   */
  async send(data: Buffer, dest: Destination): Promise<void> {
    if (this.closed) throw new TransportError('ECLOSED', `${this.protocol} transport is closed`);
    if (this.opts.maxMessageSize !== undefined && data.length > this.opts.maxMessageSize) {
      throw new TransportError('ETOOLARGE', `${this.protocol}: ${data.length} bytes exceed maxMessageSize`);
    }
    let conn = dest.connectionId !== undefined ? this.byId.get(dest.connectionId) : undefined;
    if (conn === undefined || !conn.open) conn = this.connectionTo(dest.address, dest.port) ?? (await this.connect(dest.address, dest.port));
    await conn.write(data);
    this.counters.bytesOut += data.length;
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    const conns = [...this.byId.values()];
    const done = conns.map((c) => new Promise<void>((resolve) => {
      c.socket.once('close', () => resolve());
      c.socket.destroy();
    }));
    const server = this.server;
    if (this.listening && server !== undefined) done.push(new Promise<void>((resolve) => server.close(() => resolve())));
    return Promise.all(done).then(() => undefined);
  }

  private connect(address: string, port: number): Promise<TcpConnection> {
    const key = remoteKey(address, port);
    const pending = this.connecting.get(key);
    if (pending !== undefined) return pending;
    if (this.byId.size >= this.maxConnections) {
      this.counters.connectionsRejected++;
      return Promise.reject(new TransportError('ELIMIT', `${this.protocol}: maxConnections (${this.maxConnections}) reached`));
    }
    const p = new Promise<TcpConnection>((resolve, reject) => {
      const { socket, ready } = this.dial(address, port, isWildcard(this.local.address) ? undefined : this.local.address);
      const what = `${this.protocol} connect to ${address}:${port}`;
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new TransportError('ETIMEDOUT', `${what} timed out`));
      }, this.connectTimeout);
      socket.once('error', (err) => {
        clearTimeout(timer);
        this.logger.warn({ err: err.message, remote: `${address}:${port}` }, `${what} failed`);
        reject(toTransportError(err, what));
      });
      socket.once(ready, () => {
        clearTimeout(timer);
        if (this.closed) {
          socket.destroy();
          reject(new TransportError('ECLOSED', `${this.protocol} transport is closed`));
          return;
        }
        this.counters.connectionsConnected++;
        resolve(this.register(socket, false));
      });
    });
    this.connecting.set(key, p);
    const clearPending = (): void => void this.connecting.delete(key);
    p.then(clearPending, clearPending);
    return p;
  }

  protected onAccept(socket: net.Socket): void {
    if (this.closed || this.byId.size >= this.maxConnections) {
      this.counters.connectionsRejected++;
      this.logger.warn({ remote: socket.remoteAddress, max: this.maxConnections }, `${this.protocol}: connection refused, maxConnections reached`);
      socket.destroy();
      return;
    }
    this.counters.connectionsAccepted++;
    this.register(socket, true);
  }

  private register(socket: net.Socket, inbound: boolean): TcpConnection {
    const protocol = this.protocol;
    const remote: Endpoint = { protocol, address: normalize(socket.remoteAddress ?? ''), port: socket.remotePort ?? 0 };
    const local: Endpoint = inbound ? { ...this.local } : { protocol, address: normalize(socket.localAddress ?? ''), port: socket.localPort ?? 0 };
    const id = `${protocol}-${++nextConnection}`;
    const conn = new TcpConnection(id, protocol, socket, remote, local, inbound, {
      maxMessageSize: this.opts.maxMessageSize,
      maxBufferSize: this.opts.maxBufferSize,
    }, this.idleTimeout, this.handlers);
    this.byId.set(id, conn);
    this.byRemote.set(remoteKey(remote.address, remote.port), conn);
    this.counters.connectionsOpen++;
    socket.on('data', (chunk: Buffer) => void (this.counters.bytesIn += chunk.length));
    return conn;
  }

  private forget(conn: TcpConnection): void {
    if (this.byId.get(conn.id) !== conn) return;
    this.byId.delete(conn.id);
    this.sink.onConnectionClosed({ connectionId: conn.id, remote: conn.remote, local: conn.local, inbound: conn.inbound });
    for (const key of [remoteKey(conn.remote.address, conn.remote.port), ...conn.aliases]) {
      if (this.byRemote.get(key) === conn) this.byRemote.delete(key);
    }
    this.counters.connectionsOpen--;
  }

  private onFramingError(conn: TcpConnection, reason: FrameErrorReason, head: Buffer | undefined): Buffer | undefined {
    this.counters.framingErrors++;
    this.logger.warn({ connection: conn.id, remote: conn.remote, reason }, `${this.protocol}: framing error, closing connection`);
    if (reason !== 'missing-content-length' && reason !== 'bad-content-length') return undefined;
    return this.sink.onFramingError(reason, head, conn.remote, conn.local, conn.id);
  }
}

export function remoteKey(address: string, port: number): string {
  return `${normalize(address)}:${port}`;
}

/** '::ffff:1.2.3.4' → '1.2.3.4', brackets dropped, lower-case. */
export function normalize(address: string): string {
  let a = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  a = a.toLowerCase();
  return a.startsWith('::ffff:') && net.isIPv4(a.slice(7)) ? a.slice(7) : a;
}

export function isWildcard(address: string): boolean {
  return address === '0.0.0.0' || address === '::';
}
