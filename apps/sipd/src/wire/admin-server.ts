// The admin server apps connect to (drachtio-server's ClientController + client.cpp command
// handling): authenticate, route/remove_route, ping are answered here; `sip` and `proxy` commands
// go to the engine as typed events; the engine pushes SIP to apps through AppConnection.
// Contract: docs/wire-protocol.md.
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type TlsOptions } from 'node:tls';
import { AppConnection, type ConnectionLimits, type ConnectionOwner, type DisconnectInfo } from './app-connection';
import { EnhancedEventEmitter } from './enhanced-events';
import { InvalidStateError, isFatal, WireError } from './errors';
import { DEFAULT_MAX_FRAME_BYTES } from './frame-codec';
import type { AppCommand, CommandError, MsgId, ProxyCommand, SipCommand } from './messages';
import { RouteRegistry } from './route-registry';

/** `vX.Y.Z` ≥ v0.8.2 is required or srf never sends `ping` (srf serverVersionAtLeast()). */
export const DEFAULT_SERVER_VERSION = 'v0.9.10-sipd';
export const DEFAULT_ADMIN_PORT = 9022;

export interface AdminServerOptions {
  host?: string; // default 127.0.0.1
  port?: number; // default 9022; 0 = ephemeral
  /** Shared secret(s); an app must present one of them. */
  secret: string | readonly string[];
  /** `proto/host:port` of every SIP transport, evaluated at each authenticate. */
  hostports?: readonly string[] | (() => readonly string[]);
  /** Same with the bound (local) addresses; defaults to hostports. */
  localHostports?: readonly string[] | (() => readonly string[]);
  serverVersion?: string;
  maxFrameBytes?: number; // default 1 MiB
  authTimeoutMs?: number; // default 10 000; 0 = off
  idleTimeoutMs?: number; // default 0 = off
  maxWriteBufferBytes?: number; // default 16 MiB
  maxConnections?: number; // default 1 000
  closeGraceMs?: number; // default 1 000
  /** Unanswered sip/proxy commands allowed per connection before new ones get NOK. */
  maxPendingCommands?: number; // default 10 000
  /** Accept TLS instead of plain TCP (drachtio-server's --tls-port; srf connect({tls})). */
  tls?: TlsOptions;
}

export interface AdminServerEvents extends Record<string, unknown[]> {
  listening: [address: AddressInfo];
  /** An app authenticated. */
  'app-connected': [conn: AppConnection];
  /** An app's connection closed (authenticated or not); its routes are already removed. */
  'app-disconnected': [conn: AppConnection, info: DisconnectInfo];
  /** A `sip` command; answer with conn.sendResponse(msgId, reply). */
  'sip-command': [conn: AppConnection, msgId: MsgId, command: SipCommand];
  /** A `proxy` command; answer with proxy-response replies then proxy-done (or a failure). */
  'proxy-command': [conn: AppConnection, msgId: MsgId, command: ProxyCommand];
  'route-added': [conn: AppConnection, verb: string];
  'route-removed': [conn: AppConnection, verb: string];
  /** A malformed frame/command; the connection has been answered and, if fatal, closed. */
  'protocol-error': [conn: AppConnection, error: WireError];
  /** A listener of another event threw. */
  listenererror: [eventName: string, error: unknown];
  /** The listening socket failed. */
  error: [error: Error];
}

type ListFn = readonly string[] | (() => readonly string[]);
const resolveList = (l: ListFn | undefined): string[] => (l === undefined ? [] : [...(typeof l === 'function' ? l() : l)]);
const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

export class AdminServer extends EnhancedEventEmitter<AdminServerEvents> implements ConnectionOwner {
  readonly #opts: AdminServerOptions;
  readonly #limits: ConnectionLimits;
  readonly #secrets: Buffer[];
  readonly #server: Server;
  readonly #connections = new Set<AppConnection>();
  readonly #routes = new RouteRegistry<AppConnection>();
  readonly #maxPending: number;
  #closed = false;

