// UDP transport (RFC 3261 §18): one socket per listening address, datagram = message.
import dgram from 'node:dgram';
import { lookup as dnsLookup, type LookupOneOptions } from 'node:dns';
import { isIP, isIPv6 } from 'node:net';
import type { TransportCounters } from './counters';
import { toTransportError, TransportError } from './errors';
import type { SendFailureListener, Transport, TransportLogger, TransportSink } from './transport';
import type { Destination, Endpoint } from './types';

export interface UdpOptions {
  /** SO_RCVBUF in bytes, set explicitly (bursts of REGISTER/OPTIONS). Default 4 MiB (the host max). */
  recvBufferSize?: number;
  /** SO_SNDBUF in bytes. Default 1 MiB. */
  sendBufferSize?: number;
}

/** Largest UDP payload over IPv4 (65535 − 8 − 20); IPv6 allows 65527 without jumbograms. */
const MAX_DATAGRAM = { v4: 65507, v6: 65527 };

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string, family: number) => void;

/**
 * dgram resolves the destination of every send with dns.lookup, which answers even an IP literal
 * only on the next tick, so each response waited a tick (and a closure) before its sendmsg. sipd's
 * destinations are addresses (names are resolved in core/target.ts), answered here at once; a
 * name still goes to dns.lookup, as dgram would do.
 */
export function lookupAddress(address: string, options: LookupOneOptions | number, callback: LookupCallback): void {
  const family = isIP(address);
  if (family !== 0) {
    callback(null, address, family);
    return;
  }
  if (typeof options === 'number') dnsLookup(address, options, callback);
  else dnsLookup(address, options, callback);
}

export class UdpTransport implements Transport {
  readonly protocol = 'udp' as const;
  readonly local: Endpoint;
  private readonly socket: dgram.Socket;
  private closed = false;
  private bound = false;

  constructor(
    address: string,
    port: number,
    private readonly sink: TransportSink,
    private readonly counters: TransportCounters,
    private readonly logger: TransportLogger,
    private readonly opts: UdpOptions = {},
  ) {
    this.local = { protocol: 'udp', address, port };
    this.socket = dgram.createSocket({ type: isIPv6(address) ? 'udp6' : 'udp4', ipv6Only: isIPv6(address), lookup: lookupAddress });
    this.socket.on('message', (data, rinfo) => this.onDatagram(data, rinfo));
    this.socket.on('error', (err) => this.logger.warn({ err, local: this.local }, 'udp socket error'));
  }

  listen(): Promise<Endpoint> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(toTransportError(err, `udp bind ${this.local.address}:${this.local.port}`));
      this.socket.once('error', onError);
      this.socket.bind({ address: this.local.address, port: this.local.port, exclusive: true }, () => {
        this.socket.off('error', onError);
        this.bound = true;
        this.applyBufferSizes();
        this.local.port = this.socket.address().port;
        resolve({ ...this.local });
      });
    });
  }

  /** Effective kernel buffer sizes (Linux reports twice the requested value). */
  bufferSizes(): { recv: number; send: number } {
    return { recv: this.socket.getRecvBufferSize(), send: this.socket.getSendBufferSize() };
  }

  send(data: Buffer, dest: Destination): Promise<void> {
    const refused = this.refusal(data, dest);
    if (refused !== undefined) return Promise.reject(refused);
    return new Promise((resolve, reject) => {
      this.socket.send(data, dest.port, dest.address, (err) => {
        if (err) {
          reject(toTransportError(err, `udp send to ${dest.address}:${dest.port}`));
          return;
        }
        this.counters.datagramsOut++;
        this.counters.bytesOut += data.length;
        resolve();
      });
    });
  }

  /**
   * send() for the hot path: the datagram is queued and handed to the socket at the end of this
   * turn of the event loop; a failure reaches `listener` on a later tick (as a rejection of send()
   * would), and success counts the message.
   */
  post(data: Buffer, dest: Destination, listener: SendFailureListener | undefined): void {
    const refused = this.refusal(data, dest);
    if (refused !== undefined) {
      this.failLater(refused, listener);
      return;
    }
    // The datagrams of one turn of the event loop leave together at its end: a run of sendmsg
    // calls costs less CPU than the same calls spread between message handling (measured).
    if (this.outbox.length === 0) setImmediate(this.flushOutbox);
    this.outbox.push({ data, dest, listener });
  }

  /** Datagrams post() queued in this turn of the event loop. */
  private outbox: Array<{ data: Buffer; dest: Destination; listener: SendFailureListener | undefined }> = [];

  private readonly flushOutbox = (): void => {
    const queued = this.outbox;
    this.outbox = [];
    for (const { data, dest, listener } of queued) {
      if (this.closed) {
        this.failLater(new TransportError('ECLOSED', 'udp transport is closed'), listener);
        continue;
      }
      try {
        this.socket.send(data, dest.port, dest.address, (err) => {
          if (err) {
            this.counters.sendErrors++;
            listener?.sendFailed(toTransportError(err, `udp send to ${dest.address}:${dest.port}`));
            return;
          }
          this.counters.datagramsOut++;
          this.counters.bytesOut += data.length;
          this.counters.messagesOut.udp++;
        });
      } catch (err) {
        this.failLater(toTransportError(err, `udp send to ${dest.address}:${dest.port}`), listener);
      }
    }
  };

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    // What was posted before close() still goes out, as a send() before it would have.
    if (this.outbox.length > 0) this.flushOutbox();
    this.closed = true;
    return new Promise((resolve) => {
      try {
        this.socket.close(() => resolve());
      } catch {
        resolve(); // never bound, or already closed after a failed bind
      }
    });
  }

  /** Why a datagram cannot be sent at all (closed socket, over the size limit), if so. */
  private refusal(data: Buffer, dest: Destination): TransportError | undefined {
    if (this.closed || !this.bound) return new TransportError('ECLOSED', 'udp transport is closed');
    const max = isIPv6(dest.address) ? MAX_DATAGRAM.v6 : MAX_DATAGRAM.v4;
    if (data.length > max) return new TransportError('ETOOLARGE', `udp: ${data.length} bytes exceed the ${max}-byte datagram limit`);
    return undefined;
  }

  private failLater(err: TransportError, listener: SendFailureListener | undefined): void {
    this.counters.sendErrors++;
    if (listener !== undefined) process.nextTick(() => listener.sendFailed(err));
  }

  private applyBufferSizes(): void {
    const recv = this.opts.recvBufferSize ?? 4 * 1024 * 1024;
    const send = this.opts.sendBufferSize ?? 1024 * 1024;
    try {
      this.socket.setRecvBufferSize(recv);
      this.socket.setSendBufferSize(send);
    } catch (err) {
      // Above net.core.rmem_max the kernel caps silently; an error here means no permission.
      this.logger.warn({ err, recv, send }, 'udp: could not set socket buffer sizes');
    }
  }

  private onDatagram(data: Buffer, rinfo: dgram.RemoteInfo): void {
    this.counters.datagramsIn++;
    this.counters.bytesIn += data.length;
    // RFC 5626 §4.4.1 STUN keep-alives and stray CRLFs carry no SIP message.
    if (data.length <= 4 && data.toString('latin1').trim() === '') return;
    this.sink.onMessage(data, { protocol: 'udp', address: rinfo.address, port: rinfo.port }, this.local);
  }
}
