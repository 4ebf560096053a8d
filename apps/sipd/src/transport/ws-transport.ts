// SIP over WebSocket, RFC 7118: an HTTP (WS) or HTTPS (WSS) listener that upgrades requests
// offering the `sip` subprotocol (§4.1) and refuses the rest; each WebSocket message carries one
// SIP message (§5, ws-framing.ts). sipd is the WebSocket server only: a request to a WebSocket
// client goes over the connection the client opened, and fails with ENOFLOW when it is gone
// (RFC 7118 §5.2 / RFC 5626: the client reconnects and registers again).
// Keep-alives: WebSocket ping frames every `pingInterval` (a peer that misses a pong is dropped),
// pings from the peer are answered by `ws`, and CRLF keep-alives inside messages are answered.
import http from 'node:http';
import https from 'node:https';
import { isIPv6, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import type { TransportCounters } from './counters';
import { toTransportError, TransportError } from './errors';
import { normalize, remoteKey } from './tcp-transport';
import { certificateChain, type TlsCredentials } from './tls-transport';
import type { ConnectionTransport, TransportLogger, TransportSink } from './transport';
import type { Destination, Endpoint } from './types';
import { classifyWsFrame } from './ws-framing';

export interface WsOptions {
  /** Largest WebSocket message (= SIP message) accepted. Default 64 KiB. */
  maxMessageSize?: number;
  /** Interval between our WebSocket pings (ms; 0 = none). A peer that did not pong by the next one is dropped. Default 30 s. */
  pingInterval?: number;
  /** Inbound connections; upgrades beyond it are refused with 503. Default 10000. */
  maxConnections?: number;
}

/** The subprotocol RFC 7118 §4.1 registers. */
export const SIP_SUBPROTOCOL = 'sip';

let nextConnection = 0;

class WsConnection {
  readonly aliases: string[] = [];
  alive = true;
  constructor(
    readonly id: string,
    readonly ws: WebSocket,
    readonly remote: Endpoint,
    readonly local: Endpoint,
  ) {}

  get open(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }
}

export class WsTransport implements ConnectionTransport {
  readonly protocol: 'ws' | 'wss';
  readonly local: Endpoint;
  private server: http.Server | https.Server | undefined;
  private readonly wss: WebSocketServer;
  private readonly byId = new Map<string, WsConnection>();
  private readonly byRemote = new Map<string, WsConnection>();
  /** Sockets between accept and upgrade, destroyed on close(). */
  private readonly raw = new Set<Socket | Duplex>();
  private pingTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly maxConnections: number;

  constructor(
    address: string,
    port: number,
    private readonly sink: TransportSink,
    private readonly counters: TransportCounters,
    private readonly logger: TransportLogger,
    private readonly opts: WsOptions = {},
    protocol: 'ws' | 'wss' = 'ws',
    private readonly credentials?: TlsCredentials,
  ) {
    if (protocol === 'wss' && credentials === undefined) throw new Error('wss transport needs a certificate and key (--cert-file, --key-file)');
    this.protocol = protocol;
    this.local = { protocol, address, port };
    this.maxConnections = opts.maxConnections ?? 10000;
    this.wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      perMessageDeflate: false,
      maxPayload: opts.maxMessageSize ?? 65536,
      handleProtocols: (offered) => (offered.has(SIP_SUBPROTOCOL) ? SIP_SUBPROTOCOL : false),
    });
  }

  get connectionCount(): number {
    return this.byId.size;
  }

  listen(): Promise<Endpoint> {
    const server = this.createServer();
    this.server = server;
    server.on('connection', (socket: Socket) => {
      this.raw.add(socket);
      socket.once('close', () => this.raw.delete(socket));
    });
    server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => this.onUpgrade(req, socket, head));
    server.on('error', (err) => this.logger.warn({ err, local: this.local }, `${this.protocol} listener error`));
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(toTransportError(err, `${this.protocol} listen ${this.local.address}:${this.local.port}`));
      server.once('error', onError);
      server.listen({ host: this.local.address, port: this.local.port, ipv6Only: isIPv6(this.local.address), exclusive: true }, () => {
        server.off('error', onError);
        const addr = server.address();
        if (addr !== null && typeof addr === 'object') this.local.port = addr.port;
        this.startPinging();
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

  /** Over `dest.connectionId` if open, else over an open connection from dest.address:dest.port. */
  send(data: Buffer, dest: Destination): Promise<void> {
    if (this.closed) return Promise.reject(new TransportError('ECLOSED', `${this.protocol} transport is closed`));
    let conn = dest.connectionId !== undefined ? this.byId.get(dest.connectionId) : undefined;
    if (conn === undefined || !conn.open) conn = this.byRemote.get(remoteKey(dest.address, dest.port));
    if (conn === undefined || !conn.open) {
      return Promise.reject(new TransportError('ENOFLOW', `${this.protocol}: no connection to ${dest.address}:${dest.port} (sipd does not open WebSocket connections)`));
    }
    const ws = conn.ws;
    return new Promise((resolve, reject) => {
      // Text frames: SIP is UTF-8 text, and browsers' SIP stacks expect text (RFC 7118 §5 allows both).
      ws.send(data, { binary: false }, (err) => {
        if (err) {
          reject(toTransportError(err, `${this.protocol} send on ${conn.id}`));
          return;
        }
        this.counters.bytesOut += data.length;
        resolve();
      });
    });
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    if (this.pingTimer) clearInterval(this.pingTimer);
    const done: Array<Promise<void>> = [];
    for (const conn of [...this.byId.values()]) {
      done.push(new Promise<void>((resolve) => {
        conn.ws.once('close', () => resolve());
        conn.ws.terminate();
      }));
    }
    for (const s of this.raw) s.destroy();
    const server = this.server;
    if (server !== undefined && server.listening) done.push(new Promise<void>((resolve) => server.close(() => resolve())));
    return Promise.all(done).then(() => undefined);
  }

  private createServer(): http.Server | https.Server {
    const refuse = (_req: http.IncomingMessage, res: http.ServerResponse): void => {
      // Plain HTTP requests: this port speaks SIP over WebSocket only.
      res.writeHead(426, { Upgrade: 'websocket', Connection: 'close', 'Content-Type': 'text/plain' });
      res.end('SIP over WebSocket (RFC 7118): upgrade with subprotocol "sip"\n');
    };
    if (this.protocol === 'ws') return http.createServer(refuse);
    const c = this.credentials!;
    const server = https.createServer({
      key: c.key,
      cert: certificateChain(c),
      ...(c.minVersion !== undefined ? { minVersion: c.minVersion } : {}),
      ...(c.ciphers !== undefined ? { ciphers: c.ciphers } : {}),
      ...(c.ca !== undefined ? { ca: c.ca } : {}),
      requestCert: c.verifyClient === true,
      rejectUnauthorized: c.verifyClient === true,
      handshakeTimeout: c.handshakeTimeout ?? 10_000,
    }, refuse);
    server.on('tlsClientError', (err, socket) => {
      this.counters.tlsHandshakeFailures++;
      this.logger.warn({ err: err.message, remote: `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`, local: this.local }, 'wss: tls handshake failed, connection closed');
    });
    return server;
  }

  private onUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    const remote = `${req.socket.remoteAddress ?? '?'}:${req.socket.remotePort ?? 0}`;
    const offered = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim().toLowerCase());
    // RFC 7118 §4.1: the client MUST offer "sip"; we refuse the handshake otherwise (RFC 6455 §4.2.2).
    if (!offered.includes(SIP_SUBPROTOCOL)) return this.refuseUpgrade(socket, 400, 'Bad Request', remote, 'no "sip" WebSocket subprotocol offered');
    if (this.closed || this.byId.size >= this.maxConnections) return this.refuseUpgrade(socket, 503, 'Service Unavailable', remote, 'maxConnections reached');
    this.wss.handleUpgrade(req, socket, head, (ws) => this.register(ws, req));
  }

  private refuseUpgrade(socket: Duplex, status: number, reason: string, remote: string, why: string): void {
    this.counters.wsUpgradesRefused++;
    this.logger.warn({ remote, local: this.local, why }, `${this.protocol}: WebSocket upgrade refused`);
    if (socket.writable) socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    setTimeout(() => socket.destroy(), 1000).unref();
  }

  private register(ws: WebSocket, req: http.IncomingMessage): void {
    const remote: Endpoint = { protocol: this.protocol, address: normalize(req.socket.remoteAddress ?? ''), port: req.socket.remotePort ?? 0 };
    const conn = new WsConnection(`${this.protocol}-${++nextConnection}`, ws, remote, { ...this.local });
    this.byId.set(conn.id, conn);
    this.byRemote.set(remoteKey(remote.address, remote.port), conn);
    this.counters.connectionsOpen++;
    this.counters.connectionsAccepted++;
    this.logger.debug({ connection: conn.id, remote }, `${this.protocol}: connection open`);
    ws.on('pong', () => void (conn.alive = true));
    ws.on('ping', () => void (conn.alive = true));
    ws.on('message', (data: RawData) => this.onFrame(conn, toBuffer(data)));
    ws.on('error', (err) => this.logger.warn({ connection: conn.id, remote, err: err.message }, `${this.protocol}: connection error`));
    ws.on('close', () => this.forget(conn));
  }

  private onFrame(conn: WsConnection, frame: Buffer): void {
    conn.alive = true;
    this.counters.bytesIn += frame.length;
    const kind = classifyWsFrame(frame);
    switch (kind.type) {
      case 'message':
        this.sink.onMessage(frame, conn.remote, conn.local, conn.id);
        return;
      case 'ping':
        // RFC 5626 §3.5.1 CRLF keep-alive inside a WebSocket message: answer with one CRLF.
        this.counters.keepalivePingsAnswered++;
        if (conn.open) conn.ws.send('\r\n');
        return;
      case 'pong':
        return;
      case 'error':
        // RFC 7118 §5: one SIP message per WebSocket message; anything else fails this flow only.
        this.counters.wsFramingErrors++;
        this.logger.warn({ connection: conn.id, remote: conn.remote, reason: kind.reason, bytes: frame.length }, `${this.protocol}: WebSocket message is not exactly one SIP message, closing connection`);
        conn.ws.close(1007, kind.reason);
        setTimeout(() => conn.ws.terminate(), 1000).unref();
        return;
    }
  }

  private startPinging(): void {
    const every = this.opts.pingInterval ?? 30_000;
    if (every <= 0) return;
    this.pingTimer = setInterval(() => {
      for (const conn of this.byId.values()) {
        if (!conn.alive) {
          this.counters.wsPingTimeouts++;
          this.logger.warn({ connection: conn.id, remote: conn.remote }, `${this.protocol}: no pong, connection dropped`);
          conn.ws.terminate();
          continue;
        }
        conn.alive = false;
        if (conn.open) conn.ws.ping();
      }
    }, every);
    this.pingTimer.unref();
  }

  private forget(conn: WsConnection): void {
    if (this.byId.get(conn.id) !== conn) return;
    this.byId.delete(conn.id);
    for (const key of [remoteKey(conn.remote.address, conn.remote.port), ...conn.aliases]) {
      if (this.byRemote.get(key) === conn) this.byRemote.delete(key);
    }
    this.counters.connectionsOpen--;
    this.logger.debug({ connection: conn.id, remote: conn.remote }, `${this.protocol}: connection closed`);
    this.sink.onConnectionClosed({ connectionId: conn.id, remote: conn.remote, local: conn.local, inbound: true });
  }
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}