  constructor(opts: AdminServerOptions) {
    super();
    this.#opts = opts;
    const secrets = typeof opts.secret === 'string' ? [opts.secret] : [...opts.secret];
    if (secrets.length === 0 || secrets.some((s) => s.length === 0)) throw new TypeError('AdminServer: secret must be non-empty');
    this.#secrets = secrets.map(digest);
    this.#limits = {
      maxFrameBytes: opts.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES,
      authTimeoutMs: opts.authTimeoutMs ?? 10_000,
      idleTimeoutMs: opts.idleTimeoutMs ?? 0,
      maxWriteBufferBytes: opts.maxWriteBufferBytes ?? 16 * 1024 * 1024,
      closeGraceMs: opts.closeGraceMs ?? 1_000,
    };
    this.#maxPending = opts.maxPendingCommands ?? 10_000;
    // A TLS server hands over the socket after the handshake ('secureConnection').
    this.#server = opts.tls
      ? createTlsServer(opts.tls, (socket) => this.#onConnection(socket))
      : createServer((socket) => this.#onConnection(socket));
    if (opts.tls) this.#server.on('tlsClientError', () => undefined); // a failed handshake only affects that peer
    this.#server.maxConnections = opts.maxConnections ?? 1_000;
    this.#server.on('error', (err) => this.safeEmit('error', err));
  }

  /** Starts listening; resolves with the bound address (port 0 ⇒ the ephemeral port). */
  listen(): Promise<AddressInfo> {
    if (this.#closed) return Promise.reject(new InvalidStateError('AdminServer is closed'));
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      this.#server.once('error', onError);
      this.#server.listen(this.#opts.port ?? DEFAULT_ADMIN_PORT, this.#opts.host ?? '127.0.0.1', () => {
        this.#server.off('error', onError);
        const address = this.#server.address() as AddressInfo;
        this.safeEmit('listening', address);
        resolve(address);
      });
    });
  }

  address(): AddressInfo | undefined {
    const a = this.#server.address();
    return a !== null && typeof a === 'object' ? a : undefined;
  }

  /** Stops accepting, destroys every app connection (each emits app-disconnected). Idempotent. */
  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    for (const conn of [...this.#connections]) conn.destroy('server closed');
    return new Promise((resolve) => {
      if (!this.#server.listening) return resolve();
      this.#server.close(() => resolve());
    });
  }

  /**
   * The app that gets a new out-of-dialog request with this method (or a CDR event `cdr:start`),
   * round robin among the apps that routed it; with tag, only apps that authenticated with it.
   * undefined ⇒ drachtio-server answers 503 (docs/wire-protocol.md §4.1).
   */
  pickAppFor(verb: string, tag?: string): AppConnection | undefined {
    return this.#routes.pick(verb, tag);
  }

  /** Apps routing a verb, in registration order. */
  appsRouting(verb: string): readonly AppConnection[] {
    return this.#routes.candidates(verb);
  }

  /** Every open connection (authenticated or not). */
  connections(): AppConnection[] {
    return [...this.#connections];
  }

  // ── ConnectionOwner ──

  /** @internal */
  onCommand(conn: AppConnection, cmd: AppCommand | CommandError): void {
    if (cmd.type === 'error') {
      // drachtio-server answers NO and drops the connection for commands it cannot process at all;
      // a bad SIP text or an unsupported combination only gets NOK (docs/wire-protocol.md §7).
      const fatal = isFatal(cmd.error.code);
      if (cmd.msgId !== undefined) {
        conn.replyDirect(cmd.msgId, { kind: 'failure', token: fatal ? 'NO' : 'NOK', reason: cmd.error.message });
      }
      this.safeEmit('protocol-error', conn, cmd.error);
      if (fatal) conn.close(`protocol error: ${cmd.error.message}`);
      return;
    }
    if (cmd.type === 'authenticate') return this.#authenticate(conn, cmd.msgId, cmd.secret, cmd.tags);
    if (!conn.authenticated) {
      conn.replyDirect(cmd.msgId, { kind: 'failure', token: 'NO', reason: 'not authenticated' });
      this.safeEmit('protocol-error', conn, new WireError('EFORMAT', `${cmd.type} before authenticate`));
      conn.close('command before authenticate');
      return;
    }
    switch (cmd.type) {
      case 'ping':
        conn.replyDirect(cmd.msgId, { kind: 'pong' });
        return;
      case 'route':
        if (this.#routes.add(cmd.verb, conn)) {
          conn.setRoutes([...conn.routes, cmd.verb]);
          this.safeEmit('route-added', conn, cmd.verb);
        }
        conn.replyDirect(cmd.msgId, { kind: 'ok' });
        return;
      case 'remove_route':
        if (this.#routes.remove(cmd.verb, conn)) {
          conn.setRoutes([...conn.routes].filter((v) => v !== cmd.verb));
          this.safeEmit('route-removed', conn, cmd.verb);
        }
        conn.replyDirect(cmd.msgId, { kind: 'ok' });
        return;
      case 'sip':
        return this.#dispatch(conn, cmd.msgId, 'sip', () => this.safeEmit('sip-command', conn, cmd.msgId, cmd.command));
      case 'proxy':
        return this.#dispatch(conn, cmd.msgId, 'proxy', () => this.safeEmit('proxy-command', conn, cmd.msgId, cmd.command));
    }
  }

  /** @internal */
  onClosed(conn: AppConnection, info: DisconnectInfo): void {
    if (!this.#connections.delete(conn)) return;
    const routes = this.#routes.removeAll(conn);
    this.safeEmit('app-disconnected', conn, { ...info, routes });
  }

  // ── private ──

  #onConnection(socket: Socket): void {
    if (this.#closed) {
      socket.destroy();
      return;
    }
    this.#connections.add(new AppConnection(socket, this, this.#limits));
  }

  #authenticate(conn: AppConnection, msgId: MsgId, secret: string, tags: string[]): void {
    if (conn.authenticated) {
      conn.replyDirect(msgId, { kind: 'failure', token: 'NO', reason: 'already authenticated' });
      return;
    }
    const given = digest(secret);
    const ok = this.#secrets.some((s) => timingSafeEqual(s, given));
    if (!ok) {
      conn.replyDirect(msgId, { kind: 'failure', token: 'NO', reason: 'incorrect secret' });
      conn.close('incorrect secret');
      return;
    }
    conn.markAuthenticated(tags);
    const hostports = resolveList(this.#opts.hostports);
    const local = this.#opts.localHostports === undefined ? hostports : resolveList(this.#opts.localHostports);
    conn.replyDirect(msgId, {
      kind: 'authenticated',
      hostports,
      version: this.#opts.serverVersion ?? DEFAULT_SERVER_VERSION,
      localHostports: local,
    });
    this.safeEmit('app-connected', conn);
  }

  #dispatch(conn: AppConnection, msgId: MsgId, type: 'sip' | 'proxy', emit: () => boolean): void {
    if (conn.pendingCount >= this.#maxPending) {
      conn.replyDirect(msgId, { kind: 'failure', reason: `sipd: more than ${this.#maxPending} commands pending` });
      return;
    }
    conn.trackCommand(msgId, type);
    const eventName = type === 'sip' ? 'sip-command' : 'proxy-command';
    if (this.listenerCount(eventName) === 0) {
      conn.sendResponse(msgId, { kind: 'failure', reason: `sipd: no engine handles ${type} commands` });
      return;
    }
    emit();
  }
}
