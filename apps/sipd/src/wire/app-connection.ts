// One app's TCP connection (drachtio-server's Client): frame I/O, authentication state, tags,
// the app commands still waiting for the engine's reply, and protection against oversize frames,
// silent peers and slow readers. Protocol decisions live in AdminServer; this class only does I/O
// and state, and tells its owner through the ConnectionOwner callbacks (mediasoup's private
// "@close" pattern).
import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import { FrameDecoder } from './frame-codec';
import { FrameOutbox } from './frame-outbox';
import {
  formatCdr,
  formatReply,
  formatSipToApp,
  parseAppCommand,
  replyContinues,
  type AppCommand,
  type CdrEvent,
  type CommandError,
  type CommandReply,
  type FrameParts,
  type MsgId,
  type SipToApp,
} from './messages';

export interface ConnectionOwner {
  onCommand(conn: AppConnection, cmd: AppCommand | CommandError): void;
  onClosed(conn: AppConnection, info: DisconnectInfo): void;
}

export interface ConnectionLimits {
  maxFrameBytes: number;
  /** Close if not authenticated within this time; 0 = never. */
  authTimeoutMs: number;
  /** Close if nothing is received for this long; 0 = never (srf only pings with enablePing). */
  idleTimeoutMs: number;
  /** Close a peer that does not read: our unsent bytes above this. */
  maxWriteBufferBytes: number;
  /** Time allowed for the peer to close after we end() the connection. */
  closeGraceMs: number;
}

export interface DisconnectInfo {
  reason: string;
  wasAuthenticated: boolean;
  /** Verbs the connection had routed (filled in by the admin server). */
  routes: string[];
  /** sip/proxy commands the engine had not answered (or, for proxy, not finished). */
  pendingCommandIds: MsgId[];
}

interface PendingCommand {
  type: 'sip' | 'proxy';
  receivedAt: number;
}

let nextConnectionNumber = 1;

export class AppConnection {
  readonly id: string;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly connectedAt = Date.now();

  readonly #socket: Socket;
  readonly #owner: ConnectionOwner;
  readonly #limits: ConnectionLimits;
  readonly #decoder: FrameDecoder;
  readonly #pending = new Map<MsgId, PendingCommand>();
  #tags = new Set<string>();
  #routes = new Set<string>();
  #authenticated = false;
  #closed = false;
  #closeReason = '';
  #authTimer: NodeJS.Timeout | undefined;
  #idleTimer: NodeJS.Timeout | undefined;
  #graceTimer: NodeJS.Timeout | undefined;

