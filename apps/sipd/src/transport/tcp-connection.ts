// One TCP connection: framing (stream-framer), CRLF keep-alive answers, idle timeout, writes.
import type { Socket } from 'node:net';
import { toTransportError, TransportError } from './errors';
import { KEEPALIVE_PONG, StreamFramer, type FrameErrorReason, type StreamFramerOptions } from './stream-framer';
import type { Endpoint, Protocol } from './types';

export interface ConnectionHandlers {
  onMessage(conn: TcpConnection, data: Buffer): void;
  /** Returns bytes to write before closing (e.g. a 400). */
  onFramingError(conn: TcpConnection, reason: FrameErrorReason, head: Buffer | undefined): Buffer | undefined;
  onPing(conn: TcpConnection): void;
  onIdle(conn: TcpConnection): void;
  onClose(conn: TcpConnection): void;
}

export class TcpConnection {
  private readonly framer: StreamFramer;
  private closedFlag = false;
  /** Extra address:port keys this connection is reachable under (RFC 5923 alias). */
  readonly aliases: string[] = [];

  constructor(
    readonly id: string,
    readonly protocol: Protocol,
    readonly socket: Socket,
    readonly remote: Endpoint,
    readonly local: Endpoint,
    /** True when we accepted it, false when we connected out. */
    readonly inbound: boolean,
    framing: StreamFramerOptions,
    idleTimeout: number,
    private readonly handlers: ConnectionHandlers,
  ) {
    this.framer = new StreamFramer(framing);
    socket.setNoDelay(true);
    if (idleTimeout > 0) {
      socket.setTimeout(idleTimeout, () => this.handlers.onIdle(this));
    }
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => undefined); // 'close' follows; send() reports write errors
    socket.on('close', () => {
      this.closedFlag = true;
      this.handlers.onClose(this);
    });
  }

  get open(): boolean {
    return !this.closedFlag && !this.socket.destroyed && this.socket.writable;
  }

  write(data: Buffer): Promise<void> {
    if (!this.open) return Promise.reject(new TransportError('ECLOSED', `connection ${this.id} is closed`));
    return new Promise((resolve, reject) => {
      this.socket.write(data, (err) => {
        if (err) reject(toTransportError(err, `tcp write on ${this.id}`));
        else resolve();
      });
    });
  }

  /** Ends the connection (after flushing `last`, if given). */
  close(last?: Buffer): void {
    if (this.closedFlag) return;
    if (last !== undefined && this.open) this.socket.end(last);
    else this.socket.destroy();
    // end() half-closes; make sure the socket goes away even if the peer never closes its side.
    setTimeout(() => this.socket.destroy(), 1000).unref();
  }

  private onData(chunk: Buffer): void {
    for (const ev of this.framer.push(chunk)) {
      switch (ev.type) {
        case 'message':
          this.handlers.onMessage(this, ev.data);
          break;
        case 'ping':
          // RFC 5626 §3.5.1: "\r\n\r\n" is answered with "\r\n".
          if (this.open) this.socket.write(KEEPALIVE_PONG);
          this.handlers.onPing(this);
          break;
        case 'pong':
          break;
        case 'error':
          this.close(this.handlers.onFramingError(this, ev.reason, ev.head));
          return;
      }
    }
  }
}