  constructor(socket: Socket, owner: ConnectionOwner, limits: ConnectionLimits) {
    this.id = `app-${nextConnectionNumber++}`;
    this.#socket = socket;
    this.#owner = owner;
    this.#limits = limits;
    this.remoteAddress = socket.remoteAddress ?? '';
    this.remotePort = socket.remotePort ?? 0;
    this.#decoder = new FrameDecoder({ maxFrameBytes: limits.maxFrameBytes });
    socket.setNoDelay(true);
    socket.setKeepAlive(true);
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('error', () => {
      // 'close' follows; the reason recorded there is enough
    });
    socket.on('close', () => this.#onSocketClosed());
    if (limits.authTimeoutMs > 0) {
      this.#authTimer = setTimeout(() => this.close('authentication timeout'), limits.authTimeoutMs);
    }
    this.#armIdle();
  }

  get authenticated(): boolean {
    return this.#authenticated;
  }
  get tags(): ReadonlySet<string> {
    return this.#tags;
  }
  get routes(): ReadonlySet<string> {
    return this.#routes;
  }
  get closed(): boolean {
    return this.#closed;
  }

  hasTag(tag: string): boolean {
    return this.#tags.has(tag);
  }

  get pendingCount(): number {
    return this.#pending.size;
  }

  pendingCommandIds(): MsgId[] {
    return [...this.#pending.keys()];
  }

  /**
   * Answers an app's sip/proxy command. Returns false (and sends nothing) when the connection is
   * closed or msgId is not an open command of this connection — as drachtio-server drops replies
   * for apps that went away.
   */
  sendResponse(replyTo: MsgId, reply: CommandReply): boolean {
    if (this.#closed || !this.#pending.has(replyTo)) return false;
    if (!replyContinues(reply)) this.#pending.delete(replyTo);
    return this.#write(formatReply(randomUUID(), replyTo, reply));
  }

  /** Pushes a SIP request/response to the app (docs/wire-protocol.md §4). */
  sendSipMessage(message: SipToApp): boolean {
    if (this.#closed || !this.#authenticated) return false;
    return this.#write(formatSipToApp(randomUUID(), message));
  }

  sendCdr(event: CdrEvent): boolean {
    if (this.#closed || !this.#authenticated) return false;
    return this.#write(formatCdr(randomUUID(), event));
  }

  /**
   * Half-closes (pending writes are flushed first, so a final NO reply reaches the app), then
   * destroys the socket if the peer has not closed within closeGraceMs. Idempotent.
   */
  close(reason = 'closed by server'): void {
    if (this.#closed) return;
    this.#markClosed(reason);
    this.#flush();
    this.#socket.end();
    this.#graceTimer = setTimeout(() => this.#socket.destroy(), this.#limits.closeGraceMs);
    this.#graceTimer.unref();
  }

  /** Closes at once, dropping unsent bytes (server shutdown). */
  destroy(reason = 'server closed'): void {
    if (!this.#closed) this.#markClosed(reason);
    this.#socket.destroy();
  }

  // ── used by AdminServer ──

  /** @internal */
  replyDirect(replyTo: MsgId, reply: CommandReply): boolean {
    if (this.#closed) return false;
    return this.#write(formatReply(randomUUID(), replyTo, reply));
  }

  /** @internal */
  trackCommand(msgId: MsgId, type: 'sip' | 'proxy'): void {
    this.#pending.set(msgId, { type, receivedAt: Date.now() });
  }

  /** @internal */
  markAuthenticated(tags: readonly string[]): void {
    this.#authenticated = true;
    this.#tags = new Set(tags);
    if (this.#authTimer) clearTimeout(this.#authTimer);
    this.#authTimer = undefined;
  }

  /** @internal */
  setRoutes(routes: Iterable<string>): void {
    this.#routes = new Set(routes);
  }

  // ── private ──

  #onData(chunk: Buffer): void {
    if (this.#closed) return;
    this.#armIdle();
    const { frames, error } = this.#decoder.push(chunk);
    for (const frame of frames) {
      if (this.#closed) return;
      this.#owner.onCommand(this, parseAppCommand(frame));
    }
    if (error && !this.#closed) {
      this.#owner.onCommand(this, { type: 'error', msgId: undefined, error });
    }
  }

  #write(parts: FrameParts): boolean {
    if (this.#socket.writableLength > this.#limits.maxWriteBufferBytes) {
      this.destroy(`app is not reading: more than ${this.#limits.maxWriteBufferBytes} bytes unsent`);
      return false;
    }
    // Frames produced in one turn of the event loop leave in one write (one syscall under load).
    if (this.#outbox.empty) setImmediate(this.#flush);
    this.#outbox.add(parts);
    return true;
  }

  readonly #outbox = new FrameOutbox();

  readonly #flush = (): void => {
    if (this.#outbox.empty) return;
    const out = this.#outbox.take();
    if (this.#socket.destroyed) return;
    this.#socket.write(out);
  };

  #armIdle(): void {
    if (this.#limits.idleTimeoutMs <= 0) return;
    if (this.#idleTimer) this.#idleTimer.refresh();
    else this.#idleTimer = setTimeout(() => this.close('idle timeout'), this.#limits.idleTimeoutMs);
  }

  #markClosed(reason: string): void {
    this.#closed = true;
    this.#closeReason = reason;
    if (this.#authTimer) clearTimeout(this.#authTimer);
    if (this.#idleTimer) clearTimeout(this.#idleTimer);
    this.#authTimer = this.#idleTimer = undefined;
    const info: DisconnectInfo = {
      reason,
      wasAuthenticated: this.#authenticated,
      routes: [...this.#routes],
      pendingCommandIds: [...this.#pending.keys()],
    };
    this.#pending.clear();
    this.#owner.onClosed(this, info);
  }

  #onSocketClosed(): void {
    if (this.#graceTimer) clearTimeout(this.#graceTimer);
    if (!this.#closed) this.#markClosed('closed by app');
  }

  /** Why the connection closed ('' while open). */
  get closeReason(): string {
    return this.#closeReason;
  }
}

